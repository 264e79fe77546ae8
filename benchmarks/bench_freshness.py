"""What keeping an index fresh costs per command, against the bare stat loops it is built from.

    python benchmarks/bench_freshness.py [--posts 10000 100000] [--rounds 5] [--old /work/main]

Over a generated archive (cached in $BLOGTUI_BENCH_DIR), CPU time (time.process_time) of:
the bare `os.stat` of every post file and of every folder (the floors: what a command that
trusts nothing but stats must pay), the exact walk (`blogtui index`, `r`: every folder
listed), the walk a command makes (folders by stamp, every known file stat-ed), the walk
after file-system events that named nothing, loading and saving the walk file, and the walk
every command made before (`archive.scan`). The median of `--rounds` each, alternating.

With `--old CHECKOUT`, also the change-finding step of one command as a new process pays it
(load the saved walk, stat, compare, decide; saving the walk when it moved), by the code of
CHECKOUT (PYTHONPATH) against this one, alternating processes: nothing changed; one known
post edited in place; one folder's entries changed (its stamp differs: it is listed again).
The two changes are planted in the loaded walk (a saved stat or stamp off by one), which the
walk cannot tell from a real edit, so the shared corpus is never written. The floors beside
them come from the same processes: the bare `os.stat` of the same paths, `os.walk`.

Figures of 2026-12-02 (`--posts 10000 100000 --rounds 7 --old /work/main`, load 8.7 on the
2 cores, so every CPU time is inflated; the ratios are same-run), CPU seconds:

    one command's step, a process each    10,000: new  old    100,000: new  old
    nothing changed                               0.057 0.070          0.553 0.815 (0.68x)
      of which loading the walk file              0.006 0.019          0.064 0.225 (0.29x)
    one post edited in place, + saving            0.060 0.104          0.611 1.028 (0.59x)
    one folder's entries changed, + saving        0.060 0.100          0.638 0.969 (0.66x)
    floor: os.stat of every folder and post       0.037                0.374
    os.walk of the archive                        0.032                0.292

What bounds it: the stat of every known post (the README's rule), 115,069 stat calls at
100,000 posts; the step is the floor plus the load and the paths (about 0.1 s). Tried: a
thread for half of the stats (os.stat releases the GIL): CPU 6% more and, at load 5, wall
time longer; `os.stat(name, dir_fd=...)`: no less system time than whole paths (the
kernel's cost is the call, not the path); bytes paths save a tenth (no encoding per call).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
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


# ---- one command's change-finding step, old code against new, one process each ------------

CASES = ("same", "edit", "add")


def child(root: Path, location: Path, case: str) -> dict[str, float]:
    """In a new process: the step a command runs before it answers (CPU seconds), and in
    the `same` case the floors over the same paths."""
    from blogtui.search import freshness as fresh

    if fresh.load(location, root, False) is None:  # first run of this code: save a walk
        fresh.save(location, fresh.Walked(walk_tree(root), (1, 2)))
    started = time.process_time()
    walked = fresh.load(location, root, False)
    loaded = time.process_time() - started
    assert walked is not None
    _plant(walked, case)
    started = time.process_time()
    found = fresh.walk(root, walked)
    if found.moved:  # as PostIndex._keep_walk keeps it (`of` keeps undecoded columns)
        of = getattr(fresh.Walked, "of", None)
        kept = of(found, (3, 4), False) if of else fresh.Walked(found.tree, (3, 4))
        fresh.save(location / "after", kept)
    result = {"load": loaded, "step": loaded + time.process_time() - started}
    result["changed"] = float(len(found.todo) + len(found.gone) + found.moved)
    if case == "same":
        tree = walked.tree
        files = [os.path.join(f.path, seen[0]) for f in tree.folders.values() for seen in f.files]
        started = time.process_time()
        for path in [*tree.folders, *files]:
            os.stat(path)
        result["stat"] = time.process_time() - started
        started = time.process_time()
        list(map(os.stat, files))
        list(map(os.stat, list(tree.folders)))
        result["stat_map"] = time.process_time() - started
        started = time.process_time()
        for _ in os.walk(root):
            pass
        result["os_walk"] = time.process_time() - started
    return result


def _plant(walked: object, case: str) -> None:
    """Make the loaded walk differ from the archive as an edit or an added entry would."""
    if case == "same":
        return
    columns = getattr(walked, "columns", None)
    if columns is not None:  # this code: the saved columns
        if case == "edit":
            columns.numbers[5 * 5000 + 2] -= 1
        else:
            columns.stamps[4 * 700 + 2] -= 1
        return
    folders = walked.tree.folders  # type: ignore[attr-defined]
    path = [p for p, folder in folders.items() if folder.files][700]
    folder = folders[path]
    if case == "edit":
        first = folder.files[0]
        edited = (*first[:3], first[3] - 1, *first[4:])
        folders[path] = folder._replace(files=(edited, *folder.files[1:]))
    else:
        dev, ino, mtime, ctime = folder.stamp
        folders[path] = folder._replace(stamp=(dev, ino, mtime - 1, ctime))


def processes(posts: int, rounds: int, old: Path) -> list[Row]:
    """Old and new code, one process per run, alternating; CPU medians."""
    root = corpus(posts)
    scratch = Path(tempfile.mkdtemp(prefix="bench-freshness-"))
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    try:
        versions = {"old": str(old), "new": str(Path(__file__).resolve().parents[1])}
        for name in versions:
            (scratch / name / "after").mkdir(parents=True, mode=0o700)
            os.chmod(scratch / name, 0o700)
        for _ in range(rounds + 1):  # the first round saves each code's walk and warms up
            for case in CASES:
                for name, checkout in versions.items():
                    result = _run_child(checkout, root, scratch / name, case)
                    runs.setdefault((name, case), []).append(result)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    def cpu(name: str, case: str, key: str = "step") -> float:
        return statistics.median(run[key] for run in runs[(name, case)][1:])

    label = f"{posts:,} posts, one process per run"
    return [
        Row(f"{label}: nothing changed (load, stat, compare)", cpu("new", "same"),
            cpu("old", "same"), note="baseline: the old code"),
        Row("  of which loading the walk file", cpu("new", "same", "load"),
            cpu("old", "same", "load"), note="baseline: the old code"),
        Row("  one post edited in place (+ saving the walk)", cpu("new", "edit"),
            cpu("old", "edit"), note="baseline: the old code"),
        Row("  one folder's entries changed (+ saving)", cpu("new", "add"), cpu("old", "add"),
            note="baseline: the old code"),
        Row("  floor: os.stat of every folder and post, a loop", cpu("new", "same", "stat"),
            note="same processes"),
        Row("  floor: the same, list(map(os.stat, ...))", cpu("new", "same", "stat_map")),
        Row("  os.walk of the archive", cpu("new", "same", "os_walk")),
    ]  # fmt: skip


def _run_child(checkout: str, root: Path, location: Path, case: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=checkout)
    argv = [sys.executable, __file__, "--child", str(root), str(location), case]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[10_000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--old", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--only-processes", action="store_true", help="skip the in-process rows")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        root, location, case = args.child
        print(json.dumps(child(Path(root), Path(location), case)))
        return 0
    rows: list[Row] = []
    for posts in args.posts:
        if not args.only_processes:
            rows += measure(posts, args.rounds)
        if args.old is not None:
            rows += processes(posts, args.rounds, args.old)
    print(f"CPU seconds, medians of {args.rounds}; load {os.getloadavg()[0]:.1f}")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
