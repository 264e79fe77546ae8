"""Markdown as plain prose (links, images, markup, HTML and shortcodes removed), tidy text.

Summaries (parse.py) and search snippets (search/search.py) share it; it imports nothing
but the standard library, blogtui.folding and blogtui.model.
"""

from __future__ import annotations

import re

from blogtui.folding import INVISIBLE
from blogtui.model import tidy_term

# Markdown to plain prose: (a substring that must be present, pattern, replacement).
_PLAIN_SUBS = (
    ("![", re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    ("](", re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links keep their text
    ("][", re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1"),  # reference links
    ("<!--", re.compile(r"<!--.*?-->", re.DOTALL), ""),
    ("{{", re.compile(r"\{\{[<%].*?[%>]\}\}", re.DOTALL), ""),  # Hugo shortcodes
    ("{", re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL), ""),  # Liquid / Tera
    ("<", re.compile(r"<[^>\n]+>"), ""),  # HTML tags
    ("", re.compile(r"\*\*|__|\*|`|~~"), ""),
    ("", re.compile(r"^[ \t]*(?:#+|>|[-*+]|\d+\.)[ \t]+", re.MULTILINE), ""),
)


def plain_text(markdown: str) -> str:
    """Markdown with links, images, markup, HTML and shortcodes removed; whitespace tidied."""
    for trigger, pattern, replacement in _PLAIN_SUBS:
        if trigger in markdown:
            markdown = pattern.sub(replacement, markdown)
    return tidy(markdown)


def has_plain_text(markdown: str) -> bool:
    """Whether `plain_text(markdown)` is not empty, without tidying the whole text (tidying
    a body costs more than parsing the rest of the post): tidying drops only whitespace and
    invisible characters (a joiner it keeps stands beside a pictograph, which it keeps)."""
    for trigger, pattern, replacement in _PLAIN_SUBS:
        if trigger in markdown:
            markdown = pattern.sub(replacement, markdown)
    return _SHOWN_CHARACTER.search(markdown) is not None


_SHOWN_CHARACTER = re.compile(rf"[^\s{INVISIBLE}]")


def tidy(text: str) -> str:
    """tidy_term, skipping the work for text that is already tidy (the usual case)."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return tidy_term(text)
