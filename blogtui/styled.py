"""A parsed Document as Rich renderables: the reading pane and `blogtui cat` on a terminal.

The same nodes as the plain text (blogtui.markup.plain), drawn with style: callouts as
boxes coloured by tone, code highlighted under its language's name, paragraphs broken
as their script wants (blogtui.markup.breaks), footnotes listed under a rule at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import get_character_cell_size
from rich.console import Console, ConsoleOptions, Group, NewLine, RenderableType, RenderResult
from rich.measure import Measurement
from rich.panel import Panel
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from blogtui.markup import nodes
from blogtui.markup.breaks import ideographic, unbreakable, wrap
from blogtui.markup.plain import image_text, media_text, same_as_url, wikilink_text
from blogtui.markup.urls import display_url
from blogtui.safe import sanitize

TONES = {
    "note": "blue",
    "tip": "green",
    "important": "magenta",
    "warning": "yellow",
    "danger": "red",
    "quiet": "bright_black",
}


@dataclass(frozen=True, slots=True)
class Palette:
    """The styles of one look (dark or light background)."""

    dark: bool = True

    @property
    def code_theme(self) -> str:
        return "monokai" if self.dark else "default"

    @property
    def code(self) -> Style:
        return Style(color="bright_cyan" if self.dark else "dark_cyan", bold=True)

    @property
    def link(self) -> Style:
        return Style(color="bright_blue" if self.dark else "blue", underline=True)

    @property
    def quiet(self) -> Style:
        return Style(dim=True)


def _measure(char: str) -> int:
    return get_character_cell_size(char)


class Wrapped:
    """Styled text broken into lines by script (CJK between characters, Latin at spaces)."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width)
        for line in self.text.split("\n", allow_blank=True):
            for start, end in wrap(line.plain, width, _measure):
                yield from _segments(line[start:end], console)
                yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        plain = self.text.plain
        longest = max((_cells(line) for line in plain.split("\n")), default=0)
        shortest = max((_cells(plain[s:e]) for s, e in unbreakable(plain)), default=0)
        return Measurement(min(shortest, longest), longest)


def _segments(text: Text, console: Console) -> Iterable[Segment]:
    """The segments of one line of text, its own style under its spans' (Text.render
    leaves the base style to Text's __rich_console__, which would wrap again)."""
    segments = text.render(console)
    if not text.style:
        return segments
    return Segment.apply_style(segments, console.get_style(text.style))


def _cells(text: str) -> int:
    return sum(_measure(char) for char in text)


class Prefixed:
    """Renderables drawn beside a prefix: `▌ ` for quotes, `• ` then spaces for list items."""

    def __init__(self, body: RenderableType, first: Text, rest: Text | None = None) -> None:
        self.body, self.first = body, first
        self.rest = rest if rest is not None else Text(" " * first.cell_len)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width - self.first.cell_len)
        lines = console.render_lines(self.body, options.update(width=width), pad=False)
        for number, line in enumerate(lines):
            yield from _segments(self.first if number == 0 else self.rest, console)
            yield from line
            yield Segment.line()


# --- spans -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Piece:
    text: str
    style: Style | str = ""
    soft: bool = False  # a soft line break, resolved by its neighbours


class _Spans:
    """Turns spans into styled pieces, then into one Text."""

    def __init__(self, palette: Palette) -> None:
        self.palette = palette
        self.pieces: list[_Piece] = []

    def add(self, spans: Iterable[nodes.Span], style: Style | str = "") -> None:
        for span in spans:
            handler = _SPAN_STYLES.get(type(span))
            if handler is not None:
                handler(self, span, style)

    def text(self, base: Style | str = "") -> Text:
        out = Text(style=base)
        for index, piece in enumerate(self.pieces):
            if piece.soft:
                out.append(self._soft(index))
            else:
                out.append(sanitize(piece.text), style=piece.style or None)
        return out

    def _soft(self, index: int) -> str:
        """A newline inside a paragraph: a space, or nothing between CJK characters."""
        before = next((p.text[-1:] for p in reversed(self.pieces[:index]) if p.text), "")
        after = next((p.text[:1] for p in self.pieces[index + 1 :] if p.text), "")
        return "" if before and after and ideographic(before) and ideographic(after) else " "


def _combine(style: Style | str, extra: Style | str) -> Style:
    return _style(style) + _style(extra)


def _style(style: Style | str) -> Style:
    return Style.parse(style) if isinstance(style, str) else style


def _plain_span(out: _Spans, span: nodes.Span, style: Style | str) -> None:
    out.pieces.append(_Piece(span.text, style))  # type: ignore[union-attr]


