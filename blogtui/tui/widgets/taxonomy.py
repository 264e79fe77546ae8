"""Sidebar: each taxonomy that has terms, with counts for the current search; enter toggles one.

The sections come from whatever facet kinds the search's Facets carry (every list field, and
each entry of a mapping field), so a new taxonomy appears here without a change; a kind with
no terms in the results is left out. Each term is one line: its name cut with an ellipsis,
its count right-aligned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from blogtui.render import sanitize
from blogtui.search.facets import heading

#: How many terms a section lists; the pickers reach all of them.
SECTION_LIMIT = 40
SHORT_SECTION_LIMIT = 20
#: Facet field names whose kind is not the name less its plural "s".
KINDS: dict[str, str] = {"categories": "category", "series": "series", "taxonomies": ""}
#: What the sidebar says while the counts of the list shown are being counted.
COUNTING = "counting…"
#: The key that opens each kind's picker, for the "… N more" line.
PICKER_KEYS: dict[str, str] = {"tag": "t", "category": "c", "year": "y"}


@dataclass(frozen=True, slots=True)
class Section:
    """One taxonomy of the results: its kind (as filters and Toggled name it), heading, counts."""

    kind: str
    heading: str
    counts: list[tuple[str, int]]
    picked: frozenset[str]


def sections(facets: object, filters: object) -> list[Section]:
    """The facet kinds of `facets` that have terms, short ones first and tags last.

    A list field of (term, count) pairs is one kind (`tags` -> tag); a mapping field holds
    several (custom taxonomies, name -> pairs). What is picked comes from the same-named
    field of `filters`.
    """
    found: list[Section] = []
    for spec in fields(facets):  # type: ignore[arg-type]
        value = getattr(facets, spec.name)
        picked: Any = getattr(filters, spec.name, frozenset())
        if isinstance(value, Mapping):
            for name, counts in value.items():
                chosen = _picked_of(picked, name)
                found.append(_section(name, heading(name), counts, chosen))
        elif isinstance(value, list):
            kind = KINDS.get(spec.name, spec.name.removesuffix("s"))
            found.append(_section(kind, spec.name, value, picked))
    shown = [s for s in found if s.counts or s.picked]
    return sorted(shown, key=lambda s: s.kind == "tag")  # stable: tags, the long one, last


def _picked_of(picked: Any, kind: str) -> frozenset[str]:
    """The picked terms of `kind`: from a mapping (kind -> terms) or (kind, term) pairs."""
    if isinstance(picked, Mapping):
        return frozenset(picked.get(kind, ()))
    return frozenset(term for other, term in picked if other == kind)


def _section(kind: str, name: str, counts: Sequence[Any], picked: Any) -> Section:
    title = name.replace("_", " ")
    title = title[:1].upper() + title[1:]
    pairs = [(str(term), int(count)) for term, count in counts]
    return Section(kind, title, pairs, frozenset(str(p) for p in picked))


def term_line(mark: str, term: str, count: int, width: int) -> Text:
    """`✓ name…   12` in exactly `width` cells: the name cut with an ellipsis, count right."""
    number = f"{count:,}"
    room = max(1, width - len(mark) - len(number) - 1)
    name = Text(sanitize(term).replace("\n", " "), no_wrap=True, overflow="ellipsis", end="")
    name.truncate(room, overflow="ellipsis", pad=True)
    line = Text(mark, no_wrap=True, end="")
    line.append_text(name)
    line.append(" " + number, style="dim")
    return line


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
        """The user picked or unpicked a term: kind is tag, category, year or another kind."""

        def __init__(self, kind: str, term: str) -> None:
            super().__init__()
            self.kind = kind
            self.term = term

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._sections: list[Section] = []
        self._narrowed = False
        #: True while the counts of the list shown are being counted.
        self.counting = False
        self._drawn_width = 0

    def show(self, facets: object | None, filters: object, narrowed: bool = False) -> bool:
        """Replace the sections with these counts, picked terms first and marked; None says
        they are being counted.

        `narrowed` says a search or filter is on (an empty result then says so rather than
        the archive having no terms). Returns whether there is anything to show.
        """
        self.counting = facets is None
        self._sections = [] if facets is None else sections(facets, filters)
        self._narrowed = narrowed
        self._redraw()
        return bool(self._sections) or narrowed or self.counting

    @property
    def line_width(self) -> int:
        """Cells for a term line: the width inside the border, less a column for the
        scrollbar whether or not it shows (so the lines do not depend on the last list's
        length)."""
        return max(12, self.outer_size.width - self.styles.gutter.width - 2)

    def _redraw(self) -> None:
        highlighted = self.highlighted_option.id if self.highlighted_option else None
        width = self._drawn_width = self.line_width
        options: list[Option | None] = []
        for section in self._sections:
            options.extend(_options(section, width))
        if self.counting:
            options.append(Option(Text(COUNTING, style="dim"), disabled=True))
        elif not options and self._narrowed:
            options.append(Option(Text("no terms in these results", style="dim"), disabled=True))
        self.set_options(options)
        if highlighted is not None:
            try:
                self.highlighted = self.get_option_index(highlighted)
            except OptionDoesNotExist:  # that term is no longer in the results
                self.highlighted = None

    def on_resize(self, event: events.Resize) -> None:
        if self.line_width != self._drawn_width:
            self._redraw()

    def action_select(self) -> None:
        option = self.highlighted_option
        if option is None or option.id is None or option.disabled:
            return
        kind, _, term = option.id.partition(":")
        self.post_message(self.Toggled(kind, term))


def _options(section: Section, width: int) -> list[Option | None]:
    heading = Text(section.heading, style="bold", no_wrap=True, overflow="ellipsis")
    options: list[Option | None] = [Option(heading, id=f"heading:{section.kind}", disabled=True)]
    counts, picked = section.counts, section.picked
    limit = SECTION_LIMIT if section.kind == "tag" else SHORT_SECTION_LIMIT
    known = {term for term, _ in counts}
    ordered = [(t, 0) for t in sorted(picked - known)]
    ordered += [c for c in counts if c[0] in picked] + [c for c in counts if c[0] not in picked]
    for term, count in ordered[:limit]:
        mark = "✓ " if term in picked else "  "
        options.append(Option(term_line(mark, term, count, width), id=f"{section.kind}:{term}"))
    if len(ordered) > limit:
        key = PICKER_KEYS.get(section.kind)
        more = f"  … {len(ordered) - limit:,} more" + (f" ({key})" if key else "")
        options.append(Option(Text(more, style="dim"), disabled=True))
    return options
