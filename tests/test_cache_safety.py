"""The cache is private and never trusted; workers and locks never hang (issue 14: 3-5, 8, 9, 13).

Each test plants what an attacker with write access to a shared cache (or a crash, or a
full disk) would leave, then runs the real command or PostIndex and asserts what a user
would notice: no code ran, nothing outside the cache changed, right answers, one notice.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pickle
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from blogtui.search import catalogue, segments, store, workers
from blogtui.search.index import PostIndex
from blogtui.search.search import search
from tests._hostile import TIMEOUT, marker, open_via, run, searched, write_good_posts

POSTS = 12
REPO = Path(__file__).resolve().parents[1]
#: The workers' stall bound in these tests: long enough for a loaded machine to start one.
STALL_S = 8.0
FUZZ_ARGS = ("--cases", "1000", "--index-every", "100")


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    write_good_posts(root, POSTS)
    return root


def location(root: Path) -> Path:
    return store.index_location(root)


def hits(proc: subprocess.CompletedProcess[bytes]) -> list[str]:
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return [hit["path"] for hit in json.loads(proc.stdout)]


def notices(proc: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line for line in proc.stderr.decode(errors="replace").splitlines() if line.strip()]


def indexed(root: Path) -> Path:
    proc = run("index", "-a", str(root))
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return location(root)


# ---------------------------------------------------------------------------------------------
# 3. A planted Whoosh TOC pickle never runs


class _Payload:
    """Unpickling this runs a shell command (what a planted TOC would do)."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (self.command,))


def plant_toc(folder: Path, command: str) -> None:
    """Rewrite the index's current TOC so that reading it runs `command`."""
    from unittest import mock

    from whoosh import index as whoosh_index
    from whoosh.filedb.filestore import FileStorage

    storage = FileStorage(str(folder))
    ix = storage.open_index()
    toc = ix._read_toc()
    name = whoosh_index.TOC._filename(ix.indexname, toc.generation)
    storage.delete_file(name)
    evil = pickle.dumps(_Payload(command), 2)
    with mock.patch.object(whoosh_index.pickle, "dumps", lambda *a, **k: evil):
        toc.write(storage, ix.indexname)


@pytest.mark.parametrize("how", ["writable-by-others", "owned-by-someone-else"])
def test_a_planted_toc_pickle_is_never_read_from_an_untrusted_folder(
    archive: Path, tmp_path: Path, how: str
) -> None:
    folder = indexed(archive)
    pwned = tmp_path / "PWNED"
    plant_toc(folder / store.WHOOSH, f"touch {pwned}")
    for path in [folder, *folder.rglob("*")]:
        if how == "writable-by-others":
            os.chmod(path, 0o777 if path.is_dir() else 0o666)
        else:
            os.lchown(path, 65534, 65534)
    proc = searched(archive, marker(3))
    assert not pwned.exists(), "the planted pickle ran"
    assert hits(proc) == ["posts/good-00003.md"]
    said = notices(proc)
    assert len(said) == 1 and "refusing" in said[0] and "memory" in said[0], said


# ---------------------------------------------------------------------------------------------
# 4. Private modes whatever the umask


def test_the_cache_is_private_under_umask_022(archive: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "blogtui", "search", "-a", str(archive), marker(1), "--json"],
        capture_output=True,
        timeout=TIMEOUT,
        umask=0o022,
        check=False,
    )
    assert hits(proc) == ["posts/good-00001.md"]
    base = Path(os.environ["XDG_CACHE_HOME"]) / "blogtui"
    made = [base, *base.rglob("*")]
    assert any(p.name == store.CATALOGUE for p in made)
    loose = [
        f"{p} {stat.S_IMODE(p.lstat().st_mode):o}"
        for p in made
        if stat.S_IMODE(p.lstat().st_mode) != (0o700 if p.is_dir() else 0o600)
    ]
    assert loose == []


def test_an_old_readable_index_folder_is_closed(archive: Path) -> None:
    folder = indexed(archive)
    os.chmod(folder, 0o755)  # as an older blogtui made it under umask 022
    proc = searched(archive, marker(2))
    assert hits(proc) == ["posts/good-00002.md"]
    assert notices(proc) == []
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


