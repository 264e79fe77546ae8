"""The documents a compiled query matches, as a set of docnums, read a posting block at a time.

`Searcher.docs_for_query` walks every match through Whoosh's matchers in Python, one
document at a time (three quarters of a keystroke at 100,000 posts). The reader needs the
set, not scores or order, so terms are read here as whole blocks of ids and the query tree is
answered with set algebra; a query kind not known here falls back to Whoosh's own walk, so
the answer is always the one Whoosh gives.

Deleted documents may be in the sets: callers map docnums to live posts (`DocIds`), which
drops them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from itertools import accumulate
from typing import Any

#: Asked between terms; True stops the walk with `Cancelled` (a newer keystroke came).
Cancel = Callable[[], bool]


class Cancelled(Exception):
    """The walk was stopped because its result is no longer wanted."""


def _never() -> bool:
    return False


class TermSets:
    """The docnums of recently read terms of one searcher, up to a total size: typing a query
    reads its earlier words again on every key, and the prefix retry of a word being typed
    (`dasac*`) has read the postings of the word it becomes."""

    def __init__(self, budget: int = 600_000) -> None:
        self.budget = budget
        self._sets: OrderedDict[tuple[int, str, bytes], frozenset[int]] = OrderedDict()
        self._size = 0

    def get(self, key: tuple[int, str, bytes]) -> frozenset[int] | None:
        found = self._sets.get(key)
        if found is not None:
            self._sets.move_to_end(key)
        return found

    def put(self, key: tuple[int, str, bytes], docs: frozenset[int]) -> None:
        if len(docs) > self.budget or key in self._sets:
            return
        self._sets[key] = docs
        self._size += len(docs)
        while self._size > self.budget:
            _key, dropped = self._sets.popitem(last=False)
            self._size -= len(dropped)


def matching(
    searcher: Any,
    query: Any,
    every: Callable[[], set[int]],
    cancel: Cancel = _never,
    terms: TermSets | None = None,
) -> set[int]:
    """The docnums `query` matches in `searcher` (deleted ones included, see above).

    `every` gives the set of all live docnums (for `Every` and `Not`); `terms` keeps the
    postings read, for the next query over the same searcher.
    """
    return _Walk(searcher, every, cancel, terms or TermSets(0)).docs(query)


class _Walk:
    """One query answered over one searcher's segments."""

    def __init__(
        self, searcher: Any, every: Callable[[], set[int]], cancel: Cancel, terms: TermSets
    ) -> None:
        from whoosh import query as q
        from whoosh.codec.whoosh3 import W3LeafMatcher
        from whoosh.matching.wrappers import FilterMatcher

        self.q, self.searcher, self.every, self.cancel = q, searcher, every, cancel
        self.terms = terms
        self.leaf_type, self.filter_type = W3LeafMatcher, FilterMatcher
        self.leaves = searcher.subsearchers or [(searcher, 0)]

    def docs(self, query: Any) -> set[int]:
        q = self.q
        if self.cancel():
            raise Cancelled
        if query is q.NullQuery or isinstance(query, type(q.NullQuery)):
            return set()
        if isinstance(query, q.Term):
            return self._terms(query.fieldname, lambda _reader: (query.text,))
        if isinstance(query, q.MultiTerm) and query.fieldname:
            return self._terms(query.fieldname, lambda reader: query._btexts(reader), raw=True)
        if isinstance(query, q.AndNot):
            found = self.docs(query.a)
            return found - self.docs(query.b) if found else found
        if isinstance(query, q.Not):
            return self.every() - self.docs(query.query)
        if isinstance(query, q.Every) and not query.fieldname:
            return set(self.every())
        if isinstance(query, q.Or | q.DisjunctionMax):
            out: set[int] = set()
            for sub in query.subqueries:
                out |= self.docs(sub)
            return out
        if isinstance(query, q.And):
            return self._intersection(query.subqueries)
        return set(query.docs(self.searcher))  # phrases, ranges: Whoosh's own walk

    def _intersection(self, parts: Iterable[Any]) -> set[int]:
        found: set[int] | None = None
        for sub in parts:
            docs = self.docs(sub)
            found = docs if found is None else found & docs
            if not found:
                return set()
        return found or set()

    def _terms(
        self, fieldname: str, texts: Callable[[Any], Iterable[Any]], raw: bool = False
    ) -> set[int]:
        """The union of the postings of `texts` (as each segment lists them) in one field."""
        out: set[int] = set()
        schema = self.searcher.schema
        if fieldname not in schema:
            return out
        field = schema[fieldname]
        for sub, offset in self.leaves:
            reader = sub.reader()
            for text in texts(reader):
                if self.cancel():
                    raise Cancelled
                try:
                    btext = text if raw else field.to_bytes(text)
                except ValueError:
                    continue
                if not btext:
                    continue
                key = (offset, fieldname, btext)
                docs = self.terms.get(key)
                if docs is None:
                    if (fieldname, btext) not in reader:
                        continue
                    docs = self._read(reader.postings(fieldname, btext), offset)
                    self.terms.put(key, docs)
                out |= docs
        return out

    def _read(self, matcher: Any, offset: int) -> frozenset[int]:
        while isinstance(matcher, self.filter_type):  # deletions: dropped by the caller
            matcher = matcher.child
        if not isinstance(matcher, self.leaf_type):
            return frozenset(docnum + offset for docnum in matcher.all_ids())
        out: set[int] = set()
        leaf: Any = matcher  # whoosh3's block reader (its hints are partial)
        while leaf.is_active():  # whole blocks: a fresh matcher starts at a block's head
            if leaf._data is None:
                leaf._read_data()
            ids = leaf._data[0]
            if not leaf._byteids:
                ids = accumulate(ids)  # stored as deltas
            out.update(ids if not offset else (docnum + offset for docnum in ids))
            leaf._next_block()
        return frozenset(out)
