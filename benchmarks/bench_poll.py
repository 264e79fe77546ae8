"""A typed search while the reader polls an archive of many empty folders (issue 14, finding 11).

    python benchmarks/bench_poll.py [--folders 200000] [--searches 20]

The reader's poll runs a stat scan of the whole tree; with 200,000 empty folders that takes
seconds. Before, the scan ran holding the library lock, so a search typed meanwhile waited
for it (30 s seen). This polls in a thread as the reader does and times searches run during
the poll; it prints the scan's cost, the delay the reader would wait before the next poll
(blogtui.tui.polling: 10 times the cost), and the slowest search.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from blogtui.tui.library import Filters, Library
from blogtui.tui.polling import Poller


def tree(base: Path, folders: int) -> Path:
    """An archive of 20 posts beside `folders` empty folders (100 per parent folder)."""
    root = base / "archive"
    (root / "posts").mkdir(parents=True)
    for number in range(20):
        text = f"---\ntitle: Post {number}\ndate: 2024-01-01\n---\n\nsourdough words {number}\n"
        (root / "posts" / f"p{number}.md").write_text(text)
    for number in range(folders):
        (root / "empty" / f"d{number // 100}" / f"e{number % 100}").mkdir(parents=True)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folders", type=int, default=200_000)
    parser.add_argument("--searches", type=int, default=20)
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    parser.add_argument("--base", default=shm, help="where to build the tree (default: RAM)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.base) as scratch:
        root = tree(Path(scratch), args.folders)
        library = Library.open(root)
        library.refresh()
        poll = threading.Thread(target=library.refresh)
        poll.start()
        slowest = 0.0
        searched = 0
        while poll.is_alive() and searched < args.searches:
            started = time.monotonic()
            results, _ = library.search(Filters(text="sourdough"))
            slowest = max(slowest, time.monotonic() - started)
            searched += 1
            time.sleep(0.05)
        poll.join()
        cost = library.scan_seconds
        library.close()
    print(f"{args.folders:,} empty folders: scan {cost:.2f} s")
    print(f"next poll after {Poller(cost=cost).delay(2.0):.1f} s (was 2 s)")
    worst = slowest * 1000
    print(f"{searched} searches during the poll, slowest {worst:.0f} ms, {results.total} hits")


if __name__ == "__main__":
    main()
