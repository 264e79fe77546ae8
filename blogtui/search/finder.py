"""The reader's search: a query and picked terms answered as shelf ids, in display order,
with exact facet counts, without building a Post per hit.

Picked terms, years and `show:` are set algebra over the shelf's per-term sets. A text query
is compiled as for `search()` and answered as a set of docnums (postings.py), mapped to
shelf ids through a table built once per searcher. A stale search stops between terms when
its `cancel` says so. Queries that need the link graph go through `search()` itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from blogtui.model import Sort
from blogtui.search.compile import whoosh_query
from blogtui.search.facets import FacetKind, Facets
from blogtui.search.fmkeys import unknown_key_notices
from blogtui.search.index import PostIndex
from blogtui.search.postings import Cancel, TermSets, matching
from blogtui.search.shelf import Shelf
from blogtui.search.syntax import Node, parse, shows_all

#: With relevance sort, how many of the best-scored hits lead the list; the rest follow
#: newest first (scoring every hit in Whoosh takes seconds at 100,000 posts).
RELEVANCE_TOP = 500


def _never() -> bool:
    return False


@dataclass(slots=True)
class Found:
    """A search's matches as shelf ids in display order, and their facet counts."""

    ids: list[int]
    #: None until counted (the reader counts after it has shown the list).
    facets: Facets | None
    notices: tuple[str, ...] = ()
    show_all: bool = False

    @property
    def total(self) -> int:
        return len(self.ids)


class Finder:
    """Searches over one shelf and the index it was taken from."""

    def __init__(self, index: PostIndex, shelf: Shelf) -> None:
        self.index, self.shelf = index, shelf
        self._table: tuple[Any, list[int], set[int]] | None = None
        self._terms = TermSets()

    def find(
        self,
        text: str,
        *,
        sort: Sort = "date",
        terms: Mapping[FacetKind, Iterable[str]] | None = None,
        years: Iterable[int] = (),
        show_all: bool = False,
        count: bool = True,
        cancel: Cancel = _never,
    ) -> Found:
        """The posts matching `text` and every picked term (ANDed), in `sort` order; facet
        counts unless `count` is false. Raises QueryError, or postings.Cancelled."""
        node = parse(text)
        show_all = show_all or shows_all(node)
        picked = [(kind, term) for kind, values in (terms or {}).items() for term in values]
        allowed = self.shelf.select(picked, years, show_all)
        notices: list[str] = []
        compiled = whoosh_query(node, notices) if node is not None else None
        if compiled is None:
            ids = self._listing(allowed, sort, show_all)
        else:
            hits, hints = self._hits(text, node, compiled, cancel)
            notices += hints
            if allowed is not None:
                hits &= allowed
            elif not show_all:
                hits -= self.shelf.hidden
            ids = self._ordered(hits, compiled, sort, cancel)
        facets = None
        if count:
            everything = compiled is None and allowed is None and not show_all
            facets = self.shelf.facets(None if everything else ids)
        return Found(ids, facets, tuple(notices), show_all)

    def _listing(self, allowed: set[int] | None, sort: Sort, show_all: bool) -> list[int]:
        if allowed is None:
            return self.shelf.listing(sort, show_all)
        return self.shelf.ordered(allowed, sort)

    def _hits(
        self, text: str, node: Node | None, compiled: Any, cancel: Cancel
    ) -> tuple[set[int], list[str]]:
        """The shelf ids `compiled` matches, and the notices about unknown keys."""
        if _needs_links(text, node):
            return self._linked(text)
        self.index.searcher()  # opened (or rebuilt) before the snapshot, as search() does
        with self.index.snapshot() as snapshot:
            searcher, _paths = snapshot.searcher()
            table, every = self._docids(searcher)
            docs = matching(searcher, compiled, lambda: every, cancel, self._terms)
            hints = unknown_key_notices(snapshot, node)
        hits = set(map(table.__getitem__, docs))  # docnums are below doc_count_all
        hits.discard(-1)
        return hits, hints

    def _linked(self, text: str) -> tuple[set[int], list[str]]:
        """`linksto:`/`linkedfrom:` need the link graph: search() answers them."""
        from blogtui.search.search import search

        found = search(self.index, text, facets=False, include_hidden=True, sort="date")
        ids = (self.shelf.id_of(hit.post.path) for hit in found.hits)
        return {i for i in ids if i is not None}, list(found.notices)

    def _docids(self, searcher: Any) -> tuple[list[int], set[int]]:
        """docnum -> shelf id (-1 for a deleted or unknown document) of this searcher, and
        every live docnum; read once per searcher (the path of every stored document)."""
        if self._table is not None and self._table[0] is searcher:
            return self._table[1], self._table[2]
        ids = self.shelf.id_of
        table = [-1] * searcher.doc_count_all()
        every: set[int] = set()
        for docnum, stored in searcher.reader().iter_docs():
            i = ids(stored.get("path", ""))
            if i is not None:
                table[docnum] = i
                every.add(docnum)
        self._table = (searcher, table, every)
        self._terms = TermSets()  # postings of another searcher
        return table, every

    def forget_postings(self) -> None:
        """Drop the postings kept from earlier queries (a benchmark reads each afresh)."""
        self._terms = TermSets()

    def warm(self) -> None:
        """Read the docnum table now (a worker, after the first paint), not on the first key."""
        self.index.searcher()
        with self.index.snapshot() as snapshot:
            self._docids(snapshot.searcher()[0])

    def _ordered(self, hits: set[int], compiled: Any, sort: Sort, cancel: Cancel) -> list[int]:
        if sort != "relevance" or not hits:
            return self.shelf.ordered(hits, sort)
        with self.index.snapshot() as snapshot:
            searcher, _paths = snapshot.searcher()
            table, _every = self._docids(searcher)
            best = searcher.search(compiled, limit=RELEVANCE_TOP)
            top = [table[d] for _score, d in best.top_n if d < len(table)]
        top = list(dict.fromkeys(i for i in top if i in hits))
        rest = hits.difference(top)
        return top + self.shelf.ordered(rest, "date")


def _needs_links(text: str, node: Node | None) -> bool:
    """Does the query name a link field? (The graph's module is imported only then.)"""
    if node is None or not any(key in text.lower() for key in ("linksto", "linkedfrom")):
        return False
    from blogtui.search.links import LINK_FIELDS, field_names

    return bool(LINK_FIELDS & set(field_names(node)))
