"""Time `blogtui.archive.load` against a bare read-and-parse loop over a generated archive.

    python benchmarks/bench_load.py [--posts 10000] [--rounds 5] [--profile]

The floor walks the folder, reads each markdown file, splits off its front matter and parses
it with PyYAML's CSafeLoader, tomllib or json: the work any loader must do. The two run
alternately in one process over a warm page cache; each figure is the median of the rounds.
Target (issue 2): loading within 1.5x of the floor.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import yaml
from _util import Row, alternate, corpus, table, warm

from blogtui.archive import load

TARGET = 1.5
NOW = datetime(2026, 11, 1, tzinfo=UTC)
SUFFIXES = (".md", ".markdown")


def bare_parse(text: str) -> object:
    """Split front matter the simplest way and parse it; the body is left as a string."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    text = text.lstrip("\n")
    if text.startswith("---"):
        end = text.find("\n---", 3)
        return yaml.load(text[3:end], Loader=yaml.CSafeLoader) if end > 0 else None
    if text.startswith("+++"):
        end = text.find("\n+++", 3)
        return tomllib.loads(text[3:end]) if end > 0 else None
    if text.startswith("{"):
        return json.JSONDecoder().raw_decode(text)[0]
    return None


def floor(root: Path) -> int:
    """Walk, read and parse every markdown file; return how many were read."""
    count = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(SUFFIXES):
                with open(os.path.join(folder, name), "rb") as handle:
                    bare_parse(handle.read().decode("utf-8", "replace"))
                count += 1
    return count


def loader(root: Path) -> int:
    """blogtui's loader; return how many posts it produced."""
    archive = load(root, now=NOW)
    if archive.problems:
        print(f"{len(archive.problems)} problems, e.g. {archive.problems[0]}", file=sys.stderr)
    return len(archive.posts)


def profile(root: Path, limit: int = 25) -> str:
    """cProfile of one load: the functions where the time goes, by own time and cumulative."""
    profiler = cProfile.Profile()
    profiler.runcall(load, root, now=NOW)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of load")
    args = parser.parse_args(argv)
    root = corpus(args.posts, args.seed)
    warm(root)
    files, posts = floor(root), loader(root)
    size = sum(p.stat().st_size for p in root.rglob("*") if p.suffix in SUFFIXES)
    print(f"corpus {root}: {posts} posts from {files} markdown files, {size / 1e6:.1f} MB")
    timings = alternate({"floor": lambda: floor(root), "load": lambda: loader(root)}, args.rounds)
    print(f"runs (s): floor {timings.spread('floor')}, load {timings.spread('load')}")
    row = Row(f"load {args.posts} posts (median of {args.rounds})", timings.median("load"),
              timings.median("floor"), TARGET)  # fmt: skip
    print(table([row]))
    if args.profile:
        print(profile(root))
    return 0 if row.verdict() == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
