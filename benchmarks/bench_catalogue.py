"""Catalogue formats and `list --json` encoders, measured on a real warm catalogue (issue 16).

    python benchmarks/bench_catalogue.py [--posts 100000] [--rounds 3]

Reads the catalogue bench_scale.py's warm index wrote for the generated corpus of --posts
posts, re-encodes its records in each candidate format and times, by CPU, what the commands
and the reader need from it:
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
    from blogtui.search import catalogue
    from blogtui.search.store import SCHEMA_VERSION

    entries = catalogue.load(data, SCHEMA_VERSION)
    values = list(entries.values())
    catalogue.decode_all(values)
    return [(*e.record, e.canon) for e in values if e.readable]  # type: ignore[misc]


def sort_key(rec: tuple[Any, ...]) -> tuple[int, int, str]:
    """Newest first, undated last, ties by path (Post.sort_key on the record)."""
    return (1, 0, rec[0]) if rec[3] is None else (0, -rec[3], rec[0])


# --- formats ----------------------------------------------------------------------------------


def marshal_flat(records: list[tuple[Any, ...]], rounds: int) -> dict[str, Any]:
    """One marshal list of tuples in date order, type-checked in one pass after loading."""
    ordered = sorted(records, key=sort_key)
    data = marshal.dumps(ordered)

    def decode() -> None:
        rows = marshal.loads(data)
        for r in rows:  # the checks _checked makes, written out
            if not (type(r) is tuple and len(r) == 17 and _texts(r) and type(r[5]) is tuple):
                raise TypeError("bad record")

    return {"bytes": len(data), "all": cpu_median(decode, rounds)}


def _texts(r: tuple[Any, ...]) -> bool:
    return type(r[0]) is str and type(r[1]) is str and type(r[2]) is str


def msgspec_typed(records: list[tuple[Any, ...]], rounds: int) -> dict[str, Any]:
    import msgspec

    class Rec(msgspec.Struct, array_like=True):
        path: str
        title: str
        slug: str
        instant: int | None
        day: int | None
        tags: tuple[str, ...]
        categories: tuple[str, ...]
        authors: tuple[str, ...]
        taxonomies: dict[str, tuple[str, ...]]
        draft: bool
        expiry: int | None
        expiry_day: int | None
        summary: str
        words: int
        lang: str | None
        section: str

    ordered = sorted(records, key=sort_key)
    data = msgspec.msgpack.encode([list(r[:16]) for r in ordered])
    decoder = msgspec.msgpack.Decoder(list[Rec])
    # The first screen: records stored one by one with an offset table, decode 40.
    blobs = [msgspec.msgpack.encode(list(r[:16])) for r in ordered]
    one = msgspec.msgpack.Decoder(Rec)

    def first_screen() -> None:
        for blob in blobs[:FIRST_SCREEN]:
            one.decode(blob)

    return {
        "bytes": len(data),
        "all": cpu_median(lambda: decoder.decode(data), rounds),
        "first": cpu_median(first_screen, rounds),
    }


def _sql_row(r: tuple[Any, ...]) -> tuple[Any, ...]:
    terms = marshal.dumps((r[5], r[6], r[7]))
    return (*r[:5], terms, r[9], r[12], r[13], r[14], r[15], r[3] is None)


def sqlite_rows(records: list[tuple[Any, ...]], rounds: int) -> dict[str, Any]:
    folder = tempfile.mkdtemp(prefix="scale-sqlite-")
    path = os.path.join(folder, "catalogue.sqlite")
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE posts (path TEXT PRIMARY KEY, title TEXT, slug TEXT, instant INTEGER,"
        " day INTEGER, terms BLOB, draft INTEGER, summary TEXT, words INTEGER, lang TEXT,"
        " section TEXT, undated INTEGER)"
    )
    db.executemany(
        "INSERT INTO posts VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [_sql_row(r) for r in records],
    )
    db.execute("CREATE INDEX by_date ON posts (undated, instant DESC, path)")
    db.commit()
    db.close()
    order = "ORDER BY undated, instant DESC, path"

    def rows(limit: str) -> None:
        con = sqlite3.connect(path)
        for row in con.execute(f"SELECT * FROM posts {order} {limit}"):
            marshal.loads(row[5])
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
    print(f"catalogue of {args.posts} posts: {len(data) / 1e6:.0f} MB marshal, {n} records; "
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