def _code_span(out: _Spans, span: nodes.Span, style: Style | str) -> None:
    assert isinstance(span, nodes.Code)
    out.pieces.append(_Piece(span.text, _combine(style, out.palette.code)))


_EMPHASIS = {
    "em": "italic",
    "strong": "bold",
    "strike": "strike",
    "mark": "reverse",
    "sup": "dim",
    "sub": "dim",
    "kbd": "reverse",
}


def _styled_span(out: _Spans, span: nodes.Span, style: Style | str) -> None:
    assert isinstance(span, nodes.Styled)
    out.add(span.children, _combine(style, _EMPHASIS[span.style]))


def _link_span(out: _Spans, span: nodes.Span, style: Style | str) -> None:
    assert isinstance(span, nodes.Link)
    before = len(out.pieces)
    out.add(span.children, _combine(style, out.palette.link))
    shown = "".join(piece.text for piece in out.pieces[before:]).strip()
    url = display_url(span.target)
    if url and not same_as_url(shown, url):
        out.pieces.append(_Piece(f" ({url})", out.palette.quiet))
    elif not shown:
        out.pieces.append(_Piece(url, _combine(style, out.palette.link)))


def _label_span(
    text: Callable[[nodes.Span], str],
) -> Callable[[_Spans, nodes.Span, Style | str], None]:
    def handler(out: _Spans, span: nodes.Span, style: Style | str) -> None:
        out.pieces.append(_Piece(text(span), _combine(style, out.palette.quiet)))

    return handler


def _wikilink_span(out: _Spans, span: nodes.Span, style: Style | str) -> None:
    assert isinstance(span, nodes.WikiLink)
    out.pieces.append(_Piece(wikilink_text(span), _combine(style, out.palette.link)))


def _footnote_span(out: _Spans, span: nodes.Span, style: Style | str) -> None:
    assert isinstance(span, nodes.FootnoteRef)
    out.pieces.append(_Piece(f"[{span.number}]", _combine(style, out.palette.link)))


def _break_span(out: _Spans, span: nodes.Span, style: Style | str) -> None:
    assert isinstance(span, nodes.Break)
    out.pieces.append(_Piece("\n") if span.hard else _Piece("", soft=True))


_SPAN_STYLES: dict[type, Callable[[_Spans, nodes.Span, Style | str], None]] = {
    nodes.Text: _plain_span,
    nodes.Code: _code_span,
    nodes.Styled: _styled_span,
    nodes.Link: _link_span,
    nodes.Image: _label_span(lambda span: image_text(span)),  # type: ignore[arg-type]
    nodes.Media: _label_span(lambda span: media_text(span)),  # type: ignore[arg-type]
    nodes.Label: _label_span(lambda span: span.text),  # type: ignore[union-attr]
    nodes.WikiLink: _wikilink_span,
    nodes.FootnoteRef: _footnote_span,
    nodes.Break: _break_span,
}


def spans(palette: Palette, items: Iterable[nodes.Span], style: Style | str = "") -> Text:
    """Spans as one styled Text (soft breaks resolved, text sanitised)."""
    out = _Spans(palette)
    out.add(items)
    return out.text(style)


# --- blocks ----------------------------------------------------------------------------------


#: The renderables drawn under a paragraph for its images (the reading pane's), or none.
Pictures = Callable[[list[nodes.Span]], Sequence[RenderableType]]


