"""The document a post's body becomes: a small tree of blocks and spans, with no styling.

Every dialect (CommonMark, GFM, Hugo shortcodes, Liquid tags, Obsidian, MDX, raw HTML) is
parsed into these few nodes, so the plain and the Rich renderers each have one rule per
node and a callout reads the same whichever dialect wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# --- spans ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Text:
    """Plain running text."""

    text: str


@dataclass(slots=True)
class Code:
    """Inline code, exactly as written."""

    text: str


Emphasis = Literal["em", "strong", "strike", "mark", "sup", "sub", "kbd"]


@dataclass(slots=True)
class Styled:
    """Spans with an emphasis (italic, bold, struck out...)."""

    style: Emphasis
    children: list[Span] = field(default_factory=list)


@dataclass(slots=True)
class Link:
    """A link: its spans and where it points (as written; decode it for display)."""

    children: list[Span]
    target: str


@dataclass(slots=True)
class Image:
    """An image: its alternative text and its source."""

    alt: str
    src: str


@dataclass(slots=True)
class WikiLink:
    """An Obsidian wiki-link `[[Page#Heading|alias]]`, or an embed `![[Page]]`."""

    page: str
    heading: str
    alias: str
    embed: bool = False

    @property
    def label(self) -> str:
        """What the reader sees: the alias, else the page (and heading) as written."""
        if self.alias:
            return self.alias
        if self.heading:
            return f"{self.page} > {self.heading}" if self.page else self.heading
        return self.page

    @property
    def target(self) -> str:
        """The link as the links picker and the resolver know it: `[[page#heading]]`."""
        return f"[[{self.page}#{self.heading}]]" if self.heading else f"[[{self.page}]]"


@dataclass(slots=True)
class FootnoteRef:
    """A reference to a footnote, by its number in order of first reference."""

    number: int


@dataclass(slots=True)
class Label:
    """A quiet label we add (a shortcode's name, `new in 0.1`): shown dim, not the author's."""

    text: str


@dataclass(slots=True)
class Break:
    """A line break: `hard` (two spaces, backslash, <br>) or soft (a newline in a paragraph)."""

    hard: bool = False


@dataclass(slots=True)
class Media:
    """Something we cannot show, said in words: a figure, a video, a gist, an embedded post."""

    kind: str
    url: str
    text: str = ""


Span = Text | Code | Styled | Link | Image | WikiLink | FootnoteRef | Label | Break | Media

# --- blocks --------------------------------------------------------------------------------


@dataclass(slots=True)
class Paragraph:
    """A paragraph of spans."""

    spans: list[Span]


@dataclass(slots=True)
class Heading:
    """A heading, level 1-6, with the anchor generators give it (`{#id}` or none)."""

    level: int
    spans: list[Span]
    anchor: str = ""


@dataclass(slots=True)
class CodeBlock:
    """A block of code, verbatim; `lang` names its language (mermaid, go...), `title` a file."""

    text: str
    lang: str = ""
    title: str = ""


@dataclass(slots=True)
class Quote:
    """A block quote."""

    blocks: list[Block]


Tone = Literal["note", "tip", "important", "warning", "danger", "quiet"]


@dataclass(slots=True)
class Callout:
    """A labelled box: a callout of any dialect, or a section we label quietly.

    `label` is the kind as the reader sees it ("Note", "Warning", "details", a shortcode's
    name), `title` the author's title if any, `tone` how strongly it is drawn.
    """

    label: str
    tone: Tone
    blocks: list[Block]
    title: list[Span] = field(default_factory=list)


@dataclass(slots=True)
class ListBlock:
    """A bullet or numbered list; each item is a list of blocks, `checked` for task items."""

    ordered: bool
    items: list[list[Block]]
    start: int = 1
    checked: list[bool | None] = field(default_factory=list)


@dataclass(slots=True)
class Definitions:
    """A definition list: (term, definitions) pairs."""

    items: list[tuple[list[Span], list[list[Block]]]]


Align = Literal["left", "center", "right", ""]


@dataclass(slots=True)
class Table:
    """A table: header cells, rows of cells, column alignment and an optional caption."""

    head: list[list[Span]]
    rows: list[list[list[Span]]]
    align: list[Align] = field(default_factory=list)
    caption: str = ""


@dataclass(slots=True)
class Rule:
    """A horizontal rule."""


@dataclass(slots=True)
class Footnotes:
    """The notes of the post, listed at its end: (number, blocks)."""

    notes: list[tuple[int, list[Block]]]


Block = (
    Paragraph
    | Heading
    | CodeBlock
    | Quote
    | Callout
    | ListBlock
    | Definitions
    | Table
    | Rule
    | Media
    | Footnotes
)


@dataclass(slots=True)
class Document:
    """A parsed body: its blocks, footnotes included (last)."""

    blocks: list[Block]
