"""The compact catalogue beside the index: each file's stat and post metadata, checksummed JSON.

A record is a flat list of the Post fields the table in blogtui.model marks as stored, in
table order, dates as (microseconds since the epoch, day ordinal). The head file is a magic
line, a BLAKE2b digest of its next line, one JSON line of columns (paths, stats, problems,
where each post's record and fragment are, the chunk table with each chunk's digest, the
archive's spelling counts, the digest of the line after; columns of numbers packed as
base64 of int64, decoded at C speed) and one JSON line of listing keys, decoded (and
checked against its digest) when wanted. A loaded catalogue makes an Entry only for the
posts looked up (`Stored`). The
records (one small JSON document each, decoded only when a Post is wanted) and each post's
`list --json` fragment live in a data file the head names, in chunks checked against their
digests when first read (`Body`); a save appends what changed (`plan`). A save of a few
edits in place appends a patch line to the head instead of writing it whole (`_patch`,
`_Patches`): each line digested, applied in order on load, the head rewritten whole after a
few dozen. A listing sorts and filters by the keys and joins fragments, decoding no record
(search/listing.py).

The cache could be damaged or planted, so no decoder here may crash on any bytes: the
head's digest is checked before anything is parsed, a chunk's before any document in it,
the parser is the stdlib's JSON (marshal segfaults on a tuple that contains itself, pickle
runs code), and every decoded value is checked for its field's type and range before it
becomes a Post. Whatever is wrong raises `Damaged`, and nothing else.
"""

from __future__ import annotations

import binascii
import contextlib
import gc
import hashlib
import hmac
import json
import os
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import chain, compress, count, repeat
from operator import attrgetter, is_not, ne
from pathlib import Path
from typing import Any, NamedTuple, cast

from blogtui.model import CANONICAL_FIELDS, FIELDS, FieldKind, Post, PostDate, json_record
from blogtui.search.store import DATA_FILE, open_private
from blogtui.site import NO_SITE, Site

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAGIC = b"blogtui-catalogue 5\n"
_DIGEST_SIZE = 32  # BLAKE2b-256, written as 64 hex digits and a newline

