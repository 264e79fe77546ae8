"""Facet counts over a set of posts (tags, categories, years, authors, series, sections and
each taxonomy of the archive's own): the one counter for CLI and TUI, and the facet kinds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

from blogtui.model import Post, term_key

#: A kind of facet: one of FACET_KINDS, or the name of one of the archive's own taxonomies
#: (Post.taxonomies: a Zola `[taxonomies]` entry, a Hugo custom taxonomy).
FacetKind = str
#: The kinds every archive may have, in the order the reader shows them; the archive's own
#: taxonomies follow, by name.
FACET_KINDS: tuple[FacetKind, ...] = ("category", "year", "tag", "author", "series", "section")
_HEADINGS = {"category": "Categories", "year": "Years", "tag": "Tags", "author": "Authors",
             "series": "Series", "section": "Sections"}  # fmt: skip


def heading(kind: FacetKind) -> str:
    """A facet kind as a heading: `Tags`, `Authors`, `Theme tags`."""
    return _HEADINGS.get(kind) or kind.replace("-", " ").replace("_", " ").capitalize()


class FacetRow(NamedTuple):
    """What facets and filters count of one post."""

    tags: tuple[str, ...]  # term keys
    categories: tuple[str, ...]  # term keys
    year: int | None
    draft: bool
    hidden: bool  # not a page to list (Post.hidden)
    terms: tuple[tuple[FacetKind, str], ...]  # (kind, term key) of every other facet kind


@dataclass(slots=True)
class Facets:
    """Counts over the current result set, biggest first (years: newest first).

    `terms` holds every other kind (authors, series, sections, the archive's own
    taxonomies) that has at least one term in the results.
    """

    tags: list[tuple[str, int]] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)
    years: list[tuple[int, int]] = field(default_factory=list)
    terms: dict[FacetKind, list[tuple[str, int]]] = field(default_factory=dict)

    def of(self, kind: FacetKind) -> list[tuple[str, int]]:
        """One kind's (term, count) pairs, years written as text; [] for a kind not here."""
        if kind == "tag":
            return self.tags
        if kind == "category":
            return self.categories
        if kind == "year":
            return [(str(year), count) for year, count in self.years]
        return self.terms.get(kind, [])

    def kinds(self) -> list[FacetKind]:
        """The kinds with at least one term, FACET_KINDS first, then the archive's own."""
        present = [kind for kind in FACET_KINDS if self.of(kind)]
        return present + sorted(kind for kind in self.terms if kind not in FACET_KINDS)


def post_terms(post: Post) -> Iterable[tuple[FacetKind, str]]:
    """(kind, term) of a post's facets beyond tags, categories and years."""
    for author in post.authors:
        yield "author", author
    for series in post.series:
        yield "series", series
    if post.section:
        yield "section", post.section
    for name, terms in post.taxonomies.items():
        for term in terms:
            yield name, term


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
        """The facet row of each post, built on first use.

        Called with thousands of hits per keystroke, hence the one tight loop."""
        memo, build = self._rows, self._row
        out: list[FacetRow] = []
        for post in posts:
            row = memo.get(post.path)
            if row is None:
                row = memo[post.path] = build(post)
            out.append(row)
        return out

    def _key(self, term: str) -> str:
        keys = self._keys
        return keys.get(term) or keys.setdefault(term, term_key(term))

    def _row(self, post: Post) -> FacetRow:
        spell = self._spell
        tag_keys = tuple(map(self._key, post.tags))
        cat_keys = tuple(map(self._key, post.categories))
        for key, term in zip(tag_keys, post.tags, strict=True):
            spell["tag\0" + key] = term
        for key, term in zip(cat_keys, post.categories, strict=True):
            spell["category\0" + key] = term
        others = []
        for kind, term in post_terms(post):
            key = self._key(term)
            spell[f"{kind}\0{key}"] = term
            others.append((kind, key))
        return FacetRow(
            tag_keys,
            cat_keys,
            post.year,
            post.draft,
            bool(post.hidden),
            tuple(dict.fromkeys(others)),
        )

    def spelling(self, key: str, kind: FacetKind = "tag") -> str:
        """The displayed spelling of a term key of `kind` (of a row built here)."""
        return self._spell.get(f"{kind}\0{key}", key)

    def count(self, rows: list[FacetRow]) -> Facets:
        """The facet counts of these rows (rows built by this counter)."""
        # One C-level Counter over all terms: per-row Counter.update was most of the cost.
        tag_counts = Counter(chain.from_iterable([row.tags for row in rows]))
        cat_counts = Counter(chain.from_iterable([row.categories for row in rows]))
        year_counts = Counter([row.year for row in rows])
        years = sorted(((y, n) for y, n in year_counts.items() if y is not None), reverse=True)
        other_counts = Counter(chain.from_iterable([row.terms for row in rows]))
        by_kind: dict[FacetKind, Counter[str]] = {}
        for (kind, key), n in other_counts.items():
            by_kind.setdefault(kind, Counter())[key] = n
        terms = {kind: self._ranked(counts, kind) for kind, counts in sorted(by_kind.items())}
        return Facets(
            self._ranked(tag_counts, "tag"), self._ranked(cat_counts, "category"), years, terms
        )

    def _ranked(self, counts: Mapping[str, int], kind: FacetKind) -> list[tuple[str, int]]:
        named = [(self.spelling(key, kind), n) for key, n in counts.items()]
        return sorted(named, key=lambda pair: (-pair[1], pair[0].casefold()))

    def count_posts(self, posts: Iterable[Post]) -> Facets:
        """The facet counts of these posts."""
        return self.count(self.rows(posts))
