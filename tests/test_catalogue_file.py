"""The catalogue's data file (catalogue 4): what an edit writes, damage, and other processes.

The head (catalogue.json) holds the columns and names a data file of records and
fragments in digested chunks; a save appends the documents of the posts that changed and
replaces the head; when most of the file is dead it is written anew under a new name.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from blogtui.search import catalogue, store
from blogtui.search.index import PostIndex
from blogtui.search.search import search
from blogtui.search.store import index_location
from tests.test_index import write_post


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    root = tmp_path / "blog"
    for n in range(40):
        write_post(root, f"posts/p{n:02}.md", f"Post {n}", f"Body {n} of the heron archive.")
    return root


def data_files(root: Path) -> list[Path]:
    return sorted(index_location(root).glob("catalogue-*.dat"))


def titles(index: PostIndex) -> set[str]:
    return {post.title for post in index.posts()}


def hits(index: PostIndex, text: str) -> set[str]:
    return {hit.post.path for hit in search(index, text).hits}


def edit(path: Path, title: str, body: str) -> None:
    before = path.stat()
    path.write_text(f"---\ntitle: {title}\ndate: 2024-05-01\n---\n\n{body}\n", "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))


def test_an_edit_appends_to_the_data_file_and_is_found(blog: Path) -> None:
    PostIndex.open(blog).close()
    (data,) = data_files(blog)
    size = data.stat().st_size
    edit(blog / "posts/p07.md", "Seven, edited", "A kingfisher now.")
    index = PostIndex.open(blog)
    assert hits(index, "kingfisher") == {"posts/p07.md"}
    assert "Seven, edited" in titles(index) and len(titles(index)) == 40
    assert data_files(blog) == [data], "the same file, appended to"
    grown = data.stat().st_size - size
    assert 0 < grown < size / 10, "only the edited post's documents are written"


def test_a_damaged_chunk_is_repaired_from_the_files_with_one_notice(blog: Path) -> None:
    PostIndex.open(blog).close()
    (data,) = data_files(blog)
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 4] ^= 0x20  # inside the records
    data.write_bytes(bytes(raw))
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert len(titles(index)) == 40 and hits(index, "heron") == {
        f"posts/p{n:02}.md" for n in range(40)
    }
    assert len(notices) == 1 and "repairing" in notices[0], notices
    index.close()
    again: list[str] = []
    assert len(titles(PostIndex.open(blog, notice=again.append))) == 40
    assert again == [], "the repair was written back"


def test_damaged_fragments_are_made_again_not_printed(blog: Path) -> None:
    from blogtui.search import listing

    PostIndex.open(blog).close()
    (data,) = data_files(blog)
    raw = bytearray(data.read_bytes())
    raw[-3] ^= 0x01  # the last chunk holds fragments
    data.write_bytes(bytes(raw))
    index = PostIndex.open(blog)
    rows = listing.kept_in_order(index.table(), "date", drafts=True, hidden=False, years=[])
    assert rows is not None
    text = listing.json_text(rows, None)
    assert text is not None and text.count('"title": "Post ') == 40


def test_a_missing_data_file_rebuilds_with_one_notice(blog: Path) -> None:
    PostIndex.open(blog).close()
    for path in data_files(blog):
        path.unlink()
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert len(titles(index)) == 40 and len(notices) == 1, notices
    assert len(data_files(blog)) == 1


def test_a_data_file_removed_before_a_save_is_written_anew(blog: Path) -> None:
    """The data file goes while an index that read it is open (it still reads the file it
    opened): its next save cannot append, so every document goes to a new file; nothing
    is lost and no notice is given."""
    PostIndex.open(blog).close()
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    (data,) = data_files(blog)
    data.unlink()
    edit(blog / "posts/p07.md", "Seven, edited", "A kingfisher now.")
    index.refresh()
    index.close()
    (written,) = data_files(blog)
    assert written != data and notices == []
    again = PostIndex.open(blog, notice=notices.append)
    assert hits(again, "kingfisher") == {"posts/p07.md"}
    assert "Seven, edited" in titles(again) and len(titles(again)) == 40 and notices == []


def test_a_full_disk_while_the_documents_are_written_leaves_no_data_file(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documents are written as they are made; the disk fills after the first chunk:
    the half-written file is removed, the command answers from memory with one notice,
    and the next command with room builds the catalogue whole."""
    write_all, calls = store.write_all, []

    def filling(fd: int, data: store.Buffer) -> None:
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        write_all(fd, data)

    monkeypatch.setattr(store, "write_all", filling)
    monkeypatch.setattr(catalogue, "RECORD_CHUNK_BYTES", 64)  # (many chunks for 40 posts)
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert len(titles(index)) == 40 and hits(index, "heron") and len(calls) == 2
    assert len(notices) == 1 and "No space left" in notices[0], notices
    assert data_files(blog) == []
    monkeypatch.setattr(store, "write_all", write_all)
    again = PostIndex.open(blog, notice=notices.append)
    assert len(titles(again)) == 40 and len(data_files(blog)) == 1 and len(notices) == 1


