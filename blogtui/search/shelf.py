"""Shelf: every post of one catalogue generation as compact columns, for listing and counting.

The reader lists, filters and counts 100,000 posts without a Post for each. A shelf keeps
per post (by a small id) its path, title, date key, year, flags and facet terms as numbers;
sort orders are lists of ids; each term has its set of ids, so picked terms and years are
set algebra, and facet counts are one C-level Counter over the ids shown. Posts are built
only for the rows asked for (`Shelf.posts`, from the catalogue).

What a catalogue hands over (`Shelved`, one per readable post, any order) is the whole
interface: today's catalogue decodes its records for it (`of_index`); a columnar catalogue
can give the same fields without building records.
"""

from __future__ import annotations

import gc
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from itertools import chain
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from blogtui.model import CANONICAL_FIELDS, Post, Sort, term_key
from blogtui.search.catalogue import RECORD_FIELDS, Damaged, Keys, record_of
from blogtui.search.facets import FacetKind, Facets

if TYPE_CHECKING:
    from blogtui.search.index import PostIndex

#: Builds the Posts of these paths (missing ones left out), e.g. from the catalogue.
Fetch = Callable[[Sequence[str]], list[Post]]
#: Posts built and kept for the rows shown (a screen is 40; scrolling back is free).
POST_CACHE = 4096


class Shelved(NamedTuple):
    """What the shelf keeps of one post, as the catalogue gives it."""

    path: str
    title: str
    #: (microseconds since the epoch, day ordinal) as catalogue records store dates; None
    #: for an undated post.
    date: tuple[int, int] | None
    draft: bool
    hidden: bool
    #: (kind, term) of every facet: tag, category, author, series, section, the archive's
    #: own taxonomies, in their archive-wide spellings. Numbered only once the list is on
    #: screen (the counts and the picked terms need them; the first paint does not). None:
    #: not read yet (the shelf was made from the catalogue's listing keys; see `Terms`).
    terms: tuple[tuple[FacetKind, str], ...] | None


def _date_key(item: Shelved) -> tuple[int, int, int, str]:
    """Post.sort_key from a shelved date: newest day, newest instant, undated last, path."""
    if item.date is None:
        return (1, 0, 0, item.path)
    micros, day = item.date
    return (0, -day, -micros, item.path)


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic GC paused while 100,000 small tuples are made (it doubles their cost)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: The facet terms of these paths' posts, in their order (read from their records after the
#: first paint, for a shelf made from listing keys alone).
Terms = Callable[[Sequence[str]], list[tuple[tuple[FacetKind, str], ...]]]


