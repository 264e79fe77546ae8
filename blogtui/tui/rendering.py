"""A post turned into rendered lines for the reading pane: header, markdown body, links.

Sanitising and shortcodes come from blogtui.render, so a post reads as in `blogtui cat`.
Rendering runs in a worker thread with its own rich Console, so a long post never blocks
the UI; the first screen is rendered from the head of the body before the rest.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from blogtui.model import Post, header_rows
from blogtui.render import resolve_shortcodes, sanitize

_LINK = re.compile(r"(!?)\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_FIGURE_SRC = re.compile(r"""\{\{[<%]\s*(?:figure|img|image)\b[^}]*?\bsrc\s*=\s*["']([^"']+)""")
_BARE_URL = re.compile(r"(?<![(<\"'])\bhttps?://[^\s)>\]\"']+")

#: How much of the body the first screen is rendered from (cut at a blank line).
FIRST_SCREEN_CHARS = 6000


@dataclass(frozen=True, slots=True)
class Link:
    """A link or image found in a post body."""

    label: str
    target: str
    image: bool = False


def links_of(post: Post) -> list[Link]:
    """The links and images of a post's body, in order, each once."""
    body = resolve_shortcodes(post.body)
    seen: set[str] = set()
    found: list[Link] = []
    for match in _LINK.finditer(body):
        image, label, target = match.group(1) == "!", match.group(2), match.group(3)
        if target not in seen:
            seen.add(target)
            found.append(Link(sanitize(label) or target, target, image))
    for match in _FIGURE_SRC.finditer(post.body):  # shortcode images read as text, not links
        if match.group(1) not in seen:
            seen.add(match.group(1))
            found.append(Link(match.group(1), match.group(1), image=True))
    for match in _BARE_URL.finditer(body):
        if match.group(0) not in seen:
            seen.add(match.group(0))
            found.append(Link(match.group(0), match.group(0)))
    return found


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
    title = Text(sanitize(post.title) or post.path, style="bold")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    reading = f"{post.reading_minutes} min, {post.words} words" if post.words else ""
    rows = header_rows(post, look.day, extra=[("Reading", reading)] if reading else [])
    for name, value in rows:
        grid.add_row(name, Text(sanitize(value)))
    return Group(title, grid, Rule(style="dim"))


def body(post: Post, look: Look, text: str | None = None) -> RenderableType:
    """The post body (or `text`, a part of it) as rich Markdown with shortcodes resolved."""
    source = resolve_shortcodes(sanitize(post.body if text is None else text))
    if not source.strip():
        summary = sanitize(post.summary).strip()
        return Text(summary or "(this post has no body)", style="italic dim")
    return Markdown(source, code_theme=look.code_theme, hyperlinks=False)


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
