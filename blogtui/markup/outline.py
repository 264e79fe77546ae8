"""A document's outline: its headings in reading order, each with a level and an anchor."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from blogtui.markup import nodes
from blogtui.markup.plain import spans_text
from blogtui.safe import sanitize

_NOT_SLUG = re.compile(r"[^\w\- ]+")


@dataclass(frozen=True, slots=True)
class Section:
    """One heading of a post: its level (1-6), its words and the anchor that names it."""

    level: int
    text: str
    anchor: str


def outline(document: nodes.Document) -> list[Section]:
    """Every heading of the document, in order (inside quotes and callouts too)."""
    return [_section(heading) for heading in _headings(document.blocks)]


def _headings(blocks: list[nodes.Block]) -> Iterator[nodes.Heading]:
    for block in blocks:
        if isinstance(block, nodes.Heading):
            yield block
        elif isinstance(block, nodes.Quote | nodes.Callout):
            yield from _headings(block.blocks)


def _section(heading: nodes.Heading) -> Section:
    text = " ".join(sanitize(spans_text(heading.spans)).split())
    return Section(heading.level, text, heading.anchor or slug(text))


def slug(text: str) -> str:
    """The anchor generators give a heading without one (GitHub's and Hugo's rule)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NOT_SLUG.sub("", folded).strip().replace(" ", "-")
