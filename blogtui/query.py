"""Our query syntax turned into Whoosh queries; hits, facets and snippets for CLI and TUI.

INTERFACE STUB: the signatures below are the contract other modules code against.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from blogtui.index import PostIndex
from blogtui.model import Post

Sort = Literal["relevance", "date", "title"]


class QueryError(ValueError):
    """A malformed query; the message is one short line saying what is wrong."""


@dataclass(slots=True)
class Facets:
    """Counts over the current result set, biggest first (years: newest first)."""

    tags: list[tuple[str, int]] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)
    years: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class Hit:
    """One matching post; score is None when no text query ranked it."""

    post: Post
    score: float | None = None


@dataclass(slots=True)
class Results:
    """Every matching post in order (all of them, `limit` aside) and the facet counts."""

    hits: list[Hit]
    facets: Facets

    @property
    def total(self) -> int:
        return len(self.hits)


@dataclass(frozen=True, slots=True)
class Snippet:
    """Plain text around the matched words and the [start, end) offsets of each match."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()


def check(text: str) -> None:
    """Raise QueryError if `text` is not a valid query."""
    raise NotImplementedError


def search(
    index: PostIndex,
    text: str,
    *,
    tags: Iterable[str] = (),
    categories: Iterable[str] = (),
    years: Iterable[int] = (),
    drafts: bool = True,
    sort: Sort = "relevance",
    limit: int | None = None,
) -> Results:
    """Posts matching `text` (empty: all) and every filter (terms AND together).

    Relevance sort with an empty query falls back to date. Raises QueryError.
    """
    raise NotImplementedError


def snippets(index: PostIndex, text: str, posts: Sequence[Post]) -> dict[str, Snippet]:
    """Snippets with marks for just these posts (highlighting is costly: only what is shown)."""
    raise NotImplementedError


def title_marks(text: str, title: str) -> tuple[tuple[int, int], ...]:
    """Offsets in `title` of the words the query matches, for marking titles in lists."""
    raise NotImplementedError
