"""Hostile and broken files beside good ones, and terminal injection through every output.

Each hostile file is either a post (with what could be read) or a problem reported with its
path and reason, while the good posts load; nothing hangs; control sequences from posts never
reach a terminal raw. The hostile tree is generated per test (tests/_hostile.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from blogtui import archive as archive_module
from blogtui.archive import Archive, SourceFile, load
from blogtui.model import Post, Problem
from tests._hostile import (
    ATTACKS,
    HOSTILE_WORD,
    MARKUP,
    NO_CAPS,
    OPTION_NAME,
    HostileTree,
    blogtui_argv,
    fake_program,
    hostile_leaks,
    keys,
    privilege_drop_problem,
    raw_controls,
    recorded,
    run,
    screen,
    start_tui,
    tmux_server,
    wait_for,
    write_good_posts,
    write_hostile_corpus,
    write_hostile_tree,
    write_injection_archive,
)
from tests._pilot import opened, searched, settle

T = TypeVar("T")


def bounded(work: Callable[[], T], seconds: float = 60.0) -> T:
    """Run `work` in a thread and fail (rather than hang the suite) if it takes too long."""
    box: dict[str, T] = {}
    failure: list[BaseException] = []

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as error:  # handed back to the test thread below
            failure.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: it hangs"
    if failure:
        raise failure[0]
    return box["value"]


@pytest.fixture
def tree(tmp_path: Path) -> HostileTree:
    """Good posts beside every hostile file, link and special file (50 MB post included)."""
    return write_hostile_tree(tmp_path)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[HostileTree, Archive]:
    """The hostile tree, written and loaded once for the loader tests that only read it."""
    hostile = write_hostile_tree(tmp_path_factory.mktemp("hostile"))
    return hostile, bounded(lambda: load(hostile.root))


def reasons_by_path(problems: list[Problem]) -> dict[str, list[str]]:
    """Problems grouped by path."""
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        grouped.setdefault(problem.path, []).append(problem.reason)
    return grouped


# ---------------------------------------------------------------------------------------------
# The loader, in process


def test_loader_keeps_good_posts_and_accounts_for_every_hostile_file(
    loaded: tuple[HostileTree, Archive],
) -> None:
    """Every good post loads; every hostile file is a post or a problem; none is followed out."""
    tree, archive = loaded
    paths = [post.path for post in archive.posts]
    problems = reasons_by_path(archive.problems)
    assert set(tree.good) <= set(paths)
    for rel in tree.must_report:
        assert problems.get(rel), f"{rel} was not reported"
    for rel in tree.post_or_report:
        assert rel in paths or rel in problems, f"{rel} silently dropped"
    for rel in tree.never_listed:
        assert rel not in paths, f"{rel} should not be a post"
    assert "Outside secret" not in {post.title for post in archive.posts}
    assert len(paths) == len(set(paths)), "a file was listed twice (through a link loop?)"
    titles = [post.title for post in archive.posts if post.title.startswith("Good post")]
    assert sorted(titles) == sorted(set(titles)) and len(titles) == len(tree.good)


@pytest.mark.parametrize(
    "rel",
    [
        "bad/alias-bomb-tags.md",
        "bad/alias-bomb-title.md",
        "bad/deep-toml.md",
        "bad/deep-json.md",
        "bad/malformed-yaml-tab.md",
        "bad/not-a-mapping.md",
        "bad/nul-bytes.md",
        "bad/utf16.md",
        "bad/huge-50mb.md",
        "links/outside.md",
        "links/loop-a.md",
    ],
)
def test_each_hostile_file_is_reported_with_a_reason(
    loaded: tuple[HostileTree, Archive], rel: str
) -> None:
    """The problem names the file and says something about why (not just 'error')."""
    problems = reasons_by_path(loaded[1].problems)
    assert rel in problems, f"{rel} not reported; reported: {sorted(problems)}"
    assert all(len(reason) > 8 for reason in problems[rel]), problems[rel]


def test_alias_bomb_never_becomes_a_giant_title_or_tag_list(tree: HostileTree) -> None:
    """A billion-laughs title/tags neither expands in memory nor reaches the Post."""
    posts = {post.path: post for post in bounded(lambda: load(tree.root), 20).posts}
    for rel in ("bad/alias-bomb-tags.md", "bad/alias-bomb-title.md"):
        post = posts.get(rel)
        if post is not None:
            assert len(post.title) < 200 and len(post.tags) < 100


def test_huge_post_is_cut_not_swallowed(loaded: tuple[HostileTree, Archive]) -> None:
    """The 50 MB post loads with what fits and a problem saying it was cut."""
    archive = loaded[1]
    huge = next((post for post in archive.posts if post.path == "bad/huge-50mb.md"), None)
    reasons = reasons_by_path(archive.problems).get("bad/huge-50mb.md", [])
    assert huge is not None or reasons
    if huge is not None:
        assert huge.title == "Huge post" and "huge" in huge.tags
        assert len(huge.body) <= 11 * 1024 * 1024
        assert reasons, "a cut post must say it was cut"


def test_latin1_is_decoded_with_replacement_and_reported(
    loaded: tuple[HostileTree, Archive],
) -> None:
    """Latin-1 bytes: the post loads (replacement characters) and the problem says why."""
    archive = loaded[1]
    post = next(post for post in archive.posts if post.path == "bad/latin1.md")
    assert post.title.startswith("Caf") and "\ufffd" in post.title
    assert any("UTF-8" in reason for reason in reasons_by_path(archive.problems)["bad/latin1.md"])


# Files that change between listing and reading -----------------------------------------------


def _meddle(monkeypatch: pytest.MonkeyPatch, victim: str, meddle: Callable[[Path], None]) -> None:
    """Make `archive.read_post` meddle with `victim` just before reading it."""
    real = archive_module.read_post

    def read_post(source: SourceFile, **kwargs: object) -> tuple[Post | None, list[Problem]]:
        if source.path == victim:
            meddle(source.abspath)
        return real(source, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(archive_module, "read_post", read_post)


def _small(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    write_good_posts(root, 4)
    return root


def test_file_deleted_between_listing_and_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vanished file is a problem naming it; the others load."""
    root = _small(tmp_path)
    _meddle(monkeypatch, "posts/good-00001.md", Path.unlink)
    loaded = bounded(lambda: load(root))
    assert [post.path for post in loaded.posts if post.path.endswith("1.md")] == []
    assert len(loaded.posts) == 3
    assert reasons_by_path(loaded.problems)["posts/good-00001.md"]


