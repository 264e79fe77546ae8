"""An empty Textual app, started from a shell command: the reader's first-paint baseline.

    python benchmarks/_empty_app.py

It draws one line of text (READY) and waits for q, so bench_scale.py can time it in tmux
exactly as it times `blogtui ARCHIVE`.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Label

#: The text bench_scale.py looks for on the screen.
READY = "empty textual app: ready"


class Empty(App[None]):
    """One label and a quit key: what every Textual app pays before drawing anything."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Label(READY)


if __name__ == "__main__":
    Empty().run()