def test_a_planted_data_file_name_is_not_followed(blog: Path, tmp_path: Path) -> None:
    PostIndex.open(blog).close()
    head = index_location(blog) / store.CATALOGUE
    text, rest = catalogue.split_head(head.read_bytes())
    (data,) = data_files(blog)
    planted = text.replace(data.name.encode(), b"../../../../etc/passwd", 1)
    head.write_bytes(catalogue.seal_head(planted) + rest)
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert len(titles(index)) == 40
    assert len(notices) == 1 and "rebuilding" in notices[0], notices


def test_a_symlinked_data_file_is_refused(blog: Path, tmp_path: Path) -> None:
    PostIndex.open(blog).close()
    (data,) = data_files(blog)
    elsewhere = tmp_path / "elsewhere.dat"
    elsewhere.write_bytes(data.read_bytes())
    data.unlink()
    data.symlink_to(elsewhere)
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert len(titles(index)) == 40, "answered from memory"
    assert len(notices) == 1 and "symlink" in notices[0], notices


def test_mostly_dead_data_is_written_anew_and_an_open_reader_keeps_reading(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalogue, "COMPACT_BYTES", 0)
    reader = PostIndex.open(blog)  # loaded the first generation; reads lazily
    (first,) = data_files(blog)
    for turn in range(3):  # every post edited: the file is mostly dead
        for n in range(40):
            edit(blog / f"posts/p{n:02}.md", f"Post {n} v{turn}", f"Body {n} osprey {turn}.")
        PostIndex.open(blog).close()
    (last,) = data_files(blog)
    assert last != first and not first.exists(), "a new file; the old one removed"
    assert {p.title for p in PostIndex.open(blog).posts()} == {f"Post {n} v2" for n in range(40)}
    # The reader opened before any of this still reads its own generation's documents
    # (until it refreshes), though their file is gone.
    assert titles(reader) == {f"Post {n}" for n in range(40)}


def test_two_saves_in_a_row_keep_one_file_and_every_post(blog: Path) -> None:
    PostIndex.open(blog).close()
    for n in (3, 9):
        edit(blog / f"posts/p{n:02}.md", f"Changed {n}", f"Body {n} egret.")
        index = PostIndex.open(blog)
        index.close()
    index = PostIndex.open(blog)
    assert hits(index, "egret") == {"posts/p03.md", "posts/p09.md"}
    assert len(data_files(blog)) == 1 and len(titles(index)) == 40


def test_after_a_save_the_listing_keys_stay_known_without_decoding(blog: Path) -> None:
    PostIndex.open(blog).close()
    index = PostIndex.open(blog)
    edit(blog / "posts/p11.md", "Eleven, edited", "A plover.")
    index.refresh()
    entries = index._entries
    assert all(entry.known_keys() is not None for entry in entries.values())
    assert all(entry._record is None for path, entry in entries.items() if path != "posts/p11.md")
    assert "Eleven, edited" in titles(index) and len(titles(index)) == 40


@pytest.mark.parametrize("named", ["posts/p04.md", "\udcff", "../../etc/passwd"])
def test_a_record_naming_another_file_is_repaired(blog: Path, named: str) -> None:
    import json

    PostIndex.open(blog).close()
    head = index_location(blog) / store.CATALOGUE
    loaded = catalogue.load_all(
        head.read_bytes(), store.SCHEMA_VERSION, catalogue.opener_in(head.parent)
    )
    old = loaded.entries["posts/p03.md"]
    record = list(old.record or ())
    record[catalogue._NAMES.index("path")] = named
    blob = json.dumps([record, old.canon]).encode("utf-8", "surrogatepass")
    loaded.entries["posts/p03.md"] = catalogue.Entry(old.mtime_ns, old.size, None, blob=blob)
    head.write_bytes(catalogue.dump(loaded.entries, store.SCHEMA_VERSION, loaded.site))
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert {post.path for post in index.posts()} == {f"posts/p{n:02}.md" for n in range(40)}
    assert len(notices) == 1 and "repairing" in notices[0], notices