Record = tuple[Any, ...]
#: Bytes as stored: a view into the loaded file until decoded or replaced.
Buffer = bytes | memoryview
#: The Post fields a record holds, in order.
RECORD_FIELDS = tuple(f for f in FIELDS if f.stored)
_NAMES = tuple(f.name for f in RECORD_FIELDS)
_VALUES = attrgetter(*_NAMES)
_DATES = tuple(i for i, f in enumerate(RECORD_FIELDS) if f.kind == "date")
_MAPPINGS = tuple(i for i, f in enumerate(RECORD_FIELDS) if f.kind == "taxonomies")
#: The range of datetime and date, as stored (microseconds since the epoch, day ordinal).
_MICROS = (
    (datetime.min.replace(tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1),
    (datetime.max.replace(tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1),
)
_DAYS = (date.min.toordinal(), date.max.toordinal())


class Damaged(ValueError):
    """The catalogue (or one of its records) is not what blogtui writes; the message says why."""


class SchemaMismatch(Damaged):
    """The catalogue was written by another version of blogtui."""


# ---- checking decoded values ----------------------------------------------------------------


def _text(value: Any) -> str:
    if type(value) is not str:
        raise Damaged("is not text")
    return value


def _maybe_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _terms(value: Any) -> tuple[str, ...]:
    if type(value) not in (list, tuple) or not all(type(v) is str for v in value):
        raise Damaged("is not a list of text")
    return tuple(value)


def _taxonomies(value: Any) -> dict[str, tuple[str, ...]]:
    if type(value) is not dict:
        raise Damaged("is not a mapping")
    return {_text(k): _terms(v) for k, v in value.items()}


def _int_in(value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise Damaged("is not a number in range")
    return value


def _date(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if type(value) not in (list, tuple) or len(value) != 2:
        raise Damaged("is not a date")
    return (_int_in(value[0], *_MICROS), _int_in(value[1], *_DAYS))


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise Damaged("is not true or false")
    return value


def _count(value: Any) -> int:
    return _int_in(value, 0, 2**62)


_KIND_CHECKS: dict[FieldKind, Callable[[Any], Any]] = {
    "text": _text,
    "maybe_text": _maybe_text,
    "terms": _terms,
    "taxonomies": _taxonomies,
    "date": _date,
    "flag": _flag,
    "count": _count,
}
_CHECKS = tuple(_KIND_CHECKS[f.kind] for f in RECORD_FIELDS)
_KIND_OF = {f.name: f.kind for f in FIELDS}
_CANON_CHECKS = tuple(_KIND_CHECKS[_KIND_OF[name]] for name in CANONICAL_FIELDS)


def _checked(rec: Any) -> Record:
    """`rec` as a record tuple if every value has its field's type and range; else Damaged."""
    return _fast_checked(rec) or _checked_row(rec, _CHECKS, _NAMES, "record")


_NONE = type(None)
_ALLOWED: dict[FieldKind, frozenset[type]] = {
    "text": frozenset((str,)),
    "maybe_text": frozenset((str, _NONE)),
    "terms": frozenset((list, tuple)),
    "taxonomies": frozenset((dict,)),
    "date": frozenset((list, tuple, _NONE)),
    "flag": frozenset((bool,)),
    "count": frozenset((int,)),
}
_FIELD_TYPES = tuple(_ALLOWED[f.kind] for f in RECORD_FIELDS)
_CONTAINS = frozenset.__contains__
_TERMS_AT = tuple(i for i, f in enumerate(RECORD_FIELDS) if f.kind == "terms")
_COUNTS_AT = tuple(i for i, f in enumerate(RECORD_FIELDS) if f.kind == "count")
_STR_ONLY = frozenset((str,))
#: Whether every canonical field is a list of terms (then a fast check suffices; the
#: taxonomies mapping, when present, takes the careful path).
_TERMS_ONLY_CANON = all(_KIND_OF[name] == "terms" for name in CANONICAL_FIELDS)


def _fast_checked(rec: Any) -> Record | None:
    """The common case at C speed (a catalogue holds 100,000 records): the record as a tuple
    when every check passes at once; None to let `_checked_row` look closer and say why."""
    if type(rec) is not list or len(rec) != len(_FIELD_TYPES):
        return None
    if not all(map(_CONTAINS, _FIELD_TYPES, map(type, rec))):
        return None
    out = rec.copy()
    for i in _TERMS_AT:
        terms = out[i]
        if terms and not set(map(type, terms)) <= _STR_ONLY:
            return None
        out[i] = tuple(terms)
    low, high = _MICROS
    for i in _DATES:
        when = out[i]
        if when is not None:
            if len(when) != 2 or type(when[0]) is not int or type(when[1]) is not int:
                return None
            if not (low <= when[0] <= high and _DAYS[0] <= when[1] <= _DAYS[1]):
                return None
            out[i] = (when[0], when[1])
    for i in _MAPPINGS:
        if out[i]:
            return None  # rare: the careful path checks and converts it
    for i in _COUNTS_AT:
        if not 0 <= out[i] <= 2**62:
            return None
    return tuple(out)


def _all_term_lists(canon: Any) -> bool:
    return (
        type(canon) is list
        and len(canon) == len(_CANON_CHECKS)
        and all(type(v) is list for v in canon)
        and set(map(type, chain(*canon))) <= _STR_ONLY
    )


def _checked_canon(canon: Any) -> tuple[Any, ...] | None:
    if canon is None:
        return None
    if _TERMS_ONLY_CANON and _all_term_lists(canon):
        return tuple(map(tuple, canon))
    return _checked_row(canon, _CANON_CHECKS, CANONICAL_FIELDS, "canon")


def _checked_row(
    row: Any, checks: tuple[Callable[[Any], Any], ...], names: tuple[str, ...], what: str
) -> tuple[Any, ...]:
    if type(row) not in (list, tuple) or len(row) != len(checks):
        raise Damaged(f"{what} is not a list of {len(checks)} values")
    out = []
    for name, check, value in zip(names, checks, row, strict=True):
        try:
            out.append(check(value))
        except Damaged as exc:
            raise Damaged(f"{what}'s {name} {exc}") from None
    return tuple(out)


# ---- records ----------------------------------------------------------------------------------


def _micros(when: datetime) -> int:
    return (when - _EPOCH) // timedelta(microseconds=1)


def _stored_date(when: PostDate | None) -> tuple[int, int] | None:
    return None if when is None else (_micros(when.instant), when.day.toordinal())


def _post_date(stored: tuple[int, int] | None) -> PostDate | None:
    if stored is None:
        return None
    micros, day = stored
    return PostDate(_EPOCH + timedelta(microseconds=micros), date.fromordinal(day))


def record_of(post: Post) -> Record:
    """`post`'s metadata as a catalogue record: a flat tuple, its dates as integers.

    The future and expired flags are not stored: they are judged again on reading, against
    the reader's "now", so a post scheduled for next week stops being "future" next week.
    """
    values = list(_VALUES(post))
    for i in _DATES:
        values[i] = _stored_date(values[i])
    for i in _MAPPINGS:
        values[i] = dict(values[i])
    return tuple(values)


def post_of(
    rec: Record | None, canon: tuple[Any, ...] | None = None, now: datetime | None = None
) -> Post:
    """The Post of a catalogue record, with `canon`'s spellings if given (Damaged if damaged).

    Future and expired are judged against `now` (default: the current time).
    """
    values = dict(zip(_NAMES, _checked(rec), strict=True))
    try:
        for i in _DATES:
            values[_NAMES[i]] = _post_date(values[_NAMES[i]])
    except (ValueError, OverflowError) as exc:  # in range one by one, not together
        raise Damaged(f"record's date is out of range ({exc})") from None
    if canon is not None:
        values.update(zip(CANONICAL_FIELDS, _checked_canon(canon) or (), strict=True))
    moment = now or datetime.now(UTC)
    when, expiry = values["date"], values["expiry"]
    values["future"] = when is not None and when.instant > moment
    values["expired"] = expiry is not None and expiry.instant <= moment
    return Post(**values)


def read(source: Any, now: datetime | None, site: Site = NO_SITE) -> tuple[Entry, Post | None]:
    """Read one SourceFile: its catalogue entry and its Post (None when it cannot be read)."""
    from blogtui.archive import read_post

    post, problems = read_post(source, now=now, site=site)
    entry = Entry(
        source.mtime_ns,
        source.size,
        record_of(post) if post else None,
        tuple(p.reason for p in problems),
    )
    return entry, post


#: What listing needs of a post without decoding its record: the day (ordinal) and instant
#: (microseconds) of its date, its expiry's instant, draft, hidden and title.
Keys = tuple[int | None, int | None, int | None, bool, str, str]
#: The listing keys of an entry whose record there is none of (unreadable, or damaged): hidden
#: None, so they are derived again from the record wherever there is one.
UNKNOWN_KEYS: Keys = (None, None, None, False, None, "")  # type: ignore[assignment]
_AT = {name: i for i, name in enumerate(_NAMES)}


def keys_of(rec: Record) -> Keys:
    """The listing keys of a (checked) record."""
    when, expiry = rec[_AT["date"]], rec[_AT["expiry"]]
    return (
        None if when is None else when[1],
        None if when is None else when[0],
        None if expiry is None else expiry[0],
        rec[_AT["draft"]],
        rec[_AT["hidden"]],
        rec[_AT["title"]],
    )


#: The fields judged against "now" when listed: a stored JSON fragment leaves a gap for them.
JUDGED = ("future", "expired")
GAP = b"\x00"  # JSON never holds a raw NUL: it marks where the judged fields go


def fragment(post: Post) -> bytes:
    """`post` as `list --json` prints it, the judged fields cut out (GAP marks where).

    Written as `json.dumps` writes each element of the list (default separators), so the
    listing can join fragments instead of encoding 100,000 dicts.
    """
    items = list(json_record(post).items())
    at = [name for name, _value in items].index(JUDGED[0])
    head = json.dumps(dict(items[:at]), ensure_ascii=False)[:-1]
    tail = json.dumps(dict(items[at + len(JUDGED) :]), ensure_ascii=False)[1:]
    return (head + "\x00" + tail).encode("utf-8", "surrogatepass")


class Entry:
    """One file as the catalogue knows it: its stat, problems, and metadata (None: unreadable).

    On disk the metadata is a small JSON document per entry, decoded only when its Post is
    wanted (a search builds the Posts of its hits only). A document that does not decode to
    a valid record makes `record` raise Damaged. Beside it: the listing keys (loaded from
    the catalogue's columns, else derived from the record) and the post's JSON fragment.
    Both documents of a loaded entry stay in the catalogue's data file (`Body`) until asked
    for: a command reads only the chunks it needs.
    """

    __slots__ = (
        "_b", "_body", "_canon", "_keys", "_record", "_row", "_s", "mtime_ns", "problems",
        "readable", "size",
    )  # fmt: skip

    def __init__(
        self,
        mtime_ns: int,
        size: int,
        record: Record | None = None,
        problems: tuple[str, ...] = (),
        canon: tuple[Any, ...] | None = None,
        blob: Buffer | None = None,
        shown: Buffer | None = None,
        keys: Keys | None = None,
    ) -> None:
        self.mtime_ns, self.size, self.problems = mtime_ns, size, problems
        self._record, self._canon, self._b = record, canon, blob
        self._s, self._keys = shown, keys
        self._body: Body | None = None
        self._row = -1
        self.readable = record is not None if blob is None else bool(blob)

    @classmethod
    def stored(
        cls, body: Body, row: int, mtime_ns: int, size: int, problems: tuple[str, ...],
        readable: bool, keys: Keys | None,
    ) -> Entry:  # fmt: skip
        """An entry whose record and fragment are row `row` of `body`, read when wanted."""
        entry = _new(cls)  # (no __init__: half the cost, made 100,000 times by a reader)
        entry.mtime_ns, entry.size, entry.problems = mtime_ns, size, problems
        entry._record = entry._canon = None
        entry._b, entry._s = (_LAZY, _LAZY) if readable else (b"", None)
        entry._keys = keys if readable else None
        entry._body, entry._row, entry.readable = body, row, readable
        return entry

    @property
    def _blob(self) -> Buffer | None:
        """The record's JSON as stored (None once decoded or when made from a record)."""
        blob = self._b
        if blob is _LAZY:  # sliced from its chunk each time (not kept: 100,000 views)
            assert self._body is not None
            return self._body.record(self._row)
        return blob

    @_blob.setter
    def _blob(self, value: Buffer | None) -> None:
        self._b = value

    @property
    def _shown(self) -> Buffer | None:
        """The stored fragment, if there is one (None: to be made from the record)."""
        shown = self._s
        if shown is _LAZY:
            assert self._body is not None
            shown = self._s = self._body.fragment(self._row)
            if shown is None:  # its chunk is damaged: made again, and stored again
                self._detach()
        return shown

    @_shown.setter
    def _shown(self, value: Buffer | None) -> None:
        self._s = value

    def _detach(self) -> None:
        """Take what is still to be read from the body (record, keys), then leave it: the
        entry's documents are to be written again."""
        if self._b is _LAZY:
            self._b = self._blob
        self.known_keys()
        self._body = None

    def stored_as(self, body: Body, row: int) -> None:
        """The entry's documents are now row `row` of `body` (just saved)."""
        self._body, self._row = body, row

    def _decode(self) -> None:
        blob = self._blob  # (sliced from its chunk once)
        if blob:
            try:
                decoded = json.loads(bytes(blob))
            except (ValueError, RecursionError) as exc:
                raise Damaged(f"record is not JSON ({exc})") from None
            self._accept(decoded)

    def _accept(self, decoded: Any) -> None:
        """Take a decoded [record, canon] pair, checked (Damaged, the blob kept, if wrong)."""
        if type(decoded) is not list or len(decoded) != 2:
            raise Damaged("record is not a [record, canon] pair")
        record, canon = _checked(decoded[0]), _checked_canon(decoded[1])
        self._record, self._canon, self._b = record, canon, None

    @property
    def record(self) -> Record | None:
        """The Post's fields as a tuple (see `record_of`), or None for an unreadable file."""
        self._decode()
        return self._record

    @property
    def canon(self) -> tuple[Any, ...] | None:
        """The CANONICAL_FIELDS respelled archive-wide, when they differ from the record's."""
        self._decode()
        return self._canon

    @canon.setter
    def canon(self, value: tuple[Any, ...] | None) -> None:
        self._decode()
        if value != self._canon:
            self._s = None  # the fragment shows the spellings
            self._detach()  # and the stored record is no longer this one
        self._canon = value

    @property
    def keys(self) -> Keys | None:
        """The listing keys (None for an unreadable file); Damaged if the record is."""
        keys = self.known_keys()
        if keys is None and self.readable:
            record = self.record
            assert record is not None
            keys = self._keys = keys_of(record)
        return keys

    def known_keys(self) -> Keys | None:
        """The keys if they are at hand (stored or derived), without decoding a record."""
        keys = self._keys
        if keys is _LAZY:
            assert self._body is not None
            keys = self._keys = self._body.keys(self._row)
        return keys

    def shown(self) -> Buffer:
        """The post's JSON fragment (see `fragment`); empty when unreadable. Damaged if the
        record is damaged."""
        shown = self._shown
        if shown is None:
            record = self.record
            shown = b"" if record is None else fragment(post_of(record, self.canon, _EPOCH))
            self._s = shown
        return shown

    def stored_shown(self) -> Buffer:
        """The fragment as it will be stored: empty when it cannot be made (damaged)."""
        try:
            return self.shown()
        except Damaged:
            return b""

    def blob(self) -> bytes:
        """The metadata as stored: JSON of [record, canon]; empty when unreadable."""
        stored = self._stored()
        return stored if type(stored) is bytes else bytes(stored)

    def _stored(self) -> Buffer:
        """`blob()`, a view into the loaded file when it was not decoded (no copy)."""
        blob = self._blob
        if blob is not None:
            return blob
        if self._record is None:
            return b""
        return json.dumps([self._record, self._canon], separators=(",", ":")).encode()


#: An entry's document still in the data file (Entry._b / _s before they are read).
_LAZY: Any = memoryview(b"")
_new = object.__new__
#: A catalogue's entries by path: a dict, or the `Stored` entries of a loaded catalogue.
Entries = MutableMapping[str, Entry]


class Stored(MutableMapping[str, Entry]):
    """The entries of a loaded catalogue by path, in its order, each Entry made from the
    head's columns the first time it is looked up: making all 100,000 took 0.2 s of every
    command at 100,000 posts, and a search looks up its hits. Changed as a dict is (a path
    set again after it was deleted goes last); `flat` gives a save its columns without
    making the entries that were never looked up."""

    __slots__ = ("_body", "_extra", "_gone", "_index", "_made", "_mtimes", "_paths",
                 "_problems", "_sizes", "_touched")  # fmt: skip

    def __init__(
        self, paths: list[str], mtimes: Sequence[int], sizes: Sequence[int],
        problems: dict[int, tuple[str, ...]], body: Body,
    ) -> None:  # fmt: skip
        self._paths, self._mtimes, self._sizes, self._problems = paths, mtimes, sizes, problems
        self._body = body
        # Paths saved in order (as a save writes them) are looked up by bisection: no dict
        # of 100,000 paths to build. In any other order: by a dict.
        self._index: dict[str, int] | None = None
        if not all(map(str.__lt__, paths, paths[1:])):
            self._index = dict(zip(paths, range(len(paths)), strict=True))
        self._made: list[Entry | None] = [None] * len(paths)
        self._touched: set[int] = set()  # the rows set to another entry than was stored
        self._gone: set[int] = set()
        self._extra: dict[str, Entry] = {}

    @property
    def unique(self) -> bool:
        """No path is listed twice."""
        return self._index is None or len(self._index) == len(self._paths)

    def _row(self, path: object) -> int:
        """The stored row of `path`, -1 if none (or deleted)."""
        if self._index is not None:
            row = self._index.get(path, -1)  # type: ignore[call-overload]
        elif type(path) is str:
            paths = self._paths
            row = bisect_left(paths, path)
            if row == len(paths) or paths[row] != path:
                return -1
        else:
            return -1
        return -1 if row in self._gone else row

    def _entry(self, row: int) -> Entry:
        entry = self._made[row]
        if entry is None:
            readable = self._body.rows[2][row] > 0
            entry = self._made[row] = Entry.stored(
                self._body, row, self._mtimes[row], self._sizes[row],
                self._problems.get(row, ()), readable, _LAZY,
            )  # fmt: skip
        return entry

    def _make_all(self) -> None:
        """Every entry made (the cyclic GC off meanwhile: see `bulk`)."""
        made, gone = self._made, self._gone
        if made.count(None) <= len(gone):
            return
        body, stored = self._body, Entry.stored
        keys = body.key_list()  # given now: no lazy lookup per entry later
        lengths, mtimes, sizes, problems = body.rows[2], self._mtimes, self._sizes, self._problems
        with bulk():
            for row, entry in enumerate(made):
                if entry is None and row not in gone:
                    made[row] = stored(body, row, mtimes[row], sizes[row], problems.get(row, ()),
                                       lengths[row] > 0, keys[row])  # fmt: skip

    def __getitem__(self, path: str) -> Entry:
        entry = self._extra.get(path)
        if entry is not None:
            return entry
        row = self._row(path)
        if row < 0:
            raise KeyError(path)
        return self._entry(row)

    def __setitem__(self, path: str, entry: Entry) -> None:
        row = -1 if path in self._extra else self._row(path)
        if row < 0:
            self._extra[path] = entry
        else:
            self._made[row] = entry
            self._touched.add(row)

    def __delitem__(self, path: str) -> None:
        if path in self._extra:
            del self._extra[path]
            return
        row = self._row(path)
        if row < 0:
            raise KeyError(path)
        self._gone.add(row)
        self._made[row] = None
        self._touched.discard(row)

    def __contains__(self, path: object) -> bool:
        return path in self._extra or self._row(path) >= 0

    def __iter__(self) -> Iterator[str]:
        yield from self._live_paths()
        yield from self._extra

    def __len__(self) -> int:
        return len(self._paths) - len(self._gone) + len(self._extra)

    def values(self) -> Any:
        """Every entry (all made), in order."""
        self._make_all()
        return [*self._live(self._made), *self._extra.values()]

    def items(self) -> Any:
        """Every (path, entry) (all made), in order."""
        self._make_all()
        with bulk():
            pairs = zip(self._live_paths(), self._live(self._made), strict=True)
            return [*pairs, *self._extra.items()]

    def copy(self) -> Stored:
        """A copy to change (the columns shared: they are never changed)."""
        other = Stored.__new__(Stored)
        other._paths, other._mtimes, other._sizes = self._paths, self._mtimes, self._sizes
        other._problems, other._body, other._index = self._problems, self._body, self._index
        other._made, other._gone = list(self._made), set(self._gone)
        other._touched = set(self._touched)
        other._extra = dict(self._extra)
        return other

    def in_path_order(self) -> bool:
        """Whether iterating gives the paths sorted."""
        return not self._extra and self._index is None  # (bisected: saved in order)

    def _live_paths(self) -> list[str]:
        return cast("list[str]", self._live(self._paths))

    def _live(self, column: Sequence[Any]) -> Sequence[Any]:
        """A column's values of the rows not deleted."""
        if not self._gone:
            return column
        gone = self._gone
        return [value for row, value in enumerate(column) if row not in gone]

    def readable_paths(self) -> list[str]:
        """The paths of readable entries, in order (no entry made)."""
        lengths = self._body.rows[2]  # a record stored: readable (made entries agree)
        if self._touched or self._gone:
            flags = list(map(bool, lengths))
            for row in self._touched:
                entry = self._made[row]
                assert entry is not None
                flags[row] = entry.readable
            for row in self._gone:
                flags[row] = False
            lengths = flags
        readable = list(compress(self._paths, lengths))
        return readable + [path for path, entry in self._extra.items() if entry.readable]

    def problems(self) -> list[tuple[str, str]]:
        """Every (path, reason) the entries hold, in order (no entry made)."""
        rows = dict(self._problems)
        for row in self._touched:
            entry = self._made[row]
            assert entry is not None
            rows[row] = entry.problems
        paths = self._paths
        out = [(paths[row], reason) for row in sorted(rows) if row not in self._gone
               for reason in rows[row]]  # fmt: skip
        return out + [(path, r) for path, e in self._extra.items() for r in e.problems]

    def flat(self, body: Body | None) -> Flat:
        """The columns a save of these entries writes (`Flat`), the entries kept in `body`
        unmade (all are made when `body` is another: their documents are all written)."""
        live = self._live(range(len(self._paths)))
        made = self._live(self._made)
        extra = list(self._extra.values())
        mtimes, sizes = list(self._live(self._mtimes)), list(self._live(self._sizes))
        stays = body is self._body and body is not None
        rows = list(live) if stays else [-1] * len(live)
        stored = self._problems
        if self._gone:
            problems = {i: stored[row] for i, row in enumerate(live) if row in stored}
        else:  # (each row its own position)
            problems = dict(stored)
        # The entries made (maybe detached), found at C speed: 100,000 at every save.
        touched = list(compress(count(), map(is_not, made, repeat(None))))
        for i, entry in chain(((i, made[i]) for i in touched), enumerate(extra, len(made))):
            assert entry is not None
            if i >= len(made):
                mtimes.append(0)
                sizes.append(0)
                rows.append(-1)
            mtimes[i], sizes[i] = entry.mtime_ns, entry.size
            rows[i] = entry._row if entry._body is body and body is not None else -1
            problems.pop(i, None)
            if entry.problems:
                problems[i] = entry.problems

        def entry_at(i: int) -> Entry:
            if i >= len(made):
                return extra[i - len(made)]
            return made[i] or self._entry(live[i])

        return Flat([*self._live_paths(), *self._extra], rows, mtimes, sizes, problems, entry_at)

    def saved_as(self, body: Body, flat: Flat) -> Stored:
        """These entries as now saved in `body` (as `flat` laid them out): the entries made
        so far kept (pointed at their new rows), the rest to be made from the new columns."""
        out = Stored(flat.paths, flat.mtimes, flat.sizes, flat.problems, body)
        made = self._live(self._made)
        touched = [i for i, e in enumerate(made) if e is not None]
        for i, entry in chain(
            ((i, made[i]) for i in touched), enumerate(self._extra.values(), len(made))
        ):
            if entry is not None:
                entry.stored_as(body, i)  # (as saved: its stat, problems, readable)
                out._made[i] = entry
        return out


class Flat(NamedTuple):
    """Entries as a save writes them: paths in order, each one's row in the data file kept
    (-1: its documents are written), stats, problems by position, and the entry at a
    position (made only for the documents written)."""

    paths: list[str]
    rows: list[int]
    mtimes: list[int]
    sizes: list[int]
    problems: dict[int, tuple[str, ...]]
    entry: Callable[[int], Entry]

    @classmethod
    def of(cls, entries: Mapping[str, Entry], body: Body | None) -> Flat:
        """The `Flat` of any entries (`Stored` ones make only what they must)."""
        if isinstance(entries, Stored):
            return entries.flat(body)
        values = list(entries.values())
        rows = [e._row if e._body is body and body is not None else -1 for e in values]
        problems = {i: e.problems for i, e in enumerate(values) if e.problems}
        return cls(list(entries), rows, [e.mtime_ns for e in values],
                   [e.size for e in values], problems, values.__getitem__)  # fmt: skip


def as_stored(entries: Mapping[str, Entry], body: Body) -> bool:
    """Whether every entry is the row of `body` it was loaded or saved as, in order (then the
    head's columns describe them: a reader lists from them, making no entry)."""
    if len(entries) != len(body.rows[0]):
        return False
    if isinstance(entries, Stored):
        if entries._body is not body or entries._touched or entries._gone or entries._extra:
            return False
        made = entries._made
        return all(e._body is body and e._row == i for i, e in enumerate(made) if e is not None)
    values = list(entries.values())
    if any(other is not body for other in set(map(_BODY, values))):
        return False
    return list(map(_ROW, values)) == list(range(len(values)))


_BODY, _ROW = attrgetter("_body"), attrgetter("_row")  # (C-speed loops over 100,000 entries)


def readable_paths(entries: Mapping[str, Entry]) -> list[str]:
    """The paths of the readable entries, in order."""
    if isinstance(entries, Stored):
        return entries.readable_paths()
    return [path for path, entry in entries.items() if entry.readable]


def problems_of(entries: Mapping[str, Entry]) -> list[tuple[str, str]]:
    """Every (path, reason) the entries hold, in order."""
    if isinstance(entries, Stored):
        return entries.problems()
    return [(path, reason) for path, entry in entries.items() for reason in entry.problems]


def saved_as(entries: Entries, body: Body, flat: Flat) -> Entries:
    """`entries` as now saved in `body`, laid out as `flat` (the entries to use from now)."""
    if isinstance(entries, Stored):
        return entries.saved_as(body, flat)
    for row, entry in enumerate(entries.values()):
        entry.stored_as(body, row)
    return entries


def copied(entries: Entries) -> Entries:
    """A copy of `entries` to change."""
    return entries.copy() if isinstance(entries, Stored) else dict(entries)


def in_path_order(entries: Entries) -> Entries:
    """`entries` ordered by path (the same object when they already are)."""
    if isinstance(entries, Stored) and entries.in_path_order():
        return entries
    return dict(sorted(entries.items()))


class Body:
    """The records and fragments of a catalogue: chunks of a data file (or of the bytes
    after the head), each read and checked against its digest in the sealed head the first
    time one of its documents is wanted. A chunk that fails gives damaged records (read
    again from their files, as any damaged record is) and no fragments (made again)."""

    def __init__(
        self, read: Callable[[int, int], bytes], chunks: list[Chunk], rows: Rows,
        name: str | None = None, file: OpenFile | None = None, keys: bytes = b"",
        keys_digest: str | None = None,
    ) -> None:  # fmt: skip
        self._read, self.chunks, self.rows, self.name, self.file = read, chunks, rows, name, file
        self._views: dict[int, memoryview | None] = {}
        self._keys_text, self._keys = keys, cast("list[Keys | None] | None", None)
        #: The keys line's digest, from the sealed columns (None: sealed with them).
        self._keys_digest = keys_digest
        self._key_columns: list[list[Any]] | None = None
        #: The listing keys the head file's patch lines set, by row: applied when the keys
        #: line is decoded (an edit need not decode it).
        self._key_patches: list[tuple[int, Keys]] = []
        #: The head file this body was loaded from or saved with (None: no patch may be
        #: appended to it, as to a `dump`).
        self.head: Head | None = None

    @classmethod
    def of_file(
        cls, fd: int, chunks: list[Chunk], rows: Rows, name: str, keys: bytes = b"",
        keys_digest: str | None = None,
    ) -> Body:  # fmt: skip
        """A body read from the open data file `fd` (kept open while any body uses it: a
        newer catalogue may replace the file meanwhile; this one still reads its own)."""
        file = OpenFile(fd)
        return cls(file.read, chunks, rows, name, file, keys, keys_digest)

    @classmethod
    def of_bytes(
        cls, data: Buffer, chunks: list[Chunk], rows: Rows, keys: bytes = b"",
        keys_digest: str | None = None,
    ) -> Body:  # fmt: skip
        view = memoryview(data)
        read = lambda offset, length: bytes(view[offset : offset + length])  # noqa: E731
        return cls(read, chunks, rows, None, None, keys, keys_digest)

    def keys(self, row: int) -> Keys | None:
        """Row `row`'s listing keys from the head's second line, decoded on first use (None
        where they are missing or wrong: then they are derived from the record)."""
        return self.key_list()[row]

    def key_list(self) -> list[Keys | None]:
        """Every row's `keys` (100,000 tuples: made with the cyclic GC off, see `bulk`)."""
        if self._keys is None:
            with bulk():
                columns = self.key_columns()
                count = len(self.rows[0])
                if columns is None:
                    self._keys = [None] * count
                else:
                    self._keys = [None if k[4] is None else k for k in zip(*columns, strict=True)]
        return self._keys

    def key_columns(self) -> list[list[Any]] | None:
        """The listing keys as the head stores them (six checked columns); None if wrong."""
        if self._key_columns is None and self._keys_text:
            digest = self._keys_digest
            try:
                if digest is not None and not hmac.compare_digest(_digest(self._keys_text), digest):
                    raise ValueError("the listing keys' digest does not match")
                decoded = _unpacked_keys(json.loads(self._keys_text))
            except (ValueError, TypeError, RecursionError):
                decoded = None
            self._keys_text = b""
            columns = _key_columns_checked(decoded, len(self.rows[0]))
            if columns is not None:
                _set_keys(columns, self._key_patches)
            self._key_columns, self._key_patches = columns, []
        return self._key_columns

    def keyed(self, columns: list[list[Any]]) -> Body:
        """This body, its listing keys given as checked columns (those just saved)."""
        self._key_columns, self._keys_text, self._keys = columns, b"", None
        return self

    def appended(self, chunks: list[Chunk], rows: Rows) -> Body:
        """The body of a save that appended to this one's file (the chunks read are kept)."""
        body = Body(self._read, chunks, rows, self.name, self.file)
        body._views = self._views
        return body

    def patched(self, chunks: list[Chunk], rows: Rows, keys: Sequence[tuple[int, Keys]]) -> Body:
        """The body of a save that appended to this one's file and a patch line to its head:
        the listing keys this one has (decoded or not), with `keys` set."""
        body = self.appended(chunks, rows)
        if self._key_columns is not None:
            body._key_columns = [list(column) for column in self._key_columns]
            _set_keys(body._key_columns, keys)
        else:
            body._keys_text, body._keys_digest = self._keys_text, self._keys_digest
            body._key_patches = [*self._key_patches, *keys]
        return body

    def record(self, row: int) -> Buffer:
        """Row `row`'s record JSON; BROKEN when its chunk is damaged (it fails to decode)."""
        piece = self._piece(self.rows[0][row], self.rows[1][row], self.rows[2][row])
        return BROKEN if piece is None else piece

    def fragment(self, row: int) -> Buffer | None:
        """Row `row`'s `list --json` fragment; None when its chunk is damaged."""
        return self._piece(self.rows[3][row], self.rows[4][row], self.rows[5][row])

    def fragments_of(self, rows: list[int]) -> tuple[list[Buffer], list[int]]:
        """`fragment` of each of `rows`, in one pass per row (a slice of its chunk, read
        and checked once); and the places in that list of the rows whose fragment is not
        there (a damaged chunk, a place past its end), to be made from their records."""
        chunk_of, at, length = self.rows[3], self.rows[4], self.rows[5]
        views = {chunk: self._view(chunk) for chunk in {chunk_of[row] for row in rows}}
        read = {chunk: view if view is not None else _LAZY for chunk, view in views.items()}
        pieces: list[Buffer] = [
            read[chunk_of[row]][at[row] : at[row] + length[row]] for row in rows
        ]
        if sum(map(len, pieces)) == sum(length[row] for row in rows):
            return pieces, []  # (each piece is at most its length: all are whole)
        missing = [i for i, row in enumerate(rows) if len(pieces[i]) != length[row]]
        return pieces, missing

    def _view(self, chunk: int) -> memoryview | None:
        """The chunk, read and checked once (then kept: documents are read in any order,
        and a chunk read again would be digested again)."""
        views = self._views
        if chunk in views:
            return views[chunk]
        view = views[chunk] = self._chunk(chunk)
        return view

    def _piece(self, chunk: int, offset: int, length: int) -> Buffer | None:
        if not length:
            return b""
        view = self._view(chunk)
        if view is None or offset + length > len(view):
            return None
        return view[offset : offset + length]

    def _chunk(self, chunk: int) -> memoryview | None:
        if not 0 <= chunk < len(self.chunks):
            return None
        offset, length, digest = self.chunks[chunk]
        try:
            data = self._read(offset, length)
        except (OSError, ValueError):
            return None
        if len(data) != length or not hmac.compare_digest(_digest(data), digest):
            return None
        return memoryview(data)


class OpenFile:
    """A data file's descriptor, closed when no body holds it any more."""

    __slots__ = ("fd",)

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def read(self, offset: int, length: int) -> bytes:
        return os.pread(self.fd, length, offset)

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def __del__(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


#: A chunk of a data file: offset, length, BLAKE2b-256 hex digest.
Chunk = tuple[int, int, str]
#: The documents' places, as six columns: record chunk, offset in it, length; the same for
#: the fragment.
Rows = tuple[
    Sequence[int], Sequence[int], Sequence[int], Sequence[int], Sequence[int], Sequence[int]
]
#: A record whose chunk is damaged: not JSON, so decoding it says so.
BROKEN = b"\xff"
_UNREAD: Any = object()
#: Documents are appended in chunks of about this size, each with its own digest: the
#: fragments in big ones (a listing reads them all), the records in small ones (a reader's
#: first screen and a search's hits read a few records each from anywhere in the file: at
#: 100,000 posts, 60 records took 39 chunks of 1 MB, 80 ms to read and digest).
CHUNK_BYTES = 1 << 20
RECORD_CHUNK_BYTES = 1 << 16


def _digest(data: Buffer) -> str:
    return hashlib.blake2b(data, digest_size=_DIGEST_SIZE).hexdigest()


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """The cyclic GC off while 100,000 records' objects are made (none makes a cycle):
    its passes over them cost a third of loading and sorting a catalogue."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def fragments(entries: list[Entry]) -> list[Buffer]:
    """The entries' JSON fragments (see `fragment`): those still in a data file sliced from
    its chunks in one pass (100,000 of them), the others made or read one by one."""
    out: list[Any] = [e._s for e in entries]
    lazy = [i for i, shown in enumerate(out) if shown is _LAZY]
    bodies = {entries[i]._body for i in lazy}
    for body in bodies:
        at = lazy if len(bodies) == 1 else [i for i in lazy if entries[i]._body is body]
        if body is not None:
            pieces, missing = body.fragments_of([entries[i]._row for i in at])
            for i, piece in zip(at, pieces, strict=True):
                out[i] = piece
            for place in missing:  # its chunk damaged: made from the record below
                out[at[place]] = None
    for i, shown in enumerate(out):
        if shown is None or shown is _LAZY:
            out[i] = entries[i].shown()  # made from the record (its chunk damaged: also)
    return out


def decode_all(entries: list[Entry]) -> list[tuple[Entry, Damaged]]:
    """Decode many entries' records with one JSON call; the entries that were damaged.

    One call for all (10,000 separate calls cost several times more); when that fails,
    entry by entry, so one damaged record spoils only itself.
    """
    with bulk():
        return _decode_all(entries)


def _decode_all(entries: list[Entry]) -> list[tuple[Entry, Damaged]]:
    pending = [e for e in entries if e._blob]
    if not pending:
        return []
    try:
        decoded = json.loads(b"[" + b",".join(e._blob or b"" for e in pending) + b"]")
    except (ValueError, RecursionError):
        decoded = None
    if type(decoded) is not list or len(decoded) != len(pending):
        decoded = [None] * len(pending)
    damaged: list[tuple[Entry, Damaged]] = []
    for entry, value in zip(pending, decoded, strict=True):
        try:
            entry._accept(value) if value is not None else entry._decode()
        except Damaged as exc:
            damaged.append((entry, exc))
    return damaged


def damaged(entries: Mapping[str, Entry]) -> dict[str, Damaged]:
    """The paths whose records do not decode to a valid Post, and why."""
    broken = {id(e): exc for e, exc in decode_all(list(entries.values()))}
    out: dict[str, Damaged] = {}
    for path, entry in entries.items():
        if id(entry) in broken:
            out[path] = broken[id(entry)]
        elif entry.readable:
            try:
                if post_of(entry.record, entry.canon).path != path:
                    raise Damaged("record names another file")
            except Damaged as exc:
                out[path] = exc
    return out


# ---- the file ---------------------------------------------------------------------------------


def seal(body: bytes) -> bytes:
    """`body` behind the magic line and its digest (what `unseal` checks)."""
    return MAGIC + _digest(body).encode() + b"\n" + body


def unseal(data: bytes, magic: bytes = MAGIC) -> bytes:
    """The body of a sealed file; Damaged unless its magic and digest are right."""
    return bytes(_unsealed(data, magic))


def _unsealed(data: bytes, magic: bytes = MAGIC) -> memoryview:
    """`unseal` without copying the body (150 MB at 100,000 posts)."""
    head = len(magic) + 2 * _DIGEST_SIZE + 1
    if not data.startswith(magic) or len(data) < head or data[head - 1 : head] != b"\n":
        raise Damaged("not a blogtui catalogue")
    body = memoryview(data)[head:]
    if not hmac.compare_digest(_digest(body).encode(), data[len(magic) : head - 1]):
        raise Damaged("its checksum does not match (a damaged file)")
    return body


class Saved(NamedTuple):
    """A catalogue to write: the head file's bytes and the documents for the data file,
    appended at `at` to the one the last head named or, when `fresh`, a new file."""

    head: bytes
    #: The chunks to write, in order (not joined: 130 MB at 100,000 posts); none when
    #: `plan` was given a sink (it wrote them).
    pieces: list[Buffer]
    fresh: bool
    at: int
    chunks: list[Chunk]
    rows: Rows
    #: The listing keys as saved (six columns): the new body's, so no entry derives them.
    keys: list[list[Any]] | None
    #: The entries as laid out in the head (`saved_as` points them at the new body).
    flat: Flat
    #: The head file as it will be once written (what a later patch may be appended to).
    base: Head | None = None
    #: `head` is a patch line to append to the head file, not a head to replace it with;
    #: `keys` is then None and these are the listing keys of the rows it sets.
    patch: bool = False
    key_patches: Sequence[tuple[int, Keys]] = ()


class Head(NamedTuple):
    """A head file as loaded or last written, for `plan` to append a patch to: the paths
    and site fingerprint its columns hold, the spelling counts after its patches, its
    length up to the last whole patch line (a longer file has a torn or damaged tail: the
    next save writes a whole head), and how many patch lines (and bytes) follow the head."""

    paths: list[str]
    site: str
    spellings: Any
    end: int
    patches: int = 0
    patch_bytes: int = 0


def dump(entries: Mapping[str, Entry], schema: str, site: str = "", spellings: Any = None) -> bytes:
    """A whole catalogue in one file's bytes (its documents after the head), tagged with
    `schema` (the index's SCHEMA_VERSION) and `site` (the fingerprint of the Site its posts
    were parsed against), with `spellings` (the archive's term spelling counts, as
    blogtui.search.spellings writes them). The index keeps its documents in a file of their
    own instead (`plan`)."""
    saved = plan(entries, schema, site, spellings, None, 0, fresh_name=None)
    return b"".join([saved.head, *saved.pieces])


def plan(
    entries: Mapping[str, Entry], schema: str, site: str, spellings: Any, body: Body | None,
    at: int, fresh_name: str | None, head_size: int | None = None,
    sink: Callable[[bool], Callable[[Buffer], object]] | None = None,
) -> Saved:  # fmt: skip
    """What to write for `entries`, given the data file `body` was loaded from (`at` bytes
    long now): the documents of entries read from it stay where they are and only the rest
    are appended, unless most of the file would be dead (then all go to a new file, named
    `fresh_name`; None: after the head, in the same file).

    With `sink`, the documents are written as they are made instead of kept in
    `Saved.pieces` (at 100,000 posts they are 130 MB): `sink(fresh)` is called once,
    before the first, with whether they go to a new file (else they are appended to
    `body`'s), and returns what writes each chunk, in order.

    When the head file is the one `body` was loaded from or last saved as (`head_size`
    bytes long, ending with whole lines) and only a few entries changed in place (the same
    paths, the same site), the save is a patch line appended to it (`Saved.patch`): at
    100,000 posts a whole head is 22 MB of JSON, 0.4 s to encode for an edit of one post.
    """
    flat = Flat.of(entries, body)
    # Each entry's row in `body`, or -1 when its documents are to be written.
    source = flat.rows
    if body is not None:
        old = body.rows
        kept = list(filter((-1).__lt__, source))  # (at C speed)
        if len(kept) == len(old[2]):  # every stored row kept
            live = sum(old[2]) + sum(old[5])
        else:
            live = sum(map(old[2].__getitem__, kept)) + sum(map(old[5].__getitem__, kept))
        if at - live > max(live, COMPACT_BYTES) or len(body.chunks) > MAX_CHUNKS:
            body, source = None, [-1] * len(source)
    fresh = body is None
    chunks: list[Chunk] = [] if body is None else list(body.chunks)
    pieces: list[Buffer] = []
    write = pieces.append if sink is None else sink(fresh)
    new_rows = [i for i, row in enumerate(source) if row < 0]
    written = [flat.entry(i) for i in new_rows]
    records = _Appender(chunks, write, 0 if fresh else at, RECORD_CHUNK_BYTES)
    placed = [records.add(e._stored() if e.readable else b"") for e in written]
    records.close()
    shown = _Appender(chunks, write, records.end, CHUNK_BYTES)
    placed_shown = [shown.add(e.stored_shown() if e.readable else b"") for e in written]
    shown.close()
    if body is None:
        rows = _columns([(*a, *b) for a, b in zip(placed, placed_shown, strict=True)])
    else:
        moved = _moved(source)
        copied = [_taken(column, source, moved) for column in body.rows]
        for i, a, b in zip(new_rows, placed, placed_shown, strict=True):
            for column, value in zip(copied, (*a, *b), strict=True):
                column[i] = value
        rows = cast("Rows", tuple(copied))
        added = chunks[len(body.chunks) :]
        patch = _patch(flat, body, moved, new_rows, rows, added, site, spellings, head_size)
        if patch is not None:
            line, key_patches, base = patch
            return Saved(line, pieces, False, at, chunks, rows, None, flat, base, True,
                         key_patches)  # fmt: skip
    keys = _saved_keys(flat, body, source, new_rows)
    keys_line = _json_line(_packed_keys(keys))
    head = {
        "schema": schema,
        "site": site,
        "data": fresh_name if body is None else body.name,
        "chunks": [list(c) for c in chunks],
        "rows": {name: _packed(column) for name, column in zip(_ROW_COLUMNS, rows, strict=True)},
        "paths": flat.paths,
        "mtimes": _packed(flat.mtimes),
        "sizes": _packed(flat.sizes),
        "problems": [[i, list(flat.problems[i])] for i in sorted(flat.problems)],
        "spellings": spellings,
        "keys": _digest(keys_line),
    }
    text = seal_head(_json_line(head) + b"\n" + keys_line)
    saved_keys = [keys[name] for name in _KEY_COLUMNS]
    base = Head(flat.paths, site, spellings, len(text))
    return Saved(text, pieces, fresh, 0 if fresh else at, chunks, rows, saved_keys, flat, base)


#: A patch line: this, the digest of its JSON, a space, the JSON (see `_patch`).
PATCH = b"patch "
#: A save is a patch while it sets at most this many entries, the head file has fewer patch
#: lines than MAX_PATCHES after its head and they add up to less than PATCH_BYTES; else the
#: head is written whole (which folds the patches into it).
PATCH_ROWS = 256
MAX_PATCHES = 64
PATCH_BYTES = 1 << 20


def _patch(
    flat: Flat, body: Body, moved: list[int], new_rows: list[int], rows: Rows,
    added: list[Chunk], site: str, spellings: Any, head_size: int | None,
) -> tuple[bytes, list[tuple[int, Keys]], Head] | None:  # fmt: skip
    """The patch line a save appends to the head file instead of writing it whole, the
    listing keys it sets and the head it makes; None when the save is not one a patch can
    say (see `plan`). The line sets, for each written entry, by its position: its stat,
    its row in the data file, its problems and listing keys; adds the chunks the save
    appends; and gives the spelling counts when they changed."""
    base = body.head
    if (
        base is None
        or head_size != base.end
        or base.site != site
        or base.patches >= MAX_PATCHES
        or len(new_rows) > PATCH_ROWS
        or moved != new_rows  # every other entry at its own position: none added or gone
        or flat.paths != base.paths
    ):
        return None
    key_patches: list[tuple[int, Keys]] = []
    sets = []
    for i in new_rows:
        entry = flat.entry(i)
        keys = entry.known_keys() or _keys_or(entry)
        key_patches.append((i, keys))
        reasons = list(flat.problems.get(i, ()))
        sets.append([i, flat.mtimes[i], flat.sizes[i], *(c[i] for c in rows), reasons, keys])
    patch: dict[str, Any] = {"chunks": [list(c) for c in added], "set": sets}
    if spellings != base.spellings:
        patch["spellings"] = spellings
    payload = _json_line(patch)
    line = PATCH + _digest(payload).encode() + b" " + payload + b"\n"
    if base.patch_bytes + len(line) > PATCH_BYTES:
        return None
    after = Head(base.paths, site, spellings, base.end + len(line), base.patches + 1,
                 base.patch_bytes + len(line))  # fmt: skip
    return line, key_patches, after


def _columns(places: list[tuple[int, ...]]) -> Rows:
    if not places:
        return ([], [], [], [], [], [])
    return tuple(list(column) for column in zip(*places, strict=True))  # type: ignore[return-value]


def _json_line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )


def _packed(column: Sequence[int]) -> str:
    """A column of integers as the head keeps it: int64, little-endian, in base64, decoded
    at C speed (the 100,000-post head loads in 0.16 s of CPU, against 0.43-0.50 s with
    its numbers as JSON lists: benchmarks/README.md)."""
    values = array("q", column)
    if sys.byteorder != "little":
        values.byteswap()
    return binascii.b2a_base64(values.tobytes(), newline=False).decode("ascii")


def _unpacked(value: Any, name: str, count: int, low: int, high: int) -> array[int]:
    """A `_packed` column of `count` integers from low to high; Damaged if it is not one."""
    if type(value) is not str:
        raise Damaged(f"catalogue has no {name}")
    try:
        raw = binascii.a2b_base64(value, strict_mode=True)
    except (binascii.Error, ValueError):
        raise Damaged(f"catalogue's {name} are not base64") from None
    if len(raw) != 8 * count:
        raise Damaged(f"catalogue has no {name}")
    if (low, high) == (0, 2**62):  # every top byte below 0x40 (C speed: no loop)
        if raw[7::8].translate(None, _BELOW_2_62):
            raise Damaged("catalogue number out of range")
    elif (low, high) != (-(2**63), 2**63 - 1):
        raise ValueError(f"no check for the range {low}..{high}")
    column = array("q")
    column.frombytes(raw)
    if sys.byteorder != "little":
        column.byteswap()
    return column


_BELOW_2_62 = bytes(range(0x40))


def seal_head(text: bytes) -> bytes:
    """A head file's bytes: the magic line, the digest of the head's first line, the head:
    two lines of JSON, the columns every command reads (with the digest of the second
    line), then the listing keys, decoded (and checked) when wanted."""
    columns = text.partition(b"\n")[0]
    return MAGIC + _digest(columns).encode() + b"\n" + text + b"\n"


def split_head(data: bytes, magic: bytes = MAGIC) -> tuple[bytes, bytes]:
    """A catalogue 5 (or 4) file's head (its two lines) and what follows it (the documents
    of a `dump`), the digest not checked; Damaged if it is not shaped as one."""
    head_at = len(magic) + 2 * _DIGEST_SIZE + 1
    first = data.find(b"\n", head_at)
    end = data.find(b"\n", first + 1) if first >= 0 else -1
    if not data.startswith(magic) or len(data) < head_at or end < 0:
        raise Damaged("not a blogtui catalogue")
    return data[head_at:end], data[end + 1 :]


class _Appender:
    """Documents packed into chunks of about `limit` bytes, each digested when it is full."""

    def __init__(
        self, chunks: list[Chunk], write: Callable[[Buffer], object], start: int, limit: int
    ) -> None:
        """`write`: what is given each chunk's bytes once it is full (or closed)."""
        self.chunks, self.write, self.end, self.limit = chunks, write, start, limit
        self._open: list[Buffer] = []
        self._size = 0

    def add(self, doc: Buffer) -> tuple[int, int, int]:
        """Where `doc` goes: (chunk, offset in it, length)."""
        if not doc:
            return (0, 0, 0)
        if self._size and self._size + len(doc) > self.limit:
            self.close()
        place = (len(self.chunks), self._size, len(doc))
        self._open.append(doc)
        self._size += len(doc)
        return place

    def close(self) -> None:
        if not self._open:
            return
        data = b"".join(self._open)
        self.chunks.append((self.end, len(data), _digest(data)))
        self.write(data)
        self.end += len(data)
        self._open, self._size = [], 0


_ROW_COLUMNS = ("record_chunk", "record_at", "record_length", "shown_chunk", "shown_at",
                "shown_length")  # fmt: skip
#: A data file is written anew when more of it is dead than alive (and at least this much).
COMPACT_BYTES = 8 << 20
MAX_CHUNKS = 20_000


_KEY_COLUMNS = ("days", "micros", "expiry", "draft", "hidden", "titles")


def _key_columns(values: list[Entry]) -> dict[str, list[Any]]:
    """The entries' listing keys as columns (one JSON list each, decoded at C speed); an
    entry whose keys are unknown (unreadable, or a damaged record) has hidden None."""
    rows = [e.known_keys() or _keys_or(e) for e in values]  # most: no decoding
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in _KEY_COLUMNS]
    return {name: list(column) for name, column in zip(_KEY_COLUMNS, columns, strict=True)}


def _saved_keys(
    flat: Flat, body: Body | None, source: list[int], new_rows: list[int]
) -> dict[str, list[Any]]:
    """`_key_columns` of a save: the columns of `body` copied for the entries kept in it
    (their keys are as stored), the written ones' keys in their rows."""
    stored = body.key_columns() if body is not None else None
    if stored is None:
        return _key_columns([flat.entry(i) for i in range(len(flat.paths))])
    moved = _moved(source)
    columns = [_taken(column, source, moved) for column in stored]
    for i in new_rows:
        entry = flat.entry(i)
        keys = entry.known_keys() or _keys_or(entry)
        for column, value in zip(columns, keys, strict=True):
            column[i] = value
    return dict(zip(_KEY_COLUMNS, columns, strict=True))


def _moved(rows: list[int]) -> list[int]:
    """The positions whose row is not their own (see `_taken`), found at C speed."""
    return list(compress(count(), map(ne, rows, count())))


def _taken(column: Sequence[Any], rows: list[int], moved: list[int]) -> list[Any]:
    """column[row] for each of `rows`, where a row of -1 gives None (to be filled in by the
    caller); `moved`: `_moved(rows)`. Copied whole at C speed when the rows are the
    column's own, in order, but for a few (the usual save, of an edit), then patched."""
    if len(rows) != len(column) or len(moved) * 8 > len(rows):
        return [column[row] if row >= 0 else None for row in rows]
    out = array("q", column) if type(column) is array else list(column)  # (a loaded column)
    for i in moved:
        out[i] = column[rows[i]] if rows[i] >= 0 else 0  # (-1: set by the caller)
    return out  # type: ignore[return-value]


def _keys_or(entry: Entry) -> Keys:
    """The entry's listing keys, UNKNOWN_KEYS when it has none (or its record is damaged)."""
    try:
        return entry.keys or UNKNOWN_KEYS
    except Damaged:
        return UNKNOWN_KEYS


class Loaded(NamedTuple):
    """A catalogue file's entries, site fingerprint and spelling counts (None: not kept)."""

    entries: Entries
    site: str
    spellings: Any
    #: Written by an older blogtui (catalogue 2 or 3): rewrite it in this format.
    legacy: bool = False
    #: Where the entries' documents are (None: an older format, all in memory).
    body: Body | None = None
    #: Why a patch line of the head was refused (its entries are read again), if one was.
    damage: str | None = None
    #: Something follows the last whole patch line (a save cut short): write the head whole.
    torn: bool = False


#: Opens a data file named in a head (an fd that passed the cache's private checks).
Opener = Callable[[str], int]


def opener_in(folder: Path) -> Opener:
    """Opens the data files of the index folder `folder` (through the cache's checks)."""
    return lambda name: open_private(folder / name, os.O_RDONLY)


def load(data: bytes, schema: str, opener: Opener | None = None) -> Entries:
    """The entries of a catalogue file `dump`ed with this `schema`; Damaged if it is not one."""
    return load_all(data, schema, opener).entries


def load_with_site(data: bytes, schema: str, opener: Opener | None = None) -> tuple[Entries, str]:
    """`load`, and the site fingerprint the catalogue was written with."""
    loaded = load_all(data, schema, opener)
    return loaded.entries, loaded.site


def load_all(data: bytes, schema: str, opener: Opener | None = None) -> Loaded:
    """Everything a catalogue file holds (this format or the two before); Damaged if it is
    not one, SchemaMismatch if another `schema` wrote it. A head that names a data file
    needs `opener` (OSError from it is raised as it is: the file may have been replaced)."""
    with bulk():
        if data.startswith(_MAGIC_2):
            return _load_2(data, schema)
        if data.startswith(_MAGIC_3):
            return _load_3(data, schema)
        if data.startswith(_MAGIC_4):
            return _load_head(data, schema, opener, _MAGIC_4)
        return _load_head(data, schema, opener, MAGIC)


def data_name(token: bytes) -> str:
    """The name of a new data file."""
    return f"catalogue-{token.hex()[:16]}.dat"


_MAGIC_4 = b"blogtui-catalogue 4\n"


def _load_head(data: bytes, schema: str, opener: Opener | None, magic: bytes) -> Loaded:
    """A catalogue 5 file, or a catalogue 4 (its numbers as JSON lists, its seal over both
    lines: read, then rewritten once)."""
    text, rest = split_head(data, magic)
    columns, _, listing_keys = text.partition(b"\n")
    legacy = magic != MAGIC
    if not hmac.compare_digest(
        _digest(text if legacy else columns).encode(),
        data[len(magic) : len(magic) + 2 * _DIGEST_SIZE],
    ):
        raise Damaged("its checksum does not match (a damaged file)")
    loaded = _head(columns, schema)
    paths = _column(loaded, "paths", str)
    count = len(paths)
    ints = _listed_ints if legacy else _unpacked
    mtimes = ints(loaded.get("mtimes"), "mtimes", count, -(2**63), 2**63 - 1)
    sizes = ints(loaded.get("sizes"), "sizes", count, 0, 2**62)
    rows = _rows(loaded.get("rows"), count, ints)
    chunks = _chunks(loaded.get("chunks"))
    problems = _problems(loaded.get("problems"), count)
    keys_digest = None if legacy else loaded.get("keys")
    if not legacy and (type(keys_digest) is not str or len(keys_digest) != 2 * _DIGEST_SIZE):
        raise Damaged("catalogue has no digest of its listing keys")
    name = loaded.get("data")
    site = loaded.get("site", "")
    site = site if type(site) is str else ""
    spellings = loaded.get("spellings")
    patches = _Patches(count)
    if name is None:
        body = Body.of_bytes(rest, chunks, rows, listing_keys, keys_digest)
    elif type(name) is str and DATA_FILE.fullmatch(name) and opener is not None:
        if not legacy:  # what follows the head: its patch lines
            patches.apply(rest, mtimes, sizes, rows, chunks, problems)
            spellings = patches.spellings if patches.spellings is not _NO_PATCH else spellings
        body = Body.of_file(opener(name), chunks, rows, name, listing_keys, keys_digest)
        body._key_patches = patches.keys
        if not legacy:
            end = len(data) - len(rest) + patches.end
            body.head = Head(paths, site, spellings, end, patches.count, patches.end)
    else:
        raise Damaged("catalogue names no data file it may read")
    entries = Stored(paths, mtimes, sizes, problems, body)  # each made when looked up
    if not entries.unique:
        raise Damaged("catalogue lists a path twice")
    return Loaded(entries, site, spellings, legacy=legacy, body=body, damage=patches.damage,
                  torn=patches.end != len(rest))  # fmt: skip


_NO_PATCH: Any = object()


class _Patches:
    """The patch lines after a head (see `_patch`), applied in order to its columns; the
    first that is not whole, or whose digest or values are wrong, ends them (the entries it
    would have set keep the head's stats: their files are read again, as changed files)."""

    def __init__(self, count: int) -> None:
        self.count_rows = count
        self.keys: list[tuple[int, Keys]] = []
        self.spellings: Any = _NO_PATCH
        self.end = 0  # where the last line applied ends
        self.count = 0
        self.damage: str | None = None  # why a whole line was refused

    def apply(
        self, rest: bytes, mtimes: Any, sizes: Any, rows: Rows, chunks: list[Chunk],
        problems: dict[int, tuple[str, ...]],
    ) -> None:  # fmt: skip
        while (stop := rest.find(b"\n", self.end)) >= 0:
            try:
                added, sets, spellings = self._checked(rest[self.end : stop])
            except Damaged as exc:
                self.damage = f"a patch of its head is damaged ({exc})"
                return
            chunks.extend(added)
            for row, mtime, size, places, reasons, keys in sets:
                mtimes[row], sizes[row] = mtime, size
                for column, value in zip(rows, places, strict=True):
                    column[row] = value  # type: ignore[index]  # (loaded: arrays)
                if reasons:
                    problems[row] = reasons
                else:
                    problems.pop(row, None)
                self.keys.append((row, keys))
            if spellings is not _NO_PATCH:
                self.spellings = spellings
            self.end, self.count = stop + 1, self.count + 1

    def _checked(self, line: bytes) -> tuple[list[Chunk], list[Any], Any]:
        digest_end = len(PATCH) + 2 * _DIGEST_SIZE
        if not line.startswith(PATCH) or line[digest_end : digest_end + 1] != b" ":
            raise Damaged("not a patch line")
        payload = line[digest_end + 1 :]
        if not hmac.compare_digest(_digest(payload).encode(), line[len(PATCH) : digest_end]):
            raise Damaged("its checksum does not match")
        try:
            patch = json.loads(payload.decode("utf-8", "surrogatepass"))
        except (ValueError, RecursionError) as exc:
            raise Damaged(f"not JSON ({exc})") from None
        if type(patch) is not dict or type(patch.get("set")) is not list:
            raise Damaged("not a patch")
        added = _chunks(patch.get("chunks"))
        sets = [self._set(row) for row in patch["set"]]
        return added, sets, patch.get("spellings", _NO_PATCH)

    def _set(self, row: Any) -> tuple[int, int, int, list[int], tuple[str, ...], Keys]:
        if type(row) is not list or len(row) != 11:
            raise Damaged("a patched entry is not 11 values")
        at = _int_in(row[0], 0, self.count_rows - 1)
        mtime, size = _int_in(row[1], -(2**63), 2**63 - 1), _int_in(row[2], 0, 2**62)
        places = [_int_in(value, 0, 2**62) for value in row[3:9]]
        keys = row[10]
        checked = None
        if type(keys) is list and len(keys) == len(_KEY_COLUMNS):
            one = {name: [key] for name, key in zip(_KEY_COLUMNS, keys, strict=True)}
            checked = _key_columns_checked(one, 1)
        found: Keys = UNKNOWN_KEYS if checked is None else tuple(c[0] for c in checked)
        return at, mtime, size, places, _terms(row[9]), found


def _set_keys(columns: list[list[Any]], keys: Sequence[tuple[int, Keys]]) -> None:
    """Set the listing keys of rows (from patch lines) in the six key columns."""
    for row, values in keys:
        for column, value in zip(columns, values, strict=True):
            column[row] = value


def _listed_ints(value: Any, name: str, count: int, low: int, high: int) -> list[int]:
    """A catalogue 4 column: a JSON list of `count` integers from low to high."""
    return _ints(_column({name: value}, name, int, count), low, high)


def _rows(columns: Any, count: int, ints: Callable[..., Sequence[int]]) -> Rows:
    if type(columns) is not dict:
        raise Damaged("catalogue has no rows")
    out = tuple(ints(columns.get(name), name, count, 0, 2**62) for name in _ROW_COLUMNS)
    return out  # type: ignore[return-value]


def _chunks(rows: Any) -> list[Chunk]:
    if type(rows) is not list:
        raise Damaged("catalogue has no chunks")
    out: list[Chunk] = []
    for row in rows:
        if type(row) is not list or len(row) != 3 or tuple(map(type, row)) != (int, int, str):
            raise Damaged("catalogue chunk is not [offset, length, digest]")
        if len(row[2]) != 2 * _DIGEST_SIZE or not row[2].isascii():
            raise Damaged("catalogue chunk's digest is not one")
        out.append((_int_in(row[0], 0, 2**62), _int_in(row[1], 0, 2**62), row[2]))
    return out


_MAGIC_3 = b"blogtui-catalogue 3\n"


def _load_3(data: bytes, schema: str) -> Loaded:
    """A catalogue 3 file: one sealed file of columns, records and fragments."""
    view = _unsealed(data, _MAGIC_3)
    end = data.find(b"\n", len(data) - len(view))
    if end < 0:
        raise Damaged("catalogue has no columns")
    loaded = _head(data[len(data) - len(view) : end], schema)
    body = view[end + 1 - (len(data) - len(view)) :]
    paths = _column(loaded, "paths", str)
    count = len(paths)
    mtimes = _ints(_column(loaded, "mtimes", int, count), -(2**63), 2**63)
    sizes = _ints(_column(loaded, "sizes", int, count), 0, 2**62)
    lengths = _ints(_column(loaded, "lengths", int, count), 0, 2**62)
    shown = _ints(_column(loaded, "shown", int, count), 0, 2**62)
    if sum(lengths) + sum(shown) != len(body):
        raise Damaged("catalogue records do not match its entries")
    problems = _problems(loaded.get("problems"), count)
    keys = _keys(loaded.get("keys"), count)
    entries: dict[str, Entry] = {}
    offset, at = 0, sum(lengths)
    for i, (path, length, width) in enumerate(zip(paths, lengths, shown, strict=True)):
        blob, piece = body[offset : offset + length], body[at : at + width]
        entries[path] = Entry(mtimes[i], sizes[i], None, problems.get(i, ()), None, blob,
                              piece or None, keys[i] if blob else None)  # fmt: skip
        offset, at = offset + length, at + width
    if len(entries) != count:
        raise Damaged("catalogue lists a path twice")
    site = loaded.get("site", "")
    return Loaded(entries, site if type(site) is str else "", loaded.get("spellings"), legacy=True)


def _head(head: bytes, schema: str) -> dict[str, Any]:
    try:
        loaded = json.loads(head.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError) as exc:
        raise Damaged(f"not JSON ({exc})") from None
    if type(loaded) is not dict:
        raise Damaged("not a catalogue")
    if loaded.get("schema") != schema:
        raise SchemaMismatch(f"schema {loaded.get('schema')!r}, expected {schema}")
    return loaded


def _column(loaded: Any, name: str, kind: type | None, count: int | None = None) -> list[Any]:
    """A list (of `kind` values, `count` of them, if given) from a decoded head; Damaged if
    it is not one."""
    column = loaded.get(name) if type(loaded) is dict else None
    if type(column) is not list or (count is not None and len(column) != count):
        raise Damaged(f"catalogue has no {name}")
    if kind is not None and column and not set(map(type, column)) <= {kind}:
        raise Damaged(f"catalogue's {name} are not all {kind.__name__}")
    return column


def _ints(column: list[int], low: int, high: int) -> list[int]:
    if column and not (low <= min(column) and max(column) <= high):
        raise Damaged("catalogue number out of range")
    return column


def _problems(rows: Any, count: int) -> dict[int, tuple[str, ...]]:
    if type(rows) is not list:
        raise Damaged("catalogue has no problems list")
    out: dict[int, tuple[str, ...]] = {}
    for row in rows:
        if type(row) is not list or len(row) != 2 or type(row[0]) is not int:
            raise Damaged("catalogue problem is not [entry, reasons]")
        if not 0 <= row[0] < count:
            raise Damaged("catalogue problem names no entry")
        out[row[0]] = _terms(row[1])
    return out


_MAYBE_INT = frozenset((int, type(None)))


def _keys(columns: Any, count: int) -> list[Keys | None]:
    """The listing keys of each entry, or None for each where they are missing or wrong
    (then they are derived from the record: damage here costs time, not correctness)."""
    checked = _key_columns_checked(columns, count)
    if checked is None:
        return [None] * count
    rows = zip(*checked, strict=True)
    return [None if row[4] is None else row for row in rows]


#: The listing keys kept packed (`_packed`), None written as this (no date or instant is).
_PACKED_KEYS = ("days", "micros", "expiry")
_NO_NUMBER = -(2**63)


def _packed_keys(columns: dict[str, list[Any]]) -> dict[str, Any]:
    """The listing key columns as the head's second line keeps them: the numbers packed."""
    out: dict[str, Any] = dict(columns)
    for name in _PACKED_KEYS:
        out[name] = _packed([_NO_NUMBER if n is None else n for n in columns[name]])
    return out


def _unpacked_keys(columns: Any) -> Any:
    """`_packed_keys` undone (a catalogue 4's keys, all JSON, as they are); ValueError if a
    packed column is not base64 of whole numbers."""
    if type(columns) is not dict:
        return columns
    for name in _PACKED_KEYS:
        packed = columns.get(name)
        if type(packed) is not str:
            continue
        raw = binascii.a2b_base64(packed, strict_mode=True)
        numbers = array("q")
        numbers.frombytes(raw)  # ValueError unless a whole number of int64
        if sys.byteorder != "little":
            numbers.byteswap()
        values: list[int | None] = numbers.tolist()  # type: ignore[assignment]
        if numbers.count(_NO_NUMBER):
            values = [None if n == _NO_NUMBER else n for n in values]
        columns[name] = values
    return columns


def _key_columns_checked(columns: Any, count: int) -> list[list[Any]] | None:
    """The six listing key columns, each value of its type and range; None if not."""
    if type(columns) is not dict:
        return None
    try:
        days, micros, expiry, draft, hidden, titles = (
            _column(columns, name, None, count) for name in _KEY_COLUMNS
        )
    except Damaged:
        return None
    for column, (low, high) in ((days, _DAYS), (micros, _MICROS), (expiry, _MICROS)):
        if not set(map(type, column)) <= _MAYBE_INT:
            return None
        numbers = [n for n in column if n is not None]
        if numbers and not (low <= min(numbers) and max(numbers) <= high):
            return None
    if not (set(map(type, draft)) <= {bool} and set(map(type, titles)) <= {str}):
        return None
    if not set(map(type, hidden)) <= {str, type(None)}:
        return None
    if any((d is None) != (m is None) for d, m in zip(days, micros, strict=True)):
        return None
    return [days, micros, expiry, draft, hidden, titles]


# ---- the format before (catalogue 2): read once, then rewritten -------------------------------

_MAGIC_2 = b"blogtui-catalogue 2\n"


def _load_2(data: bytes, schema: str) -> Loaded:
    """A catalogue 2 file: a JSON line of entries rows, then the records."""
    head, _, blobs = unseal(data, _MAGIC_2).partition(b"\n")
    loaded = _head(head, schema)
    rows = loaded.get("entries")
    if type(rows) is not list:
        raise Damaged("catalogue has no entries")
    entries: dict[str, Entry] = {}
    offset = 0
    for row in rows:
        path, mtime, size, problems, length = _entry_row(row)
        entries[path] = Entry(mtime, size, None, problems, blob=blobs[offset : offset + length])
        offset += length
    if offset != len(blobs) or len(entries) != len(rows):
        raise Damaged("catalogue records do not match its entries")
    site = loaded.get("site", "")
    return Loaded(entries, site if type(site) is str else "", None, legacy=True)


_ROW_TYPES = (str, int, int, list, int)


def _entry_row(row: Any) -> tuple[str, int, int, tuple[str, ...], int]:
    if type(row) is not list or len(row) != 5:
        raise Damaged("catalogue entry is not a list of 5 values")
    path, mtime, size, problems, length = row
    common = tuple(map(type, row)) == _ROW_TYPES and not problems
    if common and -(2**63) <= mtime <= 2**63 and 0 <= size <= 2**62 and 0 <= length <= 2**62:
        return path, mtime, size, (), length  # the common case, checked at once
    try:
        return (_text(path), _int_in(mtime, -(2**63), 2**63), _count(size), _terms(problems),
                _count(length))  # fmt: skip
    except Damaged as exc:
        raise Damaged(f"catalogue entry {path!r} {exc}") from None
