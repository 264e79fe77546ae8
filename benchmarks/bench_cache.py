"""The cache's costs (issue 14): catalogue decode time by format, index size after rewrites.

    python benchmarks/bench_cache.py [--posts 3000] [--rewrites 4] [--rounds 3]

1. Decode: the records of a real catalogue (of the generated corpus of --posts posts),
   repeated to 10,000 and 100,000 entries, decoded as the commands need them (every record,
   checked), in CPU time:
   - marshal, the old format: one marshal dict of entries, then one marshal call over
     every record's blob (no checksum; a crafted tuple that contains itself segfaults it);
   - checksummed JSON, today's format: BLAKE2b over the bytes, the entries line, one JSON
     call over every record, each value checked for its field's type and range;
   - the same JSON with no checks (what the checks cost), and the checksum alone.
2. Rewrites: the corpus indexed fresh; then --rewrites times a line appended to every post
   and a refresh; the Whoosh folder's size and segment count after each, beside the fresh
   build's (target: within 1.5x).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import marshal
import os
import shutil
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _util import corpus

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from blogtui.search import catalogue, store
from blogtui.search.index import PostIndex


def cpu(call: Callable[[], object], rounds: int) -> float:
    """Median CPU milliseconds of `call`."""
    times = []
    for _ in range(rounds):
        began = time.process_time()
        call()
        times.append(time.process_time() - began)
    return 1000 * statistics.median(times)


def scaled(entries: dict[str, catalogue.Entry], count: int) -> dict[str, catalogue.Entry]:
    """`count` entries: the real ones repeated, each copy at its own path."""
    real = list(entries.items())
    out = {}
    for i in range(count):
        path, entry = real[i % len(real)]
        out[f"{i // len(real)}/{path}"] = entry
    return out


def old_marshal(entries: dict[str, catalogue.Entry]) -> bytes:
    flat = {
        p: (e.mtime_ns, e.size, e.problems, marshal.dumps((e.record, e.canon), 2))
        for p, e in entries.items()
    }
    return marshal.dumps({"schema": "s", "entries": flat})


def decode_marshal(data: bytes) -> None:
    flat = marshal.loads(data)["entries"]
    blobs = [b for (_m, _s, _p, b) in flat.values() if b]
    marshal.loads(b"[" + struct.pack("<i", len(blobs)) + b"".join(blobs))


def decode_json(data: bytes) -> None:
    entries = catalogue.load(data, "s")
    assert not catalogue.decode_all(list(entries.values()))


def decode_json_unchecked(data: bytes) -> None:
    head, _, body = catalogue.unseal(data).partition(b"\n")
    pieces, offset = [], 0
    for length in json.loads(head)["lengths"]:  # catalogue 3: the records' column
        pieces.append(body[offset : offset + length])
        offset += length
    json.loads(b"[" + b",".join(p for p in pieces if p) + b"]")


def formats(entries: dict[str, catalogue.Entry], rounds: int) -> None:
    print("decode every record (CPU ms, median)")
    heads = ("entries", "marshal", "JSON+sum+checks", "JSON, no checks", "sum")
    print(f"{heads[0]:>8} {heads[1]:>9} {heads[2]:>16} {heads[3]:>16} {heads[4]:>6}")
    for count in (10_000, 100_000):
        many = scaled(entries, count)
        old, new = old_marshal(many), catalogue.dump(many, "s")
        row = [
            cpu(functools.partial(decode_marshal, old), rounds),
            cpu(functools.partial(decode_json, new), rounds),
            cpu(functools.partial(decode_json_unchecked, new), rounds),
            cpu(functools.partial(hashlib.blake2b, new, digest_size=32), rounds),
        ]
        print(f"{count:>8} {row[0]:>9.0f} {row[1]:>16.0f} {row[2]:>16.0f} {row[3]:>6.0f}")
        print(f"{'':>8} bytes: marshal {len(old) / 1e6:.1f} MB, JSON {len(new) / 1e6:.1f} MB")


def whoosh_size(root: Path) -> tuple[int, int]:
    folder = store.index_location(root) / store.WHOOSH
    files = [p for p in folder.iterdir() if p.is_file()]
    segs = sum(1 for p in files if p.suffix == ".seg")
    return sum(p.stat().st_size for p in files), segs


def rewrites(root: Path, count: int) -> None:
    began = time.perf_counter()
    PostIndex.open(root).close()
    fresh, segs = whoosh_size(root)
    took = time.perf_counter() - began
    print(f"fresh build: {fresh / 1e6:.1f} MB in {segs} segments ({took:.0f} s)")
    posts = sorted(p for p in root.rglob("*") if p.suffix in (".md", ".markdown"))
    for n in range(1, count + 1):
        for path in posts:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"\nrewritten {n}\n")
        began = time.perf_counter()
        PostIndex.open(root).close()
        size, segs = whoosh_size(root)
        took = time.perf_counter() - began
        print(
            f"after rewrite {n}: {size / 1e6:.1f} MB in {segs} segments,"
            f" {size / fresh:.2f}x fresh ({took:.0f} s)"
        )
    shutil.rmtree(store.index_location(root))
    PostIndex.open(root).close()
    rebuilt, segs = whoosh_size(root)
    print(f"fresh build of the rewritten archive: {rebuilt / 1e6:.1f} MB in {segs} segments")
    print(f"final / fresh build of the same text: {size / rebuilt:.2f}x (target <= 1.5x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--rewrites", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--decode-only", action="store_true", help="skip the rewrites")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blogtui-bench-cache-") as scratch:
        os.environ["XDG_CACHE_HOME"] = str(Path(scratch, "cache"))
        root = Path(scratch, "blog")
        shutil.copytree(corpus(args.posts), root)
        if args.decode_only:
            PostIndex.open(root).close()
        else:
            rewrites(root, args.rewrites)
        data = (store.index_location(root) / store.CATALOGUE).read_bytes()
        entries = catalogue.load(data, store.SCHEMA_VERSION)
        catalogue.decode_all(list(entries.values()))
        formats(entries, args.rounds)


if __name__ == "__main__":
    main()
