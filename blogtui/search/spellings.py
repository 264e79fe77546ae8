"""Archive-wide spellings kept by count: an edit re-counts the terms of the posts it changed.

`archive.canonicalise` merges the spellings of a term key to the most frequent one, ties to
the first seen in path order. The catalogue keeps, per term field (each other taxonomy
apart), every distinct term's count and where it is first seen (path, position), so a
refresh that changed a few posts subtracts their old terms, adds their new ones and
respells only them, unless a term's canonical spelling changed for posts it did not read:
then every record is counted again (`recount`), as before.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, MutableMapping, Sequence
from operator import itemgetter
from typing import Any

from blogtui.archive import respell_terms, spelling_choices
from blogtui.model import CANONICAL_FIELDS
from blogtui.search.catalogue import RECORD_FIELDS, Damaged, Entry, Record, decode_all

#: Term fields of a record, by position (taxonomies apart: a mapping of name -> terms).
_FIELDS = tuple(
    (name, [f.name for f in RECORD_FIELDS].index(name))
    for name in CANONICAL_FIELDS
    if name != "taxonomies"
)
_TAXONOMIES = [f.name for f in RECORD_FIELDS].index("taxonomies")
_TAXONOMY = "taxonomies/"  # group name prefix of one other taxonomy
#: Above this share of changed posts, counting everything again is as cheap.
_RECOUNT_SHARE = 8

#: term -> [count, first path, first position, first known]
Table = dict[str, list[Any]]


def _groups(record: Record) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(group, terms) of a record: each term field, then each other taxonomy."""
    for name, at in _FIELDS:
        yield name, record[at]
    for name, terms in record[_TAXONOMIES].items():
        yield _TAXONOMY + name, terms


def groups_of(record: Record) -> list[tuple[str, tuple[str, ...]]]:
    """(group, terms) of a record, all that counting its spellings needs (a build worker
    sends these instead of the record)."""
    return list(_groups(record))


class Spellings:
    """Per group (term field or taxonomy) the count and first place of each distinct term."""

    __slots__ = ("tables",)

    def __init__(self, tables: dict[str, Table] | None = None) -> None:
        self.tables: dict[str, Table] = tables if tables is not None else {}

    def add(self, path: str, record: Record) -> None:
        """Count one post's terms (posts counted in path order, or any order after)."""
        self.add_groups(path, _groups(record))

    def add_groups(self, path: str, groups: Iterable[tuple[str, Sequence[str]]]) -> None:
        """`add`, given the record's `groups_of`."""
        for group, terms in groups:
            table = self.tables.setdefault(group, {})
            for position, term in enumerate(terms):
                row = table.get(term)
                if row is None:
                    table[term] = [1, path, position, True]
                    continue
                row[0] += 1
                # Unknown first: every other holder is after row[1] (see `remove`).
                if (path, position) < (row[1], row[2]) or (not row[3] and path <= row[1]):
                    row[1:] = [path, position, True]

    def remove(self, path: str, record: Record) -> bool:
        """Uncount one post's terms; False when the table did not hold them (count again)."""
        for group, terms in _groups(record):
            table = self.tables.get(group, {})
            for term in terms:
                row = table.get(term)
                if row is None:
                    return False
                row[0] -= 1
                if row[0] <= 0:
                    del table[term]
                elif row[1] == path:
                    row[3] = False  # the first holder left; the others are all after it
        return True

    def choices(self) -> dict[str, dict[str, str]] | None:
        """group -> (term -> canonical spelling, where it differs); None if unknown."""
        out: dict[str, dict[str, str]] = {}
        for group, table in self.tables.items():
            counts = {t: (row[0], (row[1], row[2]) if row[3] else None) for t, row in table.items()}
            chosen = spelling_choices(counts)
            if chosen is None:
                return None
            out[group] = chosen
        return out

    def copy(self) -> Spellings:
        """A copy to change (the rows are lists)."""
        tables = self.tables.items()
        return Spellings({g: {t: list(r) for t, r in table.items()} for g, table in tables})

    def to_json(self) -> dict[str, list[list[Any]]]:
        """The tables as the catalogue stores them."""
        return {g: [[t, *row] for t, row in table.items()] for g, table in self.tables.items()}

    @classmethod
    def from_json(cls, raw: Any) -> Spellings | None:
        """Tables read back from `to_json`; None when they are missing or not well formed."""
        if type(raw) is not dict:
            return None
        tables: dict[str, Table] = {}
        for group, rows in raw.items():
            if type(group) is not str or type(rows) is not list:
                return None
            table: Table = {}
            for row in rows:
                if not _well_formed(row):
                    return None
                table[row[0]] = row[1:]
            tables[group] = table
        return cls(tables)


_ROW = (str, int, str, int, bool)


def _well_formed(row: Any) -> bool:
    return (
        type(row) is list and tuple(map(type, row)) == _ROW and row[1] > 0 and 0 <= row[3] < 2**31
    )


