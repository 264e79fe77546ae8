"""Sidebar: tags, categories and years with counts for the current search; enter toggles one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from blogtui.render import sanitize
from blogtui.search.facets import FacetKind, Facets, heading
from blogtui.tui.library import Filters

#: How many terms each section lists; the pickers (t, c, y) reach all of them.
SECTION_LIMITS: dict[FacetKind, int] = {"tag": 40, "category": 20, "year": 40}
HEADINGS: dict[FacetKind, str] = {"tag": "Tags", "category": "Categories", "year": "Years"}
#: The sections top to bottom: the short ones first, so they stay on screen above the tags.
SECTIONS: tuple[FacetKind, ...] = ("category", "year", "tag")


class Sidebar(OptionList):
    """The archive's taxonomies with counts that follow the search and the picked filters."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="sidebar.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="sidebar.up"),
        Binding("g,home", "first", "First", show=False, id="sidebar.first"),
        Binding("G,end", "last", "Last", show=False, id="sidebar.last"),
        Binding("space,pagedown", "page_down", "Page down", show=False, id="sidebar.page_down"),
        Binding("b,pageup", "page_up", "Page up", show=False, id="sidebar.page_up"),
        Binding("enter", "select", "Toggle filter", id="sidebar.toggle"),
    ]

    class Toggled(Message):
        """The user picked or unpicked a term: kind is tag, category or year."""

        def __init__(self, kind: str, term: str) -> None:
            super().__init__()
            self.kind = kind
            self.term = term

    def show(self, facets: Facets, filters: Filters) -> None:
        """Replace the sections with these counts, picked terms first and marked."""
        highlighted = self.highlighted_option.id if self.highlighted_option else None
        picked: dict[FacetKind, set[str]] = {
            "tag": set(filters.tags),
            "category": set(filters.categories),
            "year": {str(y) for y in filters.years},
        }
        for kind, term in filters.terms:
            picked.setdefault(kind, set()).add(term)
        options: list[Option | None] = []
        others = [kind for kind in facets.kinds() if kind not in SECTIONS]
        for kind in (*SECTIONS, *others):
            options.extend(self._section(kind, facets.of(kind), picked.get(kind, set())))
        self.set_options(options)
        if highlighted is not None:
            try:
                self.highlighted = self.get_option_index(highlighted)
            except OptionDoesNotExist:  # that term is no longer in the results
                self.highlighted = None

    def _section(
        self, kind: FacetKind, counts: list[tuple[str, int]], picked: set[str]
    ) -> list[Option | None]:
        title = Text(HEADINGS.get(kind) or heading(kind), style="bold")
        options: list[Option | None] = [Option(title, id=f"heading:{kind}", disabled=True)]
        if not counts:
            options.append(Option(Text("  none", style="dim"), disabled=True))
        limit = SECTION_LIMITS.get(kind, 20)
        shown = [c for c in counts if c[0] in picked] + [c for c in counts if c[0] not in picked]
        for term, count in shown[:limit]:
            mark = "✓ " if term in picked else "  "
            label = Text(f"{mark}{sanitize(term)}", overflow="ellipsis", no_wrap=True)
            label.append(f" {count}", style="dim")
            options.append(Option(label, id=f"{kind}:{term}"))
        if len(counts) > limit:
            key = {"tag": " (t)", "category": " (c)", "year": " (y)"}.get(kind, "")
            options.append(
                Option(Text(f"  … {len(counts) - limit} more{key}", style="dim"), disabled=True)
            )
        return options

    def action_select(self) -> None:
        option = self.highlighted_option
        if option is None or option.id is None or option.disabled:
            return
        kind, _, term = option.id.partition(":")
        self.post_message(self.Toggled(kind, term))
