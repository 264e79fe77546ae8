"""`blogtui cat` on a real terminal: run inside tmux, read the screen as a person would."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.terminal,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

HELLO = """---
title: Hello Terminal
date: 2024-03-01
tags: [Go, Web]
---
# Greetings From Markdown

Some **bold** text. {{< figure src="cat.jpg" caption="A cat" >}}

```python
print("highlighted")
```
"""

HOSTILE = """---
title: "Evil \\e]0;pwned\\a\\e[2J title"
date: 2022-01-01
---
Body with \x1b]2;pwned-too\x07 escapes.
"""


class Terminal:
    """A 100x30 tmux session on a private server socket, running an interactive bash."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return proc.stdout

    def type(self, command: str) -> None:
        self.tmux("send-keys", "-t", "t", "-l", command)
        self.tmux("send-keys", "-t", "t", "Enter")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """The screen once `text` shows on it; fail with the screen if it never does."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"{text!r} never appeared on the screen:\n{screen}")
            time.sleep(0.1)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    socket = f"blogtui-test-{os.getpid()}-{tmp_path.name}"
    term = Terminal(socket)
    size = ["-x", "100", "-y", "30"]
    subprocess.run(
        ["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "t", *size],
        check=True,
        timeout=30,
    )
    try:
        term.type("echo READY-$((40+2))")
        term.wait_for("READY-42")
        yield term
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False, timeout=30)


#: Typed after a command; the screen shows END-42 only once the command has finished.
DONE = "; echo END-$((40+2))"


def blogtui(*args: str, **overrides: str) -> str:
    """The shell command line, with this test's isolated environment spelled out.

    The shell inside tmux does not inherit the test's environment, so HOME and the XDG
    folders (isolated per test by conftest) are passed explicitly.
    """
    names = ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")
    env = [f"{name}={os.environ[name]}" for name in names]
    env += ["PAGER=less -R", "LESS=", "NO_COLOR=", "TERM=xterm-256color"]
    env += [f"{name}={value}" for name, value in overrides.items()]
    return shlex.join(["env", *env, sys.executable, "-m", "blogtui", *args])


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "blog"
    (root / "posts").mkdir(parents=True)
    (root / "posts/hello.md").write_text(HELLO, encoding="utf-8")
    (root / "posts/evil.md").write_text(HOSTILE, encoding="utf-8")
    long_body = "".join(f"Paragraph number {n}.\n\n" for n in range(1, 81))
    (root / "posts/long.md").write_text(
        f"---\ntitle: A long post\ndate: 2020-01-01\n---\n{long_body}", encoding="utf-8"
    )
    return root


def test_cat_renders_markdown_on_a_terminal(terminal: Terminal, archive: Path) -> None:
    terminal.type(blogtui("cat", "-a", str(archive), "hello") + DONE)
    screen = terminal.wait_for("END-42")
    assert "Hello Terminal" in screen
    assert "2024-03-01" in screen and "Go, Web" in screen
    heading = next(line for line in screen.splitlines() if "Greetings From Markdown" in line)
    assert "#" not in heading  # rendered as a heading, not shown as markdown source
    assert "[figure: A cat (cat.jpg)]" in screen
    assert 'print("highlighted")' in screen
    assert "title:" not in screen and "**" not in screen


def test_long_post_is_paged_and_quits_with_q(terminal: Terminal, archive: Path) -> None:
    terminal.type(blogtui("cat", "-a", str(archive), "long") + DONE)
    screen = terminal.wait_for("Paragraph number 1.")
    assert "Paragraph number 80." not in screen  # only the first screen is shown
    assert "END-42" not in screen  # the pager is still running
    terminal.tmux("send-keys", "-t", "t", "q")
    terminal.wait_for("END-42")


def test_no_pager_prints_everything(terminal: Terminal, archive: Path) -> None:
    terminal.type(blogtui("cat", "--no-pager", "-a", str(archive), "long") + DONE)
    screen = terminal.wait_for("END-42")
    assert "Paragraph number 80." in screen


def test_hostile_post_cannot_retitle_or_clear_the_terminal(
    terminal: Terminal, archive: Path
) -> None:
    terminal.type("echo BEFORE")
    terminal.wait_for("BEFORE")
    terminal.type(blogtui("cat", "-a", str(archive), "evil") + DONE)
    screen = terminal.wait_for("END-42")
    assert "BEFORE" in screen  # the screen was not cleared
    assert "Evil" in screen and "escapes." in screen
    assert "pwned" not in terminal.tmux("display-message", "-p", "-t", "t", "#{pane_title}")


def test_raw_on_a_terminal_shows_controls_like_cat_v(terminal: Terminal, archive: Path) -> None:
    terminal.type(blogtui("cat", "--raw", "-a", str(archive), "evil") + DONE)
    screen = terminal.wait_for("END-42")
    assert "Body with ^[]2;pwned-too^G escapes." in screen
    assert "pwned" not in terminal.tmux("display-message", "-p", "-t", "t", "#{pane_title}")


def test_no_command_on_a_terminal_opens_the_interface(terminal: Terminal, archive: Path) -> None:
    terminal.type(blogtui(str(archive)) + DONE)
    terminal.wait_for("Hello Terminal")  # the post list of the interface
    assert "END-42" not in terminal.screen()  # still running: it is the TUI, not a listing
    terminal.tmux("send-keys", "-t", "t", "q")
    terminal.wait_for("END-42")


def test_plain_output_on_a_terminal_is_paged_too(terminal: Terminal, archive: Path) -> None:
    terminal.type(blogtui("cat", "-a", str(archive), "long", NO_COLOR="1") + DONE)
    screen = terminal.wait_for("Paragraph number 1.")
    assert "Path:       posts/long.md" in screen  # the plain header: NO_COLOR means no rich
    assert "END-42" not in screen
    terminal.tmux("send-keys", "-t", "t", "q")
    terminal.wait_for("END-42")
