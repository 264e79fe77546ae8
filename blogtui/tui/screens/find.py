"""FindBar: a one-line prompt for the text to find in the open post."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Input


class FindBar(ModalScreen[str | None]):
    """Enter finds (then n/N move between matches); escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="find.cancel")
    ]

    def compose(self) -> ComposeResult:
        yield Input(placeholder="find in this post (enter; then n / N)", id="find-input")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
