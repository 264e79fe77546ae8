"""BlogApp: the Textual reader of an archive, and `run_app`, the entry point the CLI calls."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from blogtui.archive import ArchiveError
from blogtui.config import Config, load_config
from blogtui.model import Post, Sort
from blogtui.tui.library import Library
from blogtui.tui.links import is_external
from blogtui.tui.rendering import Look
from blogtui.tui.screens.help import HelpScreen, Sections
from blogtui.tui.screens.main import MainScreen
from blogtui.tui.screens.picker import TermPicker
from blogtui.tui.widgets.post_list import PostList
from blogtui.tui.widgets.reader import Reader
from blogtui.tui.widgets.taxonomy import Sidebar

DEMO_ARCHIVE = Path(__file__).resolve().parent.parent / "demo"
#: Editors that understand `+LINE` before the file name.
LINE_EDITORS = {"vi", "vim", "nvim", "nano", "emacs", "emacsclient", "micro", "kak", "hx", "helix"}


class BlogApp(App[int]):
    """Browse, filter, search and read a markdown blog archive."""

    CSS_PATH = "blogtui.tcss"
    TITLE = "blogtui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        Binding(
            "ctrl+p", "command_palette", "Commands", show=False, priority=True, id="command_palette"
        ),
    ]

    def __init__(
        self,
        root: Path,
        *,
        config: Config | None = None,
        warnings: Iterable[str] = (),
        now: datetime | None = None,
    ) -> None:
        super().__init__()
        self.root = root
        self.config = config or Config()
        self.config_warnings = list(warnings)
        self.now = now
        self.library: Library | None = None
        self.editing = False
        self.initial_sort: Sort = self.config.sort

    @property
    def main(self) -> MainScreen:
        """The main screen (always at the bottom of the stack)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen()

    def on_mount(self) -> None:
        self._apply_config()
        self._open_library()

    def _apply_config(self) -> None:
        warnings = list(self.config_warnings)
        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        else:
            where = self.config.source or "config"
            warnings.append(
                f"{where}: theme: unknown theme {self.config.theme!r}; using {self.theme}"
            )
        known = {b.id for _, group in self.binding_sections() for b in _plain(*group)}
        unknown = sorted(set(self.config.keymap) - known)
        if unknown:
            warnings.append(
                f"{self.config.source}: keymap: unknown binding ids {', '.join(unknown)}; ignored"
            )
        self.set_keymap({k: v for k, v in self.config.keymap.items() if k in known})
        for warning in warnings:
            self.notify(warning, title="config", severity="warning", timeout=10)

    def watch_theme(self, theme: str) -> None:
        for reader in self.query(Reader):
            reader.look = self.reader_look()
            reader.reload()

    def reader_look(self) -> Look:
        """How the reading pane draws a post: the configured date format, the theme's darkness."""
        return Look(date_format=self.config.date_format, dark=self.current_theme.dark)

    @work(thread=True, exclusive=True, group="open")
    def _open_library(self) -> None:
        def notice(text: str) -> None:
            self.call_from_thread(self.notify, text, timeout=6)

        try:
            library = Library.open(self.root, notice=notice, now=self.now)
            catalogue = library.posts()
        except ArchiveError as err:
            self.call_from_thread(self._cannot_open, str(err))
            return
        self.library = library
        self.call_from_thread(self.main.library_ready, catalogue)

    def _cannot_open(self, message: str) -> None:
        self.main.query_one(Reader).clear(message)
        self.notify(message, title="cannot open the archive", severity="error", timeout=15)

    # --- things outside the app -------------------------------------------------------
    def editor_command(self, post: Post) -> list[str]:
        """The command line that opens the post's file in the user's editor."""
        command = self.config.editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        argv = shlex.split(command)
        path = self.root / post.path
        if Path(argv[0]).name in LINE_EDITORS:
            argv.append(f"+{body_line(path)}")
        return [*argv, str(path)]

    def edit(self, post: Post) -> None:
        """Open the post in the editor with the app suspended; the caller re-indexes."""
        argv = self.editor_command(post)
        if shutil.which(argv[0]) is None:
            self.notify(
                f"editor not found: {argv[0]} (set editor in the config or $EDITOR)",
                severity="error",
            )
            return
        self.editing = True
        try:
            with self.suspend():
                subprocess.run(argv, check=False)
        except SuspendNotSupported:  # no terminal to hand over (headless): run it anyway
            subprocess.run(argv, check=False, stdin=subprocess.DEVNULL, capture_output=True)
        finally:
            self.editing = False
        self.refresh()

    def open_external(self, target: str, post: Post) -> None:
        """Open a URL or a file next to the post with the system opener."""
        if not is_external(target):
            local = (self.root / post.path).parent / target.split("#")[0]
            target = str(local.resolve())
        opener = "open" if sys.platform == "darwin" else "xdg-open"
        if shutil.which(opener) is None:
            self.notify(f"no {opener} to open {target}", severity="warning")
            return
        subprocess.Popen(
            [opener, target],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.notify(f"opening {target}", timeout=2)

    # --- help and palette -------------------------------------------------------------
    def binding_sections(self) -> Sections:
        """Every binding of the reader grouped by where it applies."""
        return [
            ("Everywhere", list(MainScreen.BINDINGS) + list(self.BINDINGS)),
            ("Post list", list(PostList.BINDINGS)),
            ("Reading pane", list(Reader.BINDINGS)),
            ("Sidebar", list(Sidebar.BINDINGS)),
            ("Pickers", list(TermPicker.BINDINGS)),
        ]

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.binding_sections(), self.config.keymap))

    def action_quit(self) -> None:  # type: ignore[override]
        self.exit(0)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette lists the same actions as the keys, plus a few without keys."""
        main = self.main
        for binding in _plain(*MainScreen.BINDINGS):
            yield SystemCommand(
                binding.description, f"key: {binding.key}", _runner(main, binding.action)
            )
        yield SystemCommand("Help", "Every key", self.action_help)
        yield SystemCommand("Problems", "Files that could not be read, and why", main.show_problems)
        yield SystemCommand(
            "Read", "Read the highlighted post", main.query_one(PostList).action_select
        )
        yield from super().get_system_commands(screen)


def _plain(*bindings: BindingType) -> Iterable[Binding]:
    return (b for b in bindings if isinstance(b, Binding))


def _runner(screen: MainScreen, action: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await screen.run_action(action)

    return run


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


def run_app(root: Path, *, config_path: Path | None = None, demo: bool = False) -> int:
    """Run the reader on the archive at `root` (or the bundled demo); returns the exit code."""
    config, warnings = load_config(config_path)
    app = BlogApp(DEMO_ARCHIVE if demo else root, config=config, warnings=warnings)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
