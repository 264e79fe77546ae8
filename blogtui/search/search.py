"""Searching an index: matching posts (hits) with facet counts, and snippets; for CLI and TUI."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from blogtui.model import Post, Sort, term_key
from blogtui.prose import plain_text
from blogtui.search import listing
from blogtui.search.analysis import (
    heads_of,
    is_compound,
    prefix_forms,
    query_terms,
    term_spans,
)
from blogtui.search.compile import whoosh_query
from blogtui.search.facets import FacetKind, FacetRow, Facets
from blogtui.search.fmkeys import unknown_key_notices
from blogtui.search.index import IndexDamaged, PostIndex, Snapshot
from blogtui.search.lookup import Unreadable, simple_terms
from blogtui.search.syntax import And, Field, Node, Or, QueryError, Word, parse, shows_all

#: Characters of snippet text around the best cluster of matches.
SNIPPET_CHARS = 220
#: Up to this many hits beyond the limit, every hit's post is built (`_top` would cost
#: more: the listing keys' table and its path index, 60 ms at 100,000 posts).
_FEW_HITS = 1000
#: How many times a search rebuilds an index found damaged before giving up.
_ATTEMPTS = 3


# Plain classes and a named tuple, not dataclasses: every search imports this module, and
# making its five dataclasses took 1.4 ms of it.


class Hit:
    """One matching post; score is None when no text query ranked it."""

    __slots__ = ("post", "score")

    def __init__(self, post: Post, score: float | None = None) -> None:
        self.post, self.score = post, score

    def __eq__(self, other: object) -> bool:
        if type(other) is not Hit:
            return NotImplemented
        return self.post == other.post and self.score == other.score

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it was

    def __repr__(self) -> str:
        return f"Hit(post={self.post!r}, score={self.score!r})"


class Results:
    """Every matching post in order (all of them, `limit` aside) and the facet counts."""

    __slots__ = ("facets", "hits", "matched", "notices", "show_all")

    def __init__(
        self,
        hits: list[Hit],
        facets: Facets,
        notices: tuple[str, ...] = (),
        show_all: bool = False,
        matched: int | None = None,
    ) -> None:
        self.hits, self.facets = hits, facets
        #: Why (part of) the query matches nothing: words with nothing to search for,
        #: unknown front-matter keys. The CLI prints them on stderr, the reader shows them.
        self.notices = notices
        #: The query asked for every page (`show:all`), those left out by default too.
        self.show_all = show_all
        #: How many posts matched, `limit` aside (None: as many as `hits`).
        self.matched = matched

    @property
    def total(self) -> int:
        return len(self.hits)


class Snippet(NamedTuple):
    """Plain text around the matched words and the [start, end) offsets of each match."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()


