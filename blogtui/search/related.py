"""Related posts: shared taxonomy terms weighted by their rarity, plus the key-terms
similarity of the bodies, each scaled to its best and added.

The body similarity is what Whoosh's `Searcher.more_like` computes (Bo1 key terms of the
body, then BM25F over their postings) made cheap: term statistics are cached per
index generation, and the postings read are bounded (`_POSTINGS`)."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from blogtui.model import Post, term_key

if TYPE_CHECKING:
    from blogtui.search.index import PostIndex

#: How many posts `related` gives by default.
LIMIT = 5
#: Posts the body similarity considers (more cost more, and the tail scores little).
_SIMILAR = 30
#: Key terms of the body the similarity query is made of.
_KEY_TERMS = 8
#: Postings the similarity reads at most: key terms are taken strongest first, passing over
#: one whose postings would not fit (a word on most posts costs the most and says the least).
_POSTINGS = 3000
#: Terms whose collection statistics are kept between calls (common words recur).
_TERM_CACHE = 50_000
#: BM25F's constants as Whoosh scores a query (its defaults).
_K1, _B = 1.2, 0.75


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


#: Facet kinds related posts do not weigh: every post has a section, and authors say who
#: wrote a post, not what it is about.
_UNWEIGHED = frozenset({"author", "section"})


class TermTable:
    """Which posts (paths) carry each term, built once per catalogue generation."""

    def __init__(self, per_post: Iterable[tuple[str, Iterable[tuple[str, str]]]]) -> None:
        self.size = 0
        self.posts: dict[tuple[str, str], list[str]] = {}
        for path, post_terms in per_post:
            self.size += 1
            for term in set(post_terms):
                self.posts.setdefault(term, []).append(path)

    def scores(self, post: Post) -> dict[str, tuple[float, list[str]]]:
        """path -> (sum of the rarity, log N/df, of the terms shared with `post`, the terms)."""
        weights: dict[str, float] = {}
        names: dict[str, list[str]] = {}
        for term in set(terms(post)):
            sharing = self.posts.get(term, [])
            weight = math.log(self.size / len(sharing)) if len(sharing) > 1 else 0.0
            if weight <= 0:  # on no other post, or on every post: says nothing
                continue
            for other in sharing:
                weights[other] = weights.get(other, 0.0) + weight
                names.setdefault(other, []).append(term[1])
        weights.pop(post.path, None)
        return {path: (score, names[path]) for path, score in weights.items()}


_TABLES: dict[int, tuple[object, TermTable]] = {}


def _table(index: PostIndex) -> TermTable:
    """The term table of the index's current catalogue, from its records (no Post built:
    100,000 Posts cost seconds and hundreds of MB); rebuilt when the catalogue changes."""
    from blogtui.search.shelf import generation, terms_of

    current = generation(index)
    cached = _TABLES.get(id(index))
    if cached is None or cached[0] is not current:
        paths = index.readable_paths()
        per_post = zip(paths, terms_of(index, paths), strict=True)
        table = TermTable(
            (path, [(kind, term_key(t)) for kind, t in found if kind not in _UNWEIGHED])
            for path, found in per_post
        )
        cached = _TABLES[id(index)] = (current, table)
    return cached[1]


def related(index: PostIndex, post: Post, limit: int = LIMIT) -> list[Related]:
    """The `limit` posts most related to `post` (read whole: its body is compared)."""
    shared = _table(index).scores(post)
    similar = _similar(index, post)
    best_terms = max((score for score, _ in shared.values()), default=0.0) or 1.0
    best_text = max(similar.values(), default=0.0) or 1.0
    scores = {
        path: shared.get(path, (0.0, []))[0] / best_terms + similar.get(path, 0.0) / best_text
        for path in set(shared) | set(similar)
        if path != post.path
    }
    best = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))
    found = {p.path: p for p in index.posts_of([path for path, _score in best])}
    return [
        Related(found[path], score, tuple(sorted(set(shared.get(path, (0.0, []))[1]))))
        for path, score in best
        if path in found
    ]


def _similar(index: PostIndex, post: Post) -> dict[str, float]:
    """path -> the more-like-this score of the bodies, for the closest posts."""
    if not post.body.strip():
        return {}
    index.searcher()  # opened (or rebuilt) before the snapshot's lock
    with index.snapshot() as snapshot:
        searcher, paths = snapshot.searcher()
        own = searcher.document_number(pathkey=post.path.lower())
        if own is None:
            return {}
        stats = _stats(index, searcher)
        keys = stats.key_terms(post.body)
        return {paths[docnum]: score for docnum, score in stats.closest(keys, own)}


class BodyStats:
    """One index generation's body statistics, looked up once per term and kept."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.field = searcher.schema["body"]
        self.docs = self.reader.doc_count_all()
        total = self.reader.field_length("body")
        self.mean_length = total / max(1, self.reader.doc_count())
        self.leaves = [leaf for leaf, _ in self.reader.leaf_readers()]
        self.terms: dict[str, tuple[int, int] | None] = {}
        self.lengths: dict[int, int] = {}

    def term(self, word: str) -> tuple[int, int] | None:
        """(occurrences in all bodies, bodies holding it) of `word`, or None if none does."""
        if word not in self.terms:
            if len(self.terms) >= _TERM_CACHE:
                self.terms.clear()
            self.terms[word] = self._look_up(self.field.to_bytes(word))
        return self.terms[word]

    def _look_up(self, key: bytes) -> tuple[int, int] | None:
        from whoosh.reading import TermNotFound

        occurrences = bodies = 0
        for leaf in self.leaves:  # one lookup per segment (MultiReader makes two)
            try:
                info = leaf.term_info("body", key)
            except TermNotFound:
                continue
            occurrences += info.weight()
            bodies += info.doc_frequency()
        return (occurrences, bodies) if bodies else None

    def key_terms(self, text: str) -> list[tuple[str, float, int]]:
        """(word, Bo1 weight, bodies holding it) of the strongest words of `text` (as
        `Searcher.key_terms_from_text` weighs them), while their postings fit the bound."""
        counts: Counter[str] = Counter()
        for word, _, weight, _ in self.field.index(text):
            counts[self.field.from_bytes(word)] += weight
        scored = []
        for word, count in counts.items():
            found = self.term(word)
            if found is not None and found[0] > 0:
                ratio = found[0] / self.docs
                bo1 = count * math.log2((1.0 + ratio) / ratio) + math.log2(1.0 + ratio)
                scored.append((-bo1, word, found[1]))
        scored.sort()
        chosen: list[tuple[str, float, int]] = []
        budget = _POSTINGS
        for negative, word, docs in scored[:_KEY_TERMS]:
            if docs <= budget or not chosen:
                chosen.append((word, -negative, docs))
                budget -= docs
        return chosen

    def closest(self, keys: list[tuple[str, float, int]], own: int) -> list[tuple[int, float]]:
        """The `_SIMILAR` best (docnum, BM25F score) of the query made of `keys`, but `own`."""
        scores: dict[int, float] = {}
        for word, boost, docs in keys:
            idf = 1.0 + math.log(self.docs / (docs + 1))
            for docnum, count in self.searcher.postings("body", word).items_as("weight"):
                norm = _K1 * ((1 - _B) + _B * self._length(docnum) / self.mean_length)
                gain = boost * idf * count * (_K1 + 1) / (count + norm)
                scores[docnum] = scores.get(docnum, 0.0) + gain
        scores.pop(own, None)
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return best[:_SIMILAR]

    def _length(self, docnum: int) -> int:
        length = self.lengths.get(docnum)
        if length is None:
            length = self.lengths[docnum] = self.reader.doc_field_length(docnum, "body", 1)
        return length


_STATS: dict[int, BodyStats] = {}


def _stats(index: PostIndex, searcher: Any) -> BodyStats:
    """The body statistics of the searcher the index has now (new ones after a refresh)."""
    cached = _STATS.get(id(index))
    if cached is None or cached.searcher is not searcher:
        cached = _STATS[id(index)] = BodyStats(searcher)
    return cached
