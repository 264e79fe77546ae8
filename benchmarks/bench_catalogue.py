"""Catalogue formats and `list --json` encoders, measured on a real warm catalogue (issue 16).

    python benchmarks/bench_catalogue.py [--posts 100000] [--rounds 3]

Reads the catalogue bench_scale.py's warm index wrote for the generated corpus of --posts
posts, re-encodes its records in each candidate format and times, by CPU, what the commands
and the reader need from it (the catalogue must be this format: run bench_scale.py, or
`blogtui index`, with this code first):
- decode: every record (what `list`, tag counts and today's reader need), and where the
  format allows it, the first screen only (40 rows in date order: the reader's first paint);
- each format's validation is included: a catalogue is read back from a cache another
  process could have written, so a wrong type must raise, not crash (issue 14);
- encode `list --json` for every post: today's dicts + json.dumps beside orjson, msgspec
  and JSON fragments made once at index time and joined.
--no-gc times each with the cyclic garbage collector off, to show its share. Optional
formats (msgspec, orjson) are skipped with a note when not installed: this only
measures, the project does not depend on them.
"""

from __future__ import annotations

import argparse
import gc
import json
import marshal
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench_scale import Home

FIRST_SCREEN = 40


#: Set by --no-gc: time with the cyclic garbage collector off (gc.freeze after loading is
#: one way a long-lived process gets the same effect).
GC_OFF = False


def cpu_median(call: Callable[[], object], rounds: int) -> float:
    """Median CPU seconds of `call` (CPU, not wall: the machine is shared)."""
    times = []
    for _ in range(rounds):
        if GC_OFF:
            gc.disable()
        began = time.process_time()
        call()
        times.append(time.process_time() - began)
        gc.enable()
        gc.collect()
    return statistics.median(times)


def catalogue_bytes(posts: int) -> bytes:
    home = Home.warm(posts, 1)
    found = list((home.folder / "cache" / "blogtui" / "indexes").glob("*/catalogue.json"))
    if not found:
        raise SystemExit(f"no warm index in {home.folder}: run bench_scale.py --posts {posts}")
    return found[0].read_bytes()


def today(data: bytes) -> list[Any]:
    """What PostIndex does today: load the entries, decode every blob, build every Post."""
    from blogtui.search import catalogue
    from blogtui.search.store import SCHEMA_VERSION

    entries = catalogue.load(data, SCHEMA_VERSION)
    values = list(entries.values())
    catalogue.decode_all(values)
    return [catalogue.post_of(e.record, e.canon) for e in values if e.readable]


def records_of(data: bytes) -> list[tuple[Any, ...]]:
    """Every readable record, its canon appended (None when spelled as stored)."""
    from blogtui.search import catalogue
    from blogtui.search.store import SCHEMA_VERSION

    entries = catalogue.load(data, SCHEMA_VERSION)
    values = list(entries.values())
    catalogue.decode_all(values)
    return [(*e.record, e.canon) for e in values if e.readable]  # type: ignore[misc]


def _at(name: str) -> int:
    from blogtui.search.catalogue import RECORD_FIELDS

    return [f.name for f in RECORD_FIELDS].index(name)


def sort_key(rec: tuple[Any, ...]) -> tuple[int, int, int, str]:
    """Newest day, then instant, first; undated last; ties by path (Post.sort_key)."""
    when = rec[_at("date")]
    return (1, 0, 0, rec[0]) if when is None else (0, -when[1], -when[0], rec[0])


