"""The installed `blogtui` command in a real terminal (tmux): search, read, filter, quit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import corpus

pytestmark = pytest.mark.terminal

WIDTH, HEIGHT = 140, 40


class Terminal:
    """One tmux session on its own server socket, running one command."""

    def __init__(self, socket: str) -> None:
        self.base = ["tmux", "-L", socket]

    def start(self, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        # COLUMNS/LINES from the test runner would override the real window size
        run = f"env -u COLUMNS -u LINES {exports} TERM=xterm-256color {command}"
        line = f"{run}; echo EXITED-$?; sleep 30"
        size = ["-x", str(WIDTH), "-y", str(HEIGHT)]
        subprocess.run([*self.base, "new-session", "-d", "-s", "t", *size, line], check=True)
        # some tmux versions size a detached session by default-size, not -x/-y
        subprocess.run([*self.base, "resize-window", "-t", "t", *size], capture_output=True)

    def keys(self, *keys: str, literal: bool = False) -> None:
        for key in keys:
            flags = ["-l"] if literal else []
            subprocess.run([*self.base, "send-keys", "-t", "t", *flags, key], check=True)
            time.sleep(0.15)

    def screen(self) -> str:
        result = subprocess.run(
            [*self.base, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True
        )
        return result.stdout

    def wait_gone(self, text: str, timeout: float = 30.0) -> None:
        """Wait until `text` is off the screen; fails with the screen when it stays."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text not in self.screen():
                return
            time.sleep(0.1)
        pytest.fail(f"{text!r} stayed; the screen was:\n{self.screen()}")

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """The screen once `text` is on it; fails with the screen when it never shows."""
        return self.wait_until(lambda screen: text in screen, repr(text), timeout)

    def wait_until(self, shows: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
        """The screen once `shows(screen)`; fails naming `what`, with the screen, on a timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if shows(screen):
                return screen
            time.sleep(0.1)
        pytest.fail(f"{what} never appeared; the screen was:\n{self.screen()}")

    def kill(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed: this test drives the real terminal through it")
    if shutil.which("blogtui") is None:
        pytest.skip("the blogtui command is not installed (pip install -e .)")
    term = Terminal(f"blogtui-test-{os.getpid()}-{tmp_path.name}")
    yield term
    term.kill()


ROW = re.compile(r"(?:\d{4}-\d{2}-\d{2}|undated) +([^▏]+)")


def list_rows(screen: str) -> list[str]:
    """The post list's rows (date, title, tags), found by their leading date."""
    return [m.group(0).strip() for line in screen.splitlines() if (m := ROW.search(line))]


def test_search_read_filter_quit_on_kerthcet(terminal: Terminal, isolated_home: Path) -> None:
    archive = corpus("kerthcet-homepage")
    env = {k: os.environ[k] for k in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "PATH")}
    terminal.start(f"blogtui {archive}", env)
    terminal.wait_for("62/62 posts")  # listed from front matter, the index still building
    # Typed at once, while the index is written: the keys behind `/` reach the search bar
    # (a `c` reaching the list would open the category picker instead).
    terminal.keys("/Cambridge", literal=True)
    screen = terminal.wait_for("4/62 posts")
    terminal.keys("Enter")  # leave the search bar for the list
    rows = list_rows(screen)
    assert len(rows) == 4, screen
    target = next(i for i, row in enumerate(rows) if "New Chapter in 2025" in row)
    terminal.keys(*["j"] * target, "Enter")
    screen = terminal.wait_for(" words")  # the header's reading time: the post is open
    assert "New Chapter in 2025" in screen
    body_lines = screen.split("────")[-1]
    assert "Cambridge" in body_lines  # the body itself, read in the pane

    terminal.keys("Escape")  # the innermost filter, the search, goes
    terminal.wait_for("62/62 posts")
    terminal.keys("t")
    terminal.wait_for("type to narrow")  # the picker is up: letters typed sooner are lost
    terminal.keys("stadium", literal=True)
    terminal.keys("Enter", "Escape")

    # The count, not the filter: the status bar names the tag before the search lands.
    # Both at once: a capture can catch tmux between the two parts of one redraw.
    def filtered(screen: str) -> bool:
        rows = list_rows(screen)
        return "8/62 posts" in screen and len(rows) == 8 and any("Stamford" in r for r in rows)

    screen = terminal.wait_until(filtered, "8 rows, Stamford Bridge among them, and 8/62 posts")
    assert "tag:stadium" in screen, screen

    terminal.keys("q")
    terminal.wait_for("EXITED-0")