def test_a_loaded_catalogue_makes_only_the_entries_looked_up(blog: Path) -> None:
    PostIndex.open(blog).close()
    index = PostIndex.open(blog)  # nothing changed: no entry needed by the refresh
    entries = index._entries
    assert isinstance(entries, catalogue.Stored)
    assert entries._made.count(None) == 40
    assert hits(index, "heron 7") == {"posts/p07.md"}
    assert 40 - entries._made.count(None) <= 2, "the hit's entry (and its snippet's)"
    assert index.count() == 40 and len(index.readable_paths()) == 40


def test_loaded_entries_change_as_a_dict_does_and_save_the_same(blog: Path) -> None:
    import random

    PostIndex.open(blog).close()
    location = index_location(blog)
    data = (location / store.CATALOGUE).read_bytes()
    loaded = catalogue.load_all(data, store.SCHEMA_VERSION, catalogue.opener_in(location))
    stored = loaded.entries
    assert isinstance(stored, catalogue.Stored) and loaded.body is not None
    mirror = dict(stored.copy().items())  # other Entry objects, in a dict
    chance = random.Random(7)
    paths = [*mirror, "posts/new-a.md", "posts/new-b.md"]
    for _ in range(300):
        path = chance.choice(paths)
        if chance.random() < 0.35 and path in mirror:
            del stored[path], mirror[path]
        else:
            odd = ("odd",) * chance.randrange(2)
            entry = catalogue.Entry(chance.randrange(10**9), 7, None, odd)
            stored[path] = mirror[path] = entry
        assert list(stored) == list(mirror) and len(stored) == len(mirror)
        assert (path in stored) == (path in mirror)
        assert stored.get(path) is mirror.get(path)
    assert list(stored.items()) == list(mirror.items())
    assert catalogue.readable_paths(stored) == catalogue.readable_paths(mirror)
    assert catalogue.problems_of(stored) == catalogue.problems_of(mirror)
    args = (store.SCHEMA_VERSION, "", None, loaded.body, loaded.body.file.size(), "x.dat")
    assert catalogue.plan(stored, *args).head == catalogue.plan(mirror, *args).head


def test_an_edit_after_a_load_saves_what_a_full_load_would(blog: Path) -> None:
    PostIndex.open(blog).close()
    edit(blog / "posts/p07.md", "Seven, edited", "A kingfisher now.")
    (blog / "posts/p09.md").unlink()
    PostIndex.open(blog).close()  # the edit saved from lazily made entries
    listed = {(p.path, p.title, p.date) for p in PostIndex.open(blog).posts()}
    rebuilt = PostIndex.open(blog, rebuild=True)
    assert listed == {(p.path, p.title, p.date) for p in rebuilt.posts()}
    assert len(listed) == 39 and ("posts/p07.md", "Seven, edited") in {x[:2] for x in listed}
    assert hits(PostIndex.open(blog), "kingfisher") == {"posts/p07.md"}


def as_catalogue_4(data: bytes) -> bytes:
    """A catalogue 5 head written as catalogue 4 wrote it: its numbers as JSON lists, one
    digest over both lines, no digest of the keys."""
    import base64
    import json
    from array import array

    def listed(packed: str) -> list[int]:
        return array("q", base64.b64decode(packed)).tolist()

    text, rest = catalogue.split_head(data)
    columns, _, keys = text.partition(b"\n")
    head = json.loads(columns)
    del head["keys"]
    head["mtimes"], head["sizes"] = listed(head["mtimes"]), listed(head["sizes"])
    head["rows"] = {name: listed(column) for name, column in head["rows"].items()}
    listing = json.loads(keys)
    for name in ("days", "micros", "expiry"):
        listing[name] = [None if n == -(2**63) else n for n in listed(listing[name])]
    keys = json.dumps(listing, ensure_ascii=False, separators=(",", ":")).encode()
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" + keys
    magic = b"blogtui-catalogue 4\n"
    digest = hashlib.blake2b(text, digest_size=32).hexdigest().encode()
    return magic + digest + b"\n" + text + b"\n" + rest


def test_a_catalogue_4_is_read_and_rewritten_once_without_a_rebuild(blog: Path) -> None:
    PostIndex.open(blog).close()
    head = index_location(blog) / store.CATALOGUE
    head.write_bytes(as_catalogue_4(head.read_bytes()))
    (data,) = data_files(blog)
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert len(titles(index)) == 40 and notices == []
    assert hits(index, "heron 7") == {"posts/p07.md"}
    assert head.read_bytes().startswith(catalogue.MAGIC), "rewritten in this format"
    assert data_files(blog) == [data], "its data file kept"
    assert len(titles(PostIndex.open(blog))) == 40