def catalogue_3(data: bytes, rounds: int) -> dict[str, Any]:
    """This branch's catalogue: columns decoded in one pass, keys, fragments joined."""
    from blogtui.search import catalogue, listing
    from blogtui.search.store import SCHEMA_VERSION

    def everything() -> None:
        loaded = catalogue.load_all(data, SCHEMA_VERSION)
        table = listing.Table.of(loaded.entries, loaded.body)
        listed = listing.kept_in_order(table, "date", drafts=True, hidden=True, years=())
        assert listed is not None and listing.json_text(listed, None) is not None

    def first_screen() -> None:
        loaded = catalogue.load_all(data, SCHEMA_VERSION)
        entries = loaded.entries
        table = listing.Table.of(entries, loaded.body)
        listed = listing.kept_in_order(table, "date", drafts=True, hidden=True, years=())
        assert listed is not None
        for path in listed.paths()[:FIRST_SCREEN]:
            entry = entries[path]
            catalogue.post_of(entry.record, entry.canon)

    return {
        "bytes": len(data),
        "all": cpu_median(everything, rounds),
        "first": cpu_median(first_screen, rounds),
    }


# --- formats ----------------------------------------------------------------------------------


def marshal_flat(records: list[tuple[Any, ...]], rounds: int) -> dict[str, Any]:
    """One marshal list of tuples in date order, type-checked in one pass after loading."""
    ordered = sorted(records, key=sort_key)
    data = marshal.dumps(ordered)
    width = len(ordered[0]) if ordered else 0

    def decode() -> None:
        rows = marshal.loads(data)
        for r in rows:  # the cheapest of the checks _checked makes, written out
            if not (type(r) is tuple and len(r) == width and _texts(r)):
                raise TypeError("bad record")

    return {"bytes": len(data), "all": cpu_median(decode, rounds)}


def _texts(r: tuple[Any, ...]) -> bool:
    return type(r[0]) is str and type(r[1]) is str and type(r[2]) is str


def msgspec_typed(records: list[tuple[Any, ...]], rounds: int) -> dict[str, Any]:
    import msgspec

    from blogtui.search.catalogue import RECORD_FIELDS

    kinds: dict[str, Any] = {
        "text": str, "maybe_text": str | None, "terms": tuple[str, ...],
        "taxonomies": dict[str, tuple[str, ...]], "date": tuple[int, int] | None,
        "flag": bool, "count": int,
    }  # fmt: skip
    # The record's own fields, typed: decoding checks every type (issue 14's rule).
    fields = [(f.name, kinds[f.kind]) for f in RECORD_FIELDS]
    rec = msgspec.defstruct("Rec", [*fields, ("canon", Any)], array_like=True)
    ordered = sorted(records, key=sort_key)
    data = msgspec.msgpack.encode([list(r) for r in ordered])
    decoder = msgspec.msgpack.Decoder(list[rec])  # type: ignore[valid-type]
    # The first screen: records stored one by one with an offset table, decode 40.
    blobs = [msgspec.msgpack.encode(list(r)) for r in ordered]
    one = msgspec.msgpack.Decoder(rec)

    def first_screen() -> None:
        for blob in blobs[:FIRST_SCREEN]:
            one.decode(blob)

    return {
        "bytes": len(data),
        "all": cpu_median(lambda: decoder.decode(data), rounds),
        "first": cpu_median(first_screen, rounds),
    }


def _sql_row(r: tuple[Any, ...]) -> tuple[Any, ...]:
    when = r[_at("date")]
    day, instant = (when[1], when[0]) if when else (None, None)
    return (r[0], day, instant, when is None, json.dumps(r))


def sqlite_rows(records: list[tuple[Any, ...]], rounds: int) -> dict[str, Any]:
    folder = tempfile.mkdtemp(prefix="scale-sqlite-")
    path = os.path.join(folder, "catalogue.sqlite")
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE posts (path TEXT PRIMARY KEY, day INTEGER, instant INTEGER,"
        " undated INTEGER, record TEXT)"
    )
    db.executemany("INSERT INTO posts VALUES (?,?,?,?,?)", [_sql_row(r) for r in records])
    db.execute("CREATE INDEX by_date ON posts (undated, day DESC, instant DESC, path)")
    db.commit()
    db.close()
    order = "ORDER BY undated, day DESC, instant DESC, path"

    def rows(limit: str) -> None:
        con = sqlite3.connect(path)
        for row in con.execute(f"SELECT * FROM posts {order} {limit}"):
            json.loads(row[4])  # the record, still to be checked as _checked does
        con.close()

    result = {
        "bytes": os.path.getsize(path),
        "all": cpu_median(lambda: rows(""), rounds),
        "first": cpu_median(lambda: rows(f"LIMIT {FIRST_SCREEN}"), rounds),
    }
    os.remove(path)
    os.rmdir(folder)
    return result


