"""Search benchmarks: per-keystroke search(), warm `blogtui search` vs rg, warm `list --json`.

    python benchmarks/bench_search.py [--posts 10000] [--seed 7] [--runs 7]

The corpus and its index come from bench_index.py's scratch locations (built here if need
be). Whole-process figures are medians of --runs, each command alternating with its
baseline in the same loop, so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _util import warm  # noqa: E402
from bench_index import cache_home, corpus, line  # noqa: E402

#: The keystroke mix: one word, two words, a tag, a prefix, a phrase, a rare word.
QUERIES = (
    "python",
    "distributed systems",
    "tag:rust",
    "kub*",
    '"open source"',
    "café",
    "linux -python",
    "date:2024 go",
)


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def alternate(a: list[str], b: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Medians of `a` and `b` run alternately (after one warm-up each)."""
    timed(a, env), timed(b, env)
    ta, tb = [], []
    for _ in range(runs):
        ta.append(timed(a, env))
        tb.append(timed(b, env))
    return statistics.median(ta), statistics.median(tb)


def in_process(root: Path) -> None:
    """search() as the TUI calls it, with facets; snippets for one screenful."""
    from blogtui.search.index import PostIndex
    from blogtui.search.search import search, snippets

    started = time.perf_counter()
    index = PostIndex.open(root)
    opened = time.perf_counter() - started
    search(index, "warm up")
    times: list[float] = []
    for _ in range(5):
        for text in QUERIES:
            t = time.perf_counter()
            search(index, text)
            times.append(time.perf_counter() - t)
    worst = max(QUERIES, key=lambda q: _time(lambda: search(index, q)))
    line("PostIndex.open warm (in process)", f"{opened * 1000:.0f} ms", "", "")
    line(
        "search() per keystroke, median",
        f"{statistics.median(times) * 1000:.1f} ms",
        "<= 50 ms",
        f"slowest query {worst!r}",
    )
    line(
        "search() 90th percentile", f"{statistics.quantiles(times, n=10)[-1] * 1000:.1f} ms", "", ""
    )
    t = time.perf_counter()
    empty = search(index, "", tags=["python"], years=[2024])
    line(
        "empty query + filters",
        f"{(time.perf_counter() - t) * 1000:.1f} ms",
        "",
        f"{empty.total} hits, Whoosh untouched",
    )
    hits = search(index, "python", limit=30).hits
    t = time.perf_counter()
    snippets(index, "python", [h.post for h in hits])
    per = (time.perf_counter() - t) / max(1, len(hits)) * 1000
    line("snippets, per shown hit", f"{per:.2f} ms", "", "whoosh highlight ~1.5 ms")
    index.close()


def _time(call: object) -> float:
    t = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--word", default="kubernetes")
    args = parser.parse_args()
    root = corpus(args.posts, args.seed)
    warm(root)
    cache = cache_home(args.posts, args.seed)
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    os.environ["XDG_CACHE_HOME"] = str(cache)
    blogtui = [sys.executable, "-m", "blogtui"]
    subprocess.run(
        [*blogtui, "index", "-a", str(root)], env=env, check=True, stdout=subprocess.DEVNULL
    )
    print(f"corpus {root}: {args.posts} posts; index in {cache}")

    in_process(root)

    rg = shutil.which("rg")
    if rg:
        ours, floor = alternate(
            [*blogtui, "search", "-a", str(root), args.word],
            [rg, "-l", args.word, str(root)],
            env,
            args.runs,
        )
        line(
            f"warm `blogtui search {args.word}`",
            f"{ours:.3f} s",
            "<= 3x rg",
            f"rg -l {floor:.3f} s ({ours / floor:.1f}x)",
        )
    load = [
        sys.executable,
        "-c",
        f"from blogtui.archive import load; load(__import__('pathlib').Path({str(root)!r}))",
    ]
    listed, reparsed = alternate(
        [*blogtui, "list", "-a", str(root), "--json"], load, env, args.runs
    )
    line(
        "warm `blogtui list --json`",
        f"{listed:.3f} s",
        "<= 0.6 s",
        f"re-parse every file {reparsed:.2f} s",
    )
    bare = [sys.executable, "-c", "pass"]
    start, _ = alternate(bare, bare, env, 3)
    line("  (python start-up alone)", f"{start:.3f} s", "", "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
