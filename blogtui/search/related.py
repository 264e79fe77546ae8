"""Related posts: shared taxonomy terms weighted by their rarity, plus Whoosh's key-terms
similarity of the bodies (`Searcher.more_like`), each scaled to its best and added."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from blogtui.model import Post, term_key

if TYPE_CHECKING:
    from blogtui.search.index import PostIndex

#: How many posts `related` gives by default.
LIMIT = 5
#: Posts the body similarity considers (more cost more, and the tail scores little).
_SIMILAR = 30
#: Key terms of the body the similarity query is made of.
_KEY_TERMS = 8
#: How much of the body its key terms are taken from: the opening says what a post is
#: about, and Whoosh looks up every distinct word of the text it is given.
_TEXT_CHARS = 3000


@dataclass(frozen=True, slots=True)
class Related:
    """A related post, its score (0-2: terms and text, each at most 1) and the shared terms."""

    post: Post
    score: float
    shared: tuple[str, ...]


def terms(post: Post) -> Iterator[tuple[str, str]]:
    """(kind, key) of every taxonomy term of the post: tags, categories, series, the rest."""
    for kind, values in (
        ("tag", post.tags),
        ("category", post.categories),
        ("series", post.series),
    ):
        for value in values:
            yield kind, term_key(value)
    for kind, values in post.taxonomies.items():
        for value in values:
            yield kind, term_key(value)


class TermTable:
    """Which posts carry each term, built once per catalogue."""

    def __init__(self, posts: Sequence[Post]) -> None:
        self.size = len(posts)
        self.by_path = {post.path: post for post in posts}
        self.posts: dict[tuple[str, str], list[Post]] = {}
        for post in posts:
            for term in set(terms(post)):
                self.posts.setdefault(term, []).append(post)

    def scores(self, post: Post) -> dict[str, tuple[float, list[str]]]:
        """path -> (sum of the rarity, log N/df, of the terms shared with `post`, the terms)."""
        found: dict[str, tuple[float, list[str]]] = {}
        for term in set(terms(post)):
            sharing = self.posts.get(term, [])
            weight = math.log(self.size / len(sharing)) if len(sharing) > 1 else 0.0
            if weight <= 0:  # on no other post, or on every post: says nothing
                continue
            for other in sharing:
                score, names = found.get(other.path, (0.0, []))
                found[other.path] = (score + weight, [*names, term[1]])
        found.pop(post.path, None)
        return found


_TABLES: dict[int, tuple[tuple[str, ...], TermTable]] = {}


def _table(index: PostIndex, posts: Sequence[Post]) -> TermTable:
    """The term table of the index's current catalogue (rebuilt when the catalogue changes)."""
    key = tuple(post.path for post in posts)
    cached = _TABLES.get(id(index))
    if cached is None or cached[0] != key or cached[1].size != len(posts):
        cached = (key, TermTable(posts))
        _TABLES[id(index)] = cached
    return cached[1]


def related(index: PostIndex, post: Post, limit: int = LIMIT) -> list[Related]:
    """The `limit` posts most related to `post` (read whole: its body is compared)."""
    table = _table(index, index.posts())
    by_path = table.by_path
    shared = table.scores(post)
    similar = _similar(index, post)
    best_terms = max((score for score, _ in shared.values()), default=0.0) or 1.0
    best_text = max(similar.values(), default=0.0) or 1.0
    found = []
    for path in set(shared) | set(similar):
        if path not in by_path or path == post.path:
            continue
        term_score, names = shared.get(path, (0.0, []))
        score = term_score / best_terms + similar.get(path, 0.0) / best_text
        found.append(Related(by_path[path], score, tuple(sorted(set(names)))))
    found.sort(key=lambda item: (-item.score, item.post.path))
    return found[:limit]


def _similar(index: PostIndex, post: Post) -> dict[str, float]:
    """path -> Whoosh's more-like-this score of the bodies, for the closest posts."""
    if not post.body.strip():
        return {}
    index.searcher()  # opened (or rebuilt) before the snapshot's lock
    with index.snapshot() as snapshot:
        searcher, paths = snapshot.searcher()
        docnum = searcher.document_number(pathkey=post.path.lower())
        if docnum is None:
            return {}
        hits = searcher.more_like(docnum, "body", text=post.body, top=_SIMILAR, numterms=_KEY_TERMS)
        return {paths[hit.docnum]: hit.score for hit in hits}
