"""The world outside the reader: the user's editor on a post's file, the system opener for links.

Both run from an argv list, never through a shell. The editor gets the file's absolute path
after `--` (its `+LINE` before), so no file name is ever read as an option. The opener
(xdg-open rejects `--`) gets exactly one argument, an absolute path or a checked URL; only
http, https and mailto URLs and files inside the archive open without asking (`opening`).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from textual.app import App, SuspendNotSupported

from blogtui.model import Post
from blogtui.safe import Safe, safe, sanitize, visible
from blogtui.tui import shown
from blogtui.tui.session import Session

#: Editors that understand `+LINE` before the file name.
LINE_EDITORS = {"vi", "vim", "nvim", "nano", "emacs", "emacsclient", "micro", "kak", "hx", "helix"}
#: URL schemes the opener gets without asking.
OPEN_SCHEMES = frozenset({"http", "https", "mailto"})
#: URL schemes never handed to the opener: they run code in whatever opens them.
REFUSED_SCHEMES = frozenset({"javascript", "vbscript", "data"})


def editor_command(editor: str | None, path: Path) -> list[str]:
    """The argv that opens `path` in `editor` (else $VISUAL, $EDITOR, vi): the editor's own
    words, `+LINE` where the body starts when the editor takes it, `--`, the absolute path."""
    command = editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    argv = shlex.split(command) or ["vi"]
    if Path(argv[0]).name in LINE_EDITORS:
        argv.append(f"+{body_line(path)}")
    return [*argv, "--", os.path.abspath(path)]


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
        message = f"editor not found: {argv[0]} (set editor in the config or $EDITOR)"
        shown.notify(app, safe(message), severity="error")
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


Verdict = Literal["open", "ask", "refuse"]


@dataclass(frozen=True, slots=True)
class Opening:
    """What a link target would hand the opener, and whether it may without asking."""

    verdict: Verdict
    #: The one argument the opener gets: an absolute path or a URL ("" when refused).
    argument: str
    #: Why it asks or refuses, for the dialog or the notice.
    reason: str = ""

    @property
    def shown(self) -> Safe:
        """The argument as a notice shows it (a URL or a path may hold escapes)."""
        return visible(self.argument)


def opening(target: str, post_file: Path, root: Path) -> Opening:
    """Decide how a link target of the post at `post_file` may be opened.

    http, https and mailto URLs without control characters or spaces open; so does a file
    inside the archive, given as a relative link or a file: URL. javascript:, vbscript: and
    data: URLs are refused. A file outside the archive (`../../etc/passwd`, `file:///etc/...`)
    or any other scheme asks first.
    """
    parts = urlsplit(target)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return _local(Path(unquote(parts.path)), root, target)
    if scheme in REFUSED_SCHEMES:
        return Opening("refuse", "", f"{scheme}: links run code; not opened")
    if len(scheme) > 1:  # a one-letter "scheme" is a Windows drive: a path
        return _url(target, scheme, bool(parts.netloc or parts.path))
    relative = unquote(parts.path) if not parts.scheme else target
    if not relative:
        return Opening("refuse", "", "the link names no file")
    base = root if relative.startswith("/") else post_file.parent  # "/x": the archive's root
    return _local(base / relative.lstrip("/"), root, target)


def _url(target: str, scheme: str, addressed: bool) -> Opening:
    if sanitize(target) != target or any(char.isspace() for char in target):
        return Opening("refuse", "", "the URL holds control characters or spaces; not opened")
    if not addressed:
        return Opening("refuse", "", "the URL names nothing; not opened")
    if scheme in OPEN_SCHEMES:
        return Opening("open", target)
    return Opening("ask", target, f"a {scheme}: link, handed to whatever handles {scheme}:")


def _local(path: Path, root: Path, target: str) -> Opening:
    absolute = Path(os.path.abspath(path)).resolve()
    if not absolute.exists():
        return Opening("refuse", "", f"no such file: {target}")
    inside = absolute.is_relative_to(Path(os.path.abspath(root)).resolve())
    if inside:
        return Opening("open", str(absolute))
    return Opening("ask", str(absolute), "a file outside the archive")


def opener() -> str:
    """The system opener's name."""
    return "open" if sys.platform == "darwin" else "xdg-open"


#: Puts a yes-or-no question to the user and calls back with the answer (a dialog).
Ask = Callable[[Safe, Callable[[bool | None], None]], None]


def open_link(app: App[Any], session: Session, target: str, post: Post, ask: Ask) -> None:
    """Open a URL, or a file next to the post, with the system opener; `ask` first when the
    target is neither a web or mail address nor a file of the archive (`opening`)."""
    decided = opening(target, session.file(post), session.root)
    if decided.verdict == "refuse":
        shown.notify(app, safe(f"{decided.reason}: {visible(target)}"), severity="warning")
        return
    if decided.verdict == "open":
        launch(app, decided)
        return

    def answered(yes: bool | None) -> None:
        if yes:
            launch(app, decided)

    ask(safe(f"Open {decided.shown}?\n({decided.reason})"), answered)


def launch(app: App[Any], decided: Opening) -> None:
    """Hand the one checked argument to the system opener, detached from the reader."""
    name = opener()
    if shutil.which(name) is None:
        shown.notify(app, safe(f"no {name} to open {decided.shown}"), severity="warning")
        return
    subprocess.Popen(
        [name, decided.argument],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    shown.notify(app, safe(f"opening {decided.shown}"), timeout=2)
