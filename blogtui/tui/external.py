"""The world outside the reader: the user's editor on a post's file, the system opener for links."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from textual.app import App, SuspendNotSupported

from blogtui.model import Post
from blogtui.search.links import is_external
from blogtui.tui.session import Session

#: Editors that understand `+LINE` before the file name.
LINE_EDITORS = {"vi", "vim", "nvim", "nano", "emacs", "emacsclient", "micro", "kak", "hx", "helix"}


def editor_command(editor: str | None, path: Path) -> list[str]:
    """The command line that opens `path` in `editor` (else $VISUAL, $EDITOR, vi), at the
    line where the body starts when the editor takes `+LINE`."""
    command = editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    argv = shlex.split(command)
    if Path(argv[0]).name in LINE_EDITORS:
        argv.append(f"+{body_line(path)}")
    return [*argv, str(path)]


def body_line(path: Path) -> int:
    """The line where a post's body starts (after its front matter), for `editor +LINE`."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    stripped = [line.strip() for line in lines]
    start = next((i for i, line in enumerate(stripped) if line), None)
    if start is None or stripped[start] not in ("---", "+++"):
        return 1
    fence = stripped[start]
    end = next((i for i in range(start + 1, len(lines)) if stripped[i] == fence), None)
    return end + 2 if end is not None else 1


def edit(app: App[Any], session: Session, post: Post) -> None:
    """Open the post in the editor with the app suspended; the caller re-indexes."""
    argv = editor_command(session.config.editor, session.file(post))
    if shutil.which(argv[0]) is None:
        app.notify(
            f"editor not found: {argv[0]} (set editor in the config or $EDITOR)",
            severity="error",
        )
        return
    session.editing = True
    try:
        with app.suspend():
            subprocess.run(argv, check=False)
    except SuspendNotSupported:  # no terminal to hand over (headless): run it anyway
        subprocess.run(argv, check=False, stdin=subprocess.DEVNULL, capture_output=True)
    finally:
        session.editing = False
    app.refresh()


def open_link(app: App[Any], session: Session, target: str, post: Post) -> None:
    """Open a URL, or a file next to the post, with the system opener."""
    if not is_external(target):
        local = session.file(post).parent / target.split("#")[0]
        target = str(local.resolve())
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    if shutil.which(opener) is None:
        app.notify(f"no {opener} to open {target}", severity="warning")
        return
    subprocess.Popen(
        [opener, target],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    app.notify(f"opening {target}", timeout=2)