def _linked(index: PostIndex, node: Node) -> Node:
    """`node` with its linksto:/linkedfrom: fields answered from the link graph (imported
    only for such queries: the graph needs the markdown parser)."""
    from blogtui.search.links import LINK_FIELDS, expand, field_names, graph_for

    if not LINK_FIELDS & set(field_names(node)):
        return node
    return expand(node, graph_for(index), index.posts())


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
    facets: bool = True,
    terms: Mapping[FacetKind, Iterable[str]] | None = None,
    include_hidden: bool = False,
) -> Results:
    """Posts matching `text` (empty: all) and every filter (terms AND together).

    `terms` filters by any other facet kind (`{"author": ["Ann"]}`). Pages that are not
    posts to list (Post.hidden: headless, never listed, redirects, empty) are left out
    unless `include_hidden`. Relevance sort with an empty query falls back to date.
    `facets=False` skips the facet counts (left empty) for callers that only list.
    Raises QueryError.
    """
    node = parse(text)
    if node is not None and any(key in text.lower() for key in ("linksto", "linkedfrom")):
        node = _linked(index, node)
    notices: list[str] = []
    # Plain words are answered without Whoosh (lookup.py), where the index can be read so.
    words = simple_terms(node)
    compiled = whoosh_query(node, notices) if node is not None and words is None else None
    show_all = include_hidden or shows_all(node)  # `show:all` in the query, or the caller
    wanted = _Filter(tags, categories, years, drafts, terms or {}, show_all)
    damaged = 0
    while True:
        if words is not None and index.lookup() is None:
            words, compiled = None, _whoosh(node, notices)
        if compiled is not None:
            index.searcher()  # opened (or rebuilt) before taking the lock a refresh needs
        try:
            with index.snapshot() as snapshot:
                ranked = _ranked(snapshot, (compiled, words), sort == "relevance")
                top = _top(snapshot, ranked, sort, wanted, limit) if not facets else None
                if top is not None:  # the posts shown built, not every match
                    (hits, matched), counts = top, Facets()
                else:
                    hits, counts = _collect(snapshot, ranked, wanted, facets)
                    matched = len(hits)
                hints = unknown_key_notices(snapshot, node) if compiled is not None else []
            break
        except Unreadable:  # Whoosh answers (and mends the index, if it is damaged)
            index.lookup_failed()
            words, compiled = None, _whoosh(node, notices)
        except IndexDamaged:
            damaged += 1
            if damaged == _ATTEMPTS:  # damaged again and again after rebuilding
                raise
    if top is not None:
        return Results(hits, counts, tuple(notices + hints), show_all, matched)
    if compiled is None and words is None and sort == "relevance":
        sort = "date"
    hits = _sorted(hits, sort)
    shown = hits[:limit] if limit else hits
    return Results(shown, counts, tuple(notices + hints), show_all, matched)


def _top(
    snapshot: Snapshot,
    ranked: list[tuple[str, float | None]] | None,
    sort: Sort,
    wanted: _Filter,
    limit: int | None,
) -> tuple[list[Hit], int] | None:
    """The first `limit` hits and how many matched, ordered by the catalogue's listing
    keys (search/listing.py) so that only the posts shown are built: a word in 60,000 of
    100,000 posts built all 60,000 (six seconds) to print 20. None where that would not
    pay or cannot be done (no limit, few hits, no text query, filters by terms, listing
    keys damaged): then `_collect` builds every hit's post."""
    few = limit is not None and ranked is not None and len(ranked) <= _FEW_HITS + limit
    if not limit or ranked is None or few or not wanted.by_listing_keys:
        return None
    table = snapshot.table()
    if table is None:
        return None
    row_of = snapshot.table_rows(table)
    days, draft, reason = table.keys[0], table.keys[3], table.keys[4]
    years = wanted.years
    kept = [
        (row, score)
        for path, score in ranked
        if (row := row_of.get(path)) is not None
        and (wanted.drafts or not draft[row])
        and (wanted.hidden or not reason[row])
        and (not years or (days[row] is not None and date.fromordinal(days[row]).year in years))
    ]
    rows = [row for row, _score in kept]
    if sort == "relevance":  # equal scores: newest first (Post.sort_key), as `_sorted`
        order = {row: place for place, row in enumerate(listing.ordered(table, rows))}
        kept.sort(key=lambda hit: (-(hit[1] or 0.0), order[hit[0]]))
        top = kept[:limit]
    else:
        scores = dict(kept)
        top = [(row, scores[row]) for row in listing.ordered(table, rows, sort)[:limit]]
    paths = table.paths
    shown = snapshot.rows(paths[row] for row, _score in top)
    if len(shown) != len(top):  # a post the catalogue no longer reads
        return None
    hits = [Hit(post, score) for (post, _row), (_r, score) in zip(shown, top, strict=True)]
    return hits, len(kept)


def _whoosh(node: Node | None, notices: list[str]) -> Any:
    """The Whoosh query of a tree the plain-word reader could not answer."""
    return whoosh_query(node, notices) if node is not None else None


