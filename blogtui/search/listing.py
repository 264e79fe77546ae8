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
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from blogtui.model import Sort
from blogtui.search.catalogue import GAP, Damaged, Entry, Keys, bulk, fragments

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


def date_key(row: Row) -> tuple[int, int, float, str]:
    """`Post.sort_key` from a row's keys: newest day, then newest instant, undated last."""
    path, entry = row
    keys = entry.keys
    assert keys is not None
    day, micros = keys[0], keys[1]
    if day is None or micros is None:
        return (1, 0, 0.0, path)
    return (0, -day, -(micros / 1_000_000), path)


def title_key(row: Row) -> tuple[str, str]:
    """The title order of `search._sorted`: casefolded title, then path."""
    keys = row[1].keys
    assert keys is not None
    return (keys[5].casefold(), row[0])


def ordered(rows: Iterable[Row], sort: Sort = "date") -> list[Row] | None:
    """Readable rows in `sort` order (date or title); None if a record's keys are damaged."""
    listed = list(rows)
    try:
        if sort == "title":
            return sorted(listed, key=title_key)
        keys = [entry.keys for _path, entry in listed]
    except Damaged:
        return None
    # Post.sort_key, decorated in one comprehension (a key function costs 2 us a row).
    decorated = [
        (1, 0, 0.0, path, i) if k is None or k[0] is None or k[1] is None
        else (0, -k[0], -(k[1] / 1_000_000), path, i)
        for i, ((path, _entry), k) in enumerate(zip(listed, keys, strict=True))
    ]  # fmt: skip
    decorated.sort()
    return [listed[d[4]] for d in decorated]


def kept(rows: Sequence[Row], *, drafts: bool, hidden: bool, years: Iterable[int]) -> list[Row]:
    """The rows that pass --no-drafts (drafts False), --all (hidden True) and --year."""
    wanted = set(years)
    if drafts and hidden and not wanted:
        return list(rows)
    keyed = [(row, row[1].keys) for row in rows]
    return [
        row
        for row, keys in keyed
        if keys is not None
        and (drafts or not keys[3])
        and (hidden or not keys[4])
        and _in_years(keys, wanted)
    ]


def kept_in_order(
    rows: Sequence[Row], sort: Sort, *, drafts: bool, hidden: bool, years: Iterable[int]
) -> list[Row] | None:
    """`kept` then `ordered`; None if a record's keys are damaged."""
    try:
        with bulk():
            return ordered(kept(rows, drafts=drafts, hidden=hidden, years=years), sort)
    except Damaged:
        return None


def _in_years(keys: Keys, years: set[int]) -> bool:
    if not years:
        return True
    return keys[0] is not None and date.fromordinal(keys[0]).year in years


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


def json_text(rows: Sequence[Row], now: datetime | None) -> str | None:
    """`json_bytes` as text."""
    data = json_bytes(rows, now)
    return None if data is None else data.decode("utf-8")


def json_bytes(rows: Sequence[Row], now: datetime | None) -> bytes | None:
    """The rows as `list --json` prints them on a pipe (`json.dumps` of the list, default
    separators), UTF-8, joined from fragments; None when the Post path must print them
    instead (a character to sanitise, a fragment that is not ours, a damaged record)."""
    moment = (now or datetime.now(UTC)) - _EPOCH
    instant = moment // timedelta(microseconds=1)
    try:
        keys = [entry.keys for _path, entry in rows]
        pieces = fragments([entry for _path, entry in rows])
    except Damaged:
        return None
    judged = [
        _JUDGED[
            k is not None and k[1] is not None and k[1] > instant,
            k is not None and k[2] is not None and k[2] <= instant,
        ]
        for k in keys
    ]
    common = _JUDGED[False, False]
    usual = len(pieces)
    for i, flags in enumerate(judged):  # the few future or expired posts: filled in alone
        if flags is not common:
            piece = bytes(pieces[i])
            if piece.count(GAP) != 1:
                return None  # a fragment we did not write (each has one gap)
            pieces[i] = piece.replace(GAP, flags)
            usual -= 1
    joined = b"[" + b", ".join(pieces) + b"]"
    del pieces
    if joined.count(GAP) != usual:
        return None  # a fragment we did not write
    joined = joined.replace(GAP, common)  # most posts are neither future nor expired
    if not _safe(joined) or not _utf8(joined):
        return None
    return joined


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