# ---------------------------------------------------------------------------------------------
# 5. Symlinks in the index folder are never followed


def test_a_lock_symlinked_to_a_victim_never_touches_it(archive: Path, tmp_path: Path) -> None:
    folder = indexed(archive)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious words\n")
    (folder / store.LOCK).unlink()
    (folder / store.LOCK).symlink_to(victim)
    (archive / "posts" / "good-00004.md").write_text("---\ntitle: Changed\n---\nzqchanged\n")
    proc = searched(archive, "zqchanged")
    assert hits(proc) == ["posts/good-00004.md"]
    assert victim.read_text() == "precious words\n"
    said = notices(proc)
    assert len(said) == 1 and "symlink" in said[0], said


def test_a_whoosh_folder_symlinked_elsewhere_is_never_written(
    archive: Path, tmp_path: Path
) -> None:
    folder = indexed(archive)
    elsewhere = tmp_path / "elsewhere"
    (folder / store.WHOOSH).rename(elsewhere)
    before = sorted(p.name for p in elsewhere.iterdir())
    (folder / store.WHOOSH).symlink_to(elsewhere, target_is_directory=True)
    (archive / "posts" / "good-00005.md").write_text("---\ntitle: Edited\n---\nzqedited\n")
    proc = searched(archive, "zqedited")
    assert hits(proc) == ["posts/good-00005.md"]
    assert sorted(p.name for p in elsewhere.iterdir()) == before
    assert len(notices(proc)) == 1


# ---------------------------------------------------------------------------------------------
# 8. No bytes in the catalogue crash a command; bad records are repaired


def test_a_self_referencing_marshal_catalogue_is_a_notice_not_a_crash(archive: Path) -> None:
    folder = indexed(archive)
    path = folder / store.CATALOGUE
    path.write_bytes(b"{\xa9\x01r\x00\x00\x00\x00N0")  # marshal: a key containing itself
    for _ in range(2):
        proc = run("list", "-a", str(archive), "--json")
        assert proc.returncode == 0, (proc.returncode, proc.stderr)
        assert len(json.loads(proc.stdout)) == POSTS
    assert hits(searched(archive, marker(6))) == ["posts/good-00006.md"]


def _with_records(folder: Path, change: Any) -> None:
    """Rewrite the catalogue (checksum made right) with `change` applied to each record."""
    path = folder / store.CATALOGUE
    entries, site = catalogue.load_with_site(
        path.read_bytes(), store.SCHEMA_VERSION, catalogue.opener_in(folder)
    )
    for key, entry in list(entries.items()):
        record = change(list(entry.record or ()))
        blob = json.dumps([record, entry.canon]).encode()
        entries[key] = catalogue.Entry(entry.mtime_ns, entry.size, None, entry.problems, blob=blob)
    path.write_bytes(catalogue.dump(entries, store.SCHEMA_VERSION, site))


@pytest.mark.parametrize("tags", [[1, 2], [None], [["nested"]], [{"a": 1}], "good"])
def test_non_text_tags_in_the_catalogue_are_repaired_once(archive: Path, tags: Any) -> None:
    folder = indexed(archive)
    at = catalogue._NAMES.index("tags")
    _with_records(folder, lambda rec: [*rec[:at], tags, *rec[at + 1 :]])
    first = run("tags", "-a", str(archive), "--json")
    assert first.returncode == 0, first.stderr.decode(errors="replace")
    assert {"name": "good", "count": POSTS} in json.loads(first.stdout)
    # The counts come from the term keys; the first command that decodes the records
    # (tags may not need to) repairs them, with one notice.
    found = searched(archive, marker(8))
    assert hits(found) == ["posts/good-00008.md"]
    said = notices(first) + notices(found)
    assert len(said) == 1 and "repairing" in said[0], said
    again = searched(archive, marker(8))
    assert hits(again) == ["posts/good-00008.md"]
    assert notices(again) == [], "the repair was not kept"


def test_a_catalogue_with_one_flipped_byte_fails_its_checksum(archive: Path) -> None:
    folder = indexed(archive)
    path = folder / store.CATALOGUE
    data = bytearray(path.read_bytes())
    columns = data.index(b"\n", len(catalogue.MAGIC)) + 1  # the columns' line
    data[columns + 20] ^= 0x01
    with pytest.raises(catalogue.Damaged, match="checksum"):
        catalogue.load(bytes(data), store.SCHEMA_VERSION)


