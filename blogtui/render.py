"""A Post as plain text or as Rich renderables: headers, and the body as its document.

The body is parsed once into nodes (blogtui.markup: every generator's dialect, code kept
verbatim) and drawn as plain text or, with rich imported only then, as renderables
(blogtui.styled). The plain functions import nothing heavy, so piped `blogtui cat` stays
fast. Untrusted text is made safe by blogtui.safe, re-exported here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from blogtui.model import Post, header_rows
from blogtui.safe import escape_controls, sanitize, sanitize_marked

__all__ = [
    "display_title",
    "escape_controls",
    "format_day",
    "marked_text",
    "plain_body",
    "plain_post",
    "post_header_lines",
    "rich_header",
    "rich_markdown",
    "rich_post",
    "sanitize",
    "sanitize_marked",
    "status_marks",
]

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

# --- plain text ----------------------------------------------------------------------------


#: What a post without a date shows where its date would be (one word: a TSV field).
UNDATED = "undated"


def format_day(post: Post) -> str:
    """The calendar date as written (`YYYY-MM-DD`), or `undated`."""
    return post.date.day.isoformat() if post.date else UNDATED


def status_marks(post: Post) -> list[str]:
    """The words that flag a post as not plainly published: draft, future, expired."""
    flags = (("draft", post.draft), ("future", post.future), ("expired", post.expired))
    return [word for word, on in flags if on]


def display_title(post: Post) -> str:
    """The sanitised title, or the path when a post has no title at all."""
    return sanitize(post.title) or sanitize(post.path)


def post_header_lines(post: Post) -> list[str]:
    """The plain header: the title underlined, then a labelled line for each header row
    (date, authors, tags, categories, status, path: model.header_rows)."""
    title = display_title(post)
    rule = "=" * min(_cells(title), 72)
    rows = header_rows(post, format_day)
    return [title, rule] + [f"{k + ':':<12}{sanitize(v)}" for k, v in rows]


def _cells(text: str) -> int:
    """Terminal columns of `text`: wide (CJK, fullwidth) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def plain_body(post: Post) -> str:
    """The post's body as readable text: markup rendered, code as written, notes at the end."""
    from blogtui.markup import parse_post
    from blogtui.markup.plain import document_text

    text = document_text(parse_post(post))
    return sanitize(text) + "\n" if text else ""


def plain_post(post: Post) -> str:
    """Header, blank line, body: what piped `blogtui cat` prints for one post."""
    from blogtui.markup.parser import header_prose

    body = plain_body(post).strip("\n")
    lines = post_header_lines(post)
    if prose := header_prose(post):
        lines += ["", sanitize(prose)]
    return "\n".join(lines) + "\n\n" + (body + "\n" if body else "")


# --- rich ----------------------------------------------------------------------------------


#: Styles of the rich header's rows by label (the rest are plain).
_STYLES = {"Date": "green", "Status": "bold yellow", "Tags": "magenta", "Categories": "blue"}
#: Rows shown first and without their label: their values say what they are.
_BARE = ("Date", "Status")


def rich_header(post: Post) -> Text:
    """The header as styled Rich text (built from Text, never markup, so titles stay inert):
    the title; the date, the status and the other header rows on one line; the path."""
    from rich.text import Text

    from blogtui.markup.parser import header_prose

    header = Text()
    header.append(display_title(post), style="bold cyan")
    header.append("\n")
    *rows, (_path, path) = header_rows(post, format_day)
    bare = [(label, value) for label, value in rows if label in _BARE]
    for number, (label, value) in enumerate(bare):
        header.append(("  " if number else "") + value.replace(", ", "  "), style=_STYLES[label])
    for label, value in rows:
        if label not in _BARE:
            header.append(f"  {label.lower()}: ", style="dim")
            header.append(sanitize(value), style=_STYLES.get(label, ""))
    header.append("\n")
    header.append(sanitize(path), style="dim")
    if prose := header_prose(post):
        header.append("\n\n" + sanitize(prose), style="italic")
    return header


def rich_markdown(post: Post, *, dark: bool = True) -> RenderableType:
    """The body as Rich renderables (the same document as the plain text, drawn with style)."""
    from blogtui.markup import parse_post
    from blogtui.styled import document

    return document(parse_post(post), dark=dark)


def rich_post(post: Post) -> RenderableType:
    """Header, a rule and the rendered body of one post."""
    from rich.console import Group
    from rich.rule import Rule

    return Group(rich_header(post), Rule(style="dim"), rich_markdown(post))


def marked_text(text: str, marks: Sequence[tuple[int, int]], style: str = "bold reverse") -> Text:
    """Rich text with the `[start, end)` marks styled (text sanitised, marks kept aligned)."""
    from rich.text import Text

    clean, clean_marks = sanitize_marked(text, marks)
    result = Text(clean)
    for start, end in clean_marks:
        result.stylize(style, start, end)
    return result
