"""Freshness rules: what the next command and the running reader see of each kind of change.

A command reuses the folders whose stamp held and stats every post it knows; the reader is
told by file-system events. Both must see a file added, deleted, renamed or edited in place
(same size, same second: only the nanoseconds, the ctime or the inode differ) and a folder
renamed: a command at once, the reader within two seconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from blogtui.search import catalogue, freshness, store
from blogtui.search.index import PostIndex
from blogtui.search.search import search
from blogtui.tui import polling
from blogtui.tui.app import BlogApp
from blogtui.tui.screens import main as main_screen
from blogtui.tui.watcher import Watcher
from blogtui.tui.widgets.post_list import PostList
from tests._pilot import settle, until
from tests.conftest import NOW

#: How soon the reader shows a change: the events' debounce plus one refresh.
WITHIN = 2.0


def write_post(root: Path, rel: str, title: str, body: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title}\ndate: 2024-05-01\n---\n\n{body}\n", "utf-8")
    return path


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    root = tmp_path / "blog"
    write_post(root, "posts/alpha.md", "Alpha", "The quick zebrafish swims.")
    write_post(root, "posts/beta.md", "Beta", "A slow tortoise walks.")
    write_post(root, "notes/2024/gamma.md", "Gamma", "Tortoise and zebrafish meet.")
    return root


def same_size_same_second(path: Path, old: str, new: str) -> os.stat_result:
    """Rewrite `old` as `new` (same length) in place; the stat before the write."""
    assert len(old) == len(new)
    before = path.stat()
    path.write_text(path.read_text("utf-8").replace(old, new), "utf-8")
    return before


def edit_nanoseconds(path: Path) -> None:
    """Same size, the mtime moved within its second."""
    before = same_size_same_second(path, "Beta", "Bzta")
    second = before.st_mtime_ns // 1_000_000_000 * 1_000_000_000
    nanos = second + (before.st_mtime_ns + 1) % 1_000_000_000
    os.utime(path, ns=(before.st_atime_ns, nanos))


def edit_ctime_only(path: Path) -> None:
    """Same size, the mtime put back to the nanosecond: only the ctime tells."""
    before = same_size_same_second(path, "Beta", "Bzta")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def edit_new_inode(path: Path) -> None:
    """Same size and mtime, a new file renamed over it; its folder's mtime put back too."""
    before, folder = path.stat(), path.parent.stat()
    temp = path.with_name(".beta.tmp")
    temp.write_text(path.read_text("utf-8").replace("Beta", "Bzta"), "utf-8")
    os.utime(temp, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(temp, path)
    os.utime(path.parent, ns=(folder.st_atime_ns, folder.st_mtime_ns))


def add(root: Path) -> None:
    write_post(root, "posts/delta.md", "Delta", "A new arrival.")


def add_in_new_folder(root: Path) -> None:
    write_post(root, "notes/2025/deep/delta.md", "Delta", "A new arrival, deep down.")


def delete(root: Path) -> None:
    (root / "posts/beta.md").unlink()


def rename(root: Path) -> None:
    (root / "posts/beta.md").rename(root / "posts/beta-renamed.md")


def rename_folder(root: Path) -> None:
    (root / "notes/2024").rename(root / "notes/archive-2024")


def hard_link_elsewhere(root: Path) -> None:
    os.link(root / "posts/beta.md", root / "notes/2024/beta-twin.md")


def in_place(edit: Callable[[Path], None]) -> Callable[[Path], None]:
    return lambda root: edit(root / "posts/beta.md")


#: Each change and the (path, title) pairs of every post after it.
CHANGES: dict[str, tuple[Callable[[Path], None], set[tuple[str, str]]]] = {
    "added": (add, {("posts/alpha.md", "Alpha"), ("posts/beta.md", "Beta"),
                    ("notes/2024/gamma.md", "Gamma"), ("posts/delta.md", "Delta")}),
    "added in a new folder": (add_in_new_folder, {
        ("posts/alpha.md", "Alpha"), ("posts/beta.md", "Beta"), ("notes/2024/gamma.md", "Gamma"),
        ("notes/2025/deep/delta.md", "Delta")}),
    "deleted": (delete, {("posts/alpha.md", "Alpha"), ("notes/2024/gamma.md", "Gamma")}),
    "renamed": (rename, {("posts/alpha.md", "Alpha"), ("posts/beta-renamed.md", "Beta"),
                         ("notes/2024/gamma.md", "Gamma")}),
    "edited: same size, same second": (in_place(edit_nanoseconds), {
        ("posts/alpha.md", "Alpha"), ("posts/beta.md", "Bzta"), ("notes/2024/gamma.md", "Gamma")}),
    "edited: same size, same mtime, new ctime": (in_place(edit_ctime_only), {
        ("posts/alpha.md", "Alpha"), ("posts/beta.md", "Bzta"), ("notes/2024/gamma.md", "Gamma")}),
    "edited: same size and mtime, new inode": (in_place(edit_new_inode), {
        ("posts/alpha.md", "Alpha"), ("posts/beta.md", "Bzta"), ("notes/2024/gamma.md", "Gamma")}),
    "hard-linked into another folder": (hard_link_elsewhere, {  # one post, the first path
        ("posts/alpha.md", "Alpha"), ("notes/2024/beta-twin.md", "Beta"),
        ("notes/2024/gamma.md", "Gamma")}),
    "folder renamed": (rename_folder, {("posts/alpha.md", "Alpha"), ("posts/beta.md", "Beta"),
                                       ("notes/archive-2024/gamma.md", "Gamma")}),
}  # fmt: skip


def shown(index: PostIndex) -> set[tuple[str, str]]:
    return {(post.path, post.title) for post in index.posts()}


def command(root: Path) -> PostIndex:
    """The index as the next command opens it (a new process: nothing kept in memory)."""
    return PostIndex.open(root, now=NOW)


# ---- the next command -----------------------------------------------------------------------


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_next_command_sees_each_change(blog: Path, change: str) -> None:
    command(blog).close()
    make, expected = CHANGES[change]
    make(blog)
    assert shown(command(blog)) == expected


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_delta_matches_an_exact_walk(blog: Path, change: str) -> None:
    command(blog).close()
    CHANGES[change][0](blog)
    incremental = command(blog)
    assert shown(incremental) == shown(PostIndex.open(blog, now=NOW, rebuild=True))


def test_a_command_with_nothing_changed_reads_no_file(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command(blog).close()
    read: list[str] = []
    original = catalogue.read
    monkeypatch.setattr(
        catalogue, "read", lambda s, n, *site: (read.append(s.path), original(s, n, *site))[1]
    )
    index = command(blog)
    assert read == [] and len(index.posts()) == 3
    found = index.scan()
    assert found.base is not None and (found.todo, found.gone) == ([], [])


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[freshness.Ahead | None]:
    """Every command takes its stats ahead in a child, however small the archive; the
    Aheads started are listed."""
    monkeypatch.setattr(freshness, "AHEAD_MIN", 0)
    started: list[freshness.Ahead | None] = []
    start = freshness.Ahead.start
    monkeypatch.setattr(freshness.Ahead, "start", lambda w: started.append(start(w)) or started[-1])
    return started


@pytest.mark.parametrize("change", list(CHANGES))
def test_stats_taken_ahead_see_each_change(
    blog: Path, change: str, forked: list[freshness.Ahead | None]
) -> None:
    command(blog).close()
    make, expected = CHANGES[change]
    make(blog)
    assert shown(command(blog)) == expected
    assert forked[-1] is not None  # the stats of the last walk were taken in a child


#: Opens the index of the archive at argv[1] twice (the second open takes the last walk's
#: stats in forked children), reporting the GC's freeze count while they run and after.
FREEZE_CHILD = """\
import gc, sys
from blogtui.search import freshness
from blogtui.search.index import PostIndex
freshness.AHEAD_MIN = 0  # (a few posts here)
seen = []
start = freshness.Ahead.start
def watched(walked):
    ahead = start(walked)
    seen.append((ahead is not None, gc.get_freeze_count()))
    return ahead
freshness.Ahead.start = watched
for _ in range(2):
    PostIndex.open(sys.argv[1]).close()
print(seen[-1][0], seen[-1][1] > 0, gc.get_freeze_count())
"""


def test_the_objects_frozen_while_the_children_stat_are_the_gcs_again_after(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The GC leaves the process's objects alone while the stat children live (no page
    copied for its passes), and has them back once the children are collected. In a
    process of its own: the reader's tests freeze objects and leave threads behind."""
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    done = subprocess.run([sys.executable, "-c", FREEZE_CHILD, str(blog)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    forked, frozen_meanwhile, frozen_after = done.stdout.split()
    assert (forked, frozen_meanwhile, frozen_after) == ("True", "True", "0")


#: Where `search` and `list` work out their answer (each call counted: the answer made
#: while the stats are taken is kept, or made again after the refresh).
ANSWERS = {
    "search": [("blogtui.cli.commands.search", "filtered_results"),
               ("blogtui.cli.options", "filtered_results")],
    "list": [("blogtui.cli.commands.listing", "_prepared")],
}  # fmt: skip


def answered(name: str, root: Path, capsys: pytest.CaptureFixture[str]) -> set[tuple[str, str]]:
    """The (path, title) of each post `blogtui search --json` (for every title there may
    be) or `blogtui list --json` prints."""
    from blogtui.cli import main

    query = "title:Alpha OR title:Beta OR title:Bzta OR title:Gamma OR title:Delta"
    argv = ["search", "--limit", "0", query] if name == "search" else ["list"]
    capsys.readouterr()
    assert main([*argv, "-a", str(root), "--json"]) == 0
    return {(post["path"], post["title"]) for post in json.loads(capsys.readouterr().out)}


@pytest.mark.parametrize("name", list(ANSWERS))
@pytest.mark.parametrize("change", [None, *CHANGES])
def test_an_answer_made_while_the_stats_are_taken_sees_each_change(
    blog: Path,
    name: str,
    change: str | None,
    forked: list[freshness.Ahead | None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`search` and `list` work out their answer on the index as loaded while children take
    the stats; it is printed only if the refresh after changed nothing, else made again."""
    import importlib

    command(blog).close()
    calls: list[str] = []
    for module_name, attribute in ANSWERS[name]:
        module = importlib.import_module(module_name)
        made = getattr(module, attribute)
        counted = lambda *a, made=made: (calls.append(name), made(*a))[1]  # noqa: E731
        monkeypatch.setattr(module, attribute, counted)
    make, expected = CHANGES[change] if change else (lambda root: None, shown(command(blog)))
    make(blog)
    assert answered(name, blog, capsys) == expected
    assert forked[-1] is not None
    assert len(calls) == (1 if change is None else 2), "the early answer kept only if fresh"


def test_a_search_imports_what_a_refresh_needs_while_the_children_stat(
    blog: Path,
    forked: list[freshness.Ahead | None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Once its early answer is made, a search whose stat children are still at work
    imports what a refresh needs if it finds a change (the parser, Whoosh's writer)
    instead of waiting; and it finds the change."""
    import time

    from blogtui.search import index as indexing

    command(blog).close()
    parent, stats = os.getpid(), freshness._stats

    def slow(*args: object) -> object:
        if os.getpid() != parent:
            time.sleep(0.5)  # (a big archive's stats)
        return stats(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(freshness, "_stats", slow)
    asked: list[bool] = []
    refresh_imports = indexing.refresh_imports

    def imports(pending: Callable[[], bool]) -> None:
        refresh_imports(lambda: asked.append(pending()) or asked[-1])

    monkeypatch.setattr(indexing, "refresh_imports", imports)
    make, expected = CHANGES["edited: same size, same second"]
    make(blog)
    assert answered("search", blog, capsys) == expected
    assert forked[-1] is not None and not forked[-1].pending()  # (collected by the walk)
    assert asked == [True] * len(indexing.REFRESH_MODULES)  # every step, while they stat


def test_the_imports_meanwhile_stop_when_the_children_are_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The imports made while the children stat are made a module at a time, asking
    before each whether they still are: once they are done, no more (a refresh that finds
    nothing changed needs none, and the answer would wait for them)."""
    import importlib

    from blogtui.search import index as indexing

    imported: list[str] = []
    monkeypatch.setattr(importlib, "import_module", imported.append)
    answers = iter([True, True, False, True])
    indexing.refresh_imports(lambda: next(answers))
    assert imported == list(indexing.REFRESH_MODULES[:2])
    imported.clear()
    indexing.refresh_imports()  # (a refresh that found a change: every one)
    assert imported == list(indexing.REFRESH_MODULES)


def test_a_failed_child_leaves_the_stats_to_the_walk(
    blog: Path, forked: list[freshness.Ahead | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    command(blog).close()
    parent, stats = os.getpid(), freshness._stats

    def failing(*args: object) -> object:
        if os.getpid() != parent:
            raise OSError("the child cannot stat")
        return stats(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(freshness, "_stats", failing)
    edit_nanoseconds(blog / "posts/beta.md")
    assert ("posts/beta.md", "Bzta") in shown(command(blog))
    assert forked[-1] is not None


def test_no_child_is_forked_beside_another_thread(
    blog: Path, forked: list[freshness.Ahead | None]
) -> None:
    import threading

    command(blog).close()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        edit_nanoseconds(blog / "posts/beta.md")
        assert ("posts/beta.md", "Bzta") in shown(command(blog))
    finally:
        stop.set()
        other.join()
    assert forked[-1] is None


def test_an_appended_word_is_found_by_the_next_search(blog: Path) -> None:
    command(blog).close()
    with open(blog / "notes/2024/gamma.md", "a", encoding="utf-8") as handle:
        handle.write("\nA quokka appears.\n")  # an append: the folder's mtime stays
    hits = search(command(blog), "quokka").hits
    assert [hit.post.path for hit in hits] == ["notes/2024/gamma.md"]


def test_a_walk_from_another_process_is_used_not_repeated(blog: Path) -> None:
    reader = command(blog)  # stays open, like the reader
    add(blog)
    command(blog).close()  # another command refreshes meanwhile
    delete(blog)
    report = reader.refresh(exact=False)
    assert (report.added, report.deleted) == (0, 1)
    assert shown(reader) == {("posts/alpha.md", "Alpha"), ("notes/2024/gamma.md", "Gamma"),
                             ("posts/delta.md", "Delta")}  # fmt: skip


def test_a_damaged_walk_file_costs_one_full_walk(blog: Path) -> None:
    index = command(blog)
    assert index.location is not None
    walk = index.location / store.WALK
    walk.write_bytes(walk.read_bytes()[:-20] + b"x" * 20)
    add(blog)
    assert ("posts/delta.md", "Delta") in shown(command(blog))
    assert walk.read_bytes().startswith(b"blogtui-walk")  # written anew


def resealed(data: bytes, change: Callable[[dict[str, object], list[bytes]], None]) -> bytes:
    """The walk file with its head and columns changed by `change`, sealed again (as only
    its owner could write it)."""
    magic, _digest, payload = data.split(b"\n", 2)
    text, _, body = payload.partition(b"\n")
    head = json.loads(text)
    sections, at = [], 0
    for size in head["sizes"]:
        sections.append(body[at : at + size])
        at += size
    change(head, sections)
    head["sizes"] = [len(section) for section in sections]
    payload = json.dumps(head).encode() + b"\n" + b"".join(sections)
    digest = hashlib.blake2b(payload, digest_size=32).hexdigest().encode()
    return magic + b"\n" + digest + b"\n" + payload


def _set(head: dict[str, object], key: str, value: object) -> None:
    head[key] = value


def _section(sections: list[bytes], number: int, value: bytes) -> None:
    sections[number] = value


def _older(data: bytes) -> bytes:
    return b"blogtui-walk 2\n" + data.split(b"\n", 1)[1]


#: Ways a walk file can be damaged, cut short, left by an older blogtui or planted.
DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "cut in half": lambda data: data[: len(data) // 2],
    "emptied": lambda data: b"",
    "a flipped byte": lambda data: data[:-30] + bytes([data[-30] ^ 1]) + data[-29:],
    "junk": lambda data: b"\x00\xff" * 500,
    "an older format": _older,
    "sealed, a column cut short": lambda data: resealed(
        data, lambda head, sections: _section(sections, 4, sections[4][:-8])),
    "sealed, one file too many": lambda data: resealed(
        data, lambda head, sections: _set(head, "files", 4)),
    "sealed, the folders' detail garbage": lambda data: resealed(
        data, lambda head, sections: _section(sections, 6, b'[[9,"x",1,1,[["a"]]]]')),
    "sealed, a folder's content out of range": lambda data: resealed(
        data, lambda head, sections: _section(
            sections, 6, sections[6].replace(b"[0,", b"[7,", 1))),
    "sealed, a file's mtime off by one": lambda data: resealed(
        data, lambda head, sections: _section(
            sections, 4, sections[4][:16] + bytes([sections[4][16] ^ 1]) + sections[4][17:])),
    "sealed, a folder's stamp off by one": lambda data: resealed(
        data, lambda head, sections: _section(
            sections, 2, sections[2][:16] + bytes([sections[2][16] ^ 1]) + sections[2][17:])),
}  # fmt: skip


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_or_planted_walk_file_never_gives_a_wrong_answer(blog: Path, damage: str) -> None:
    """Whatever the walk file holds, the next commands show what the archive holds (at the
    cost of a full walk at worst) and the walk is written anew, readable."""
    index = command(blog)
    assert index.location is not None
    walk = index.location / store.WALK
    walk.write_bytes(DAMAGE[damage](walk.read_bytes()))
    assert shown(command(blog)) == shown(index)
    walk.write_bytes(DAMAGE[damage](walk.read_bytes()))
    add(blog)
    edit_nanoseconds(blog / "posts/beta.md")
    expected = {("posts/alpha.md", "Alpha"), ("posts/beta.md", "Bzta"),
                ("notes/2024/gamma.md", "Gamma"), ("posts/delta.md", "Delta")}  # fmt: skip
    assert shown(command(blog)) == expected
    assert freshness.load(index.location, blog, False) is not None
    assert shown(command(blog)) == expected


def test_with_nothing_changed_a_command_lists_no_folder(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing changed, or a known post edited in place: the command stats, and lists no
    folder and builds no Folder; a post added lists its folder."""
    command(blog).close()

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a folder was listed or decoded")

    with monkeypatch.context() as patched:
        patched.setattr(freshness, "walk_tree", refused)
        patched.setattr(freshness, "_folders", refused)
        assert len(command(blog).posts()) == 3
        edit_nanoseconds(blog / "posts/beta.md")
        assert ("posts/beta.md", "Bzta") in shown(command(blog))
        assert ("posts/beta.md", "Bzta") in shown(command(blog))
    add(blog)
    assert ("posts/delta.md", "Delta") in shown(command(blog))


def test_the_walk_file_is_private(blog: Path) -> None:
    index = command(blog)
    assert index.location is not None
    assert (index.location / store.WALK).stat().st_mode & 0o777 == 0o600


# ---- the reader -----------------------------------------------------------------------------


def titles_and_paths(app: BlogApp) -> set[tuple[str, str]]:
    return {(post.path, post.title) for post in app.main.query_one(PostList).posts}


@pytest.mark.parametrize("change", list(CHANGES))
async def test_the_reader_shows_each_change_within_two_seconds(
    blog: Path, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_screen, "POLL_INTERVAL", 3600)  # events only
    make, expected = CHANGES[change]
    app = BlogApp(blog, now=NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.main.poller.watcher is not None, "the watcher")
        assert app.main.poller.polling is None
        started = time.monotonic()
        make(blog)
        await until(pilot, lambda: titles_and_paths(app) == expected, change, timeout=WITHIN)
        assert time.monotonic() - started <= WITHIN


async def test_a_change_made_while_the_watcher_starts_is_seen(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watcher starts in a thread after the first refresh; a post added after that
    refresh's walk but before the watch began (no event will name it) is found by the poll
    of every folder a new watcher is followed by."""
    monkeypatch.setattr(main_screen, "POLL_INTERVAL", 3600)  # events only
    screen_thread = threading.get_ident()
    started_in: list[int] = []
    real_start = Watcher.start

    def start_late(self: Watcher) -> str | None:
        started_in.append(threading.get_ident())
        add(blog)  # in the gap: after the walk, before the watch
        return real_start(self)

    monkeypatch.setattr(Watcher, "start", start_late)
    app = BlogApp(blog, now=NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: ("posts/delta.md", "Delta") in titles_and_paths(app),
                    "the new watcher's poll to show the post", timeout=WITHIN)  # fmt: skip
    assert started_in and screen_thread not in started_in  # never on the screen's thread


async def test_once_events_come_the_reader_stops_polling_every_interval(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poll timed before the watcher began is timed again when it begins: no walk of the
    whole archive every POLL_INTERVAL while events come (at 100,000 posts one cost 0.35 s)."""
    from blogtui.tui.library import Library

    monkeypatch.setattr(  # polls every 1.5 s without a watcher, every minute with one
        polling.Poller, "delay", lambda self, interval: 60.0 if self.watcher else 1.5
    )
    refreshes: list[float] = []
    real_refresh = Library.refresh

    def counted(self: Library, *args: object, **kwargs: object) -> object:
        refreshes.append(time.monotonic())
        return real_refresh(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Library, "refresh", counted)
    app = BlogApp(blog, now=NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.main.poller.watcher is not None, "the watcher")
        await pilot.pause(0.2)  # the new watcher's one poll of every folder
        before = len(refreshes)
        await pilot.pause(1.8)  # past the poll timed before the watcher began
        assert len(refreshes) == before
        add(blog)  # events still bring changes in
        await until(pilot, lambda: ("posts/delta.md", "Delta") in titles_and_paths(app),
                    "the event to show the new post", timeout=WITHIN)  # fmt: skip


async def test_without_events_the_reader_polls_and_says_so_once(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_screen, "POLL_INTERVAL", 0.2)
    monkeypatch.setattr(Watcher, "start", lambda self: "no inotify in this test")
    notices: list[str] = []
    app = BlogApp(blog, now=NOW)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        add(blog)
        await until(pilot, lambda: ("posts/delta.md", "Delta") in titles_and_paths(app),
                    "a poll to show the new post")  # fmt: skip
        delete(blog)
        await until(pilot, lambda: ("posts/beta.md", "Beta") not in titles_and_paths(app),
                    "a poll to drop the deleted post")  # fmt: skip
        notices = [str(n.message) for n in app._notifications]
    polling = [n for n in notices if n.startswith("polling the archive")]
    assert polling == ["polling the archive for changes: no inotify in this test"]


def test_a_watcher_stopped_while_it_starts_is_not_left_running(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader closes (or the archive goes) while its watcher starts in a thread: the
    watcher that start made is stopped, not kept."""
    from blogtui.tui.polling import Poller

    poller = Poller()
    made: list[Watcher] = []
    real_start = Watcher.start

    def start_then_closed(self: Watcher) -> str | None:
        made.append(self)
        reason = real_start(self)
        poller.stop()  # from the screen's thread, while this one still starts
        return reason

    monkeypatch.setattr(Watcher, "start", start_then_closed)
    assert poller.watch(blog, [str(blog / "posts")], lambda paths: None) is None
    assert poller.watcher is None
    assert made and made[0]._stop.is_set()
    monkeypatch.setattr(Watcher, "start", real_start)
    assert poller.watch(blog, [str(blog / "posts")], lambda paths: None) is None
    assert poller.watcher is not None  # a later start is kept
    poller.stop()


def test_polls_back_off_by_their_cost() -> None:
    from blogtui.tui.polling import Poller

    poller = Poller(cost=0.5)
    assert poller.delay(2.0) == 10.0  # 20 times a half-second walk
    assert Poller(cost=0.01).delay(2.0) == 2.0


def test_hard_links_inside_and_outside_the_archive(blog: Path, tmp_path: Path) -> None:
    """A file linked from outside the archive is still one post with one path; two paths to
    one file inside it are one post (the first by path), and removing that path leaves the
    other."""
    os.link(blog / "posts/alpha.md", tmp_path / "backup-of-alpha.md")
    command(blog).close()
    os.link(blog / "posts/beta.md", blog / "posts/zeta-twin.md")
    paths = {path for path, _title in shown(command(blog))}
    assert paths == {"posts/alpha.md", "posts/beta.md", "notes/2024/gamma.md"}
    (blog / "posts/beta.md").unlink()
    paths = {path for path, _title in shown(command(blog))}
    assert paths == {"posts/alpha.md", "posts/zeta-twin.md", "notes/2024/gamma.md"}


def test_a_stopped_watcher_gives_its_inotify_instance_back(blog: Path) -> None:
    from blogtui.tui import watcher as watching

    before = watching._inotify_count()
    if before is None:
        pytest.skip("no /proc/self/fd here to count inotify instances")
    seen: list[frozenset[str]] = []
    for _ in range(3):  # the reader starts a new watcher whenever its folders change
        follower = Watcher(blog, [str(blog / "posts")], seen.append)
        assert follower.start() is None
        follower.stop()
        assert follower._thread is not None
        follower._thread.join(5)
    deadline = time.monotonic() + 10  # a loaded machine may close the handles late
    while (after := watching._inotify_count()) is not None and after > before:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert after is not None and after <= before  # (an earlier test's may close meanwhile)


def test_the_watcher_kind_is_read_from_watchfiles_not_guessed_from_counts() -> None:
    """A watcher closing in another thread meanwhile must not make inotify look missing."""
    from blogtui.tui import watcher as watching

    class Made:
        def __init__(self, text: str) -> None:
            self.text = text

        def __repr__(self) -> str:
            return self.text

    count = watching._inotify_count()
    assert not watching._polls(Made("RustNotify(Recommended(INotifyWatcher {"), count)  # type: ignore[arg-type]
    assert watching._polls(Made("RustNotify(Poll(PollWatcher {"), None)  # type: ignore[arg-type]
    if count is not None:  # an unknown repr: the count decides
        assert watching._polls(Made("RustNotify(Other"), count)  # type: ignore[arg-type]
