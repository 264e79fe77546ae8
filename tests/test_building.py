"""A whole build in workers: its catalogue, streamed to the data file as the workers answer,
holds what a build in one process stores, and it counts spellings as counting in path order does."""

from __future__ import annotations

import json
import random
import shutil
import sys
import time
from pathlib import Path

import pytest

from blogtui.search import building, catalogue, segments, spellings, store, workers
from blogtui.search import index as index_module
from blogtui.search.index import PostIndex
from tests.conftest import NOW, ROOT
from tests.test_index import write_post

sys.path.insert(0, str(ROOT / "benchmarks"))
from gen_corpus import generate

POSTS = 240


def _open(root: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, *, parallel: bool) -> PostIndex:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setattr(index_module, "PARALLEL_MIN", 10 if parallel else 10**9)
    return PostIndex.open(root, now=NOW)


def _stored(index: PostIndex) -> tuple[dict[str, tuple[bytes, bytes]], list[object], object]:
    """Each entry's record JSON and fragment, the catalogue's listing keys and spellings, as
    read back from disk by a fresh load."""
    assert index.location is not None
    location = index.location
    loaded = catalogue.load_all(
        (location / store.CATALOGUE).read_bytes(),
        store.SCHEMA_VERSION,
        catalogue.opener_in(location),
    )
    docs = {p: (e.blob(), bytes(e.shown())) for p, e in loaded.entries.items()}
    keys = [e.keys for e in loaded.entries.values()]
    return docs, keys, loaded.spellings


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated archive with spelling variants of its tags (`Go`, `go`)."""
    return generate(tmp_path_factory.mktemp("built") / "blog", POSTS, seed=5).root


def test_a_whole_parallel_build_stores_what_a_serial_build_does(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "SEGMENT_BYTES", 300_000)  # several segments a worker
    serial = _open(archive, tmp_path / "serial", monkeypatch, parallel=False)
    parallel = _open(archive, tmp_path / "parallel", monkeypatch, parallel=True)
    try:
        assert parallel.posts() == serial.posts()
        docs, keys, counts = _stored(parallel)
        assert (docs, keys) == _stored(serial)[:2]
        assert json.dumps(counts) == json.dumps(_stored(serial)[2])  # order too
        canon = [e.canon for e in serial._entries.values() if e.canon is not None]
        assert canon, "the corpus should have terms respelled archive-wide"
        assert [p.path for p in PostIndex.open(archive, now=NOW).posts()] == [
            p.path for p in serial.posts()
        ]
    finally:
        serial.close()
        parallel.close()


def test_each_worker_process_takes_its_share_and_a_new_one_the_rest(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes are replaced once each was sent WORKER_BYTES (a process's heap only
    grows): more processes than WORKERS, one segment each, and the same catalogue."""
    started: list[int] = []

    class Counted(workers.Worker):
        def __init__(self, *args: object) -> None:
            super().__init__(*args)  # type: ignore[arg-type]
            started.append(self.proc.pid)

    serial = _open(archive, tmp_path / "serial", monkeypatch, parallel=False)
    monkeypatch.setattr(workers, "Worker", Counted)
    monkeypatch.setattr(workers, "WORKER_BYTES", 150_000)
    monkeypatch.setattr(workers, "CHUNK", 5)
    parallel = _open(archive, tmp_path / "parallel", monkeypatch, parallel=True)
    try:
        size = sum(p.stat().st_size for p in archive.rglob("*.md"))  # (~2 MB)
        assert len(set(started)) >= size // 300_000 > workers.WORKERS
        assert parallel.posts() == serial.posts()
        assert _stored(parallel)[:2] == _stored(serial)[:2]
    finally:
        serial.close()
        parallel.close()


def test_each_row_from_a_worker_carries_the_parents_own_path(archive: Path, tmp_path: Path) -> None:
    """Workers answer in a chunk's order without the paths; the parent gives each row the
    path of the file it sent (its own string: a build holds one copy of each), and each
    row's document is that file's."""
    from blogtui.archive import scan

    todo = scan(archive).files
    store.whoosh_storage(tmp_path).create_index(segments.schema()).close()

    class Caught(building.Kept):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[building.Row] = []

        def add(self, rows: list[building.Row]) -> None:
            self.rows += rows
            super().add(rows)

    sink = Caught()
    workers.build(tmp_path, todo, NOW, None, sink=sink)
    sources = {source.path: source for source in todo}
    assert sorted(row[0] for row in sink.rows) == sorted(sources)
    for row in sink.rows:
        assert row[0] is sources[row[0]].path
        assert json.dumps(row[0]).encode() in bytes(row[5])  # its `list --json` fragment


