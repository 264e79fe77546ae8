"""BlogApp: the Textual reader of an archive, and `run_app`, the entry point the CLI calls."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from blogtui.archive import ArchiveError
from blogtui.config import Config, load_config
from blogtui.model import Post
from blogtui.safe import Safe, safe
from blogtui.tui import keys, shown
from blogtui.tui.external import editor_command
from blogtui.tui.images import prepare as prepare_images
from blogtui.tui.library import FIRST_SCREEN, Library
from blogtui.tui.screens.help import HelpScreen, Sections
from blogtui.tui.screens.main import MainScreen
from blogtui.tui.session import Session

DEMO_ARCHIVE = Path(__file__).resolve().parent.parent / "demo"
EXIT_GRACE = 3.0  # seconds a signalled reader has to exit cleanly before it leaves at once
# what the reader's terminal modes are reset with when it must leave at once: the alternate
# screen left, mouse tracking and bracketed paste off, the cursor shown
_RESET_TERMINAL = b"\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?25h"


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
        self.session = Session(root, config or Config(), now)
        self.config_warnings = list(warnings)
        self._signalled = False

    @property
    def library(self) -> Library | None:
        """The archive's opened index (None until the worker has opened it)."""
        return self.session.library

    @property
    def main(self) -> MainScreen:
        """The main screen (always at the bottom of the stack)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen(self.session)

    def on_mount(self) -> None:
        self._exit_on_signals()
        self._apply_config()
        self._open_library()

    def _exit_on_signals(self) -> None:
        """SIGTERM and SIGHUP end the reader as `q` does: the terminal is given back (the
        alternate screen left, mouse tracking off, the cursor shown) and a running build
        stops at its next file, its workers ending with their input (no tracebacks)."""
        if self.is_headless:
            return  # tests drive the app; their runner owns the signals
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._on_signal, 128 + signum)

    def _on_signal(self, code: int) -> None:
        """Exit as `q` does; if that has not ended the process within EXIT_GRACE seconds
        (a worker that cannot stop, a terminal gone so nothing can be written), or on a
        second signal, leave at once with the terminal's modes reset."""
        if self._signalled:
            _leave_now(code)
        self._signalled = True
        self.exit(code)
        timer = threading.Timer(EXIT_GRACE, _leave_now, (code,))
        timer.daemon = True
        timer.start()

    def _apply_config(self) -> None:
        config = self.session.config
        warnings = list(self.config_warnings)
        if config.theme in self.available_themes:
            self.theme = config.theme
        else:
            where = config.source or "config"
            warnings.append(f"{where}: theme: unknown theme {config.theme!r}; using {self.theme}")
        known = keys.binding_ids(self.BINDINGS)
        unknown = sorted(set(config.keymap) - known)
        if unknown:
            warnings.append(
                f"{config.source}: keymap: unknown binding ids {', '.join(unknown)}; ignored"
            )
        self.set_keymap({k: v for k, v in config.keymap.items() if k in known})
        for warning in warnings:
            shown.notify(self, safe(warning), title=safe("config"), severity="warning", timeout=10)

    @work(thread=True, exclusive=True, group="open")
    def _open_library(self) -> None:
        # Results reach the UI through the main screen's queue (call_later is thread-safe):
        # the screen runs them only while it is live, never into a DOM torn down on exit.
        main = self.main

        def notice(text: str) -> None:
            main.call_later(shown.notify, self, safe(text), timeout=6)

        try:
            library = Library.open(self.session.root, notice=notice, now=self.session.now)
            catalogue = library.listing(self.session.sort)
            catalogue.prefetch(FIRST_SCREEN)  # the rows first painted, built off the UI thread
        except ArchiveError as err:
            main.call_later(self._cannot_open, safe(str(err)))
            return
        # The catalogue's objects live as long as the reader: kept out of the cyclic GC's
        # full passes (at 100,000 posts each walked them all, some 0.1 s, keystrokes too).
        gc.freeze()
        self.session.library = library
        main.call_later(main.library_ready, catalogue)

    def _cannot_open(self, message: Safe) -> None:
        self.main.cannot_open(message)
        title = safe("cannot open the archive")
        shown.notify(self, message, title=title, severity="error", timeout=15)

    def editor_command(self, post: Post) -> list[str]:
        """The command line `e` runs to open the post's file in the user's editor."""
        return editor_command(self.session.config.editor, self.session.file(post))

    # --- help and palette -------------------------------------------------------------
    def binding_sections(self) -> Sections:
        """Every binding of the reader grouped by where it applies."""
        return keys.help_sections(self.BINDINGS)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.binding_sections(), self.session.config.keymap))

    def action_quit(self) -> None:  # type: ignore[override]
        self.exit(0)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette lists the same actions as the keys, plus a few without keys."""
        main = self.main
        for binding in keys.palette_bindings():
            yield SystemCommand(
                binding.description, f"key: {binding.key}", _runner(main, binding.action)
            )
        yield SystemCommand("Help", "Every key", self.action_help)
        yield SystemCommand("Problems", "Files that could not be read, and why", main.show_problems)
        yield SystemCommand("Read", "Read the highlighted post", main.read_highlighted)
        yield from super().get_system_commands(screen)


def _leave_now(code: int) -> None:
    """End the process now: the terminal's modes reset where it can still be written."""
    with contextlib.suppress(OSError):
        os.write(1, _RESET_TERMINAL)
    os._exit(code)


def _runner(screen: MainScreen, action: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await screen.run_action(action)

    return run


def run_app(
    root: Path, *, config_path: Path | None = None, demo: bool = False, images: str | None = None
) -> int:
    """Run the reader on the archive at `root` (or the bundled demo); returns the exit code.
    `images` (a mode) overrides the config's."""
    config, warnings = load_config(config_path)
    if images is not None:
        config = replace(config, images=images)
    prepare_images(config.images)  # textual-image may ask the terminal: before Textual runs
    app = BlogApp(DEMO_ARCHIVE if demo else root, config=config, warnings=warnings)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
