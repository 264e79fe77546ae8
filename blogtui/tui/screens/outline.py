"""OutlinePicker: the headings of the open post; enter jumps to one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from blogtui.markup.outline import Section

#: How far each level is indented below the post's top level.
INDENT = "  "


class OutlinePicker(ModalScreen[int | None]):
    """Pick a heading of the post; the result is its index in the outline."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Close", id="outline.close"),
        Binding("j", "move(1)", "Down", show=False, id="outline.down"),
        Binding("k", "move(-1)", "Up", show=False, id="outline.up"),
    ]

    def __init__(self, sections: list[Section], current: int = -1) -> None:
        super().__init__()
        self.sections = sections
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label("Outline  (enter jumps; escape closes)", id="picker-title", markup=False)
            yield OptionList(*self._options(), id="picker-options")

    def _options(self) -> list[Option]:
        if not self.sections:
            return [Option(Text("This post has no headings.", style="dim"), disabled=True)]
        top = min(section.level for section in self.sections)
        return [
            Option(Text(INDENT * (section.level - top) + section.text), id=str(number))
            for number, section in enumerate(self.sections)
        ]

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.sections:
            options.highlighted = max(0, self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
