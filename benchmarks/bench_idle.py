"""The reader's idle CPU once everything has settled, headless, with the link graph left out.

    python benchmarks/bench_idle.py ARCHIVE [--idle 10]

Run with the HOME and XDG folders of a warm home (bench_scale.py's). It starts the reader
in-process (Pilot), waits until the index is up to date, the watcher runs and no worker is
left, then reports the process's CPU over `--idle` seconds: what following the archive
costs (the watcher thread, the minute's poll), without the link graph's first build, which
at 100,000 posts outlasts bench_scale.py's settle window.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

from blogtui.tui.app import BlogApp
from blogtui.tui.screens import main as main_screen


def settled(app: BlogApp) -> bool:
    screen = app.main
    following = screen.poller.watcher is not None or screen.poller.polling is not None
    idle = not any(not worker.is_finished for worker in app.workers)
    return screen.indexed and following and not screen.poller.recheck and idle


async def measure(root: Path, idle: float) -> str:
    app = BlogApp(root)
    started = time.monotonic()
    async with app.run_test(size=(120, 40)):
        while not settled(app):
            await asyncio.sleep(0.5)
        ready = time.monotonic() - started
        await asyncio.sleep(2.0)  # the last frame
        cpu, began = time.process_time(), time.monotonic()
        await asyncio.sleep(idle)
        share = (time.process_time() - cpu) / (time.monotonic() - began) * 100
        poller = app.main.poller
        how = f"polling ({poller.polling})" if poller.watcher is None else "events"
        folders = len(poller.watcher.folders) if poller.watcher is not None else 0
    return (f"{root.name}: settled in {ready:.1f} s; idle CPU {share:.2f}% of a core over"
            f" {idle:g} s; {how}, {folders:,} folders watched;"
            f" load {os.getloadavg()[0]:.1f}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print one line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--idle", type=float, default=10.0)
    args = parser.parse_args(argv)
    main_screen.MainScreen._build_web = lambda self: None  # type: ignore[method-assign]
    print(asyncio.run(measure(args.archive, args.idle)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
