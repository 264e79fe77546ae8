"""Listing posts straight from the catalogue: order, filters and JSON without building Posts.

The catalogue keeps each post's listing keys (date, expiry, draft, hidden, title) as columns
and its `list --json` fragment; a listing sorts and filters by the keys and joins the
fragments. The joined text is checked as `cli.output.print_json` checks its own: when it
holds anything the sanitiser would change (or a fragment is not what we write), the caller
takes the Post path instead, which sanitises every string.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import compress
from operator import eq
from typing import Any

from blogtui.model import Sort
from blogtui.search.catalogue import (
    GAP,
    Body,
    Buffer,
    Damaged,
    Entry,
    as_stored,
    bulk,
    fragments,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Row = tuple[str, Entry]

#: print_json's test, on UTF-8: JSON escapes of C0 controls, and raw DEL, C1 and lone
#: surrogates; plus any raw C0 control (never in JSON we wrote) and a leftover gap.
_UNSAFE_JSON = re.compile(rb"\\u00|\\[rbf]|[\x00-\x1f\x7f]|\xc2[\x80-\x9f]|\xed[\xa0-\xbf]")
_ESCAPES = re.compile(rb"\\(?:u00|[rbf])")  # one regex: 6x faster than four finds
#: The bytes that may start something unsafe: C0, DEL and the lead bytes of C1 and of
#: surrogates. Deleting every other byte (bytes.translate, C speed) finds them in
#: 80 MB in a few tens of milliseconds; the regex runs only on text that holds one.
_SUSPECT = bytes(range(0x20)) + b"\x7f\xc2\xed"
_INNOCENT = bytes(b for b in range(256) if b not in _SUSPECT)
_JUDGED = {
    (
        future,
        expired,
    ): f', "future": {str(future).lower()}, "expired": {str(expired).lower()}, '.encode()
    for future in (False, True)
    for expired in (False, True)
}


class Table:
    """The readable posts a listing chooses from, as columns: each one's path and listing
    keys (`Keys`, a column each: day, instant, expiry, draft, hidden, title) and where its
    fragment is. Read straight from the catalogue's columns while every entry is the row
    of the body it was loaded or saved as (`catalogue.as_stored`: no Entry made; at
    100,000 posts, making them and reading their keys took 0.5 s of `list --json`); else
    from the entries."""

    __slots__ = ("_body", "_entries", "_listed", "keys", "paths", "rows")

    def __init__(
        self,
        paths: Sequence[str],
        keys: list[list[Any]],
        rows: Sequence[int],
        entries: Mapping[str, Entry],
        body: Body | None = None,
        listed: list[Entry] | None = None,
    ) -> None:
        self.paths, self.keys, self.rows = paths, keys, rows
        self._entries, self._body, self._listed = entries, body, listed

    @classmethod
    def of(cls, entries: Mapping[str, Entry], body: Body | None) -> Table | None:
        """The readable entries' table (`body`: the data file they were loaded or saved
        from); None if a record's keys are damaged."""
        if body is not None and as_stored(entries, body):
            rows = list(compress(range(len(body.rows[2])), body.rows[2]))  # (a record: readable)
            keys = body.key_columns()
            # (a readable row without stored keys has them derived from its record)
            if keys is not None and None not in [keys[4][row] for row in rows]:
                return cls(list(entries), keys, rows, entries, body)
        pairs = [(path, entry) for path, entry in entries.items() if entry.readable]
        try:
            with bulk():
                keyed = [entry.keys for _path, entry in pairs]
        except Damaged:
            return None
        columns = [list(column) for column in zip(*keyed, strict=True)] or [[]] * 6
        paths = [path for path, _entry in pairs]
        return cls(paths, columns, range(len(pairs)), entries, listed=[e for _p, e in pairs])

    def fragments(self, rows: list[int]) -> list[Buffer]:
        """The `list --json` fragments of `rows`; Damaged if one must be made from its
        record and that is damaged."""
        if self._body is None:
            assert self._listed is not None
            listed = self._listed
            return fragments([listed[row] for row in rows])
        pieces, missing = self._body.fragments_of(rows)
        for i in missing:  # its chunk is damaged: made from the record (read again if not)
            pieces[i] = self._entries[self.paths[rows[i]]].shown()
        return pieces


class Listed:
    """Some rows of a `Table`, in the order to print them."""

    __slots__ = ("rows", "table")

    def __init__(self, table: Table, rows: list[int]) -> None:
        self.table, self.rows = table, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, part: slice) -> Listed:
        return Listed(self.table, self.rows[part])

    def paths(self) -> list[str]:
        paths = self.table.paths
        return [paths[row] for row in self.rows]

    def lines(self) -> Iterator[tuple[int | None, str, str]]:
        """(day ordinal, title, path) of each row, in order."""
        days, titles, paths = self.table.keys[0], self.table.keys[5], self.table.paths
        for row in self.rows:
            yield days[row], titles[row], paths[row]


def ordered(table: Table, rows: Sequence[int], sort: Sort = "date") -> list[int]:
    """`rows` in `sort` order: by date as `Post.sort_key` (newest day, then newest instant,
    undated last, then path), or by the casefolded title, then path."""
    paths = table.paths
    if sort != "title":
        return date_order(rows, paths, table.keys[0], table.keys[1])
    titles = table.keys[5]
    decorated = [(titles[row].casefold(), paths[row], row) for row in rows]
    decorated.sort()
    return [d[-1] for d in decorated]


#: The date order's sort key as one integer each (compared at C speed): newest day, then
#: newest instant, undated last.
_DAY_TOP = date.max.toordinal()
_MICROS_TOP = 1 << 59  # above every instant a datetime holds, in microseconds
_UNDATED = 1 << 90


