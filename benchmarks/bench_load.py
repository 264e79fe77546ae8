"""Time `blogtui.archive.load` against a bare read-and-parse loop over a generated archive.

    python benchmarks/bench_load.py [--posts 10000] [--rounds 5] [--profile]

The floor walks the folder, reads each markdown file, splits off its front matter and parses
it with PyYAML's CSafeLoader, tomllib or json: the work any loader must do. The two run
alternately in one process over a warm page cache; each figure is the median of the rounds,
both as CPU time (time.process_time: the stable figure on a shared, loaded machine) and as
wall time. Target (issue 2): loading within 1.5x of the floor, judged on CPU time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import tomllib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import yaml
from _util import Row, corpus, table, warm

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


def alternate_clocks(
    cases: Mapping[str, Callable[[], object]], rounds: int
) -> dict[str, dict[str, list[float]]]:
    """Run the cases in turn (A B A B ...); seconds per run by clock ("cpu", "wall") and case."""
    runs: dict[str, dict[str, list[float]]] = {"cpu": {}, "wall": {}}
    for _ in range(rounds):
        for name, case in cases.items():
            cpu, wall = time.process_time(), time.perf_counter()
            case()
            runs["cpu"].setdefault(name, []).append(time.process_time() - cpu)
            runs["wall"].setdefault(name, []).append(time.perf_counter() - wall)
    return runs


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
    runs = alternate_clocks(
        {"floor": lambda: floor(root), "load": lambda: loader(root)}, args.rounds
    )
    rows = []
    for clock in ("cpu", "wall"):
        floor_runs, load_runs = runs[clock]["floor"], runs[clock]["load"]
        print(f"{clock} runs (s): floor {_spread(floor_runs)}, load {_spread(load_runs)}")
        rows.append(Row(f"load {args.posts} posts, {clock} (median of {args.rounds})",
                        statistics.median(load_runs), statistics.median(floor_runs),
                        TARGET if clock == "cpu" else None))  # fmt: skip
    print(table(rows))
    if args.profile:
        print(profile(root))
    return 0 if rows[0].verdict() == "ok" else 1


def _spread(values: list[float]) -> str:
    return f"{min(values):.3f}-{max(values):.3f}"


if __name__ == "__main__":
    raise SystemExit(main())