def test_damaged_listing_keys_are_derived_again_not_trusted(blog: Path) -> None:
    PostIndex.open(blog).close()
    head = index_location(blog) / store.CATALOGUE
    data = head.read_bytes()
    at = data.index(b'"titles":[') + len(b'"titles":["')
    assert data[at : at + 6] == b"Post 0"
    head.write_bytes(data[:at] + b"Planto" + data[at + 6 :])  # valid JSON; the seal holds
    index = PostIndex.open(blog)
    listed = [title for _path, title in sorted((p.path, p.title) for p in index.posts())]
    assert listed == [f"Post {n}" for n in range(40)]
    table = index.table()
    assert table is not None and len(table.rows) == 40 and "Planto" not in table.keys[5]


@pytest.mark.parametrize("order", ["saved in order", "out of order"])
def test_stored_entries_behave_as_a_dict(order: str) -> None:
    import random

    paths = [f"p/{n:03}.md" for n in range(50)]
    if order == "out of order":
        random.Random(3).shuffle(paths)
    zeros = [0] * len(paths)
    body = catalogue.Body.of_bytes(b"", [], (zeros, zeros, zeros, zeros, zeros, zeros))
    stored = catalogue.Stored(paths, list(range(50)), zeros, {4: ("odd",)}, body)
    mirror = dict(stored.items())
    chance = random.Random(11)
    for _ in range(400):
        path = chance.choice([*paths, "p/new.md", "p/001.md.x"])
        if chance.random() < 0.4 and path in mirror:
            del stored[path], mirror[path]
        elif chance.random() < 0.2:
            assert stored.get(path) is mirror.get(path)
        else:
            stored[path] = mirror[path] = catalogue.Entry(chance.randrange(99), 1, None)
        assert list(stored) == list(mirror) and (path in stored) == (path in mirror)
    assert list(stored.items()) == list(mirror.items()) and len(stored) == len(mirror)
    assert catalogue.problems_of(stored) == catalogue.problems_of(mirror)
    assert 3 not in stored and None not in stored  # not a path: absent, no error


def test_loaded_entries_are_known_to_be_the_heads_rows_without_making_them(blog: Path) -> None:
    PostIndex.open(blog).close()
    index = PostIndex.open(blog)
    entries, body = index._entries, index._body
    assert isinstance(entries, catalogue.Stored) and body is not None
    assert catalogue.as_stored(entries, body) and entries._made.count(None) == 40
    assert entries["posts/p03.md"].record is not None  # looked up (made), still its row
    assert catalogue.as_stored(entries, body)
    edit(blog / "posts/p05.md", "Five, edited", "A new body.")
    index.refresh()  # saved: the new catalogue's rows again
    assert catalogue.as_stored(index._entries, index._body)  # type: ignore[arg-type]
    changed = index._entries.copy()  # type: ignore[attr-defined]
    changed["posts/p06.md"] = catalogue.Entry(1, 1, None)
    assert not catalogue.as_stored(changed, index._body)  # type: ignore[arg-type]
    assert catalogue.as_stored(dict(index._entries.items()), index._body)  # type: ignore[arg-type]


# --- a small save is a patch line appended to the head ---------------------------------------


def head_file(root: Path) -> Path:
    return index_location(root) / store.CATALOGUE


def patch_lines(root: Path) -> list[bytes]:
    return [
        line for line in head_file(root).read_bytes().split(b"\n") if line.startswith(b"patch ")
    ]


def listing(index: PostIndex) -> list[tuple[str, str, object]]:
    return sorted((p.path, p.title, p.date) for p in index.posts())


def test_an_edit_appends_a_patch_line_to_the_head_and_every_command_after_sees_it(
    blog: Path,
) -> None:
    PostIndex.open(blog).close()
    before = head_file(blog).stat()
    edit(blog / "posts/p07.md", "Seven, edited", "A kingfisher now.")
    assert hits(PostIndex.open(blog), "kingfisher") == {"posts/p07.md"}
    after = head_file(blog).stat()
    assert after.st_ino == before.st_ino, "appended to, not replaced"
    assert 0 < after.st_size - before.st_size < 2000 and len(patch_lines(blog)) == 1
    edit(blog / "posts/p08.md", "Eight, edited", "A heron, then a dipper.")
    index = PostIndex.open(blog)  # (loads the head and its patch lines)
    assert len(patch_lines(blog)) == 2
    assert hits(index, "dipper") == {"posts/p08.md"} and hits(index, "kingfisher") == {
        "posts/p07.md"
    }
    assert listing(index) == listing(PostIndex.open(blog, rebuild=True))
    assert {"Seven, edited", "Eight, edited"} <= titles(index)