def _collect(
    snapshot: Snapshot,
    ranked: list[tuple[str, float | None]] | None,
    wanted: _Filter,
    counting: bool,
) -> tuple[list[Hit], Facets]:
    """The hits that pass the filters, and their facet counts when `counting`. `ranked`:
    the (path, score) of each match (`_ranked`), None for every post."""
    if ranked is None and wanted.everything and not counting:
        return [Hit(post) for post in snapshot.posts()], Facets()  # a plain listing
    if ranked is None:
        ranked = [(p.path, None) for p in snapshot.posts()]
    scores = [score for _path, score in ranked]
    rows = snapshot.rows(path for path, _score in ranked)
    if len(rows) != len(ranked):  # a path the catalogue no longer reads: keep them aligned
        known = {post.path for post, _row in rows}
        scores = [score for path, score in ranked if path in known]
    kept = [
        (Hit(post, score), row)
        for (post, row), score in zip(rows, scores, strict=True)
        if wanted.keep(row)
    ]
    counts = snapshot.facets([row for _hit, row in kept]) if counting else Facets()
    return [hit for hit, _row in kept], counts


def _ranked(
    snapshot: Snapshot, query: tuple[Any, list[tuple[str, str]] | None], scored: bool
) -> list[tuple[str, float | None]] | None:
    """(path, score) of every match, best first when `scored` (else no scores). `query`: a
    Whoosh query, or plain words (lookup.py), or neither (None: every post matches)."""
    compiled, words = query
    if words is not None:
        return [(path, s if scored else None) for path, s in snapshot.lookup().rank(words)]
    if compiled is None:
        return None
    searcher, docpaths = snapshot.searcher()
    if scored:
        results = searcher.search(compiled, limit=None)
        return [(docpaths[d], s) for s, d in results.top_n]
    return [(docpaths[d], None) for d in searcher.docs_for_query(compiled)]


class _Filter:
    """The AND of the sidebar's filters, over the facet table's rows."""

    __slots__ = ("categories", "drafts", "hidden", "tags", "terms", "years")

    def __init__(
        self,
        tags: Iterable[str],
        categories: Iterable[str],
        years: Iterable[int],
        drafts: bool,
        terms: Mapping[FacetKind, Iterable[str]],
        hidden: bool,
    ) -> None:
        self.tags: set[str] = {term_key(t) for t in tags}
        self.categories: set[str] = {term_key(c) for c in categories}
        self.years: set[int] = set(years)
        self.drafts = drafts
        self.terms: set[tuple[FacetKind, str]] = {
            (kind, term_key(t)) for kind, picked in terms.items() for t in picked
        }
        self.hidden = hidden

    def keep(self, row: FacetRow | None) -> bool:
        if row is None:
            return False
        if self.everything:
            return True
        return (
            (self.drafts or not row.draft)
            and (self.hidden or not row.hidden)
            and self.tags.issubset(row.tags)
            and self.categories.issubset(row.categories)
            and (not self.years or row.year in self.years)
            and self.terms.issubset(row.terms)
        )

    @property
    def by_listing_keys(self) -> bool:
        """True when the listing keys decide every filter (drafts, hidden and years)."""
        return not (self.tags or self.categories or self.terms)

    @property
    def everything(self) -> bool:
        """True when no filter is set (the common case: skip the checks)."""
        return (
            self.drafts
            and self.hidden
            and not (self.tags or self.categories or self.years or self.terms)
        )


def _sorted(hits: list[Hit], sort: Sort) -> list[Hit]:
    if sort == "date":
        return sorted(hits, key=lambda h: h.post.sort_key())
    if sort == "title":
        return sorted(hits, key=lambda h: (h.post.title.casefold(), h.post.path))
    # Whoosh ranks by score; equal scores fall back to newest first.
    return sorted(hits, key=lambda h: (-(h.score or 0.0), *h.post.sort_key()))


# --------------------------------------------------------------------------------------------
# Marking matched words in snippets and titles.