def test_a_flipped_byte_in_the_listing_keys_fails_their_own_digest(archive: Path) -> None:
    folder = indexed(archive)
    path = folder / store.CATALOGUE
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01  # the keys' line: checked when they are first decoded
    loaded = catalogue.load_all(bytes(data), store.SCHEMA_VERSION, catalogue.opener_in(folder))
    assert loaded.body is not None and loaded.body.key_columns() is None  # derived again
    assert all(entry.keys is not None for entry in loaded.entries.values() if entry.readable)


def test_a_thousand_fuzzed_catalogues_raise_only_our_error() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "fuzz_catalogue.py"), *FUZZ_ARGS],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, (proc.returncode, proc.stderr.decode(errors="replace")[-3000:])
    assert b"1000 catalogues" in proc.stdout


# ---------------------------------------------------------------------------------------------
# 9. Worker messages are framed and drained; waits are bounded

_FAKE_WORKER = textwrap.dedent(
    """
    import sys, time
    from blogtui.search import workers
    source, out = sys.stdin.buffer, sys.stdout.buffer
    workers.read_frame(source)
    open({starts!r}, "a").write("started ")
    if {stall!r} and not __import__("os").path.exists({flag!r}):
        open({flag!r}, "w").close()
        time.sleep(600)  # stuck, the first time only
    if {busy!r} and not __import__("os").path.exists({flag!r}):
        open({flag!r}, "w").close()
        end = time.monotonic() + {busy!r}
        while time.monotonic() < end:  # silent, computing: a long segment write
            pass
    first, second = workers.read_frame(source), workers.read_frame(source)
    frames = []
    for chunk in (first, second):
        rows = [("", 0, 100, (), b"", b"", None, None)] * len(chunk)
        payload = workers.pickle.dumps(("done", len(chunk), rows))
        frames.append(workers._HEADER.pack(len(payload)) + payload)
    out.write(b"".join(frames))  # both replies in one write: they arrive together
    out.flush()
    while workers.read_frame(source) is not None:
        pass
    workers.write_frame(out, ("ok", []))
    """
)


class _File:
    def __init__(self, number: int) -> None:
        self.path, self.size = f"p{number}.md", 100


def _fake_build(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    stall: bool,
    busy: float = 0.0,
    stall_s: float = STALL_S,
) -> list[Any]:
    flag, starts = str(tmp_path / "stalled-once"), str(tmp_path / "starts")
    code = _FAKE_WORKER.format(stall=stall, busy=busy, flag=flag, starts=starts)
    monkeypatch.setattr(workers, "WORKER_CODE", code)
    monkeypatch.setattr(workers, "CHUNK", 1)
    monkeypatch.setattr(workers, "WORKER_STALL_S", stall_s)
    seen: list[Any] = []
    todo = [_File(n) for n in range(2 * workers.WORKERS)]
    workers.build(tmp_path, todo, None, lambda done, total: seen.append((done, total)))
    return seen


def test_two_worker_replies_arriving_together_are_both_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    began = time.monotonic()
    seen = _fake_build(monkeypatch, tmp_path, stall=False)
    assert seen[-1] == (4, 4)
    assert time.monotonic() - began < STALL_S, "a reply sat in a buffer until the stall bound"


