"""The persistent index: freshness, correctness against a generated corpus, and recovery."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from blogtui.model import term_key
from blogtui.search import catalogue, segments, store, workers
from blogtui.search import index as index_module
from blogtui.search.index import PostIndex
from blogtui.search.search import search
from blogtui.search.store import index_location, prune
from tests.conftest import NOW, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from gen_corpus import Manifest, generate

POSTS = 300


def write_post(
    root: Path, rel: str, title: str, body: str, *, tags: str = "[]", day: str = "2024-05-01"
) -> Path:
    """Write one small Hugo post with YAML front matter."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title}\ndate: {day}\ntags: {tags}\n---\n\n{body}\n", "utf-8")
    return path


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    """A three-post archive written for the test."""
    root = tmp_path / "blog"
    write_post(root, "posts/alpha.md", "Alpha", "The quick zebrafish swims.", tags="[fish]")
    write_post(root, "posts/beta.md", "Beta", "A slow tortoise walks.", tags="[reptile]")
    write_post(root, "posts/gamma.md", "Gamma", "Tortoise and zebrafish meet.")
    return root


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Manifest, PostIndex]]:
    """A generated archive and its index, in a cache dir of the module's own."""
    base = tmp_path_factory.mktemp("indexed")
    manifest = generate(base / "blog", POSTS, seed=11)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(base / "cache"))
        index = PostIndex.open(manifest.root, now=NOW)
        yield manifest, index
        index.close()


def paths_for(index: PostIndex, text: str) -> set[str]:
    return {hit.post.path for hit in search(index, text).hits}


def fingerprint(root: Path) -> dict[str, tuple[str, int]]:
    """Every file's sha256 and mtime_ns."""
    return {
        p.relative_to(root).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in root.rglob("*")
        if p.is_file()
    }


# ---- correctness against the generator's own account -----------------------------------------


def test_every_generated_post_is_indexed(generated: tuple[Manifest, PostIndex]) -> None:
    manifest, index = generated
    assert {p.path for p in index.posts()} == {p.path for p in manifest.posts}


@pytest.mark.parametrize("taxonomy", ["tags", "categories"])
def test_term_counts_equal_an_independent_count(
    generated: tuple[Manifest, PostIndex], taxonomy: str
) -> None:
    manifest, index = generated
    facets = search(index, "").facets
    counted = facets.tags if taxonomy == "tags" else facets.categories
    assert {term_key(name): n for name, n in counted} == dict(manifest.counts(taxonomy))


def test_each_tag_query_finds_exactly_its_posts(generated: tuple[Manifest, PostIndex]) -> None:
    manifest, index = generated
    expected: dict[str, set[str]] = {}
    for post in manifest.posts:
        for tag in post.tags:
            expected.setdefault(term_key(tag), set()).add(post.path)
    for key, paths in sorted(expected.items())[:40]:
        assert paths_for(index, f'tag:"{key}"') == paths, key


def test_rare_words_are_found_in_exactly_the_posts_holding_them(
    generated: tuple[Manifest, PostIndex],
) -> None:
    manifest, index = generated
    rare = manifest.rare_words()
    assert rare, "the generator wrote no rare words"
    for word, paths in rare.items():
        assert paths_for(index, word) == paths, word


