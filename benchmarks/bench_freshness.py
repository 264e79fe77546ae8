"""What keeping an index fresh costs per command, against the bare stat loops it is built from.

    python benchmarks/bench_freshness.py [--posts 10000 100000] [--rounds 5]

Over a generated archive (cached in $BLOGTUI_BENCH_DIR), CPU time (time.process_time) of:
the bare `os.stat` of every post file and of every folder (the floors: what a command that
trusts nothing but stats must pay), the exact walk (`blogtui index`, `r`: every folder
listed), the walk a command makes (folders by stamp, every known file stat-ed), the walk
after file-system events that named nothing, loading and saving the walk file, and the walk
every command made before (`archive.scan`). The median of `--rounds` each, alternating.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _util import Row, corpus, table, warm

from blogtui.archive import Reuse, scan, walk_tree
from blogtui.search import freshness


def cpu_runs(cases: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Each case once to warm up, then `rounds` times in turn; CPU seconds of each run."""
    for case in cases.values():
        case()
    runs: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, case in cases.items():
            started = time.process_time()
            case()
            runs[name].append(time.process_time() - started)
    return runs


def measure(posts: int, rounds: int) -> list[Row]:
    root = corpus(posts)
    warm(root)
    tree = walk_tree(root)
    files = [os.path.join(f.path, seen[0]) for f in tree.folders.values() for seen in f.files]
    folders = list(tree.folders)
    previous = freshness.Walked(tree, (0, 0))
    scratch = Path(tempfile.mkdtemp(prefix="bench-freshness-"))
    freshness.save(scratch, previous)

    def load() -> object:
        return freshness.load(scratch, root, False)

    cases: dict[str, Callable[[], object]] = {
        "stat": lambda: [os.stat(path) for path in files],
        "dirs": lambda: [os.stat(path) for path in folders],
        "exact": lambda: freshness.walk(root, previous, exact=True),
        "command": lambda: freshness.walk(root, previous),
        "events": lambda: walk_tree(root, reuse=Reuse(tree.folders, frozenset())),
        "load": load,
        "save": lambda: freshness.save(scratch, previous),
        "scan": lambda: scan(root),
    }
    runs = cpu_runs(cases, rounds)
    cpu = {name: statistics.median(values) for name, values in runs.items()}
    size = (scratch / "walk.json").stat().st_size / 1e6
    label = f"{posts:,} posts, {len(folders):,} folders"
    return [
        Row(f"{label}: bare os.stat of every post", cpu["stat"], note="floor"),
        Row("  bare os.stat of every folder", cpu["dirs"], note="floor"),
        Row("  a command's walk (stamps, every post stat-ed)", cpu["command"], cpu["stat"],
            note="baseline: bare stat of every post"),
        Row("    + loading the walk file", cpu["load"], note=f"{size:.1f} MB"),
        Row("  after events naming nothing (the reader)", cpu["events"]),
        Row("  exact walk (blogtui index, r)", cpu["exact"], cpu["scan"],
            note="baseline: archive.scan"),
        Row("  saving the walk file", cpu["save"]),
        Row("  archive.scan (every command, before)", cpu["scan"]),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[10_000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    rows = [row for posts in args.posts for row in measure(posts, args.rounds)]
    print(f"CPU seconds, medians of {args.rounds}; load {os.getloadavg()[0]:.1f}")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
