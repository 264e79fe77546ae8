"""The reader's file-system watcher at scale: what starting it costs, and what keys wait then.

    python benchmarks/bench_watch.py [--posts 100000] [--rounds 2] [--seconds 10]

- start: `Watcher.start` on the folders the last walk took (a watch a folder), in this
  process: its CPU and wall, and the longest gap of a thread that ticks every 5 ms
  meanwhile (how long the watcher held Python's lock: no other thread, the reader's screen
  among them, ran then), beside the same thread's longest gap with nothing running.
- keys: the reader started in tmux (bench_scale.Screen) on the warm index, `j` pressed every
  0.1 s from its first rows for --seconds, each press timed to the screen changing: the
  longest wait (the watcher starts after the first refresh) beside the median.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

from _util import Row, table
from bench_scale import LIST_ROW, Home, Screen, blogtui_command, corpus


def longest_gap(during: Callable[[], object]) -> tuple[float, float, float]:
    """(wall, CPU, longest gap of a 5-ms ticker thread) while `during()` runs."""
    ticks: list[float] = []
    done = threading.Event()

    def tick() -> None:
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    ticker = threading.Thread(target=tick)
    ticker.start()
    time.sleep(0.05)
    wall, cpu = time.perf_counter(), time.process_time()
    during()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done.set()
    ticker.join()
    return wall, cpu, max(b - a for a, b in itertools.pairwise(ticks))


def start_rows(root: Path, env: dict[str, str], rounds: int) -> list[Row]:
    os.environ.update(env)
    from blogtui.search.index import PostIndex
    from blogtui.tui.watcher import Watcher

    index = PostIndex.open(root)
    index.refresh()
    folders = index.folders()
    index.close()
    walls, cpus, gaps, idle = [], [], [], []
    for _ in range(rounds):
        watcher = Watcher(root, folders, lambda paths: None)
        wall, cpu, gap = longest_gap(lambda: watcher.start())  # noqa: B023
        watcher.stop()
        walls.append(wall)
        cpus.append(cpu)
        gaps.append(gap)
        idle.append(longest_gap(lambda: time.sleep(wall))[2])  # noqa: B023
    note = f"{len(folders):,} folders; {rounds} runs"
    return [
        Row("watcher start (wall)", statistics.median(walls), note=note),
        Row("  its CPU", statistics.median(cpus), note=note),
        Row("  longest a thread waited (Python's lock held)", statistics.median(gaps),
            statistics.median(idle), note="baseline: the same ticker, nothing running"),
    ]  # fmt: skip


def key_rows(root: Path, env: dict[str, str], seconds: float, rounds: int) -> list[Row]:
    longest, medians = [], []
    for _ in range(rounds):
        waits: list[float] = []
        with Screen([*blogtui_command(), str(root)], env) as screen:
            screen.wait(LIST_ROW.search, 120)
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                before = screen.text()
                sent = time.perf_counter()
                screen.keys("j")
                while screen.text() == before and time.perf_counter() - sent < 5:
                    time.sleep(0.01)
                waits.append(time.perf_counter() - sent)
                time.sleep(0.1)
        longest.append(max(waits))
        medians.append(statistics.median(waits))
    note = f"j every 0.1 s for {seconds:g} s from the first rows (tmux); {rounds} runs"
    return [Row("key to screen, longest wait", statistics.median(longest),
                statistics.median(medians), note=f"baseline: the median wait; {note}")]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    root = corpus(args.posts)
    env = Home.warm(args.posts, 1).env()
    rows = start_rows(root, env, args.rounds) + key_rows(root, env, args.seconds, args.rounds)
    print(f"{args.posts} posts ({root}), load {os.getloadavg()[0]:.1f}")
    print(table(rows))


if __name__ == "__main__":
    main()