class Styler:
    """Draws blocks in one palette; `pictures`, if given, draws the images of paragraphs."""

    def __init__(self, palette: Palette, pictures: Pictures | None = None) -> None:
        self.palette = palette
        self.pictures = pictures

    def document(self, document: nodes.Document) -> RenderableType:
        """The whole document, blocks separated by blank lines."""
        return self.blocks(document.blocks)

    def blocks(self, blocks: Iterable[nodes.Block], *, tight: bool = False) -> RenderableType:
        """Blocks one after another, a blank line between them unless `tight` (list items)."""
        items: list[RenderableType] = []
        for block in blocks:
            if items and not tight:
                items.append(NewLine())
            items.append(self.block(block))
        return Group(*items)

    def block(self, block: nodes.Block) -> RenderableType:
        method: Callable[[nodes.Block], RenderableType] = getattr(
            self, "_" + type(block).__name__.lower()
        )
        return method(block)

    def _paragraph(self, block: nodes.Paragraph) -> RenderableType:
        text = Wrapped(spans(self.palette, block.spans))
        drawn = self.pictures(block.spans) if self.pictures is not None else ()
        return Group(text, *drawn) if drawn else text

    def _heading(self, block: nodes.Heading) -> RenderableType:
        style = {1: "bold reverse", 2: "bold underline"}.get(block.level, "bold")
        return Wrapped(spans(self.palette, block.spans, style))

    def _codeblock(self, block: nodes.CodeBlock) -> RenderableType:
        from rich.syntax import Syntax  # (with Pygments, 20 ms to import: first code seen)

        code = sanitize(block.text.removesuffix("\n"))
        # Rich highlights a language Pygments knows and shows any other as plain text.
        syntax = Syntax(
            code,
            block.lang.lower() or "text",
            theme=self.palette.code_theme,
            word_wrap=True,
            padding=(0, 1),
        )
        name = " · ".join(sanitize(part) for part in (block.lang, block.title) if part)
        if not name:
            return syntax
        return Group(Text(name, style=self.palette.quiet), syntax)

    def _quote(self, block: nodes.Quote) -> RenderableType:
        bar = Text("▌ ", style=self.palette.quiet)
        return Prefixed(self.blocks(block.blocks), bar, bar)

    def _callout(self, block: nodes.Callout) -> RenderableType:
        colour = TONES.get(block.tone, TONES["quiet"])
        head = Text()
        label = sanitize(block.label)
        if label:
            head.append(label, style=f"bold {colour}" if block.tone != "quiet" else "dim")
        if block.title:
            head.append(": " if label else "")
            head.append_text(spans(self.palette, block.title, "bold"))
        return Panel(
            self.blocks(block.blocks) if block.blocks else Text(""),
            title=head if head.plain.strip() else None,
            title_align="left",
            border_style=colour,
            box=box.ROUNDED,
            padding=(0, 1),
        )

    def _listblock(self, block: nodes.ListBlock) -> RenderableType:
        items: list[RenderableType] = []
        for number, item in enumerate(block.items):
            marker = f"{block.start + number}. " if block.ordered else "• "
            checked = block.checked[number] if number < len(block.checked) else None
            if checked is not None:
                marker += "☑ " if checked else "☐ "
            body = self.blocks(item, tight=True)
            items.append(Prefixed(body, Text(marker, style=self.palette.quiet)))
        return Group(*items)

    def _definitions(self, block: nodes.Definitions) -> RenderableType:
        items: list[RenderableType] = []
        for term, definitions in block.items:
            items.append(Wrapped(spans(self.palette, term, "bold")))
            items.extend(Prefixed(self.blocks(d), Text("  ")) for d in definitions)
        return Group(*items)

    def _table(self, block: nodes.Table) -> RenderableType:
        table = Table(
            box=box.SIMPLE_HEAD,
            show_header=bool(block.head),
            show_edge=False,
            caption=sanitize(block.caption) or None,
            caption_justify="left",
            header_style="bold",
            padding=(0, 1),
        )
        columns = max([len(block.head), *(len(row) for row in block.rows)], default=0)
        for index in range(columns):
            head = block.head[index] if index < len(block.head) else []
            align = (
                block.align[index] if index < len(block.align) and block.align[index] else "left"
            )
            table.add_column(Wrapped(spans(self.palette, head, "bold")), justify=align)  # type: ignore[arg-type]
        for row in block.rows:
            table.add_row(*(Wrapped(spans(self.palette, cell)) for cell in row))
        return table

    def _rule(self, block: nodes.Rule) -> RenderableType:
        return Rule(style=self.palette.quiet)

    def _media(self, block: nodes.Media) -> RenderableType:
        text = Wrapped(Text(sanitize(media_text(block)), style="italic"))
        drawn = self.pictures([block]) if self.pictures is not None else ()
        return Group(text, *drawn) if drawn else text

    def _footnotes(self, block: nodes.Footnotes) -> RenderableType:
        notes: list[RenderableType] = [Rule("Notes", style=self.palette.quiet, align="left")]
        for number, blocks in block.notes:
            marker = Text.assemble((f"[{number}]", self.palette.link), " ")
            notes.append(Prefixed(self.blocks(blocks), marker))
        return Group(*notes)


def document(
    doc: nodes.Document, *, dark: bool = True, pictures: Pictures | None = None
) -> RenderableType:
    """`doc` drawn for a dark (or light) background (with its images, given `pictures`)."""
    return Styler(Palette(dark), pictures).document(doc)


def lines_of(renderable: RenderableType) -> Iterator[str]:
    """The text lines of a renderable at 80 columns (for tests and debugging)."""
    console = Console(width=80, file=None, record=False)
    for line in console.render_lines(renderable, pad=False):
        yield "".join(segment.text for segment in line)
