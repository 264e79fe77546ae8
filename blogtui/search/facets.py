"""Facet counts (tags, categories, years) over a set of posts: the one counter for CLI and TUI."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Literal

from blogtui.model import Post, term_key

#: The kinds of facet the reader counts and filters by.
FacetKind = Literal["tag", "category", "year"]

#: What facets and filters count of one post: tag keys, category keys, year, draft.
FacetRow = tuple[tuple[str, ...], tuple[str, ...], int | None, bool]


@dataclass(slots=True)
class Facets:
    """Counts over the current result set, biggest first (years: newest first)."""

    tags: list[tuple[str, int]] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)
    years: list[tuple[int, int]] = field(default_factory=list)

    def of(self, kind: FacetKind) -> list[tuple[str, int]]:
        """One kind's (term, count) pairs, years written as text."""
        if kind == "tag":
            return self.tags
        if kind == "category":
            return self.categories
        return [(str(year), count) for year, count in self.years]


class FacetCounter:
    """Facet rows of posts, remembered by path, and the display spelling of each term key.

    The index keeps one for its catalogue (rows are built once, then every keystroke counts
    them); the reader's preview builds one over freshly read posts. Either way the terms are
    already in their archive-wide spellings, so any post's spelling of a key will do.
    """

    __slots__ = ("_keys", "_rows", "_spell")

    def __init__(self) -> None:
        self._rows: dict[str, FacetRow] = {}
        self._spell: dict[str, str] = {}
        self._keys: dict[str, str] = {}  # term_key memo: a few hundred terms repeat a lot

    def rows(self, posts: Iterable[Post]) -> list[FacetRow]:
        """(tag keys, category keys, year, draft) of each post, built on first use.

        Called with thousands of hits per keystroke, hence the one tight loop."""
        memo, build = self._rows, self._row
        out: list[FacetRow] = []
        for post in posts:
            row = memo.get(post.path)
            if row is None:
                row = memo[post.path] = build(post)
            out.append(row)
        return out

    def _row(self, post: Post) -> FacetRow:
        keys, spell = self._keys, self._spell
        tag_keys = tuple(keys.get(t) or keys.setdefault(t, term_key(t)) for t in post.tags)
        cat_keys = tuple(keys.get(c) or keys.setdefault(c, term_key(c)) for c in post.categories)
        for key, term in zip(tag_keys, post.tags, strict=True):
            spell["t" + key] = term
        for key, term in zip(cat_keys, post.categories, strict=True):
            spell["c" + key] = term
        return tag_keys, cat_keys, post.year, post.draft

    def spelling(self, key: str, kind: FacetKind = "tag") -> str:
        """The displayed spelling of a tag or category key (of a row built here)."""
        return self._spell.get(kind[0] + key, key)

    def count(self, rows: list[FacetRow]) -> Facets:
        """The facet counts of these rows (rows built by this counter)."""
        # One C-level Counter over all terms: per-row Counter.update was most of the cost.
        tag_counts = Counter(chain.from_iterable([row[0] for row in rows]))
        cat_counts = Counter(chain.from_iterable([row[1] for row in rows]))
        year_counts = Counter([row[2] for row in rows])
        years = sorted(((y, n) for y, n in year_counts.items() if y is not None), reverse=True)
        return Facets(self._ranked(tag_counts, "tag"), self._ranked(cat_counts, "category"), years)

    def _ranked(self, counts: Counter[str], kind: FacetKind) -> list[tuple[str, int]]:
        named = [(self.spelling(key, kind), n) for key, n in counts.items()]
        return sorted(named, key=lambda pair: (-pair[1], pair[0].casefold()))

    def count_posts(self, posts: Iterable[Post]) -> Facets:
        """The facet counts of these posts."""
        return self.count(self.rows(posts))
