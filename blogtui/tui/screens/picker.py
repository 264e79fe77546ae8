"""TermPicker: a modal to pick tags, categories or a year, narrowed by typing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from blogtui.model import term_key
from blogtui.render import sanitize
from blogtui.safe import Safe, safe
from blogtui.tui import shown


class TermPicker(ModalScreen[frozenset[str]]):
    """Type to narrow, arrows to move, enter to toggle (or pick, when single), escape to close.

    Dismisses with the set of picked terms; several picked terms mean AND.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="picker.close"),
        Binding("down", "move(1)", "Down", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Up", show=False, id="picker.up"),
        Binding("pagedown", "move(10)", "Page down", show=False, id="picker.page_down"),
        Binding("pageup", "move(-10)", "Page up", show=False, id="picker.page_up"),
    ]

    def __init__(
        self,
        title: str,
        counts: Sequence[tuple[str, int]],
        picked: frozenset[str],
        *,
        single: bool = False,
        empty: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.counts = list(counts)
        self.picked = set(picked)
        self.single = single
        #: What an empty picker says ("no tags in this archive").
        self.empty = empty or f"no {title.lower()} in this archive"

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(shown.text(self._heading()), id="picker-title", markup=False)
            yield Input(placeholder="type to narrow", id="picker-input")
            yield OptionList(id="picker-options")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#picker-input", Input).focus()

    def _heading(self) -> Safe:
        how = "enter picks" if self.single else "enter toggles, several = AND"
        return safe(f"{self.title_text}  ({how}; escape closes)")

    def _fill(self, narrow: str) -> None:
        options = self.query_one("#picker-options", OptionList)
        key = term_key(narrow)
        shown = [(t, n) for t, n in self.counts if key in term_key(t)]
        # picked terms stay visible even when they are not in the current results
        known = {t for t, _ in self.counts}
        shown = [(t, 0) for t in sorted(self.picked - known) if key in term_key(t)] + shown
        options.set_options(self._option(t, n) for t, n in shown)
        if shown:
            options.highlighted = 0
        else:
            said = self.empty if not narrow else f"nothing matches {narrow!r}"
            options.add_option(Option(Text(said, style="dim italic"), disabled=True))

    def _option(self, term: str, count: int) -> Option:
        mark = "✓ " if term in self.picked else "  "
        label = Text(mark + sanitize(term))
        label.append(f"  {count}", style="dim")
        return Option(label, id=term)

    @on(Input.Changed, "#picker-input")
    def _narrow(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-input")
    def _submitted(self) -> None:
        options = self.query_one("#picker-options", OptionList)
        option = options.highlighted_option
        if option is not None and option.id is not None:
            self._toggle(option.id)

    @on(OptionList.OptionSelected, "#picker-options")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._toggle(event.option.id)

    def _toggle(self, term: str) -> None:
        if self.single:
            self.picked = set() if term in self.picked else {term}
            self.dismiss(frozenset(self.picked))
            return
        self.picked ^= {term}
        options = self.query_one("#picker-options", OptionList)
        index = options.highlighted
        count = dict(self.counts).get(term, 0)
        if index is not None:
            options.replace_option_prompt_at_index(index, self._option(term, count).prompt)

    def action_move(self, step: int) -> None:
        options = self.query_one("#picker-options", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_close(self) -> None:
        self.dismiss(frozenset(self.picked))