class _Wanted:
    """The terms and prefixes a query looks for (outside NOT), per field group."""

    __slots__ = ("prefixes", "terms")

    def __init__(self) -> None:
        self.terms: set[str] = set()
        self.prefixes: list[str] = []

    def add(self, text: str, prefix: bool) -> None:
        """What one word (or `word*`) of the query matches, as the index would match it."""
        if prefix:
            prefixes, whole = prefix_forms(text)
            self.prefixes.extend(prefixes)
            self.terms.update(whole)
        else:
            self.terms.update(query_terms(text))


def _wanted(node: Node | None, title_only: bool) -> _Wanted:
    out = _Wanted()

    def visit(n: Node) -> None:
        if isinstance(n, And | Or):
            for child in n.nodes:
                visit(child)
        elif isinstance(n, Word) and n.text:
            out.add(n.text, n.prefix)
        elif isinstance(n, Field) and (
            n.name == "title" or (n.name == "author" and not title_only)
        ):
            prefix = n.value.endswith("*") and not n.quoted
            out.add(n.value.rstrip("*") if prefix else n.value, prefix)

    if node is not None:
        visit(node)
    return out


def _marks(text: str, wanted: _Wanted) -> list[tuple[int, int]]:
    """Merged [start, end) spans of the tokens of `text` that the query wants."""
    terms, prefixes = wanted.terms, tuple(wanted.prefixes)
    # `compil*` marks the part of "compile-time" it matched, not the whole compound.
    compound_prefixes = tuple(p for p in prefixes if is_compound(p))
    spans = sorted(
        (start, end)
        for term, start, end in term_spans(text, heads_of((*terms, *prefixes)))
        if term in terms
        or (
            prefixes
            and term.startswith(prefixes)
            and (not is_compound(term) or term.startswith(compound_prefixes))
        )
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def title_marks(text: str, title: str) -> tuple[tuple[int, int], ...]:
    """Offsets in `title` of the words the query matches, for marking titles in lists."""
    try:
        node = parse(text)
    except QueryError:
        return ()  # the user is mid-typing; the search bar shows the error
    wanted = _wanted(node, title_only=True)
    if not wanted.terms and not wanted.prefixes:
        return ()
    return tuple(_marks(title, wanted))


_SPACE = re.compile(r"\s+")


def _best_window(marks: list[tuple[int, int]], width: int) -> int:
    """Start of the `width`-character window holding the most marks."""
    best, best_start, j = 0, marks[0][0], 0
    for i, (start, _end) in enumerate(marks):
        while j < len(marks) and marks[j][0] < start:
            j += 1
        j = max(j, i)
        while j < len(marks) and marks[j][1] <= start + width:
            j += 1
        if j - i > best:
            best, best_start = j - i, start
    return best_start


def _snippet(body: str, wanted: _Wanted) -> Snippet:
    # Plain prose: link targets, markup, HTML and shortcodes are noise in a one-line snippet.
    text = _SPACE.sub(" ", plain_text(body)).strip()
    marks = _marks(text, wanted)
    if not marks:
        return Snippet(text[:SNIPPET_CHARS].rstrip())
    start = max(0, _best_window(marks, SNIPPET_CHARS) - SNIPPET_CHARS // 4)
    if start:
        space = text.rfind(" ", 0, start + 1)  # begin on a word boundary
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + SNIPPET_CHARS // 2 else end
    window = tuple((a - start, b - start) for a, b in marks if a >= start and b <= end)
    return Snippet(text[start:end], window)


def snippets(index: PostIndex, text: str, posts: Sequence[Post]) -> dict[str, Snippet]:
    """Snippets with marks for just these posts (highlighting is costly: only what is shown)."""
    wanted = _wanted(parse(text), title_only=False)
    out: dict[str, Snippet] = {}
    for post in posts:
        body = (index.body(post.path) or "").strip()
        out[post.path] = _snippet(body or post.prose or post.summary, wanted)
    return out
