"""Reliability: the archive is never written, and the index survives kills, races and faults.

Most tests run the real command in a subprocess. Tests and CI run as root, which ignores file
permissions, so the read-only cases run the command as `nobody` (setpriv) or on a read-only
bind mount, where the kernel refuses every write.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._hostile import (
    NOBODY,
    TIMEOUT,
    blogtui_argv,
    changes,
    fingerprint,
    keys,
    make_read_only,
    marker,
    nobody_owns,
    open_via,
    privilege_drop_problem,
    read_only_bind,
    run,
    searched,
    start_tui,
    tiny_tmpfs,
    tmux_server,
    wait_for,
    write_good_posts,
)

POSTS = 40


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A small archive: good posts in two sections and a Hugo leaf bundle."""
    root = tmp_path / "archive"
    write_good_posts(root, POSTS // 2, folder="posts")
    write_good_posts(root, POSTS // 2 - 1, folder="notes", start=POSTS // 2)
    bundle = root / "posts" / "a-bundle"
    bundle.mkdir()
    (bundle / "index.md").write_text("---\ntitle: A bundle\ndate: 2023-05-05\n---\n\nBundled.\n")
    return root


def env() -> dict[str, str]:
    """The environment for a subprocess: the test's isolated HOME/XDG dirs (see conftest)."""
    return dict(os.environ)


Prefix = tuple[str, ...]


def hits(proc: subprocess.CompletedProcess[bytes]) -> list[str]:
    """The paths of `search --json` hits, asserting the command succeeded."""
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return [hit["path"] for hit in json.loads(proc.stdout)]


def listed_paths(
    root: Path, environ: dict[str, str] | None = None, prefix: Prefix = ()
) -> list[str]:
    """The paths `list --json` gives, asserting it exits 0."""
    proc = run("list", "-a", str(root), "--json", env=environ, prefix=prefix)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return [post["path"] for post in json.loads(proc.stdout)]


def ok(proc: subprocess.CompletedProcess[bytes]) -> str:
    """Assert a command exited 0 without a traceback; return its stdout as text."""
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    return proc.stdout.decode()


def every_command(root: Path, environ: dict[str, str] | None = None, prefix: Prefix = ()) -> None:
    """index, list, search, cat, tags and categories over `root`, each with a correct answer."""
    target = str(root)

    def call(*args: str) -> str:
        return ok(run(*args, env=environ, prefix=prefix))

    call("index", "-a", target)
    assert len(listed_paths(root, environ, prefix)) == POSTS
    assert hits(searched(root, marker(3), env=environ, prefix=prefix)) == ["posts/good-00003.md"]
    assert len(hits(searched(root, "good", env=environ, prefix=prefix))) == POSTS - 1
    assert "A post that loads" in call("cat", "-a", target, "posts/good-00001.md")
    tags = json.loads(call("tags", "-a", target, "--json"))
    assert {"name": "good", "count": POSTS - 1} in tags
    call("categories", "-a", target)


# ---------------------------------------------------------------------------------------------
# Never writes to the archive


def test_commands_never_change_the_archive(archive: Path) -> None:
    """After index, rebuild, list, search, cat and tags every file and folder is as it was."""
    before = fingerprint(archive)
    every_command(archive)
    ok(run("index", "-a", str(archive), "--rebuild"))
    ok(run("list", "-a", str(archive)))
    assert changes(before, fingerprint(archive)) == []


def test_index_lives_outside_the_archive(archive: Path) -> None:
    """`index --where` names a folder under the cache dir, not inside the archive."""
    where = Path(ok(run("index", "-a", str(archive), "--where")).strip())
    assert not where.resolve().is_relative_to(archive.resolve())
    assert where.resolve().is_relative_to(Path(os.environ["XDG_CACHE_HOME"]).resolve())


@pytest.fixture
def unprivileged() -> None:
    """Skip (saying why) where the command cannot be run as nobody."""
    problem = privilege_drop_problem()
    if problem:
        pytest.skip(problem)


@pytest.mark.usefixtures("unprivileged")
def test_read_only_archive_as_nobody(archive: Path, tmp_path: Path) -> None:
    """As nobody, over a root-owned 0444/0555 archive, every command works and nothing moves."""
    make_read_only(archive)
    cache = tmp_path / "nobody-cache"
    cache.mkdir()
    nobody_owns(cache)
    environ = env() | {"HOME": str(cache), "XDG_CACHE_HOME": str(cache)}
    before = fingerprint(archive)
    every_command(archive, environ, NOBODY)
    assert changes(before, fingerprint(archive)) == []
    assert any(cache.rglob("*")), "nobody's cache stayed empty: the index was not written there"


@pytest.mark.usefixtures("unprivileged")
def test_nobody_cannot_write_the_archive_here(archive: Path) -> None:
    """The harness itself: as nobody, a write into the read-only archive is refused."""
    make_read_only(archive)
    code = f"open({str(archive / 'posts' / 'x.md')!r}, 'w')"
    proc = subprocess.run([*NOBODY, "python3", "-c", code], capture_output=True, check=False)
    assert proc.returncode != 0 and b"Permission denied" in proc.stderr


def test_read_only_bind_mount(archive: Path, tmp_path: Path) -> None:
    """On a read-only mount (EROFS even for root) every command works and nothing moves."""
    if os.geteuid() != 0:
        pytest.skip("mounting needs root; this run is unprivileged")
    with read_only_bind(archive, tmp_path / "ro") as mounted:
        if mounted is None:
            pytest.skip("mount --bind -o ro is not permitted in this container")
        with pytest.raises(OSError) as refused:
            (mounted / "posts" / "x.md").write_text("x")
        assert refused.value.errno == errno.EROFS
        before = fingerprint(mounted)
        every_command(mounted)
        assert changes(before, fingerprint(mounted)) == []


# The TUI and a concurrent search, in tmux --------------------------------------------------


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    """A private tmux server for one test."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    with tmux_server(tmp_path) as base:
        yield base


def test_tui_and_a_search_at_once_never_change_the_archive(archive: Path, tmux: list[str]) -> None:
    """The TUI browsing and reading while `search` runs: both answer, the archive is unchanged."""
    before = fingerprint(archive)
    start_tui(tmux, archive)
    wait_for(tmux, "Good post")
    during = searched(archive, marker(5))
    keys(tmux, "Down", "Down", "Enter")
    wait_for(tmux, "A post that loads")
    keys(tmux, "Escape", "/", "g", "o", "o", "d", "Enter", "Escape")
    assert hits(during) == ["posts/good-00005.md"]
    keys(tmux, "q")
    assert changes(before, fingerprint(archive)) == []


# ---------------------------------------------------------------------------------------------
# kill -9 and concurrent processes


def _index_location(root: Path) -> Path:
    from blogtui.search.store import index_location

    return index_location(root)


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(entry.is_file() for entry in folder.rglob("*"))


def test_kill_9_during_a_cold_index_then_the_next_run_finds_every_post(tmp_path: Path) -> None:
    """SIGKILL while the index is half-written; the next plain `search` recovers by itself."""
    root = tmp_path / "big"
    count = 2_000
    write_good_posts(root, count, paragraphs=6)
    location = _index_location(root)
    indexer = subprocess.Popen(blogtui_argv("index", "-a", str(root)), stderr=subprocess.PIPE)
    deadline = time.monotonic() + TIMEOUT
    while not _has_files(location) and indexer.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # into the middle of writing, past creating the folder
    still_running = indexer.poll() is None
    indexer.send_signal(signal.SIGKILL)
    indexer.wait(timeout=10)
    assert still_running, "the cold index finished before the kill: make the corpus bigger"
    found = hits(searched(root, "good"))
    assert len(found) == count
    for number in (0, 777, count - 1):
        assert hits(searched(root, marker(number))) == [f"posts/good-{number:05d}.md"]
    assert len(listed_paths(root)) == count


def test_two_indexers_and_a_search_at_once(tmp_path: Path) -> None:
    """Two cold `index` runs and a `search` started together: all exit 0, the index is right."""
    root = tmp_path / "race"
    count = 600
    write_good_posts(root, count)
    argv = blogtui_argv("index", "-a", str(root))
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    time.sleep(0.3)
    search = subprocess.Popen(
        blogtui_argv("search", "-a", str(root), marker(42), "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    for proc in [*procs, search]:
        out, err = proc.communicate(timeout=TIMEOUT * 2)
        assert proc.returncode == 0, err.decode(errors="replace")
        assert b"Traceback" not in err
    assert [hit["path"] for hit in json.loads(out)] == ["posts/good-00042.md"]
    assert len(hits(searched(root, "good"))) == count
    assert len(listed_paths(root)) == count


def test_concurrent_refreshes_see_an_edit(archive: Path) -> None:
    """An edit made while two searches refresh at once is in the index afterwards."""
    ok(run("index", "-a", str(archive)))
    edited = archive / "posts" / "good-00002.md"
    edited.write_text(edited.read_text().replace("Its own word", "Also quokkaword. Its own word"))
    argv = blogtui_argv("search", "-a", str(archive), "quokkaword", "--json")
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    for proc in procs:
        out, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err.decode(errors="replace")
        assert [hit["path"] for hit in json.loads(out)] == ["posts/good-00002.md"]


# ---------------------------------------------------------------------------------------------
# A garbled index


def _garble(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how == "garbage":
        path.write_bytes(bytes((i * 37 + 11) % 256 for i in range(max(size, 64))))
    elif how == "empty":
        path.write_bytes(b"")
    else:  # half: a write cut short
        with path.open("r+b") as handle:
            handle.truncate(size // 2)


@pytest.mark.parametrize("how", ["garbage", "empty", "half"])
def test_every_index_file_garbled_is_rebuilt_with_one_notice(archive: Path, how: str) -> None:
    """Every file of the index garbled: the next search answers right and says so once."""
    ok(run("index", "-a", str(archive)))
    location = _index_location(archive)
    files = [path for path in location.rglob("*") if path.is_file()]
    assert files, f"no index files under {location}"
    for path in files:
        _garble(path, how)
    proc = searched(archive, marker(7))
    assert hits(proc) == ["posts/good-00007.md"]
    notices = [line for line in proc.stderr.decode().splitlines() if line.strip()]
    assert len(notices) == 1, notices
    again = searched(archive, "good")
    assert len(hits(again)) == POSTS - 1
    assert again.stderr.strip() == b"", "the rebuild was not kept: the notice came back"


def _mangle(value: object, how: str) -> object:
    """The same structure with every number (or every string) replaced by nonsense."""
    if isinstance(value, dict):
        return {key: _mangle(item, how) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_mangle(item, how) for item in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return {"huge-numbers": 2**62, "negative-numbers": -(2**40)}.get(how, value)
    if how == "strings-as-numbers" and isinstance(value, str):
        return 7
    return value


def _mangle_records(path: Path, how: str) -> bytes | None:
    """The catalogue with each post's record mangled but its stat (mtime, size) intact and
    its checksum recomputed, so a refresh trusts it; None when it is not shaped as expected."""
    from blogtui.search import catalogue
    from blogtui.search.store import SCHEMA_VERSION

    try:
        entries, site = catalogue.load_with_site(
            path.read_bytes(), SCHEMA_VERSION, catalogue.opener_in(path.parent)
        )
    except catalogue.Damaged:
        return None
    mangled = {
        path: catalogue.Entry(
            entry.mtime_ns,
            entry.size,
            None,
            entry.problems,
            blob=json.dumps(_mangle([entry.record, entry.canon], how)).encode(),
        )
        for path, entry in entries.items()
    }
    return catalogue.dump(mangled, SCHEMA_VERSION, site)


@pytest.mark.parametrize("how", ["huge-numbers", "negative-numbers", "strings-as-numbers"])
def test_catalogue_with_well_formed_nonsense_is_noticed(archive: Path, how: str) -> None:
    """A catalogue that still unmarshals but holds impossible values: rebuilt, not a crash."""
    ok(run("index", "-a", str(archive)))
    from blogtui.search.store import CATALOGUE

    # The head, by name (a first match of "catalogue*" was as often its data file, which
    # is not shaped so: the test then skipped).
    catalogue = _index_location(archive) / CATALOGUE
    catalogue = catalogue if catalogue.is_file() else None
    mangled = _mangle_records(catalogue, how) if catalogue else None
    if catalogue is None or mangled is None:
        pytest.skip("the index keeps no catalogue shaped {entries: {path: (mtime, size, ...)}}")
    catalogue.write_bytes(mangled)
    proc = searched(archive, marker(7))
    assert hits(proc) == ["posts/good-00007.md"]
    assert len(listed_paths(archive)) == POSTS
    assert b"Traceback" not in proc.stderr


# ---------------------------------------------------------------------------------------------
# An unwritable or full cache


def _assert_works_from_memory(archive: Path, environ: dict[str, str], prefix: Prefix = ()) -> None:
    for args, check in (
        (("search", "-a", str(archive), marker(9), "--json"), ["posts/good-00009.md"]),
        (("list", "-a", str(archive), "--json"), POSTS),
    ):
        proc = run(*args, env=environ, prefix=prefix)
        out = ok(proc)
        paths = [post["path"] for post in json.loads(out)]
        assert paths == check if isinstance(check, list) else len(paths) == check
        lines = [line for line in proc.stderr.decode().splitlines() if line.strip()]
        assert len(lines) == 1, f"want one notice about the in-memory index, got {lines}"
        assert "memory" in lines[0].lower(), lines


def test_cache_path_under_a_regular_file(archive: Path, tmp_path: Path) -> None:
    """XDG_CACHE_HOME below a regular file (ENOTDIR): works from memory, says so once."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be")
    _assert_works_from_memory(archive, env() | {"XDG_CACHE_HOME": str(blocker / "cache")})
    assert blocker.read_text().startswith("a file")


@pytest.mark.usefixtures("unprivileged")
def test_cache_unwritable_for_a_normal_user(archive: Path, tmp_path: Path) -> None:
    """As nobody with a root-owned cache folder: works from memory, says so once."""
    cache = tmp_path / "root-cache"
    cache.mkdir(mode=0o755)
    environ = env() | {"HOME": str(cache), "XDG_CACHE_HOME": str(cache)}
    _assert_works_from_memory(archive, environ, prefix=NOBODY)
    assert list(cache.iterdir()) == []


def test_cache_on_a_full_disk(archive: Path, tmp_path: Path) -> None:
    """The cache on a 64 KiB tmpfs (ENOSPC part-way through writing): from memory, once."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; test_enospc_injected covers this case")
    with tiny_tmpfs(tmp_path / "full") as mounted:
        if mounted is None:
            pytest.skip("mount -t tmpfs is not permitted here; test_enospc_injected covers it")
        _assert_works_from_memory(archive, env() | {"XDG_CACHE_HOME": str(mounted)})


def test_enospc_injected(archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write under the cache fails with ENOSPC (in-process): in memory, one notice."""
    from blogtui.search.index import PostIndex
    from blogtui.search.search import search

    cache = Path(os.environ["XDG_CACHE_HOME"])
    real_open = os.open

    def full_disk(path: str | os.PathLike[str], flags: int, *args: int, **kw: int) -> int:
        writing = flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        if writing and Path(os.fsdecode(path)).resolve().is_relative_to(cache.resolve()):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fsdecode(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", full_disk)
    monkeypatch.setattr("builtins.open", open_via(full_disk))
    notices: list[str] = []
    index = PostIndex.open(archive, notice=notices.append)
    try:
        assert [hit.post.path for hit in search(index, marker(11)).hits] == ["posts/good-00011.md"]
        assert len(index.posts()) == POSTS
    finally:
        index.close()
    assert len(notices) == 1 and "memory" in notices[0].lower(), notices
    assert index.location is None