def test_an_edit_after_a_streamed_build_is_seen_and_stored(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "blog"
    shutil.copytree(archive, copy)
    built = _open(copy, tmp_path / "cache", monkeypatch, parallel=True)
    paths = [p.path for p in built.posts()]
    built.close()
    victim = sorted(paths)[POSTS // 2]
    time.sleep(0.01)
    write_post(copy, victim, "Edited Title", "A narwhal.", tags="[Fresh]")
    again = PostIndex.open(copy, now=NOW)
    try:
        post = next(p for p in again.posts() if p.path == victim)
        assert (post.title, post.tags) == ("Edited Title", ("Fresh",))
        assert len(again.posts()) == len(paths)
        assert again.location is not None
        assert len(list(again.location.glob("catalogue-*.dat"))) == 1
    finally:
        again.close()
    reloaded = PostIndex.open(copy, now=NOW, refresh=False)
    assert next(p for p in reloaded.posts() if p.path == victim).title == "Edited Title"


def test_a_data_file_left_by_a_killed_build_is_removed_by_the_next(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    location = store.index_location(archive)
    store.prepare_location(location, archive)
    left = location / catalogue.data_name(b"\x01" * 8)
    left.write_bytes(b"half a build")
    left.chmod(0o600)
    index = _open(archive, tmp_path / "cache", monkeypatch, parallel=True)
    index.close()
    assert not left.exists()
    assert len(list(location.glob("catalogue-*.dat"))) == 1


def _row(root: Path, rel: str, tags: str) -> building.Row:
    """A post written and read as a build worker reads it, as it sends it."""
    from blogtui.archive import SourceFile

    path = write_post(root, rel, rel, "Some words.", tags=tags)
    stat = path.stat()
    entry, _post = catalogue.read(SourceFile(rel, path, stat.st_mtime_ns, stat.st_size), NOW)
    return building.row_of(rel, entry)


def test_a_restarted_stream_forgets_what_it_took(tmp_path: Path) -> None:
    """A stalled build is run again: what the first attempt sent must not count twice."""
    first, second = _row(tmp_path, "a.md", "[Go]"), _row(tmp_path, "b.md", "[go]")
    third = _row(tmp_path, "d.md", "[Go]")
    stream = building.Streamed(tmp_path)
    stream.add([first, second])
    stream.restart()
    stream.add([second, third, first, ("c.md", 1, 2, ("unreadable",), b"", b"", None, None)])
    counts = stream.finish()
    assert counts.tables["tags"] == {"Go": [2, "a.md", 0, True], "go": [1, "b.md", 0, True]}
    assert list(stream.entries) == ["a.md", "b.md", "c.md", "d.md"], "in path order, as saved"
    assert stream.entries["a.md"].blob() == first[4]
    respelled = stream.entries["b.md"]  # go -> Go, the more frequent spelling
    assert catalogue.post_of(respelled.record, respelled.canon).tags == ("Go",)
    assert b'"Go"' in respelled.shown()
    unreadable = stream.entries["c.md"]
    assert (unreadable.readable, unreadable.problems) == (False, ("unreadable",))
    written = sum(len(row[i]) for row in (first, second, third) for i in (4, 5))
    assert (tmp_path / stream.name).stat().st_size == written


def test_counting_in_any_order_gives_the_counts_of_path_order() -> None:
    rng = random.Random(3)
    spellings_of = ["Go", "go", "GO", "Rust", "rust", "c++", "C++", "Python"]
    records = []
    for n in range(300):
        groups: list[tuple[str, tuple[str, ...]]] = [
            ("tags", tuple(rng.sample(spellings_of, rng.randint(0, 3)))),
            ("authors", tuple(rng.sample(["Ada", "ada", "Bo"], rng.randint(0, 2)))),
        ]
        if rng.random() < 0.1:
            groups.append((f"taxonomies/{rng.choice('xyz')}", ("One", "one")[: rng.randint(0, 2)]))
        records.append((f"p{n:03}.md", groups))
    in_order = spellings.Spellings()
    for path, groups in records:
        in_order.add_groups(path, groups)
    tally = spellings.Tally()
    for path, groups in rng.sample(records, len(records)):
        tally.add(path, groups)
    counted = tally.counted()
    assert json.dumps(counted.to_json()) == json.dumps(in_order.to_json())
    assert counted.choices() == in_order.choices()
