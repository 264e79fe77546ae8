"""The front-matter keys an archive uses and how many posts have each (`blogtui fields`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from blogtui.search import fm
from blogtui.search.index import PostIndex, Snapshot
from blogtui.search.syntax import And, Node, Or, Param


@dataclass(frozen=True, slots=True)
class KeyCount:
    """A front-matter key (dotted for nested tables) and how many posts have it."""

    key: str
    posts: int


def key_counts(index: PostIndex) -> list[KeyCount]:
    """Every front-matter key of the archive with its post count, most used first."""
    index.searcher()  # opened (or rebuilt) before the snapshot, as search() does
    with index.snapshot() as snapshot:
        searcher, _paths = snapshot.searcher()
        counts = [KeyCount(key, _posts(searcher, key)) for key in _keys(searcher)]
    return sorted((c for c in counts if c.posts), key=lambda c: (-c.posts, c.key))


def _keys(searcher: Any) -> list[str]:
    keys: list[str] = []
    for term in searcher.reader().lexicon(fm.FIELD):
        text = term.decode("utf-8") if isinstance(term, bytes) else term
        if (key := fm.key_of(text)) is not None:
            keys.append(key)
    return keys


def _posts(searcher: Any, key: str) -> int:
    """Posts with `key`, deleted documents left out (a doc frequency would count them)."""
    from whoosh import query

    queries: Any = query  # whoosh's classes are untyped
    return sum(1 for _ in searcher.docs_for_query(queries.Term(fm.FIELD, fm.key_term(key))))


def unknown_key_notices(snapshot: Snapshot, node: Node | None) -> list[str]:
    """A hint for each front-matter key the query names that no post has."""
    keys = sorted(set(_params(node)))
    if not keys:
        return []
    searcher, _paths = snapshot.searcher()
    reader = searcher.reader()
    return [
        f"no post has the front-matter key '{key}', so '{key}:' matches nothing "
        "(blogtui fields lists the keys)"
        for key in keys
        if reader.doc_frequency(fm.FIELD, fm.key_term(key)) == 0
    ]


def _params(node: Node | None) -> Iterable[str]:
    if isinstance(node, Param):
        yield node.key
    elif isinstance(node, And | Or):
        for child in node.nodes:
            yield from _params(child)