class Shelf:
    """Every readable post of one catalogue generation; ids index `paths`."""

    def __init__(self, items: Iterable[Shelved], fetch: Fetch, terms: Terms | None = None) -> None:
        with _no_gc():
            shelved = sorted(items, key=_date_key)
            self.paths: list[str] = [item.path for item in shelved]
            self.titles: list[str] = [item.title for item in shelved]
            self._ids = {path: i for i, path in enumerate(self.paths)}
            self.hidden: frozenset[int] = frozenset(i for i, s in enumerate(shelved) if s.hidden)
            self.drafts: frozenset[int] = frozenset(i for i, s in enumerate(shelved) if s.draft)
        self._pending: list[tuple[tuple[FacetKind, str], ...] | None] | None = [
            item.terms for item in shelved
        ]
        self._read_terms = terms
        self._dates = [item.date for item in shelved]
        self._table: _TermTable | None = None
        self._building = threading.Lock()
        #: Ids newest first (the catalogue's order: the date sort).
        self._orders: dict[str, list[int]] = {"date": list(range(len(self.paths)))}
        self._fetch = fetch
        self._posts: dict[int, Post] = {}
        self._everything: Facets | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def listed(self, show_all: bool = False) -> int:
        """How many posts a list shows: pages that are not posts only with `show_all`."""
        return len(self.paths) if show_all else len(self.paths) - len(self.hidden)

    def id_of(self, path: str) -> int | None:
        return self._ids.get(path)

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
                pending = self._filled(range(len(self.paths)))
                with _no_gc():
                    self._table = _TermTable(pending)
                    self._years = [None if d is None else date.fromordinal(d[1]).year
                                   for d in self._dates]  # fmt: skip
                    self._year_ids = _runs(self._years)
                self._pending = None
            return self._table

    def _filled(self, ids: Sequence[int]) -> list[tuple[tuple[FacetKind, str], ...]]:
        """The pending terms of these ids, those not read yet read now (all when `ids` is
        every id, as the numbering needs)."""
        pending = self._pending
        assert pending is not None
        missing = [i for i in ids if pending[i] is None]
        if missing:
            assert self._read_terms is not None
            read = self._read_terms([self.paths[i] for i in missing])
            for i, terms in zip(missing, read, strict=True):
                pending[i] = terms
        return [pending[i] or () for i in ids]

    def _tags_of(self, i: int) -> tuple[str, ...]:
        if self._pending is None:
            return self._terms.of_kind(i, "tag")
        (terms,) = self._filled([i])
        return tuple(dict.fromkeys(term for kind, term in terms if kind == "tag"))

    # ---- filters -----------------------------------------------------------------------------

    def with_term(self, kind: FacetKind, term: str) -> frozenset[int]:
        """The ids of the posts with this term (any spelling of its key)."""
        return self._terms.ids(kind, term_key(term))

    def in_years(self, years: Iterable[int]) -> set[int]:
        """The ids dated in one of `years`."""
        table = self._terms  # the years come with it
        del table
        found: set[int] = set()
        for year in set(years):
            found.update(self._year_ids.get(year, ()))
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
                everything = [i for i in range(len(self.paths)) if i not in self.hidden]
                self._everything = self._terms.count(everything, self._years)
            return self._everything
        return self._terms.count(ids, self._years)

    def sample(self, most: int) -> tuple[list[tuple[str, str]], list[tuple[str, ...]]]:
        """(title, path) and tags of at most `most` posts spread evenly over the list: what
        the layout sizes the title column by."""
        step = max(1, -(-len(self.paths) // most))
        picked = range(0, len(self.paths), step)
        titles = [(self.titles[i], self.paths[i]) for i in picked]
        if self._pending is not None:
            self._filled(picked)  # one read for the sample, not one per post
        return titles, [self._tags_of(i) for i in picked]

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
            _shelved(index),
            lambda paths: _posts_of(index, paths),
            lambda paths: terms_of(index, paths),
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


def _runs(years: list[int | None]) -> dict[int, range]:
    """Each year's ids: a run of them, since ids follow the date order (newest first)."""
    runs: dict[int, range] = {}
    start = 0
    for i in range(1, len(years) + 1):
        if i == len(years) or years[i] != years[start]:
            year = years[start]
            if year is not None:
                runs[year] = range(start, i)
            start = i
    return runs


def place_of(posts: Sequence[Post], path: str) -> int | None:
    """Where the post at `path` is in `posts` (a shelf's rows say so without building any
    Post)."""
    if isinstance(posts, ShelfPosts):
        return posts.index_of(path)
    return next((i for i, p in enumerate(posts) if p.path == path), None)


class _TermTable:
    """Facet terms as numbers: per id the tuple of its term numbers, per term its ids."""

    def __init__(self, per_post: Iterable[Iterable[tuple[FacetKind, str]]]) -> None:
        numbers: dict[tuple[FacetKind, str], int] = {}
        self.kinds: list[FacetKind] = []
        self.spellings: list[str] = []
        keys: dict[str, str] = {}
        rows: list[tuple[int, ...]] = []
        for terms in per_post:
            row = []
            for kind, term in terms:
                key = keys.get(term)
                if key is None:
                    key = keys[term] = term_key(term)
                number = numbers.get((kind, key))
                if number is None:
                    number = numbers[(kind, key)] = len(self.kinds)
                    self.kinds.append(kind)
                    self.spellings.append(term)
                row.append(number)
            rows.append(tuple(dict.fromkeys(row)))
        self.rows = rows
        self._numbers = numbers
        self._ids: list[frozenset[int]] | None = None

    def of_kind(self, i: int, kind: FacetKind) -> tuple[str, ...]:
        """The spellings of post `i`'s terms of one kind."""
        kinds, spellings = self.kinds, self.spellings
        return tuple(spellings[n] for n in self.rows[i] if kinds[n] == kind)

    def ids(self, kind: FacetKind, key: str) -> frozenset[int]:
        number = self._numbers.get((kind, key))
        if number is None:
            return frozenset()
        if self._ids is None:
            sets: list[list[int]] = [[] for _ in self.kinds]
            for i, row in enumerate(self.rows):
                for n in row:
                    sets[n].append(i)
            self._ids = [frozenset(ids) for ids in sets]
        return self._ids[number]

    def count(self, ids: Sequence[int], years: Sequence[int | None]) -> Facets:
        rows = self.rows
        counts = Counter(chain.from_iterable(map(rows.__getitem__, ids)))
        year_counts = Counter(map(years.__getitem__, ids))
        by_kind: dict[FacetKind, list[tuple[str, int]]] = {}
        kinds, spellings = self.kinds, self.spellings
        for number, n in counts.items():
            by_kind.setdefault(kinds[number], []).append((spellings[number], n))
        for pairs in by_kind.values():
            pairs.sort(key=lambda pair: (-pair[1], pair[0].casefold()))
        tags = by_kind.pop("tag", [])
        categories = by_kind.pop("category", [])
        listed = sorted(((y, n) for y, n in year_counts.items() if y is not None), reverse=True)
        return Facets(tags, categories, listed, dict(sorted(by_kind.items())))


# ---- today's catalogue -------------------------------------------------------------------------


def _shelved(index: PostIndex) -> list[Shelved]:
    """Every readable post of the index's catalogue, from its records (no Post built).

    Records still undecoded are decoded here for the moment it takes to shelve them, and
    left undecoded in the catalogue (100,000 decoded records hold some 250 MB). What the
    shelf uses of each is checked here (`_checked_record`); one that fails is built from its
    file again, as the catalogue repairs any damaged record."""
    out: list[Shelved] = []
    repaired: list[str] = []
    pairs: dict[tuple[str, str], tuple[str, str]] = {}  # one object per term: 100,000 posts
    with index.snapshot(), _no_gc():
        entries = [(path, entry) for path, entry in index._entries.items() if entry.readable]
        keyed = [(path, keys) for path, entry in entries if (keys := entry.known_keys())]
        if len(keyed) == len(entries):  # the catalogue's listing keys: no record decoded
            return [Shelved(path, k[5], _keys_date(k), k[3], bool(k[4]), None) for path, k in keyed]
        encoded = [(path, entry) for path, entry in entries if entry._blob]
        decoded = [(p, [e.record, e.canon]) for p, e in entries if not e._blob]  # by a refresh
        for start in range(0, len(encoded), DECODE_CHUNK):  # a chunk's JSON at a time: RSS
            chunk = encoded[start : start + DECODE_CHUNK]
            values = _decoded(chunk)
            for (path, _entry), value in zip(chunk, values, strict=True):
                _shelve(path, value, pairs, out, repaired)
        for path, value in decoded:
            _shelve(path, value, pairs, out, repaired)
    for post in _posts_of(index, repaired):  # built from its file again
        out.append(shelved_post(post))
    return out


def _keys_date(keys: Keys) -> tuple[int, int] | None:
    day, instant = keys[0], keys[1]
    return None if day is None or instant is None else (instant, day)


def terms_of(index: PostIndex, paths: Sequence[str]) -> list[tuple[tuple[FacetKind, str], ...]]:
    """The facet terms of these paths' records, decoded a chunk at a time and left undecoded
    (a damaged record, or a file gone since: its Post read again, else no terms)."""
    out: list[tuple[tuple[FacetKind, str], ...]] = []
    pairs: dict[tuple[str, str], tuple[str, str]] = {}
    with index.snapshot(), _no_gc():
        entries = [(path, index._entries.get(path)) for path in paths]
        for start in range(0, len(entries), DECODE_CHUNK):
            chunk = entries[start : start + DECODE_CHUNK]
            encoded = [(p, e) for p, e in chunk if e is not None and e._blob]
            values = iter(_decoded(encoded))
            for path, entry in chunk:
                if entry is None or not entry.readable:
                    value = None
                elif entry._blob:
                    value = next(values)
                else:
                    value = [entry.record, entry.canon]
                out.append(_terms_or_read(index, path, value, pairs))
    return out


def _terms_or_read(
    index: PostIndex, path: str, value: Any, pairs: dict[tuple[str, str], tuple[str, str]]
) -> tuple[tuple[FacetKind, str], ...]:
    try:
        terms = _checked_record(value, pairs).terms
    except (ValueError, TypeError, IndexError, KeyError):  # Damaged is a ValueError
        posts = _posts_of(index, [path])
        terms = shelved_post(posts[0]).terms if posts else ()
    return terms or ()


#: Records decoded by one JSON call while shelving (all 100,000 at once peak at 250 MB).
DECODE_CHUNK = 4096


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


def _decoded(encoded: list[tuple[str, Any]]) -> list[Any]:
    """The JSON of these entries' records in one call (if that fails, one by one, so a
    damaged record spoils only itself: None for it)."""
    if not encoded:
        return []
    try:
        values = json.loads(b"[" + b",".join(entry._blob for _path, entry in encoded) + b"]")
    except (ValueError, RecursionError):
        values = None
    if type(values) is list and len(values) == len(encoded):
        return values
    out: list[Any] = []
    for _path, entry in encoded:
        try:
            out.append(json.loads(entry._blob))
        except (ValueError, RecursionError):
            out.append(None)
    return out


_AT = {f.name: i for i, f in enumerate(RECORD_FIELDS)}
_PATH, _TITLE, _DATE, _DRAFT, _HIDDEN, _SECTION = (
    _AT[name] for name in ("path", "title", "date", "draft", "hidden", "section")
)
_CANON_AT = {name: i for i, name in enumerate(CANONICAL_FIELDS)}
_DAYS = (date.min.toordinal(), date.max.toordinal())
_LISTS = (list, tuple)


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
    if not paths:
        return []
    with index.snapshot() as snapshot:
        return [post for post, _row in snapshot.rows(paths)]


def generation(index: PostIndex) -> object:
    """What changes when the index swaps in another catalogue generation (a shelf is of one)."""
    return index._entries
