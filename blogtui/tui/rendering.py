"""A post turned into rendered lines for the reading pane: header, markdown body, links.

The body is the document blogtui.markup parses (as `blogtui cat` prints it), drawn by
blogtui.styled.
Rendering runs in a worker thread with its own rich Console, so a long post never blocks
the UI; the first screen is rendered from the head of the body before the rest.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from blogtui import styled
from blogtui.markup import nodes
from blogtui.markup.outline import Section, outline
from blogtui.markup.targets import Target, targets
from blogtui.markup.wikilinks import heading_key
from blogtui.model import Post, header_rows
from blogtui.render import sanitize
from blogtui.safe import safe_or

#: How much of the body the first screen is rendered from (cut at a blank line).
FIRST_SCREEN_CHARS = 6000

#: A link or image of a post, as the links picker lists it.
Link = Target


def links_of(post: Post) -> list[Target]:
    """The links and images of a post's body, in order, each once (a badge is its link)."""
    from blogtui.markup.parser import parse_post  # (markdown-it: not for the first paint)

    return targets(parse_post(post))


def first_screen(body: str, limit: int = FIRST_SCREEN_CHARS) -> str | None:
    """The head of a long body cut at a blank line outside code, or None if it is short."""
    if len(body) <= limit:
        return None
    cut = body.rfind("\n\n", 0, limit)
    head = body[: cut if cut > limit // 2 else limit]
    if head.count("```") % 2:  # never leave a fence open: it would swallow the rest
        head += "\n```"
    return head


@dataclass(frozen=True, slots=True)
class Look:
    """How posts are drawn: the date format and whether the theme is dark."""

    date_format: str = "%Y-%m-%d"
    dark: bool = True

    @property
    def code_theme(self) -> str:
        return "monokai" if self.dark else "default"

    def day(self, post: Post) -> str:
        """The post's date in this look's format, or "undated"."""
        return post.date.day.strftime(self.date_format) if post.date else "undated"


def header(post: Post, look: Look) -> RenderableType:
    """Title, then a grid of the post's header rows (model.header_rows) and reading time."""
    from blogtui.markup.parser import header_prose

    title = Text(safe_or(post.title, post.path), style="bold")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    reading = f"{post.reading_minutes} min, {post.words} words" if post.words else ""
    rows = header_rows(post, look.day, extra=[("Reading", reading)] if reading else [])
    for name, value in rows:
        grid.add_row(name, Text(sanitize(value)))
    if prose := header_prose(post):
        return Group(
            title, grid, Text(""), Text(sanitize(prose), style="italic"), Rule(style="dim")
        )
    return Group(title, grid, Rule(style="dim"))


def body(
    post: Post, look: Look, text: str | None = None, pictures: styled.Pictures | None = None
) -> RenderableType:
    """The post body (or `text`, a part of it) drawn from its parsed document; `pictures`
    draws the images under their paragraphs (blogtui.tui.images)."""
    from blogtui.markup.parser import parse_post

    document = parse_post(post, text)
    if not document.blocks:
        summary = sanitize(post.summary).strip()
        return Text(summary or "(this post has no body)", style="italic dim")
    return styled.document(document, dark=look.dark, pictures=pictures)


def headings(post: Post, text: str | None = None) -> list[tuple[str, str]]:
    """(key, shown text) of each heading of the body, for jumping to `#Heading`."""
    from blogtui.markup.parser import parse_post
    from blogtui.markup.plain import spans_text

    found = []
    for block in parse_post(post, text).blocks:
        if isinstance(block, nodes.Heading):
            shown = sanitize(spans_text(block.spans)).replace("\n", " ")
            found.append((heading_key(block.anchor or shown), shown))
            if block.anchor:
                found.append((heading_key(shown), shown))
    return found


def sections(post: Post) -> list[Section]:
    """The outline of the post's body: each heading with its level and anchor."""
    from blogtui.markup.parser import parse_post

    return outline(parse_post(post))


def render_lines(renderable: RenderableType, width: int) -> list[list[Segment]]:
    """Render to lines of segments at `width`, off the UI thread (a private Console)."""
    console = Console(
        file=io.StringIO(),
        width=width,
        color_system="truecolor",
        force_terminal=True,
        legacy_windows=False,
        emoji=False,
        highlight=False,
    )
    options = console.options.update(width=width, highlight=False)
    return console.render_lines(renderable, options, style=Style(), pad=False)