class Tally:
    """Counts made in any order (a build's chunks as the workers return them) that come out
    as counting in path order makes them, down to the order of groups and terms (so the
    catalogue's bytes do not depend on which worker answered first)."""

    __slots__ = ("_first", "spellings")

    def __init__(self) -> None:
        self.spellings = Spellings()
        self._first: dict[str, tuple[str, int]] = {}  # group -> where it is first seen

    def add(self, path: str, groups: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Count one post's `groups_of`."""
        first = self._first
        for index, (group, _terms) in enumerate(groups):
            seen = first.get(group)
            if seen is None or (path, index) < seen:
                first[group] = (path, index)
        self.spellings.add_groups(path, groups)

    def counted(self) -> Spellings:
        """The counts, groups and terms in the order counting in path order gives them
        (a term is first added where it is first seen, and every first place is known)."""
        tables = self.spellings.tables
        place = itemgetter(1, 2)
        ordered = {}
        for group in sorted(tables, key=self._first.__getitem__):
            rows = sorted(tables[group].items(), key=lambda item: place(item[1]))
            ordered[group] = dict(rows)
        return Spellings(ordered)


def canon_of(record: Record, choices: Mapping[str, Mapping[str, str]]) -> tuple[Any, ...] | None:
    """The CANONICAL_FIELDS of a record in the archive's spellings; None when all as stored."""
    empty: Mapping[str, str] = {}
    values: list[Any] = []
    changed = False
    for name in CANONICAL_FIELDS:
        if name == "taxonomies":
            mapping = record[_TAXONOMIES]
            spelled = {
                n: respell_terms(t, choices.get(_TAXONOMY + n, empty)) for n, t in mapping.items()
            }
            changed = changed or any(spelled[n] is not t for n, t in mapping.items())
            values.append(spelled)
        else:
            terms = record[dict(_FIELDS)[name]]
            spelled_terms = respell_terms(terms, choices.get(name, empty))
            changed = changed or spelled_terms is not terms
            values.append(spelled_terms)
    return tuple(values) if changed else None


def recount(entries: MutableMapping[str, Entry]) -> Spellings:
    """Count every record (entries in path order; they must decode) and respell each entry."""
    decode_all(list(entries.values()))
    spellings = Spellings()
    records = [(p, e, e.record) for p, e in entries.items() if e.readable]
    for path, _entry, record in records:
        assert record is not None
        spellings.add(path, record)
    choices = spellings.choices()
    assert choices is not None  # counted in path order: every first place is known
    for _path, entry, record in records:
        assert record is not None
        entry.canon = canon_of(record, choices)
    return spellings


def update(
    before: Spellings | None,
    entries: MutableMapping[str, Entry],
    old: Mapping[str, Entry],
    changed: Collection[str],
) -> Spellings | None:
    """`before` (the counts of `old`) brought to `entries`, where only `changed` paths
    differ, respelling those entries; None when everything must be counted again."""
    if before is None or len(changed) * _RECOUNT_SHARE > max(len(entries), 1):
        return None
    try:
        return _update(before.copy(), entries, old, changed)
    except Damaged:
        return None


def _update(
    spellings: Spellings,
    entries: MutableMapping[str, Entry],
    old: Mapping[str, Entry],
    changed: Collection[str],
) -> Spellings | None:
    earlier = spellings.choices()
    if earlier is None:
        return None
    fresh: dict[str, Record] = {}
    for path in changed:
        gone = old.get(path)
        if gone is not None and gone.readable:
            record = gone.record
            if record is None or not spellings.remove(path, record):
                return None
    for path in changed:
        entry = entries.get(path)
        if entry is not None and entry.readable and (record := entry.record) is not None:
            spellings.add(path, record)
            fresh[path] = record
    now = spellings.choices()
    if now is None or _others_respelled(spellings, earlier, now, fresh):
        return None
    for path, record in fresh.items():
        entries[path].canon = canon_of(record, now)
    return spellings


def _others_respelled(
    spellings: Spellings,
    earlier: dict[str, dict[str, str]],
    now: dict[str, dict[str, str]],
    fresh: Mapping[str, Record],
) -> bool:
    """Whether a term whose spelling changed is held by a post not among `fresh`."""
    for group in earlier.keys() | now.keys():
        before, after = earlier.get(group, {}), now.get(group, {})
        moved = {t for t in before.keys() | after.keys() if before.get(t, t) != after.get(t, t)}
        if not moved:
            continue
        held = dict.fromkeys(moved, 0)
        for record in fresh.values():
            for name, terms in _groups(record):
                if name == group:
                    for term in terms:
                        if term in held:
                            held[term] += 1
        table = spellings.tables.get(group, {})
        if any(table[t][0] > held[t] for t in moved if t in table):
            return True
    return False