def test_parallel_build_matches_the_generator(
    generated: tuple[Manifest, PostIndex], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two-worker build (normally for big archives) indexes the same posts."""
    manifest, _ = generated
    monkeypatch.setattr(index_module, "PARALLEL_MIN", 10)
    monkeypatch.setattr(workers, "SEGMENT_BYTES", 500_000)  # several segments a worker
    seen: list[tuple[int, int]] = []
    index = PostIndex.open(manifest.root, now=NOW, progress=lambda d, t: seen.append((d, t)))
    try:
        assert seen and seen[-1][0] == seen[-1][1] >= POSTS
        assert len(index.posts()) == POSTS
        for word, paths in list(manifest.rare_words().items())[:30]:
            assert paths_for(index, word) == paths, word
        assert index.searcher()[0].doc_count() == POSTS
    finally:
        index.close()


# ---- freshness -------------------------------------------------------------------------------


def test_edit_add_and_delete_show_on_the_next_open(blog: Path) -> None:
    PostIndex.open(blog).close()
    time.sleep(0.01)
    write_post(blog, "posts/alpha.md", "Alpha", "Now about a narwhal.", tags="[fish]")
    write_post(blog, "posts/delta.md", "Delta", "Another narwhal appears.")
    (blog / "posts" / "beta.md").unlink()

    index = PostIndex.open(blog)
    assert {p.path for p in index.posts()} == {"posts/alpha.md", "posts/gamma.md", "posts/delta.md"}
    assert paths_for(index, "narwhal") == {"posts/alpha.md", "posts/delta.md"}
    assert paths_for(index, "zebrafish") == {"posts/gamma.md"}
    assert paths_for(index, "tortoise") == {"posts/gamma.md"}


def test_refresh_reports_what_changed_and_reads_only_that(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = PostIndex.open(blog)
    write_post(blog, "posts/beta.md", "Beta", "A slow tortoise naps.", tags="[reptile]")
    os.utime(blog / "posts" / "beta.md", ns=(1, 1))
    read: list[str] = []
    original = catalogue.read
    monkeypatch.setattr(
        catalogue, "read", lambda s, n, *site: (read.append(s.path), original(s, n, *site))[1]
    )
    report = index.refresh()
    assert (report.added, report.changed, report.deleted, report.total) == (0, 1, 0, 3)
    assert read == ["posts/beta.md"]
    assert paths_for(index, "naps") == {"posts/beta.md"}


def test_nothing_changed_does_not_import_whoosh(blog: Path) -> None:
    PostIndex.open(blog).close()
    code = (
        "import sys; from pathlib import Path; from blogtui.search.index import PostIndex;"
        f"ix = PostIndex.open(Path({str(blog)!r})); print(len(ix.posts()));"
        "print('whoosh' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    ).stdout.split()
    assert out == ["3", "False"]


def test_indexing_leaves_the_archive_byte_for_byte_unchanged(blog: Path) -> None:
    before = fingerprint(blog)
    index = PostIndex.open(blog)
    search(index, "zebrafish")
    index.refresh()
    assert fingerprint(blog) == before
    assert index.location is not None
    assert blog not in index.location.parents


# ---- location, pruning -----------------------------------------------------------------------


def test_index_lives_in_the_user_cache_and_prune_removes_orphans(
    tmp_path: Path, blog: Path, isolated_home: Path
) -> None:
    location = index_location(blog)
    assert location.parent == isolated_home / "cache" / "blogtui" / "indexes"
    assert index_location(blog / "posts" / "..") == location
    PostIndex.open(blog).close()
    other = tmp_path / "other"
    write_post(other, "a.md", "A", "text")
    PostIndex.open(other).close()
    assert prune() == []
    for child in sorted(other.rglob("*"), reverse=True):
        child.unlink() if child.is_file() else child.rmdir()
    other.rmdir()
    assert prune() == [index_location(other)]
    assert location.is_dir() and not index_location(other).exists()


# ---- recovery --------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["junk", "truncate"])
def test_a_garbled_index_is_rebuilt_with_one_notice(blog: Path, damage: str) -> None:
    PostIndex.open(blog).close()
    location = index_location(blog)
    for path in location.rglob("*"):
        if path.is_file():
            path.write_bytes(b"\x00garbage\xff" * 7 if damage == "junk" else b"")
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert paths_for(index, "zebrafish") == {"posts/alpha.md", "posts/gamma.md"}
    assert len(notices) == 1
    assert "unreadable" in notices[0] and "rebuilding" in notices[0]


def test_garbled_search_segments_alone_are_rebuilt_on_first_search(blog: Path) -> None:
    PostIndex.open(blog).close()
    for path in (index_location(blog) / "whoosh").iterdir():
        path.write_bytes(b"junk")
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert len(index.posts()) == 3  # the catalogue was fine: listing needs no rebuild
    assert paths_for(index, "tortoise") == {"posts/beta.md", "posts/gamma.md"}
    assert len(notices) == 1 and "rebuilding" in notices[0]


def test_a_schema_change_rebuilds(blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    PostIndex.open(blog).close()
    monkeypatch.setattr(store, "SCHEMA_VERSION", store.SCHEMA_VERSION + "-next")
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert len(notices) == 1 and "schema" in notices[0]
    assert paths_for(index, "zebrafish") == {"posts/alpha.md", "posts/gamma.md"}


def test_an_unwritable_cache_falls_back_to_memory_with_one_notice(
    blog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "cache"))
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert index.location is None
    assert paths_for(index, "zebrafish") == {"posts/alpha.md", "posts/gamma.md"}
    index.refresh()
    assert len(notices) == 1 and "in-memory" in notices[0]


def _hold_locks_forever(root: str, ready: multiprocessing.synchronize.Event) -> None:
    """Child: take the refresh lock and Whoosh's write lock, then hang until killed."""
    import fcntl

    location = index_location(Path(root))
    fd = os.open(location / "refresh.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, f"{os.getpid()}\n".encode())
    wfd = os.open(location / "whoosh" / "MAIN_WRITELOCK", os.O_RDWR | os.O_CREAT)
    fcntl.flock(wfd, fcntl.LOCK_EX)
    ready.set()
    time.sleep(600)


def test_a_lock_left_by_a_killed_process_is_recovered(blog: Path) -> None:
    PostIndex.open(blog).close()
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_locks_forever, args=(str(blog), ready))
    holder.start()
    assert ready.wait(30)
    assert holder.pid is not None
    os.kill(holder.pid, signal.SIGKILL)
    holder.join()
    write_post(blog, "posts/delta.md", "Delta", "A narwhal after the crash.")
    started = time.monotonic()
    index = PostIndex.open(blog)
    assert time.monotonic() - started < 10
    assert paths_for(index, "narwhal") == {"posts/delta.md"}


def _open_in_child(root: str) -> int:
    return len(PostIndex.open(Path(root)).posts())


def test_two_processes_indexing_at_once_both_succeed(tmp_path: Path) -> None:
    manifest = generate(tmp_path / "blog", 120, seed=5)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        counts = pool.map(_open_in_child, [str(manifest.root)] * 2)
    assert counts == [120, 120]
    index = PostIndex.open(manifest.root)
    assert index.searcher()[0].doc_count() == 120
    for word, paths in list(manifest.rare_words().items())[:10]:
        assert paths_for(index, word) == paths


def test_a_reader_keeps_working_while_another_process_writes(blog: Path) -> None:
    reader = PostIndex.open(blog)
    assert paths_for(reader, "zebrafish") == {"posts/alpha.md", "posts/gamma.md"}
    for n in range(3):
        write_post(blog, f"posts/new{n}.md", f"New {n}", "zebrafish again")
        writer = PostIndex.open(blog)
        writer.close()
    assert paths_for(reader, "zebrafish") == {"posts/alpha.md", "posts/gamma.md"}
    reader.refresh()
    assert len(paths_for(reader, "zebrafish")) == 5


def test_post_reads_the_body_fresh_from_the_file(blog: Path) -> None:
    index = PostIndex.open(blog)
    post = index.post("posts/alpha.md")
    assert post is not None and "zebrafish" in post.body
    assert all(p.body == "" for p in index.posts())
    write_post(blog, "posts/alpha.md", "Alpha", "Rewritten entirely.")
    post = index.post("posts/alpha.md")
    assert post is not None and "Rewritten" in post.body
    assert index.post("posts/missing.md") is None


def test_many_small_edits_keep_few_segments_and_correct_results(blog: Path) -> None:
    index = PostIndex.open(blog)
    for n in range(12):
        write_post(blog, f"posts/new{n}.md", f"New {n}", f"zebrafish number{n}")
        index.refresh()
    written = index._ix()._segments()
    assert len(written) < segments.SMALL_SEGMENTS_TO_MERGE + 1
    assert len(paths_for(index, "zebrafish")) == 14
    assert paths_for(index, "number7") == {"posts/new7.md"}


def test_searching_in_one_thread_while_refreshing_in_another(blog: Path) -> None:
    import threading

    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                assert {"posts/gamma.md"} <= paths_for(index, "zebrafish")
                time.sleep(0.001)  # keystrokes, not a spin: let the refresh take the lock
            except BaseException as exc:  # collected for the main thread to report
                errors.append(exc)
                return

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        for n in range(8):
            write_post(blog, f"posts/extra{n}.md", f"Extra {n}", "zebrafish extra")
            index.refresh()
    finally:
        stop.set()
        searcher.join()
    assert errors == []
    assert notices == [], "a commit seen midway must not be taken for damage"
    assert len(paths_for(index, "zebrafish")) == 10


@pytest.mark.parametrize("junk", [(2**62,) * 16, ("x",) * 3, None])
def test_a_catalogue_record_that_will_not_decode_is_repaired(blog: Path, junk: object) -> None:
    import json

    from blogtui.search import catalogue as records

    PostIndex.open(blog).close()
    catalogue = index_location(blog) / store.CATALOGUE
    entries, site = records.load_with_site(
        catalogue.read_bytes(), store.SCHEMA_VERSION, records.opener_in(catalogue.parent)
    )
    old = entries["posts/alpha.md"]
    blob = json.dumps([junk, None]).encode()
    entries["posts/alpha.md"] = records.Entry(old.mtime_ns, old.size, None, old.problems, blob=blob)
    catalogue.write_bytes(records.dump(entries, store.SCHEMA_VERSION, site))
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert paths_for(index, "zebrafish") == {"posts/alpha.md", "posts/gamma.md"}
    assert {p.title for p in index.posts()} == {"Alpha", "Beta", "Gamma"}
    assert len(notices) == 1 and "repairing" in notices[0]
    again: list[str] = []
    assert len(PostIndex.open(blog, notice=again.append).posts()) == 3
    assert again == []  # the repair was written back


def test_a_full_disk_mid_refresh_falls_back_to_memory(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    PostIndex.open(blog).close()  # the meta file exists: the failure comes mid-refresh
    write_post(blog, "posts/delta.md", "Delta", "A tortoise on a full disk.")
    monkeypatch.setattr(store, "write_atomic", full)
    notices: list[str] = []
    index = PostIndex.open(blog, notice=notices.append)
    assert index.location is None
    assert paths_for(index, "tortoise") == {"posts/beta.md", "posts/gamma.md", "posts/delta.md"}
    assert len(notices) == 1 and "No space left" in notices[0] and "in-memory" in notices[0]


def test_future_and_expired_are_judged_when_read_not_when_indexed(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    write_post(root, "posts/soon.md", "Soon", "Scheduled.", day="2026-12-01")
    (root / "posts/old.md").write_text(
        "---\ntitle: Old\ndate: 2020-01-01\nexpiryDate: 2026-11-15\n---\nGoing away.\n", "utf-8"
    )
    before = {p.path: p for p in PostIndex.open(root, now=NOW).posts()}  # NOW is 2026-11-01
    assert before["posts/soon.md"].future and not before["posts/old.md"].expired
    later = datetime(2027, 1, 1, tzinfo=UTC)  # nothing changed on disk; only time passed
    after = {p.path: p for p in PostIndex.open(root, now=later).posts()}
    assert not after["posts/soon.md"].future and after["posts/old.md"].expired