def test_patch_lines_are_folded_into_a_whole_head_when_there_are_many(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalogue, "MAX_PATCHES", 2)
    PostIndex.open(blog).close()
    for n in range(3):
        edit(blog / f"posts/p{n:02}.md", f"Edited {n}", f"The wren {n} sings.")
        PostIndex.open(blog).close()
    assert patch_lines(blog) == [], "the third save wrote the head whole"
    index = PostIndex.open(blog)
    assert {f"Edited {n}" for n in range(3)} <= titles(index) and len(titles(index)) == 40
    assert hits(index, "wren") == {f"posts/p{n:02}.md" for n in range(3)}


def test_an_added_or_deleted_post_writes_the_head_whole(blog: Path) -> None:
    PostIndex.open(blog).close()
    write_post(blog, "posts/new.md", "New one", "A grebe.")
    (blog / "posts/p03.md").unlink()
    index = PostIndex.open(blog)
    assert patch_lines(blog) == [] and hits(index, "grebe") == {"posts/new.md"}
    assert len(titles(PostIndex.open(blog))) == 40


def test_a_torn_patch_line_is_left_and_the_post_read_again_without_a_notice(blog: Path) -> None:
    PostIndex.open(blog).close()
    edit(blog / "posts/p07.md", "Seven, edited", "A kingfisher now.")
    PostIndex.open(blog).close()
    data = head_file(blog).read_bytes()
    head_file(blog).write_bytes(data[:-40])  # a save cut short in its last line
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert notices == []
    assert hits(index, "kingfisher") == {"posts/p07.md"} and "Seven, edited" in titles(index)
    assert patch_lines(blog) == [] and head_file(blog).read_bytes().endswith(b"\n")
    assert listing(PostIndex.open(blog)) == listing(PostIndex.open(blog, rebuild=True))


def test_a_damaged_patch_line_is_refused_with_one_notice_and_the_post_read_again(
    blog: Path,
) -> None:
    PostIndex.open(blog).close()
    edit(blog / "posts/p07.md", "Seven, edited", "A kingfisher now.")
    PostIndex.open(blog).close()
    stamp = head_file(blog).stat()
    data = bytearray(head_file(blog).read_bytes())
    at = data.rindex(b"Seven, edited")
    data[at] ^= 0x01  # the digest no longer matches
    head_file(blog).write_bytes(bytes(data))
    # Rotten in place: the same size and time, so the last walk still seems to match it.
    os.utime(head_file(blog), ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert len(notices) == 1 and "patch" in notices[0] and "repairing" in notices[0], notices
    assert hits(index, "kingfisher") == {"posts/p07.md"} and "Seven, edited" in titles(index)
    again: list[str] = []
    assert len(titles(PostIndex.open(blog, notice=again.append))) == 40 and again == []


@pytest.mark.parametrize(
    "value",
    [
        [10_000, 1, 1, 0, 0, 1, 0, 0, 1, [], None],  # no such entry
        [7, 1, -5, 0, 0, 1, 0, 0, 1, [], None],  # a negative size
        [7, 1, 1, 0, 0, 1, 0, 0, 1, [3], None],  # problems that are not text
        [7, 1, 1, 0, 0, 1, 0, 0],  # too short
        "x",
    ],
)
def test_a_planted_patch_with_a_good_digest_and_bad_values_is_refused(
    blog: Path, value: object
) -> None:
    import json

    PostIndex.open(blog).close()
    payload = json.dumps({"chunks": [], "set": [value]}).encode()
    digest = hashlib.blake2b(payload, digest_size=32).hexdigest().encode()
    with head_file(blog).open("ab") as out:
        out.write(b"patch " + digest + b" " + payload + b"\n")
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert len(notices) == 1 and "patch" in notices[0], notices
    assert len(titles(index)) == 40 and hits(index, "heron 7") == {"posts/p07.md"}
    assert patch_lines(blog) == [], "the head was written whole again"


def test_a_reader_that_loaded_before_a_patch_sees_it_at_its_next_refresh(blog: Path) -> None:
    reader = PostIndex.open(blog)
    assert "Seven, edited" not in titles(reader)
    edit(blog / "posts/p07.md", "Seven, edited", "A kingfisher now.")
    PostIndex.open(blog).close()  # another process saves the edit as a patch
    assert len(patch_lines(blog)) == 1
    reader.refresh()
    assert "Seven, edited" in titles(reader) and hits(reader, "kingfisher") == {"posts/p07.md"}
