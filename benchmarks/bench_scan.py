"""Time `blogtui.archive.scan` (stat-only walk, run by every command) over a generated archive.

    python benchmarks/bench_scan.py [--posts 10000] [--rounds 7]

The baseline is `os.walk` over the same folder listing every file name (no stat, no rules):
the least a walk can cost. The two alternate over a warm cache; each figure is the median of
the rounds, as CPU time (time.process_time, the stable figure on a shared machine) and wall.
Target: scan well under 100 ms for 10,000 posts (held here to 100 ms of CPU).
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

from _util import Row, corpus, table, warm
from bench_load import alternate_clocks

from blogtui.archive import scan

TARGET_SECONDS = 0.100


def bare_walk(root: Path) -> int:
    """os.walk the folder, skipping hidden folders; return how many files it listed."""
    count = 0
    for _folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        count += len(files)
    return count


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    root = corpus(args.posts, args.seed)
    warm(root)
    found = scan(root)
    problems = len(found.problems)
    print(f"corpus {root}: scan finds {len(found.files)} post files, {problems} problems")
    cases = {"walk": lambda: bare_walk(root), "scan": lambda: scan(root)}
    runs = alternate_clocks(cases, args.rounds)
    rows = []
    for clock in ("cpu", "wall"):
        walk_runs, scan_runs = runs[clock]["walk"], runs[clock]["scan"]
        rows.append(Row(f"scan {args.posts} posts, {clock} (median of {args.rounds})",
                        statistics.median(scan_runs), statistics.median(walk_runs),
                        target_abs=TARGET_SECONDS if clock == "cpu" else None))  # fmt: skip
    print(table(rows))
    return 0 if rows[0].verdict() == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
