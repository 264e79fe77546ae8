"""Listing posts straight from the catalogue: order, filters and JSON without building Posts.

The catalogue keeps each post's listing keys (date, expiry, draft, hidden, title) as columns
and its `list --json` fragment; a listing sorts and filters by the keys and joins the
fragments. The joined text is checked as `cli.output.print_json` checks its own: when it
holds anything the sanitiser would change (or a fragment is not what we write), the caller
takes the Post path instead, which sanitises every string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from blogtui.model import Sort
from blogtui.search.catalogue import GAP, Damaged, Entry, Keys

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Row = tuple[str, Entry]

#: print_json's test, on UTF-8: JSON escapes of C0 controls, and raw DEL, C1 and lone
#: surrogates; plus any raw C0 control (never in JSON we wrote) and a leftover gap.
_UNSAFE_JSON = re.compile(rb"\\u00|\\[rbf]|[\x00-\x1f\x7f]|\xc2[\x80-\x9f]|\xed[\xa0-\xbf]")
_START = b'{"path": '
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
    try:
        return sorted(rows, key=title_key if sort == "title" else date_key)
    except Damaged:
        return None


def kept(rows: Sequence[Row], *, drafts: bool, hidden: bool, years: Iterable[int]) -> list[Row]:
    """The rows that pass --no-drafts (drafts False), --all (hidden True) and --year."""
    wanted = set(years)
    out = []
    for row in rows:
        keys = row[1].keys
        assert keys is not None
        if (drafts or not keys[3]) and (hidden or not keys[4]) and _in_years(keys, wanted):
            out.append(row)
    return out


def kept_in_order(
    rows: Sequence[Row], sort: Sort, *, drafts: bool, hidden: bool, years: Iterable[int]
) -> list[Row] | None:
    """`kept` then `ordered`; None if a record's keys are damaged."""
    try:
        return ordered(kept(rows, drafts=drafts, hidden=hidden, years=years), sort)
    except Damaged:
        return None


def _in_years(keys: Keys, years: set[int]) -> bool:
    if not years:
        return True
    return keys[0] is not None and date.fromordinal(keys[0]).year in years


def hidden_counts(rows: Iterable[Row]) -> dict[str, int] | None:
    """How many posts are not pages to list, by reason; None if a record is damaged."""
    counts: dict[str, int] = {}
    try:
        for _path, entry in rows:
            keys = entry.keys
            if keys is not None and keys[4]:
                counts[keys[4]] = counts.get(keys[4], 0) + 1
    except Damaged:
        return None
    return counts


def json_text(rows: Sequence[Row], now: datetime | None) -> str | None:
    """The rows as `list --json` prints them on a pipe (`json.dumps` of the list, default
    separators), joined from fragments; None when the Post path must print them instead
    (a character to sanitise, a fragment that is not ours, a damaged record)."""
    moment = (now or datetime.now(UTC)) - _EPOCH
    instant = moment // timedelta(microseconds=1)
    pieces = []
    try:
        for _path, entry in rows:
            keys, piece = entry.keys, entry.shown()
            assert keys is not None
            if not piece.startswith(_START) or piece.count(GAP) != 1:
                return None
            future = keys[1] is not None and keys[1] > instant
            expired = keys[2] is not None and keys[2] <= instant
            pieces.append(piece.replace(GAP, _JUDGED[future, expired]))
    except Damaged:
        return None
    joined = b"[" + b", ".join(pieces) + b"]"
    if _UNSAFE_JSON.search(joined):
        return None
    try:
        return joined.decode("utf-8")
    except UnicodeDecodeError:
        return None
