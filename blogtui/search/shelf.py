"""Shelf: every post of one catalogue generation as compact columns, for listing and counting.

The reader lists, filters and counts 100,000 posts without a Post for each. A shelf keeps
per post (by a small id, its place in the date order) its path, title and date; sort orders
are lists of ids; each facet term has its ids, so picked terms and years are set algebra,
and facet counts are a few big-integer ANDs (`_TermTable.count`). Posts are built only for
the rows asked for (`Shelf.posts`, from the catalogue).

What a catalogue hands over is `Listed`: its listing keys as columns. Today's catalogue
keeps them in its head (`of_index` reads them without touching a record); the facet terms
come from the records, read after the first paint (`terms_of`), a data-file chunk at a
time.
"""

from __future__ import annotations

import gc
import json
import threading
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from itertools import chain, compress, groupby, repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from blogtui.model import CANONICAL_FIELDS, Post, Sort, term_key
from blogtui.search import catalogue
from blogtui.search.catalogue import RECORD_FIELDS, Buffer, Damaged, record_of
from blogtui.search.facets import FacetKind, Facets
from blogtui.search.listing import date_order

if TYPE_CHECKING:
    from blogtui.search.index import PostIndex

#: Builds the Posts of these paths (missing ones left out), e.g. from the catalogue.
Fetch = Callable[[Sequence[str]], list[Post]]
#: Posts built and kept for the rows shown (a screen is 40; scrolling back is free).
POST_CACHE = 4096
#: One post's facet terms: (kind, term) of tags, categories, authors, series, section and
#: the archive's own taxonomies, in their archive-wide spellings.
Terms = tuple[tuple[FacetKind, str], ...]
#: (place in `paths`, facet terms) of these paths' posts, in any order (read after the first
#: paint); a path left out has none.
ReadTerms = Callable[[Sequence[str]], Iterable[tuple[int, Terms]]]


class Shelved(NamedTuple):
    """What the shelf keeps of one post read from its record or its file."""

    path: str
    title: str
    #: (microseconds since the epoch, day ordinal) as catalogue records store dates; None
    #: for an undated post.
    date: tuple[int, int] | None
    draft: bool
    hidden: bool
    terms: Terms


class Listed(NamedTuple):
    """Every readable post's listing keys as columns, in one (any) order: what a shelf is
    made of. `terms` holds the facet terms already at hand, by place in these columns; the
    rest are read when first wanted (`ReadTerms`)."""

    paths: list[str]
    titles: list[str]
    #: Day ordinal and microseconds since the epoch of each post's date (None: undated).
    days: Sequence[int | None]
    micros: Sequence[int | None]
    #: Truthy for a draft; for a page that is not a post (Post.hidden).
    drafts: Sequence[object]
    hidden: Sequence[object]
    terms: dict[int, Terms]

    @classmethod
    def of(cls, items: Iterable[Shelved]) -> Listed:
        """Posts shelved one by one (read from their files or records) as columns."""
        items = list(items)
        dates = [item.date or (None, None) for item in items]
        return cls(
            [item.path for item in items],
            [item.title for item in items],
            [d[1] for d in dates],
            [d[0] for d in dates],
            [item.draft for item in items],
            [item.hidden for item in items],
            {place: item.terms for place, item in enumerate(items)},
        )


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic GC paused while 100,000 small objects are made (it doubles their cost)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _negated(day: int | None) -> int:
    return -day if day is not None else 0


def _date_order(listed: Listed) -> list[int]:
    """The places of `listed` in the date order (Post.sort_key)."""
    return date_order(range(len(listed.paths)), listed.paths, listed.days, listed.micros)