def test_a_silent_worker_that_is_computing_is_waited_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Silent for longer than the stall bound but using CPU (a segment written on a loaded
    machine): not killed, the build not started again (two helpers' cold builds at 100,000
    posts failed this way at load 15-20)."""
    if _cpu_ticks_unknown():
        pytest.skip("no /proc here to tell a computing worker from a stuck one")
    seen = _fake_build(monkeypatch, tmp_path, stall=False, busy=3.0, stall_s=1.0)
    assert seen[-1] == (4, 4)
    assert (tmp_path / "starts").read_text().count("started") == workers.WORKERS


def _cpu_ticks_unknown() -> bool:
    return not os.path.exists("/proc/self/stat")


def test_a_stuck_worker_is_killed_and_the_build_tried_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = _fake_build(monkeypatch, tmp_path, stall=True)
    assert (tmp_path / "stalled-once").exists()
    assert seen[-1] == (4, 4)


def test_a_refresh_lock_held_elsewhere_gives_up_with_a_message(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    PostIndex.open(archive).close()
    monkeypatch.setattr(store, "LOCK_WAIT_S", 0.3)
    fd = os.open(location(archive) / store.LOCK, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.pwrite(fd, b"4242\n", 0)
        with pytest.raises(TimeoutError, match="pid 4242"):
            PostIndex.open(archive)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------
# 13. A full disk leaves no partial files; rewrites never grow the index without bound


def test_enospc_mid_refresh_leaves_only_the_files_the_toc_names(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    PostIndex.open(archive).close()
    whoosh = location(archive) / store.WHOOSH
    before = sorted(p.name for p in whoosh.iterdir())
    for n in range(POSTS):
        path = archive / "posts" / f"good-{n:05d}.md"
        path.write_text(path.read_text() + "\nzqappended\n")
    real_open = os.open

    def full_at_the_toc(path: Any, flags: int, *args: Any, **kw: Any) -> int:
        if os.path.basename(os.fsdecode(path)).startswith("_MAIN_") and flags & os.O_CREAT:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fsdecode(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", full_at_the_toc)
    monkeypatch.setattr("builtins.open", open_via(full_at_the_toc))
    said: list[str] = []
    index = PostIndex.open(archive, notice=said.append)
    try:
        assert len(search(index, "zqappended").hits) == POSTS  # from memory
    finally:
        index.close()
    assert len(said) == 1 and "memory" in said[0], said
    assert sorted(p.name for p in whoosh.iterdir()) == before
    assert [p.name for p in location(archive).iterdir() if p.name.startswith(".")] == []
    monkeypatch.undo()
    again: list[str] = []
    index = PostIndex.open(archive, notice=again.append)
    try:
        assert len(search(index, "zqappended").hits) == POSTS
        assert index.location is not None and again == []
    finally:
        index.close()


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("parallel", [False, True])
def test_whole_archive_rewrites_keep_the_index_near_a_fresh_builds_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    root = tmp_path / "archive"
    paths = write_good_posts(root, 120, paragraphs=6)
    monkeypatch.setattr("blogtui.search.index.PARALLEL_MIN", 50 if parallel else 10_000)
    PostIndex.open(root).close()
    fresh = _size(location(root) / store.WHOOSH)
    for rewrite in range(4):
        for path in paths:
            with (root / path).open("a") as handle:
                handle.write(f"\nrewrite {rewrite}\n")
        PostIndex.open(root).close()
    grown = _size(location(root) / store.WHOOSH)
    assert grown <= 1.5 * fresh, (grown, fresh)


class _Segment:
    def __init__(self, total: int, live: int) -> None:
        self.total, self.live = total, live

    def doc_count_all(self) -> int:
        return self.total

    def doc_count(self) -> int:
        return self.live


class _Reader:
    def __init__(self, storage: Any, schema: Any, segment: _Segment) -> None:
        self.segment = segment

    def close(self) -> None:
        pass


def test_mostly_deleted_segments_are_merged_and_empty_ones_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept, stale, empty = _Segment(1000, 700), _Segment(1000, 600), _Segment(1000, 0)
    added: list[_Reader] = []
    writer = type("Writer", (), {"storage": None, "schema": None, "add_reader": added.append})
    monkeypatch.setattr("whoosh.reading.SegmentReader", _Reader)
    assert segments.merge_small(writer, [kept, stale, empty]) == [kept]
    assert [reader.segment for reader in added] == [stale]


def test_an_index_left_without_its_catalogue_is_built_anew_not_doubled(archive: Path) -> None:
    """What an older blogtui's cache (catalogue.marshal) or a killed cold build leaves."""
    folder = indexed(archive)
    (folder / store.CATALOGUE).rename(folder / "catalogue.marshal")
    assert hits(searched(archive, marker(9))) == ["posts/good-00009.md"]
    assert len(hits(searched(archive, "good"))) == POSTS
    assert not (folder / "catalogue.marshal").exists()