# --- list --json encoders ---------------------------------------------------------------------


def encoders(posts: list[Any], rounds: int) -> dict[str, float]:
    from blogtui.cli.output import post_json as _post_json

    dicts = [_post_json(p) for p in posts]
    out: dict[str, float] = {
        "dicts (cli._post_json)": cpu_median(lambda: [_post_json(p) for p in posts], rounds),
        "json.dumps (today)": cpu_median(lambda: json.dumps(dicts, ensure_ascii=False), rounds),
    }
    try:
        import orjson

        out["orjson.dumps"] = cpu_median(lambda: orjson.dumps(dicts), rounds)
    except ImportError:
        print("  orjson not installed: skipped", file=sys.stderr)
    try:
        import msgspec

        encoder = msgspec.json.Encoder()
        out["msgspec.json.encode"] = cpu_median(lambda: encoder.encode(dicts), rounds)
    except ImportError:
        print("  msgspec not installed: skipped", file=sys.stderr)
    fragments = [json.dumps(d, ensure_ascii=False).encode() for d in dicts]
    out["join fragments made at index time"] = cpu_median(
        lambda: b"[" + b",".join(fragments) + b"]", rounds
    )
    return out


def fragments_listing(data: bytes, rounds: int) -> float:
    """The fragments of catalogue 3 joined, judged and checked (listing.json_parts)."""
    from blogtui.search import catalogue, listing
    from blogtui.search.store import SCHEMA_VERSION

    loaded = catalogue.load_all(data, SCHEMA_VERSION)
    table = listing.Table.of(loaded.entries, loaded.body)
    rows = listing.kept_in_order(table, "date", drafts=True, hidden=True, years=())
    assert rows is not None
    return cpu_median(lambda: listing.json_parts(rows, None), rounds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-gc", action="store_true", help="time with the cyclic GC off")
    args = parser.parse_args()
    global GC_OFF
    GC_OFF = args.no_gc
    data = catalogue_bytes(args.posts)
    records = records_of(data)
    n = len(records)
    print(f"catalogue of {args.posts} posts: {len(data) / 1e6:.0f} MB, {n} records; "
          f"CPU medians of {args.rounds}; GC {'off' if GC_OFF else 'on'}; "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'format':42} {'MB':>6} {'all rows':>10} {'first 40':>10}")
    rows: list[tuple[str, dict[str, Any]]] = [
        ("today: entries + blobs + every Post", {
            "bytes": len(data), "all": cpu_median(lambda: today(data), args.rounds)}),
        ("today's blobs, records only (no Post)", {
            "bytes": len(data), "all": cpu_median(lambda: records_of(data), args.rounds)}),
        ("marshal, one list of tuples", marshal_flat(records, args.rounds)),
        ("sqlite, a row per post, date index", sqlite_rows(records, args.rounds)),
        ("catalogue 3: columns, keys, fragments", catalogue_3(data, args.rounds)),
    ]  # fmt: skip
    try:
        rows.append(("msgspec msgpack, typed Struct", msgspec_typed(records, args.rounds)))
    except ImportError:
        print("  msgspec not installed: skipped", file=sys.stderr)
    for name, figures in rows:
        first = f"{figures['first'] * 1000:8.2f} ms" if "first" in figures else "-".rjust(11)
        print(f"{name:42} {figures['bytes'] / 1e6:6.1f} {figures['all'] * 1000:7.0f} ms {first}")
    print(f"\nlist --json for {n} posts (CPU)")
    for name, seconds in encoders(today(data), args.rounds).items():
        print(f"  {name:40} {seconds * 1000:7.0f} ms")
    seconds = fragments_listing(data, args.rounds)
    print(f"  {'catalogue 3 fragments (listing.json_parts)':40} {seconds * 1000:7.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