class Shelf:
    """Every readable post of one catalogue generation; ids index `paths`."""

    def __init__(self, listed: Listed, fetch: Fetch, terms: ReadTerms | None = None) -> None:
        with _no_gc():
            order = _date_order(listed)
            self.paths: list[str] = list(map(listed.paths.__getitem__, order))
            self.titles: list[str] = list(map(listed.titles.__getitem__, order))
            self._days: list[int | None] = list(map(listed.days.__getitem__, order))
            ids = range(len(order))
            self.hidden: frozenset[int] = frozenset(
                compress(ids, map(listed.hidden.__getitem__, order))
            )
        rank = dict(zip(order, ids, strict=True)) if listed.terms else {}
        self._known: dict[int, Terms] = {rank[place]: t for place, t in listed.terms.items()}
        self._read_terms = terms
        self._id_table: dict[str, int] | None = None
        self._table: _TermTable | None = None
        self._building = threading.Lock()
        #: Ids newest first (the catalogue's order: the date sort).
        self._orders: dict[str, list[int]] = {"date": list(ids)}
        self._fetch = fetch
        self._posts: dict[int, Post] = {}
        self._everything: Facets | None = None
        self._sample: tuple[int, tuple[list[tuple[str, str]], list[tuple[str, ...]]]] | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def listed(self, show_all: bool = False) -> int:
        """How many posts a list shows: pages that are not posts only with `show_all`."""
        return len(self.paths) if show_all else len(self.paths) - len(self.hidden)

    def id_of(self, path: str) -> int | None:
        table = self._id_table
        if table is None:  # made on first use: the first paint needs none
            table = self._id_table = dict(zip(self.paths, range(len(self.paths)), strict=True))
        return table.get(path)

    # ---- order -------------------------------------------------------------------------------

    def order(self, sort: Sort) -> list[int]:
        """Every id in the order `sort` lists them (relevance without a query: date)."""
        if sort != "title":
            return self._orders["date"]
        order = self._orders.get("title")
        if order is None:
            titles, paths = self.titles, self.paths
            keys = [(title.casefold(), path) for title, path in zip(titles, paths, strict=True)]
            order = self._orders["title"] = sorted(range(len(paths)), key=keys.__getitem__)
        return order

    def ordered(self, ids: set[int] | frozenset[int] | None, sort: Sort) -> list[int]:
        """`ids` (None: every post) in the order `sort` lists them."""
        order = self.order(sort)
        if ids is None:
            return order
        if sort != "title":
            return sorted(ids)  # ids are places in the date order
        if len(ids) * 8 < len(order):  # few: sort them by their place in the order
            return sorted(ids, key=self._rank("title").__getitem__)
        return [i for i in order if i in ids]

    def _rank(self, sort: Sort) -> list[int]:
        key = f"rank:{sort}"
        rank = self._orders.get(key)
        if rank is None:
            rank = [0] * len(self.paths)
            for place, i in enumerate(self.order(sort)):
                rank[i] = place
            self._orders[key] = rank
        return rank

    @property
    def _terms(self) -> _TermTable:
        """The facet terms of every post, numbered: built on first use (after the first paint)."""
        with self._building:
            if self._table is None:
                with _no_gc():
                    missing = [i for i in range(len(self.paths)) if i not in self._known]
                    read = ((missing[at], terms) for at, terms in self._stream(missing))
                    per_post = chain(self._known.items(), read)
                    self._table = _TermTable(len(self.paths), per_post, self._years())
                self._known = {}
            return self._table

    def _read(self, ids: Sequence[int]) -> list[Terms]:
        """The terms of these ids' posts, in their order."""
        out: list[Terms] = [()] * len(ids)
        for at, terms in self._stream(ids):
            out[at] = terms
        return out

    def _stream(self, ids: Sequence[int]) -> Iterable[tuple[int, Terms]]:
        """(place in `ids`, terms) of these ids' posts, in the order they are read."""
        if not ids:
            return ()
        assert self._read_terms is not None
        return self._read_terms([self.paths[i] for i in ids])

    def _years(self) -> dict[int, range]:
        """Each year's ids: a run of them, since ids follow the date order (newest first)."""
        days = self._days
        dated = len(days) - days.count(None)  # undated posts come last
        runs: dict[int, range] = {}
        stop = 0
        while stop < dated:
            year = date.fromordinal(days[stop]).year  # type: ignore[arg-type]
            first_day = date(year, 1, 1).toordinal()
            # days fall along the ids: the run ends at the first day before the year's first
            end = bisect_left(days, -first_day + 1, stop, dated, key=_negated)
            runs[year] = range(stop, end)
            stop = end
        return runs

    # ---- filters -----------------------------------------------------------------------------

    def with_term(self, kind: FacetKind, term: str) -> frozenset[int]:
        """The ids of the posts with this term (any spelling of its key)."""
        return self._terms.ids(kind, term_key(term))

    def in_years(self, years: Iterable[int]) -> set[int]:
        """The ids dated in one of `years`."""
        runs = self._terms.years
        found: set[int] = set()
        for year in set(years):
            found.update(runs.get(year, ()))
        return found

    def select(
        self,
        terms: Iterable[tuple[FacetKind, str]] = (),
        years: Iterable[int] = (),
        show_all: bool = False,
    ) -> set[int] | None:
        """The ids with every one of `terms` and in one of `years` (if any), pages that are
        not posts left out unless `show_all`; None when no term or year is picked (then
        `listing` is the answer)."""
        found: set[int] | None = None
        for kind, term in terms:
            ids = self.with_term(kind, term)
            found = set(ids) if found is None else found & ids
        years = list(years)
        if years:
            in_years = self.in_years(years)
            found = in_years if found is None else found & in_years
        if not show_all and self.hidden and found is not None:
            found -= self.hidden
        return found

    def listing(self, sort: Sort, show_all: bool = False) -> list[int]:
        """Every id a list shows in this order: pages that are not posts only with `show_all`."""
        order = self.order(sort)
        if show_all or not self.hidden:
            return order
        key = f"listed:{sort}"
        listed = self._orders.get(key)
        if listed is None:
            hidden = self.hidden
            listed = self._orders[key] = [i for i in order if i not in hidden]
        return listed

    # ---- counting ----------------------------------------------------------------------------

    def facets(self, ids: Sequence[int] | None = None) -> Facets:
        """The facet counts of these ids (None: every listed post, counted once and kept)."""
        if ids is None:
            if self._everything is None:
                self._everything = self._terms.count(self.listing("date"))
            return self._everything
        return self._terms.count(ids)

    def sample(self, most: int) -> tuple[list[tuple[str, str]], list[tuple[str, ...]]]:
        """(title, path) and tags of at most `most` posts spread evenly over the list: what
        the layout sizes the title column by (their records read once per shelf)."""
        if self._sample is not None and self._sample[0] == most:
            return self._sample[1]
        picked = self._picked(most)
        missing = [i for i in picked if i not in self._known]
        read = dict(zip(missing, self._read(missing), strict=True))
        per_post = [self._known.get(i) or read.get(i, ()) for i in picked]
        tags = [tuple(dict.fromkeys(t for kind, t in terms if kind == "tag")) for terms in per_post]
        titles = self.sample_titles(most)
        self._sample = (most, (titles, tags))
        return titles, tags

    def sample_titles(self, most: int) -> list[tuple[str, str]]:
        """The (title, path) of `sample`'s posts, which need no record read."""
        return [(self.titles[i], self.paths[i]) for i in self._picked(most)]

    def built_tags(self) -> list[tuple[str, ...]]:
        """The tags of the Posts built so far (the first screen's: the first paint's guess
        at `sample`'s tags, which need a record read from every chunk of the data file)."""
        return [post.tags for post in list(self._posts.values())]

    def _picked(self, most: int) -> range:
        step = max(1, -(-len(self.paths) // most))
        return range(0, len(self.paths), step)

    # ---- posts -------------------------------------------------------------------------------

    def post(self, i: int) -> Post:
        """The Post of id `i`, built on first use (a stand-in if its file left the catalogue)."""
        post = self._posts.get(i)
        if post is None:
            self.prefetch([i])
            post = self._posts.get(i) or Post(self.paths[i], self.titles[i], "")
        return post

    def prefetch(self, ids: Iterable[int]) -> None:
        """Build the Posts of these ids now (the first screen, in a worker)."""
        wanted = [i for i in ids if i not in self._posts]
        if not wanted:
            return
        if len(self._posts) + len(wanted) > POST_CACHE:
            self._posts.clear()
        by_path = {post.path: post for post in self._fetch([self.paths[i] for i in wanted])}
        for i in wanted:
            post = by_path.get(self.paths[i])
            if post is not None:
                self._posts[i] = post

    def rows(self, ids: Sequence[int]) -> ShelfPosts:
        """These ids as a sequence of Posts, built as they are read."""
        return ShelfPosts(self, ids)

    @classmethod
    def of_index(cls, index: PostIndex) -> Shelf:
        """The shelf of an index's catalogue as it is now."""
        return cls(
            listed_of(index),
            lambda paths: _posts_of(index, paths),
            lambda paths: stored_terms(index, paths),
        )


class ShelfPosts(Sequence[Post]):
    """Ids of a shelf seen as Posts, each built when it is read: what the post list draws."""

    __slots__ = ("ids", "shelf")

    def __init__(self, shelf: Shelf, ids: Sequence[int]) -> None:
        self.shelf, self.ids = shelf, ids

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Post: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Post]: ...
    def __getitem__(self, index: int | slice) -> Post | Sequence[Post]:
        if isinstance(index, slice):
            return ShelfPosts(self.shelf, self.ids[index])
        return self.shelf.post(self.ids[index])

    def index_of(self, path: str) -> int | None:
        """Where the post at `path` is in this sequence, without building any Post."""
        i = self.shelf.id_of(path)
        if i is None:
            return None
        try:
            return self.ids.index(i)
        except ValueError:
            return None

    def facets(self, show_all: bool = False) -> Facets:
        """The facet counts of these posts (every listed post's are counted once, kept)."""
        shelf = self.shelf
        if not show_all and len(self.ids) == shelf.listed():
            return shelf.facets(None)
        return shelf.facets(self.ids)

    def prefetch(self, count: int) -> None:
        """Build the Posts of the first `count` rows now (in a worker, before they are drawn)."""
        self.shelf.prefetch(self.ids[:count])

    def paths(self) -> Iterator[str]:
        paths = self.shelf.paths
        return (paths[i] for i in self.ids)


def place_of(posts: Sequence[Post], path: str) -> int | None:
    """Where the post at `path` is in `posts` (a shelf's rows say so without building any
    Post)."""
    if isinstance(posts, ShelfPosts):
        return posts.index_of(path)
    return next((i for i, p in enumerate(posts) if p.path == path), None)


#: The MASKS biggest terms, each on at least 1/MASKED_SHARE of the posts, are counted with a
#: bit mask: an AND and a popcount of N bits at C speed (12.5 KB a mask at 100,000 posts, so
#: 6.4 MB at most); each of the rest (on few posts) by looking up its ids among those counted.
MASKED_SHARE = 1024
MASKS = 512
_BITS = bytes.maketrans(b"\x00\x01", b"01")


def _mask(size: int, ids: Iterable[int]) -> tuple[bytearray, int]:
    """`ids` (below `size`) as a bytearray of 0/1 and as an int of `size` bits (id i is bit
    size - 1 - i: the bytes read as binary digits)."""
    flags = bytearray(size)
    deque(map(flags.__setitem__, ids, repeat(1)), maxlen=0)  # a C loop, no Python per id
    return flags, int(flags.translate(_BITS), 2) if size else 0


class _TermTable:
    """Facet terms as numbers: each term's kind, spelling and ids; counts over any ids."""

    def __init__(
        self, size: int, per_post: Iterable[tuple[int, Terms]], years: dict[int, range]
    ) -> None:
        numbers: dict[tuple[FacetKind, str], int] = {}
        spelled: dict[tuple[FacetKind, str], int] = {}  # (kind, spelling) -> number
        self.kinds: list[FacetKind] = []
        self.spellings: list[str] = []
        first: list[int] = []  # the id a term's spelling is taken from: the lowest
        members: list[list[int]] = []
        for i, terms in per_post:
            for pair in dict.fromkeys(terms):
                number = spelled.get(pair)
                if number is None:
                    kind, term = pair
                    key = (kind, term_key(term))
                    number = numbers.get(key)
                    if number is None:
                        number = numbers[key] = len(self.kinds)
                        self.kinds.append(kind)
                        self.spellings.append(term)
                        first.append(i)
                        members.append([])
                    spelled[pair] = number
                if i < first[number]:
                    first[number], self.spellings[number] = i, pair[1]
                ids = members[number]
                if not ids or ids[-1] != i:  # two spellings of one key on one post: once
                    ids.append(i)
        self.size = size
        self.years = years
        self._numbers = numbers
        self._members = [array("i", sorted(ids)) for ids in members]
        biggest = sorted(range(len(members)), key=lambda n: -len(members[n]))[:MASKS]
        masked = [n for n in biggest if len(members[n]) * MASKED_SHARE >= size]
        self._masks = [(n, _mask(size, members[n])[1]) for n in masked]
        big = set(masked)
        self._small = [(n, self._members[n]) for n in range(len(members)) if n not in big]
        self._sets: dict[int, frozenset[int]] = {}

    def ids(self, kind: FacetKind, key: str) -> frozenset[int]:
        number = self._numbers.get((kind, key))
        if number is None:
            return frozenset()
        found = self._sets.get(number)
        if found is None:
            found = self._sets[number] = frozenset(self._members[number])
        return found

    def count(self, ids: Sequence[int]) -> Facets:
        """The facet counts of these (distinct) ids, exact."""
        flags, mask = _mask(self.size, ids)
        counts = [(n, (mask & bits).bit_count()) for n, bits in self._masks]
        counted = flags.__getitem__
        counts += [(n, sum(map(counted, few))) for n, few in self._small]
        by_kind: dict[FacetKind, list[tuple[str, int]]] = {}
        kinds, spellings = self.kinds, self.spellings
        for number, n in counts:
            if n:
                by_kind.setdefault(kinds[number], []).append((spellings[number], n))
        for pairs in by_kind.values():
            pairs.sort(key=lambda pair: (-pair[1], pair[0].casefold()))
        tags = by_kind.pop("tag", [])
        categories = by_kind.pop("category", [])
        years = [(y, flags.count(1, run.start, run.stop)) for y, run in self.years.items()]
        listed = sorted(((y, n) for y, n in years if n), reverse=True)
        return Facets(tags, categories, listed, dict(sorted(by_kind.items())))


# ---- today's catalogue -------------------------------------------------------------------------


def listed_of(index: PostIndex) -> Listed:
    """Every readable post of the index's catalogue, from its listing keys: the head's
    columns as they are when every entry is still where the catalogue stored it (no record
    decoded), else each entry's keys. A post whose keys are unknown is shelved from its
    record; one whose record fails the checks from its file, as the catalogue repairs any
    damaged record."""
    with index.snapshot(), _no_gc():
        entries = index._entries
        columns = _stored_columns(index)
        if columns is not None:
            days, micros, _expiry, drafts, hidden, titles = columns
            readable = index._body.rows[2]  # type: ignore[union-attr]  # (a record's length)
            paths = list(entries)
            if min(readable, default=1) > 0 and None not in hidden:  # as saved: all keyed
                return Listed(paths, titles, days, micros, drafts, hidden, {})
            keyed = [i for i, n in enumerate(readable) if n and hidden[i] is not None]
            unkeyed = [paths[i] for i, n in enumerate(readable) if n and hidden[i] is None]
            listed = Listed(
                [paths[i] for i in keyed], [titles[i] for i in keyed], [days[i] for i in keyed],
                [micros[i] for i in keyed], [drafts[i] for i in keyed],
                [hidden[i] for i in keyed], {},
            )  # fmt: skip
        else:
            rows = [(path, e.known_keys()) for path, e in entries.items() if e.readable]
            known = [k for _path, k in rows if k is not None]
            unkeyed = [path for path, k in rows if k is None]
            listed = Listed(
                [path for path, k in rows if k is not None], [k[5] for k in known],
                [k[0] for k in known], [k[1] for k in known], [k[3] for k in known],
                [k[4] for k in known], {},
            )  # fmt: skip
    return _joined(listed, _shelved(index, unkeyed))


def _stored_columns(index: PostIndex) -> list[list[Any]] | None:
    """The catalogue head's listing key columns, if every entry is the row of the body
    it was loaded or saved as, in order (true unless a refresh changed entries and could not
    save them)."""
    body = index._body
    columns = body.key_columns() if body is not None else None
    if columns is None or body is None or not catalogue.as_stored(index._entries, body):
        return None
    return columns


def _joined(listed: Listed, more: list[Shelved]) -> Listed:
    """`listed` and `more` as one Listed."""
    if not more:
        return listed
    extra = Listed.of(more)
    start = len(listed.paths)
    terms = {**listed.terms, **{start + place: t for place, t in extra.terms.items()}}
    return Listed(
        [*listed.paths, *extra.paths], [*listed.titles, *extra.titles],
        [*listed.days, *extra.days], [*listed.micros, *extra.micros],
        [*listed.drafts, *extra.drafts], [*listed.hidden, *extra.hidden], terms,
    )  # fmt: skip


def _shelved(index: PostIndex, paths: Sequence[str]) -> list[Shelved]:
    """These paths' posts shelved from their records (checked by `_checked_record`); a
    record that fails is read from its file again."""
    out: list[Shelved] = []
    repaired: list[str] = []
    pairs: dict[tuple[str, str], tuple[str, str]] = {}  # one object per term
    with index.snapshot(), _no_gc():
        entries = [(path, index._entries[path]) for path in paths]
        encoded = [(path, blob) for path, entry in entries if (blob := entry._blob)]
        decoded = [(p, [e.record, e.canon]) for p, e in entries if not e._blob]  # by a refresh
        for start in range(0, len(encoded), DECODE_CHUNK):  # a chunk's JSON at a time: RSS
            chunk = encoded[start : start + DECODE_CHUNK]
            values = _decoded([blob for _path, blob in chunk])
            for (path, _blob), value in zip(chunk, values, strict=True):
                _shelve(path, value, pairs, out, repaired)
        for path, value in decoded:
            _shelve(path, value, pairs, out, repaired)
    for post in _posts_of(index, repaired):  # built from its file again
        out.append(shelved_post(post))
    return out


def terms_of(index: PostIndex, paths: Sequence[str]) -> list[Terms]:
    """The facet terms of these paths' records, in their order (a damaged record, or a file
    gone since: its Post read again, else no terms). See `stored_terms`."""
    out: list[Terms] = [()] * len(paths)
    for place, terms in stored_terms(index, paths):
        out[place] = terms
    return out


def stored_terms(index: PostIndex, paths: Sequence[str]) -> Iterator[tuple[int, Terms]]:
    """(place in `paths`, facet terms) of each path with a readable record, in the order
    the records are stored: those of one chunk of the data file decoded together (at most
    DECODE_CHUNK to a JSON call), the index held still for each group only (a keystroke's
    search gets in between), and the chunk let go once its records are read (the catalogue
    keeps every chunk it reads: all of them hold some 55 MB at 100,000 posts). Records stay
    undecoded."""
    pairs: dict[tuple[str, str], tuple[str, str]] = {}
    with index.snapshot():
        body, entries = index._body, index._entries
        found = [(place, entries.get(path)) for place, path in enumerate(paths)]
        held = set(body._views) if body is not None else set()
    where = _stored_place(body)
    with _no_gc():
        wanted = sorted(
            ((where(e), place, e) for place, e in found if e is not None and e.readable),
            key=itemgetter(0),
        )
    for chunk, group in groupby(wanted, key=lambda item: item[0] >> 40):
        stored = list(group)
        for start in range(0, len(stored), DECODE_CHUNK):
            with index.snapshot(), _no_gc():
                done = _decoded_terms(index, paths, stored[start : start + DECODE_CHUNK], pairs)
            yield from done
        if body is not None and chunk >= 0 and chunk not in held:
            body._views.pop(chunk, None)


def _decoded_terms(
    index: PostIndex,
    paths: Sequence[str],
    batch: list[tuple[int, int, Any]],
    pairs: dict[tuple[str, str], tuple[str, str]],
) -> list[tuple[int, Terms]]:
    blobs = [e._blob for _where, _place, e in batch]  # sliced from their chunk once
    values = iter(_decoded([blob for blob in blobs if blob]))
    out: list[tuple[int, Terms]] = []
    for (_where, place, entry), blob in zip(batch, blobs, strict=True):
        value = next(values) if blob else [entry.record, entry.canon]
        terms = _quick_terms(value, pairs)
        if terms is None:
            terms = _terms_or_read(index, paths[place], value, pairs)
        out.append((place, terms))
    return out


def _terms_or_read(
    index: PostIndex, path: str, value: Any, pairs: dict[tuple[str, str], tuple[str, str]]
) -> Terms:
    try:
        terms = _checked_record(value, pairs).terms
    except (ValueError, TypeError, IndexError, KeyError):  # Damaged is a ValueError
        posts = _posts_of(index, [path])
        terms = shelved_post(posts[0]).terms if posts else ()
    return terms or ()


#: Records decoded by one JSON call (all 100,000 at once peak at 250 MB).
DECODE_CHUNK = 4096


def _stored_place(body: Any) -> Callable[[Any], int]:
    """An entry's record's place in `body`'s data file as one sortable number: chunk, then
    offset (-1 for one not stored there)."""
    if body is None:
        return lambda entry: -1
    chunks, offsets = body.rows[0], body.rows[1]

    def place(entry: Any) -> int:
        row = entry._row
        if entry._body is not body or row < 0:
            return -1
        return int((chunks[row] << 40) + offsets[row])

    return place


_AT = {f.name: i for i, f in enumerate(RECORD_FIELDS)}
_PATH, _TITLE, _DATE, _DRAFT, _HIDDEN, _SECTION = (
    _AT[name] for name in ("path", "title", "date", "draft", "hidden", "section")
)
_CANON_AT = {name: i for i, name in enumerate(CANONICAL_FIELDS)}
_TERM_FIELDS = ("tags", "categories", "authors", "series", "taxonomies")
_RECORD_TERMS = itemgetter(*(_AT[name] for name in _TERM_FIELDS))
_CANON_TERMS = itemgetter(*(_CANON_AT[name] for name in _TERM_FIELDS))
_DAYS = (date.min.toordinal(), date.max.toordinal())
_LISTS = (list, tuple)
_KINDS = tuple(repeat(kind) for kind in ("tag", "category", "author", "series"))


def _quick_terms(value: Any, pairs: dict[tuple[str, str], tuple[str, str]]) -> Terms | None:
    """`_record_terms` of a decoded [record, canon] pair of the catalogue's shape, at a
    fraction of its cost; None for anything else (then the careful path says what is wrong)."""
    if type(value) not in _LISTS or len(value) != 2:
        return None
    record, canon = value
    if type(record) not in _LISTS or len(record) != len(RECORD_FIELDS):
        return None
    if canon is None:
        lists = _RECORD_TERMS(record)
    elif type(canon) in _LISTS and len(canon) == len(_CANON_AT):
        lists = _CANON_TERMS(canon)
    else:
        return None
    *flat, taxonomies = lists
    section = record[_SECTION]
    if type(taxonomies) is not dict or type(section) is not str:
        return None
    if not all(type(values) in _LISTS for values in chain(flat, taxonomies.values())):
        return None
    try:  # raises unless every term is text (C speed)
        "".join(chain(*flat, *taxonomies.values()))
    except TypeError:
        return None
    found = list(chain(*map(zip, _KINDS, flat)))
    if section:
        found.append(("section", section))
    for name, values in taxonomies.items():
        found += zip(repeat(name), values)
    return tuple([pairs.setdefault(pair, pair) for pair in found])


def _shelve(
    path: str,
    value: Any,
    pairs: dict[tuple[str, str], tuple[str, str]],
    out: list[Shelved],
    repaired: list[str],
) -> None:
    try:
        shelved = _checked_record(value, pairs)
        if shelved.path != path:
            raise Damaged("the record names another file")
        out.append(shelved)
    except (ValueError, TypeError, IndexError, KeyError):  # Damaged is a ValueError
        repaired.append(path)


def _decoded(blobs: Sequence[Buffer]) -> list[Any]:
    """The JSON of these records in one call (if that fails, one by one, so a damaged record
    spoils only itself: None for it)."""
    if not blobs:
        return []
    try:
        values = json.loads(b"[" + b",".join(blobs) + b"]")
    except (ValueError, RecursionError):
        values = None
    if type(values) is list and len(values) == len(blobs):
        return values
    out: list[Any] = []
    for blob in blobs:
        try:
            out.append(json.loads(bytes(blob)))
        except (ValueError, RecursionError):
            out.append(None)
    return out


def _checked_record(value: Any, pairs: dict[tuple[str, str], tuple[str, str]]) -> Shelved:
    """A decoded [record, canon] pair as shelved, if what the shelf uses has the types and
    ranges the catalogue writes; else Damaged."""
    if type(value) not in _LISTS or len(value) != 2:
        raise Damaged("record is not a [record, canon] pair")
    record, canon = value
    if type(record) not in _LISTS or len(record) != len(RECORD_FIELDS):
        raise Damaged("record has the wrong length")
    if canon is not None and (type(canon) not in _LISTS or len(canon) != len(_CANON_AT)):
        raise Damaged("spellings have the wrong length")
    path, title, stored = record[_PATH], record[_TITLE], record[_DATE]
    if type(path) is not str or type(title) is not str or type(record[_SECTION]) is not str:
        raise Damaged("path, title or section is not text")
    if stored is not None:
        if type(stored) not in _LISTS or len(stored) != 2:
            raise Damaged("date is not a date")
        micros, day = stored
        if type(micros) is not int or type(day) is not int or not _DAYS[0] <= day <= _DAYS[1]:
            raise Damaged("date is out of range")
        stored = (micros, day)
    draft, hidden = record[_DRAFT], record[_HIDDEN]
    if type(draft) is not bool or type(hidden) is not str:
        raise Damaged("draft or hidden has the wrong type")
    terms = tuple(pairs.setdefault(pair, pair) for pair in _record_terms(record, canon))
    return Shelved(path, title, stored, draft, bool(hidden), terms)


def _record_terms(record: Any, canon: Any) -> Iterator[tuple[FacetKind, str]]:
    """(kind, term) of a record's facets, in the order FacetCounter reads a Post's; Damaged
    unless each is text."""

    def terms_of(name: str) -> Any:
        values = canon[_CANON_AT[name]] if canon is not None else record[_AT[name]]
        if type(values) not in _LISTS or not all(type(v) is str for v in values):
            raise Damaged(f"{name} is not a list of text")
        return values

    yield from (("tag", t) for t in terms_of("tags"))
    yield from (("category", t) for t in terms_of("categories"))
    yield from (("author", t) for t in terms_of("authors"))
    yield from (("series", t) for t in terms_of("series"))
    if record[_SECTION]:
        yield "section", record[_SECTION]
    taxonomies = canon[_CANON_AT["taxonomies"]] if canon is not None else record[_AT["taxonomies"]]
    if type(taxonomies) is not dict:
        raise Damaged("taxonomies is not a mapping")
    for name, values in taxonomies.items():
        if type(name) is not str or type(values) not in _LISTS:
            raise Damaged("taxonomies is not a mapping of lists")
        for term in values:
            if type(term) is not str:
                raise Damaged("a taxonomy term is not text")
            yield name, term


def shelved_post(post: Post) -> Shelved:
    """A Post as shelved (for posts read from files rather than from the catalogue)."""
    return _checked_record([record_of(post), None], {})


def _posts_of(index: PostIndex, paths: Sequence[str]) -> list[Post]:
    """The catalogue's Posts of these paths; the data-file chunks read for their records
    are let go (a screen of the newest posts spans some 30 of them, 1 MB each, at 100,000
    posts; the Posts built are kept, here and by the index)."""
    if not paths:
        return []
    with index.snapshot() as snapshot:
        body = index._body
        held = set(body._views) if body is not None else set()
        posts = [post for post, _row in snapshot.rows(paths)]
        if body is not None:
            for chunk in [c for c in body._views if c not in held]:
                body._views.pop(chunk, None)
        return posts


def generation(index: PostIndex) -> object:
    """What changes when the index swaps in another catalogue generation (a shelf is of one)."""
    return index._entries