def test_index_survives_a_file_deleted_between_listing_and_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race during an index refresh: the problem is kept, the rest is searchable."""
    from blogtui.search.index import PostIndex

    root = _small(tmp_path)
    _meddle(monkeypatch, "posts/good-00001.md", Path.unlink)
    index = bounded(lambda: PostIndex.open(root))
    try:
        assert sorted(post.path for post in index.posts()) == [
            f"posts/good-0000{n}.md" for n in (0, 2, 3)
        ]
        assert any(problem.path == "posts/good-00001.md" for problem in index.problems)
        assert index.post("posts/good-00001.md") is None
    finally:
        index.close()


def test_file_rewritten_between_listing_and_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file grown and retitled after the scan: what is read is what is there now."""
    root = _small(tmp_path)

    def rewrite(path: Path) -> None:
        path.write_text("---\ntitle: Rewritten meanwhile\n---\n\n" + "more words " * 5000)

    _meddle(monkeypatch, "posts/good-00002.md", rewrite)
    posts = {post.path: post for post in bounded(lambda: load(root)).posts}
    assert posts["posts/good-00002.md"].title == "Rewritten meanwhile"
    assert len(posts) == 4


def test_file_replaced_by_a_fifo_between_listing_and_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post swapped for a named pipe after the scan must not block the load forever."""
    root = _small(tmp_path)
    victim = root / "posts" / "good-00003.md"

    def to_fifo(path: Path) -> None:
        path.unlink()
        os.mkfifo(path)

    _meddle(monkeypatch, "posts/good-00003.md", to_fifo)
    try:
        loaded = bounded(lambda: load(root), 5)
    finally:
        _release(victim)
    assert len(loaded.posts) == 3
    assert reasons_by_path(loaded.problems)["posts/good-00003.md"]


def _release(fifo: Path) -> None:
    """Open the pipe's write end once, so a reader blocked on it (a hung thread) goes free."""
    with contextlib.suppress(OSError):  # ENXIO: nobody is blocked on it, nothing to release
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_unreadable_file_injected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """EACCES on open (what a non-root reader meets): a problem with the path, others load."""
    root = _small(tmp_path)
    real_open = open

    def refusing_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file).endswith("good-00000.md"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", refusing_open)
    loaded = bounded(lambda: load(root))
    assert len(loaded.posts) == 3
    reasons = reasons_by_path(loaded.problems)["posts/good-00000.md"]
    assert any("denied" in reason.lower() for reason in reasons), reasons


# ---------------------------------------------------------------------------------------------
# The command line over the hostile tree (subprocesses, bounded by a timeout)


def _stderr_lines(proc_stderr: bytes) -> list[str]:
    return [line for line in proc_stderr.decode(errors="replace").splitlines() if line.strip()]


def test_list_over_the_hostile_tree(tree: HostileTree) -> None:
    """`list --all --json`: exit 0 in bounded time, good posts in, each problem one stderr line
    (`--all`: a file with nothing in it is left out of the default list as not a post)."""
    proc = run("list", "-a", str(tree.root), "--all", "--json")
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    paths = [post["path"] for post in json.loads(proc.stdout)]
    assert set(tree.good) <= set(paths)
    lines = _stderr_lines(proc.stderr)
    for rel in tree.must_report:
        mine = [line for line in lines if rel in line]
        assert mine and all(len(line) > len(rel) + 8 for line in mine), (rel, mine)
    for rel in tree.post_or_report:
        assert rel in paths or any(rel in line for line in lines), f"{rel} silently dropped"
    for rel in tree.never_listed:
        assert rel not in paths
    assert "Outside secret" not in proc.stdout.decode()


def test_index_and_search_over_the_hostile_tree(tree: HostileTree) -> None:
    """A cold index and searches over the hostile tree finish, exit 0 and find the good posts."""
    index = run("index", "-a", str(tree.root))
    assert index.returncode == 0, index.stderr.decode(errors="replace")
    found = run("search", "-a", str(tree.root), "tag:good", "--json", "--limit", "0")
    assert found.returncode == 0, found.stderr.decode(errors="replace")
    assert {hit["path"] for hit in json.loads(found.stdout)} == set(tree.good)
    huge = run("search", "-a", str(tree.root), "tag:huge", "--json")
    assert [hit["path"] for hit in json.loads(huge.stdout)] == ["bad/huge-50mb.md"]


def test_follow_symlinks_reads_the_outside_post_once(tree: HostileTree) -> None:
    """With --follow-symlinks the outside post is read, once, though two links reach it."""
    proc = run("list", "-a", str(tree.root), "--json", "--follow-symlinks")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    titles = [post["title"] for post in json.loads(proc.stdout)]
    assert titles.count("Outside secret") == 1


def test_unreadable_file_and_folder_as_a_capless_user(tmp_path: Path) -> None:
    """Mode 000 file and folder, read by root without capabilities: reported, others load."""
    problem = privilege_drop_problem()
    if problem:
        pytest.skip(problem)
    root = _small(tmp_path)
    (root / "posts" / "good-00000.md").chmod(0o000)
    locked = root / "locked"
    write_good_posts(root, 1, folder="locked")
    locked.chmod(0o000)
    proc = run("list", "-a", str(root), "--json", prefix=NO_CAPS)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    paths = {post["path"] for post in json.loads(proc.stdout)}
    assert paths == {f"posts/good-0000{n}.md" for n in (1, 2, 3)}
    lines = _stderr_lines(proc.stderr)
    assert any("posts/good-00000.md" in line for line in lines), lines
    assert any("locked" in line for line in lines), lines


# ---------------------------------------------------------------------------------------------
# Terminal injection


@pytest.fixture
def evil(tmp_path: Path) -> Path:
    """An archive whose titles, tags, names and bodies carry terminal attacks."""
    root = tmp_path / "evil"
    write_injection_archive(root)
    return root


COMMANDS = {
    "list": ["list"],
    "list-json": ["list", "--json"],
    "search": ["search", "evilword"],
    "search-json": ["search", "evilword", "--json"],
    "cat-tag": ["cat", "--query", "evilword"],
    "cat-title": ["cat", "evil-title.md"],
    "tags": ["tags"],
    "categories": ["categories"],
}


@pytest.mark.parametrize("color", ["never", "always"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_raw_control_sequences_reach_the_terminal(evil: Path, command: str, color: str) -> None:
    """stdout and stderr carry no raw escape, BEL or C1 control from a post (colours allowed)."""
    args = COMMANDS[command]
    proc = run(args[0], "-a", str(evil), *args[1:], "--color", color)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert proc.stdout.strip(), "nothing printed: the test would prove nothing"
    if command not in ("tags", "categories"):
        assert b"Evil" in proc.stdout, "the hostile posts were not shown: nothing was tested"
    styled = color == "always"
    assert raw_controls(proc.stdout, styled=styled) == []
    assert raw_controls(proc.stderr, styled=styled) == []


def test_the_hostile_title_is_still_shown_readably(evil: Path) -> None:
    """Sanitising keeps the words around the sequences: the title is findable, just defused."""
    proc = run("list", "-a", str(evil))
    assert b"Evil" in proc.stdout and b"title" in proc.stdout
    assert b"\x1b" not in proc.stdout


def test_bare_archive_argument_piped_is_safe(evil: Path) -> None:
    """`blogtui ARCHIVE | cat` prints the plain list, defused."""
    proc = run(str(evil))
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert raw_controls(proc.stdout) == [] and raw_controls(proc.stderr) == []


def test_raw_into_a_pipe_passes_bytes_unchanged(evil: Path) -> None:
    """`cat --raw` into a pipe is the one documented exception: the file's bytes, untouched."""
    proc = run("cat", "-a", str(evil), "raw-body.md", "--raw")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert proc.stdout == (evil / "raw-body.md").read_bytes()


def test_attacks_are_really_in_the_fixture(evil: Path) -> None:
    """Guard for the tests above: the archive does carry every attack, raw."""
    text = (evil / "raw-body.md").read_bytes().decode(errors="replace")
    assert all(sequence in text for sequence in ATTACKS.values())
    assert any("\x1b" in name for name in os.listdir(evil))


# The TUI --------------------------------------------------------------------------------------


def _screen_text(app: object) -> str:
    """Every character the widgets of the current screen render now (from their strips)."""
    from textual.geometry import Region

    screen = app.screen  # type: ignore[attr-defined]
    parts = []
    for widget in [screen, *screen.walk_children(with_self=False)]:
        width, height = widget.size
        if not widget.display or width == 0 or height == 0:
            continue
        for strip in widget.render_lines(Region(0, 0, width, height)):
            parts.append("".join(segment.text for segment in strip))
    return "\n".join(parts)


async def test_tui_renders_no_raw_control_sequences(evil: Path) -> None:
    """The list, the sidebar, the reader on each hostile post and the notices: all defused."""
    from blogtui.tui.app import BlogApp
    from blogtui.tui.widgets.post_list import PostList

    app = BlogApp(evil)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        post_list = app.main.query_one(PostList)
        assert any("Evil" in post.title for post in post_list.posts)
        shown = [_screen_text(app)]
        for number, post in enumerate(post_list.posts):
            if "vil" not in post.title:
                continue
            post_list.cursor = number
            await pilot.press("enter")
            await opened(pilot)
            shown.append(_screen_text(app))
            await pilot.press("escape")
        shown += [str(note.message) for note in app._notifications]
    text = "\n".join(shown)
    assert "Evilword body" in text, "the hostile body was never shown: nothing was tested"
    assert raw_controls(text.encode(errors="surrogateescape")) == []


async def test_tui_loads_good_posts_and_reports_hostile_files(tmp_path: Path) -> None:
    """The reader opens the hostile tree: good posts listed, a notice, every problem listed."""
    from blogtui.tui.app import BlogApp
    from blogtui.tui.widgets.post_list import PostList
    from blogtui.tui.widgets.reader import Reader

    tree = write_hostile_tree(tmp_path, big=False)
    app = BlogApp(tree.root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        listed = {post.path for post in app.main.query_one(PostList).posts}
        notices = [str(note.message) for note in app._notifications]
        app.main.show_problems()
        await settle(pilot)
        problems_shown = app.main.query_one(Reader).text
    assert set(tree.good) <= listed
    assert not listed & set(tree.never_listed)
    assert notices, "no notice told the user that some files had problems"
    for rel in tree.must_report:
        assert rel in problems_shown, f"{rel} missing from the problems view"


def test_real_terminal_keeps_its_title_and_clipboard(evil: Path, tmp_path: Path) -> None:
    """The TUI in tmux (set-clipboard on): no OSC 0 title change, no OSC 52 clipboard write."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    with tmux_server(tmp_path) as tmux:
        start_tui(tmux, evil)
        subprocess.run([*tmux, "set", "-g", "set-clipboard", "on"], check=True)
        wait_for(tmux, "Evilword")
        keys(tmux, "Down", "Down", "Enter")  # "Evil title": attacks in every field and the body
        wait_for(tmux, "Evilword body")
        title = subprocess.run(
            [*tmux, "display", "-p", "#{pane_title}"], capture_output=True, check=True
        ).stdout
        buffers = subprocess.run([*tmux, "list-buffers"], capture_output=True).stdout
        dead = subprocess.run(
            [*tmux, "display", "-p", "#{pane_dead}"], capture_output=True, check=True
        ).stdout
        assert dead.strip() == b"0", f"the TUI died:\n{screen(tmux)}"
        keys(tmux, "q")
    assert b"pwned" not in title
    assert b"rm -rf" not in buffers and buffers.strip() == b""


# ---------------------------------------------------------------------------------------------
# One hostile corpus through every surface (issue 14): every field, file name, folder name,
# link and problem message hostile; every CLI command and every screen of the reader.


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The archive hostile everywhere (tests/_hostile.py write_hostile_corpus)."""
    root = tmp_path / "corpus"
    write_hostile_corpus(root)
    return root


SURFACE_COMMANDS = {
    "bare": [],
    "list": ["list"],
    "list-json": ["list", "--json"],
    "list-paths": ["list", "--paths"],
    "search": ["search", HOSTILE_WORD],
    "search-json": ["search", HOSTILE_WORD, "--json"],
    "search-markup": ["search", "[x="],
    "cat-query": ["cat", "--query", HOSTILE_WORD],
    "cat-file": ["cat", OPTION_NAME],
    "tags": ["tags"],
    "tags-json": ["tags", "--json"],
    "categories": ["categories"],
    "index": ["index"],
}


def _surface_args(corpus: Path, command: str) -> list[str]:
    args = SURFACE_COMMANDS[command]
    if not args:
        return [str(corpus)]
    return [args[0], "-a", str(corpus), *args[1:]]


@pytest.mark.parametrize("command", sorted(SURFACE_COMMANDS))
def test_every_command_piped_holds_no_escape_or_c1_byte(corpus: Path, command: str) -> None:
    """Piped (colour auto and never): not one ESC or C1 byte on stdout or stderr."""
    for color in ([], ["--color", "never"]):
        proc = run(*_surface_args(corpus, command), *(color if command != "bare" else []))
        out = proc.stdout + proc.stderr
        assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")
        assert b"Traceback" not in out, proc.stderr.decode(errors="replace")
        assert raw_controls(proc.stdout) == [] and raw_controls(proc.stderr) == []
        text = out.decode("utf-8", errors="replace")
        assert b"\x1b" not in out and not any("\x80" <= c <= "\x9f" for c in text)


@pytest.mark.parametrize("command", sorted(set(SURFACE_COMMANDS) - {"bare"}))
def test_every_command_styled_holds_only_our_styling(corpus: Path, command: str) -> None:
    """--color always: our SGR colours and OSC 8 links only; none of the hostile sequences."""
    proc = run(*_surface_args(corpus, command), "--color", "always")
    assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")
    assert b"Traceback" not in proc.stderr
    for stream in (proc.stdout, proc.stderr):
        assert raw_controls(stream, styled=True) == []
        assert hostile_leaks(stream.decode("utf-8", errors="replace")) == []


@pytest.mark.parametrize("command", sorted(set(SURFACE_COMMANDS) - {"bare", "index"}))
def test_every_command_on_a_terminal_holds_only_our_styling(
    corpus: Path, command: str, tmp_path: Path
) -> None:
    """On a pty (what a person sees; PAGER=cat so nothing waits): only our styling."""
    import pty

    env = dict(os.environ, PAGER="cat", COLUMNS="100", LINES="40", TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            blogtui_argv(*_surface_args(corpus, command)),
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=follower,
            env=env,
        )
        os.close(follower)
        output = _read_all(leader, proc)
    finally:
        os.close(leader)
    output = output.replace(b"\r\n", b"\n")  # the pty's own newline translation (onlcr)
    text = output.decode("utf-8", errors="replace")
    assert proc.returncode in (0, 1), text
    assert "Traceback" not in text
    assert raw_controls(output, styled=True) == [] and hostile_leaks(text) == []


def _read_all(fd: int, proc: subprocess.Popen[bytes]) -> bytes:
    """Everything written to the pty until the process ends (bounded by TIMEOUT)."""
    import select
    import time

    chunks, deadline = [], time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    return b"".join(chunks)


def _notices(app: Any) -> list[str]:
    """Every notice the app showed (recorded as shown: they expire from the screen)."""
    if not hasattr(app, "notices_shown"):
        app.notices_shown = []
        real = app.notify

        def notify(message: str, **kwargs: Any) -> None:
            app.notices_shown.append(f"{kwargs.get('title', '')}\n{message}")
            real(message, **kwargs)

        app.notify = notify
    return list(app.notices_shown)


async def _visit(pilot: Any, app: Any, shown: list[str]) -> None:
    """Read every post; on each open every link (answering no), find `[x=`."""
    from blogtui.tui.rendering import links_of
    from blogtui.tui.screens.confirm import Confirm
    from blogtui.tui.widgets.post_list import PostList

    post_list = app.main.query_one(PostList)
    hostile = [n for n, post in enumerate(post_list.posts) if "Good post" not in post.title]
    for number in hostile:
        post_list.cursor = number
        await pilot.press("enter")
        await opened(pilot)
        shown.append(_screen_text(app))
        reader = await opened(pilot)
        links = len(links_of(reader.post)) if number == hostile[0] and reader.post else 0
        for link in range(links):
            await pilot.press("o")
            await pilot.pause()
            shown.append(_screen_text(app))
            await pilot.press(*["down"] * link, "enter")
            await settle(pilot)
            shown.append(_screen_text(app))
            if isinstance(app.screen, Confirm):
                await pilot.press("n")
            elif app.screen is not app.main:
                await pilot.press("escape")
            await settle(pilot)
        await pilot.press("f", *"[x=", "enter")
        await settle(pilot)
        shown.append(_screen_text(app))
        await pilot.press("escape", "escape")


async def test_every_screen_over_the_hostile_corpus(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """List, sidebar, headers, bodies, links picker, confirm dialog, find, search, the term
    pickers, help, problems, the editor and every notice: nothing raw, no markup, no crash."""
    from blogtui.config import Config
    from blogtui.tui.app import BlogApp

    bin_dir = tmp_path / "bin"
    editor_log, opener_log = fake_program(bin_dir, "vi"), fake_program(bin_dir, "xdg-open")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("EDITOR", "vi")
    monkeypatch.delenv("VISUAL", raising=False)
    app = BlogApp(corpus, config=Config(theme="[x="))
    _notices(app)  # record from the start
    shown: list[str] = []
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        shown.append(_screen_text(app))
        await _visit(pilot, app, shown)
        await pilot.press("slash", *"[x=")
        await searched(pilot)
        shown.append(_screen_text(app))
        await pilot.press("escape", "escape")
        for picker in ("t", "c", "y"):
            await pilot.press(picker)
            await pilot.pause()
            shown.append(_screen_text(app))
            await pilot.press("enter", "escape")
            await settle(pilot)
            shown.append(_screen_text(app))
        await pilot.press("question_mark")
        shown.append(_screen_text(app))
        await pilot.press("escape")
        app.main.show_problems()
        await settle(pilot)
        shown.append(_screen_text(app))
        await pilot.press("e")
        await settle(pilot)
        shown += _notices(app)
        assert app.is_running, "the reader died"
    text = "\n".join(shown)
    assert HOSTILE_WORD in text and "Hostile option" in text, "the hostile posts were not shown"
    assert MARKUP in text, "markup from the archive was parsed instead of shown"
    assert raw_controls(text.encode(errors="surrogateescape")) == []
    assert hostile_leaks(text) == []
    # http and https open (the first link's escapes were stripped when the post was parsed);
    # javascript:, file:///etc/passwd and ../../etc/passwd asked or were refused
    launched = {argv[0] for argv in recorded(opener_log)}
    assert all(len(argv) == 1 for argv in recorded(opener_log))
    assert launched == {"http://x/", "http://x/%5Ba='%5D", "https://example.org/ok"}
    assert [argv[-2] for argv in recorded(editor_log)] == ["--"]


# ---------------------------------------------------------------------------------------------
# Issue 14's findings 1, 2, 6, 7, 10, 11, 12 and 14, each as it was reproduced


def test_finding_1_editor_ends_options_before_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-c!id >PWNED.md` with the archive as the current folder: `vi +N -- /abs/-c!id...`,
    never `vi +N '-c!id >PWNED.md'` (vim would run `id`)."""
    from blogtui.tui.external import editor_command

    root = tmp_path / "corpus"
    write_hostile_corpus(root)
    monkeypatch.chdir(root)
    argv = editor_command("vi", Path(OPTION_NAME))
    assert argv[0] == "vi" and argv[1].startswith("+")
    assert argv[2:] == ["--", str(root / OPTION_NAME)]
    code = editor_command("code --wait", Path("x.md"))
    assert code == ["code", "--wait", "--", str(root / "x.md")]


async def test_finding_1_e_runs_the_editor_with_the_option_name_as_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`e` on the post named like an option, archive opened as `.`: the recorded argv."""
    from blogtui.tui.app import BlogApp
    from blogtui.tui.widgets.post_list import PostList

    root = tmp_path / "corpus"
    write_hostile_corpus(root)
    log = fake_program(tmp_path / "bin", "vi")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("EDITOR", "vi")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.chdir(root)
    app = BlogApp(Path("."))
    _notices(app)  # record from the start
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        post_list = app.main.query_one(PostList)
        post_list.cursor = [p.path for p in post_list.posts].index(OPTION_NAME)
        await pilot.press("e")
        await settle(pilot)
    [argv] = recorded(log)
    assert argv[0].startswith("+") and argv[1:] == ["--", str(root / OPTION_NAME)]
    assert not (root / "PWNED.md").exists()


async def test_finding_2_no_escape_from_titles_folders_or_link_targets(corpus: Path) -> None:
    """A title that sanitises to nothing shows its path visibly (list row and pane header);
    a folder named with OSC 2 reaches the problem notice as ^[]2;...; the `o` picker shows
    an OSC 52 link target defused."""
    from blogtui.tui.app import BlogApp
    from blogtui.tui.widgets.post_list import PostList

    app = BlogApp(corpus)
    _notices(app)  # record from the start
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        post_list = app.main.query_one(PostList)
        empty = next(n for n, p in enumerate(post_list.posts) if p.title.startswith("\x1b"))
        row = post_list.row_text(post_list.posts[empty]).plain
        post_list.cursor = empty
        await pilot.press("enter")
        await opened(pilot)
        pane = _screen_text(app)
        await pilot.press("o")
        await pilot.pause()
        picker = _screen_text(app)
        notices = "\n".join(_notices(app))
    assert "^[]2;T^[\\ dir/" in row and "\x1b" not in row
    assert "^[]2;T^[\\ dir/" in pane
    assert "^[]2;T^[\\ dir/broken" in notices and hostile_leaks(notices) == []
    assert "http://x/" in picker and hostile_leaks(picker) == []
    assert raw_controls((row + pane + picker + notices).encode(errors="surrogateescape")) == []


@pytest.mark.parametrize(
    ("target", "verdict", "argument"),
    [
        ("https://example.org/a?b=1#c", "open", "https://example.org/a?b=1#c"),
        ("http://example.org", "open", "http://example.org"),
        ("mailto:me@example.org", "open", "mailto:me@example.org"),
        ("javascript:alert(1)", "refuse", ""),
        ("JavaScript:alert(1)", "refuse", ""),
        ("data:text/html,<script>x</script>", "refuse", ""),
        ("http://x/\x1b]52;c;cHduZWQ=\x1b\\", "refuse", ""),
        ("https://example.org/a b", "refuse", ""),
        ("file:///etc/passwd", "ask", "/etc/passwd"),
        ("../../../../../../../../etc/passwd", "ask", "/etc/passwd"),
        ("ftp://example.org/x", "ask", "ftp://example.org/x"),
        ("sibling.png", "open", "{root}/posts/sibling.png"),
        ("/posts/sibling.png", "open", "{root}/posts/sibling.png"),
        ("file://{root}/posts/sibling.png", "open", "{root}/posts/sibling.png"),
        ("missing.png", "refuse", ""),
        ("-rf", "refuse", ""),
    ],
)
def test_finding_6_the_opener_takes_only_checked_urls_and_archive_files(
    tmp_path: Path, target: str, verdict: str, argument: str
) -> None:
    """http, https and mailto open; archive files open as one absolute path; javascript:,
    data: and URLs with controls are refused; file: outside the archive, ../ out of it and
    other schemes ask first."""
    from blogtui.tui.external import opening

    root = (tmp_path / "archive").resolve()
    (root / "posts").mkdir(parents=True)
    (root / "posts" / "sibling.png").write_bytes(b"png")
    decided = opening(target.format(root=root), root / "posts" / "post.md", root)
    assert (decided.verdict, decided.argument) == (verdict, argument.format(root=root))
    assert decided.verdict == "refuse" or decided.reason or decided.verdict == "open"


async def test_finding_6_outside_targets_ask_and_javascript_is_refused(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the `o` picker with a fake xdg-open: javascript: is refused with a notice;
    file:///etc/passwd asks, and opens only on yes, as one absolute path."""
    from blogtui.tui.app import BlogApp
    from blogtui.tui.screens.confirm import Confirm
    from blogtui.tui.widgets.post_list import PostList

    log = fake_program(tmp_path / "bin", "xdg-open")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    app = BlogApp(corpus)
    _notices(app)  # record from the start
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        post_list = app.main.query_one(PostList)
        post_list.cursor = [p.path for p in post_list.posts].index(OPTION_NAME)
        await pilot.press("enter")
        await opened(pilot)
        app.main._follow("javascript:alert(1)")
        await settle(pilot)
        refused = "\n".join(_notices(app))
        app.main._follow("file:///etc/passwd")
        await settle(pilot)
        asked = isinstance(app.screen, Confirm)
        await pilot.press("n")
        before_yes = recorded(log)
        app.main._follow("../../../../../../../../etc/passwd")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert "javascript: links run code" in refused
    assert asked and before_yes == []
    assert recorded(log) == [["/etc/passwd"]]


async def test_finding_7_markup_from_anywhere_is_shown_not_parsed(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A YAML error echoing `!<[a='>`, a file `[a='].md`, tags `[a='` and `[b]`, a link
    `http://x/[a=']`, a find and a search for `[x=`, a config theme `[x=`: no MarkupError,
    and a picked tag `[b]` shows as `tag:[b]` (not `tag:`)."""
    from textual.widgets import Label

    from blogtui.config import Config
    from blogtui.tui.app import BlogApp
    from blogtui.tui.widgets.post_list import PostList

    fake_program(tmp_path / "bin", "xdg-open")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    app = BlogApp(corpus, config=Config(theme="[x="))
    _notices(app)  # record from the start
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        main = app.main
        main._toggle("tag", "[b]")
        await settle(pilot)
        count = str(main.query_one("#count", Label).render())
        main._toggle("tag", "[b]")
        main._toggle("tag", MARKUP)
        await settle(pilot)
        count += str(main.query_one("#count", Label).render())
        main._toggle("tag", MARKUP)
        post_list = main.query_one(PostList)
        post_list.cursor = [p.path for p in post_list.posts].index("[a='].md")
        await pilot.press("enter")
        await opened(pilot)
        main._follow("http://x/[a=']")
        await pilot.pause()
        notices = "\n".join(_notices(app))  # before they time out
        await pilot.press("f", *"[x=", "enter")
        await settle(pilot)
        notices += "\n".join(_notices(app))
        await pilot.press("escape", "escape", "slash", *"[x=")
        await searched(pilot)
        status = str(main.query_one("#status", Label).render())
        assert app.is_running
    assert "tag:[b]" in count and f"tag:{MARKUP}" in count
    assert "unknown theme '[x='" in notices
    assert "opening http://x/%5Ba='%5D" in notices or "opening http://x/[a=']" in notices
    assert "'[x=' is not in this post" in notices
    assert "[x=" in status or "[x=" in notices
    assert "[a='" in notices  # the YAML error's echo, in the problems notice


async def test_finding_10_a_vanished_archive_is_a_notice_and_polling_goes_on(
    tmp_path: Path,
) -> None:
    """The archive folder moved away while reading: a notice, the reader stays; moved back,
    the next poll finds it again."""
    from blogtui.tui.app import BlogApp

    root = tmp_path / "archive"
    write_good_posts(root, 3)
    app = BlogApp(root)
    _notices(app)  # record from the start
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        root.rename(tmp_path / "moved")
        app.main.refresh_archive()
        await settle(pilot)
        gone = "\n".join(_notices(app))
        app.main.refresh_archive()  # a second poll while gone says nothing new
        await settle(pilot)
        repeated = sum("archive unavailable" in notice for notice in _notices(app))
        (tmp_path / "moved").rename(root)
        app.main.refresh_archive()
        await settle(pilot)
        back = "\n".join(_notices(app))
        assert app.is_running
    assert "archive unavailable" in gone and str(root) in gone
    assert repeated == 1, "each poll while the archive is gone repeated the notice"
    assert "the archive is back" in back


def test_finding_11_a_slow_scan_never_holds_the_library_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a poll's stat scan runs (200,000 folders take seconds), a typed search answers
    at once: the scan runs outside the lock."""
    import blogtui.search.freshness
    from blogtui.tui.library import Filters, Library

    root = tmp_path / "archive"
    write_good_posts(root, 3)
    library = Library.open(root)
    library.refresh()
    started, release = threading.Event(), threading.Event()
    real_scan = blogtui.search.freshness.walk

    def slow_scan(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(30)
        return real_scan(*args, **kwargs)

    monkeypatch.setattr(blogtui.search.freshness, "walk", slow_scan)
    polling = threading.Thread(target=library.refresh, daemon=True)
    polling.start()
    try:
        assert started.wait(10)
        results, _ = bounded(lambda: library.search(Filters(text="good")), 5)
        assert results.total == 3
    finally:
        release.set()
        polling.join(30)
        library.close()


def test_finding_11_polls_back_off_with_the_scan_cost() -> None:
    """A scan that takes 3 s makes the next poll wait 60 s; a cheap one keeps the interval."""
    from blogtui.tui.polling import MAX_DELAY, Poller

    assert Poller(cost=0.01).delay(2.0) == 2.0
    assert Poller(cost=3.0).delay(2.0) == 60.0
    assert Poller(cost=60.0).delay(2.0) == MAX_DELAY


@pytest.mark.parametrize("signame", ["TERM", "HUP"])
def test_finding_12_a_signal_gives_the_terminal_back(tmp_path: Path, signame: str) -> None:
    """SIGTERM or SIGHUP mid-build (the real TUI in tmux): the alternate screen is left, mouse
    tracking is off, the cursor shows, and no traceback is printed over the shell."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    root = tmp_path / "archive"
    write_good_posts(root, 3000, paragraphs=6)
    with tmux_server(tmp_path) as tmux:
        homes = ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")
        exports = [f"{key}={os.environ[key]}" for key in homes]
        words = ["env", *exports, "TERM=xterm-256color", *blogtui_argv(str(root))]
        # the shell stays after the reader, so the pane's modes can be read as it left them
        command = " ".join(shlex.quote(word) for word in words) + "; echo EXITED $?; sleep 120"
        size = ["-x", "120", "-y", "40"]
        subprocess.run([*tmux, "new-session", "-d", *size, "sh", "-c", command], check=True)
        wait_for(tmux, "indexing")
        os.kill(_reader_pid(tmux), getattr(signal, f"SIG{signame}"))
        shown = wait_for(tmux, "EXITED")
        state = _pane_state(tmux)
    assert state["alternate_on"] == "0", shown
    assert state["mouse_any_flag"] == "0" and state["mouse_standard_flag"] == "0"
    assert state["cursor_flag"] == "1"
    assert "Traceback" not in shown and "BrokenPipe" not in shown, shown


def _reader_pid(tmux: list[str]) -> int:
    """The reader's pid: the one child of the pane's shell."""
    out = subprocess.run([*tmux, "display", "-p", "#{pane_pid}"], capture_output=True, check=True)
    shell = int(out.stdout)
    children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
    return int(children[0])


def _pane_state(tmux: list[str]) -> dict[str, str]:
    names = ["alternate_on", "mouse_any_flag", "mouse_standard_flag", "cursor_flag"]
    fmt = "\t".join(f"#{{{name}}}" for name in names)
    out = subprocess.run([*tmux, "display", "-p", fmt], capture_output=True, check=True)
    return dict(zip(names, out.stdout.decode().strip().split("\t"), strict=True))


@pytest.mark.parametrize("how", ["option", "columns"])
def test_finding_14_width_is_bounded(tmp_path: Path, how: str) -> None:
    """`--width 1000000000` (or $COLUMNS as big) renders at 1,000 columns, said on stderr,
    in bounded time; it raised MemoryError."""
    root = tmp_path / "archive"
    write_good_posts(root, 1)
    env = dict(os.environ)
    args = ["cat", "-a", str(root), "posts/good-00000.md", "--color", "always"]
    if how == "option":
        args += ["--width", "1000000000"]
    else:
        env["COLUMNS"] = "1000000000"
    proc = run(*args, env=env, timeout=30)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    widest = max(len(line) for line in _unstyled(proc.stdout).splitlines())
    assert 900 <= widest <= 1000
    if how == "option":
        assert b"using 1000" in proc.stderr


def _unstyled(output: bytes) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", output.decode("utf-8", errors="replace"))