def date_order(
    rows: Sequence[int], paths: Sequence[str], days: Sequence[int | None],
    micros: Sequence[int | None],
) -> list[int]:  # fmt: skip
    """`rows` in the date order (Post.sort_key): by one integer key each, equal keys by
    path. A stable sort keeps rows whose paths are in order already in path order; else
    each run of equal keys (the undated posts, mostly) is sorted by path."""
    keys = [
        _UNDATED if (day := days[row]) is None or (m := micros[row]) is None
        else (_DAY_TOP - day << 62) + _MICROS_TOP - m
        for row in rows
    ]  # fmt: skip
    order = sorted(range(len(keys)), key=keys.__getitem__)
    in_order = [paths[row] for row in rows]
    if not all(map(str.__lt__, in_order, in_order[1:])):
        ranked = list(map(keys.__getitem__, order))
        ties = list(compress(range(1, len(order)), map(eq, ranked, ranked[1:])))
        start = 0
        while start < len(ties):  # each run of places j-1, j, j+1... whose keys are equal
            end = start
            while end + 1 < len(ties) and ties[end + 1] == ties[end] + 1:
                end += 1
            low, high = ties[start] - 1, ties[end] + 1
            order[low:high] = sorted(order[low:high], key=in_order.__getitem__)
            start = end + 1
    return [rows[i] for i in order]


def kept(table: Table, *, drafts: bool, hidden: bool, years: Iterable[int]) -> list[int]:
    """The rows that pass --no-drafts (drafts False), --all (hidden True) and --year."""
    wanted = set(years)
    rows = table.rows
    if drafts and hidden and not wanted:
        return list(rows)
    days, draft, reason = table.keys[0], table.keys[3], table.keys[4]
    return [
        row
        for row in rows
        if (drafts or not draft[row])
        and (hidden or not reason[row])
        and (not wanted or (days[row] is not None and date.fromordinal(days[row]).year in wanted))
    ]


def kept_in_order(
    table: Table | None, sort: Sort, *, drafts: bool, hidden: bool, years: Iterable[int]
) -> Listed | None:
    """`kept` then `ordered`; None if a record's keys are damaged (no table)."""
    if table is None:
        return None
    with bulk():
        chosen = kept(table, drafts=drafts, hidden=hidden, years=years)
        return Listed(table, ordered(table, chosen, sort))


def hidden_counts(rows: Iterable[Row]) -> dict[str, int]:
    """How many posts are not pages to list, by reason (from the listing keys; a damaged
    record is not counted: it is read again when shown)."""
    counts: dict[str, int] = {}
    for _path, entry in rows:
        try:
            keys = entry.keys
        except Damaged:
            continue
        if keys is not None and keys[4]:
            counts[keys[4]] = counts.get(keys[4], 0) + 1
    return counts


#: Fragments joined, judged and checked at a time (a few MB): no copy of the whole output.
_BATCH = 4096


def json_text(listed: Listed, now: datetime | None) -> str | None:
    """`json_parts` joined, as text."""
    parts = json_parts(listed, now)
    return None if parts is None else b"".join(parts).decode("utf-8")


def json_parts(listed: Listed, now: datetime | None) -> list[bytes] | None:
    """The rows as `list --json` prints them on a pipe (`json.dumps` of the list, default
    separators), UTF-8, joined from fragments, in parts to write one after another; None
    when the Post path must print them instead (a character to sanitise, a fragment that
    is not ours, a damaged record). Every part is checked before any is given."""
    moment = (now or datetime.now(UTC)) - _EPOCH
    instant = moment // timedelta(microseconds=1)
    table, rows = listed.table, listed.rows
    with bulk():  # (100,000 slices: the cyclic GC's passes over them cost as much again)
        try:
            pieces = table.fragments(rows)
        except Damaged:
            return None
        micros, expiry = table.keys[1], table.keys[2]
        odd = [  # the few future or expired posts: filled in alone
            i
            for i, row in enumerate(rows)
            if ((m := micros[row]) is not None and m > instant)
            or ((e := expiry[row]) is not None and e <= instant)
        ]
        for i in odd:
            m, e = micros[rows[i]], expiry[rows[i]]
            piece = bytes(pieces[i])
            if piece.count(GAP) != 1:
                return None  # a fragment we did not write (each has one gap)
            pieces[i] = piece.replace(GAP, _JUDGED[m is not None and m > instant,
                                                   e is not None and e <= instant])  # fmt: skip
        gaps = len(rows) - len(odd)
        common = _JUDGED[False, False]  # most posts are neither future nor expired
        parts = [b"["]
        for start in range(0, len(pieces), _BATCH):
            if start:
                parts.append(b", ")
            joined = b", ".join(pieces[start : start + _BATCH])
            gaps -= joined.count(GAP)
            joined = joined.replace(GAP, common)
            if not _safe(joined) or not _utf8(joined):
                return None
            parts.append(joined)
        parts.append(b"]")
    if gaps:
        return None  # a fragment we did not write
    return parts


def _utf8(data: bytes, step: int = 1 << 20) -> bool:
    """Whether `data` is UTF-8, checked a megabyte at a time (no 300 MB str made)."""
    check = codecs.getincrementaldecoder("utf-8")().decode
    view = memoryview(data)
    try:
        for start in range(0, len(view), step):
            check(view[start : start + step])
        check(b"", True)
    except UnicodeDecodeError:
        return False
    return True


def _safe(text: bytes) -> bool:
    """Whether `text` (UTF-8 JSON) holds nothing print_json would sanitise."""
    if _ESCAPES.search(text):
        return False
    return not text.translate(None, _INNOCENT) or not _UNSAFE_JSON.search(text)
