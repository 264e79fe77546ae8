"""Confirm: a yes-or-no question in a modal (y or enter says yes; n or escape says no)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from blogtui.safe import Safe
from blogtui.tui import shown


class Confirm(ModalScreen[bool]):
    """Ask before doing something a link asked for; dismisses with the answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: Safe) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(shown.text(self.question), id="confirm-question", markup=False)
            yield Label("y opens, n or escape does not", id="picker-title", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
