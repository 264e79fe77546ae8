"""HelpScreen: every key of the reader, taken from the bindings so remapped keys show."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from blogtui.safe import safe
from blogtui.tui import shown

#: Where each group of bindings applies, and the classes that define them.
Sections = list[tuple[str, list[BindingType]]]


def key_names(keys: str) -> str:
    """Keys as a person reads them: "slash" -> "/", "down,j" -> "down j"."""
    names = {"slash": "/", "question_mark": "?", "space": "space", "escape": "esc"}
    return " ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))


def help_table(sections: Sections, keymap: Mapping[str, str]) -> Table:
    """A two-column table of keys and what they do, one block per section."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for title, bindings in sections:
        table.add_row(Text(title, style="bold underline"), "")
        for binding in _bindings(bindings):
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            # the keys may come from the config's [keymap]: Text, so never markup
            table.add_row(shown.text(safe(key_names(keys))), Text(binding.description))
        table.add_row("", "")
    return table


def _bindings(bindings: Iterable[BindingType]) -> Iterable[Binding]:
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            yield binding


class HelpScreen(ModalScreen[None]):
    """Lists every key; escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
        Binding("down,j", "scroll('down')", "Down", show=False, id="help.down"),
        Binding("up,k", "scroll('up')", "Up", show=False, id="help.up"),
    ]

    def __init__(self, sections: Sections, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.table = help_table(sections, keymap)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text("blogtui keys  (escape closes)", style="bold"), markup=False)
            yield Static(self.table, id="help-table", markup=False)  # trusted: our bindings

    def action_scroll(self, direction: str) -> None:
        scroll = self.query_one(VerticalScroll)
        scroll.scroll_down() if direction == "down" else scroll.scroll_up()
