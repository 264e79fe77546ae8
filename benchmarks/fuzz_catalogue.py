"""Fuzz the catalogue decoder: random and mutated catalogues raise Damaged, nothing else.

    python benchmarks/fuzz_catalogue.py [--cases 100000] [--seed 1] [--index-every 200]

Builds a real catalogue from a small archive written here (tags, taxonomies, series, dates,
drafts, a problem file), then feeds the decoder `--cases` byte strings: random bytes; the
catalogue with bytes flipped, cut, repeated or inserted (its checksum then fails); the same
mutations with the checksum made right again, so the JSON parser and the record checks see
them; values swapped for hostile JSON (deep nesting, huge numbers, floats, wrong types) and
resealed; post fragments with escape sequences, NULs or bytes that are not UTF-8 spliced
in; and sealed marshal payloads (a tuple that contains itself segfaults marshal).

Each case is loaded, listed from its keys and fragments (nothing unsafe may be printed),
its spelling counts updated, every record decoded and every Post built: anything but
`catalogue.Damaged` is a failure, and a signal kills the process (a test runs this in a
subprocess and checks its status). Every `--index-every`th case is also written into a real
index folder and opened with PostIndex: at most one notice, every post listed, and the next
open is silent (the rebuild or repair was kept). Exit 0 with a summary, 1 on a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from blogtui.search import catalogue, listing, spellings, store
from blogtui.search.index import PostIndex

_POSTS = {
    "posts/one.md": "---\ntitle: One\ndate: 2024-01-02\ntags: [a, B, c]\n---\nOne body.\n",
    "posts/two.md": "---\ntitle: Two\ntags: [a]\nseries: [s]\ndraft: true\n---\nTwo.\n",
    "notes/three.md": '+++\ntitle = "Three"\n[taxonomies]\ntopics = ["x", "y"]\n+++\nT.\n',
    "notes/four.md": '---\ntitle: "Fo\\u00fcr"\ndate: 1999-12-31T23:59:59+05:00\n---\nF\n',
    "bad.md": "---\ntitle: [unclosed\n---\nBroken front matter.\n",
}
_HOSTILE: list[Any] = [
    None,
    True,
    0,
    -1,
    2**63,
    -(2**70),
    1e308,
    float("nan"),
    "",
    "x" * 1000,
    "\udcff",
    [],
    {},
    [None] * 15,
    {"": []},
    [[[[[[[[]]]]]]]],
]
_MARSHAL = [
    b"{\xa9\x01r\x00\x00\x00\x00N0",  # a dict whose key is a tuple containing itself
    b"\xa9\x01r\x00\x00\x00\x00",
    b"c" + bytes(64),  # a code object
]


def write_archive(root: Path) -> None:
    for path, text in _POSTS.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


def base_catalogue(root: Path) -> tuple[bytes, set[str]]:
    """The catalogue PostIndex writes for the archive at `root`, as one file's bytes (its
    documents after the head, as `catalogue.dump` writes them), and its posts."""
    index = PostIndex.open(root)
    paths = {post.path for post in index.posts()}
    index.close()
    folder = store.index_location(root)
    opener = catalogue.opener_in(folder)
    loaded = catalogue.load_all((folder / store.CATALOGUE).read_bytes(), SCHEMA, opener)
    for entry in loaded.entries.values():  # the documents read while the data file is there
        entry.blob(), entry.stored_shown()
    return catalogue.dump(loaded.entries, SCHEMA, loaded.site, loaded.spellings), paths


SCHEMA = store.SCHEMA_VERSION


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        how = rng.randrange(5)
        at = rng.randrange(len(out) + 1)
        if how == 0 and out:
            out[min(at, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif how == 1:
            del out[at : at + rng.randint(1, 64)]
        elif how == 2:
            out[at:at] = rng.randbytes(rng.randint(1, 16))
        elif how == 3:
            out[at:at] = out[max(0, at - 32) : at] * rng.randint(1, 4)
        else:
            out[at:at] = rng.choice([b"[", b"]", b"{", b"}", b'"', b",", b"\\", b"\n"])
    return bytes(out)


#: Stands for a deeply nested list, spliced into the JSON text (no Python value is that deep).
_DEEP = "\x00deep\x00"


def _hostile_value(rng: random.Random) -> Any:
    return _DEEP if rng.random() < 0.1 else rng.choice(_HOSTILE)


def _dumps(value: Any, rng: random.Random) -> bytes:
    text = json.dumps(value, allow_nan=True)
    return text.replace(json.dumps(_DEEP), _deep(rng.choice([10, 900, 100_000]))).encode()


def _mutate_value(rng: random.Random, value: Any) -> Any:
    """`value` with one random element (at any depth) replaced by something hostile."""
    if isinstance(value, list) and value and rng.random() < 0.8:
        i = rng.randrange(len(value))
        return [*value[:i], _mutate_value(rng, value[i]), *value[i + 1 :]]
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        return {**value, key: _mutate_value(rng, value[key])}
    return _hostile_value(rng)


def _restructure(rng: random.Random, data: bytes) -> bytes:
    """The catalogue with a value of its columns, of one record or of one post's JSON
    fragment made hostile, its digests made right again."""
    head, body = catalogue.split_head(data)
    if rng.random() < 0.4:  # the columns or the listing keys
        lines = head.split(b"\n")
        at = rng.randrange(len(lines))
        lines[at] = _dumps(_mutate_value(rng, json.loads(lines[at])), rng)
        return catalogue.seal_head(b"\n".join(lines)) + body
    loaded = catalogue.load_all(data, SCHEMA)
    entries = loaded.entries
    path = rng.choice(sorted(entries))
    entry = entries[path]
    blob, piece = entry.blob(), bytes(entry.stored_shown())
    if rng.random() < 0.6 and blob:
        blob = _dumps(_mutate_value(rng, json.loads(blob)), rng)
    elif piece:  # a fragment: its text made hostile, or bytes that are not UTF-8 at all
        hostile = rng.choice([b"\x1b]52;c;AAAA\x07", b"\xff\xfe", b"\x00", b"\\u001b", b"}"])
        at = rng.randrange(len(piece) + 1)
        piece = piece[:at] + hostile + piece[at:]
    entries[path] = catalogue.Entry(entry.mtime_ns, entry.size, None, entry.problems,
                                    blob=blob, shown=piece or None)  # fmt: skip
    return catalogue.dump(entries, SCHEMA, loaded.site, loaded.spellings)


def make_case(rng: random.Random, base: bytes) -> bytes:
    kind = rng.randrange(7)
    if kind == 0:
        return rng.randbytes(rng.randint(0, 4096))
    if kind == 1:
        return _mutate_bytes(rng, base)
    head, body = catalogue.split_head(base)
    if kind == 2:  # the head's JSON mutated, its digest made right
        return catalogue.seal_head(_mutate_bytes(rng, head)) + body
    if kind == 3:
        return catalogue.seal_head(rng.choice(_MARSHAL) + b"\n" + rng.choice(_MARSHAL))
    if kind == 4:  # the documents damaged: their chunks' digests fail when read
        return catalogue.seal_head(head) + _mutate_bytes(rng, body)
    return _restructure(rng, base)


def _listed(loaded: catalogue.Loaded) -> None:
    """List from the keys and fragments, and update the spelling counts, as commands do."""
    table = listing.Table.of(loaded.entries, loaded.body)
    for sort in ("date", "title"):
        kept = listing.kept_in_order(table, sort, drafts=False, hidden=False, years=[2024])
        everything = listing.kept_in_order(table, sort, drafts=True, hidden=True, years=[])
        for chosen in (kept, everything):
            text = listing.json_text(chosen, None) if chosen is not None else None
            if text is not None and listing._UNSAFE_JSON.search(text.encode()):
                raise AssertionError("an unsafe fragment was printed")
    rows = [(p, e) for p, e in loaded.entries.items() if e.readable]
    listing.hidden_counts(rows)
    counts = spellings.Spellings.from_json(loaded.spellings)
    if counts is not None and rows:
        spellings.update(counts, dict(loaded.entries), loaded.entries, [rows[0][0]])


def decode_everything(data: bytes) -> str:
    """Load, list, decode every record, build every Post; 'ok' or 'damaged' (anything else
    raises)."""
    try:
        loaded = catalogue.load_all(data, SCHEMA)
        _listed(loaded)
        entries = loaded.entries
        broken = catalogue.damaged(entries)
        for path, entry in entries.items():
            if entry.readable and path not in broken:
                catalogue.post_of(entry.record, entry.canon)
    except catalogue.Damaged:
        return "damaged"
    return "damaged" if broken else "ok"


def through_the_index(root: Path, data: bytes, expected: set[str]) -> None:
    """The case as the cache's catalogue: one notice at most, every post, then silence."""
    target = store.index_location(root) / store.CATALOGUE
    target.write_bytes(data)
    for attempt in ("first", "second"):
        notices: list[str] = []
        index = PostIndex.open(root, notice=notices.append)
        try:
            paths = {post.path for post in index.posts()}
        finally:
            index.close()
        if paths != expected:
            raise AssertionError(f"{attempt} open listed {sorted(paths)}")
        if len(notices) > (1 if attempt == "first" else 0):
            raise AssertionError(f"{attempt} open said {notices}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--index-every", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="blogtui-fuzz-") as scratch:
        os.environ["XDG_CACHE_HOME"] = str(Path(scratch, "cache"))
        root = Path(scratch, "archive")
        write_archive(root)
        base, expected = base_catalogue(root)
        counts = {"ok": 0, "damaged": 0}
        started = time.perf_counter()
        for number in range(args.cases):
            data = make_case(rng, base)
            try:
                counts[decode_everything(data)] += 1
                if args.index_every and number % args.index_every == 0:
                    through_the_index(root, data, expected)
            except Exception:  # the point of the script: report anything not our own
                print(f"case {number} (seed {args.seed}) failed:", file=sys.stderr)
                traceback.print_exc()
                return 1
        seconds = time.perf_counter() - started
    print(
        f"{args.cases} catalogues in {seconds:.1f} s: {counts['damaged']} damaged (Damaged),"
        f" {counts['ok']} still valid; no other exception, no signal"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
