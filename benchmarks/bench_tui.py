"""Time the reader (headless, Pilot-driven) on a generated archive against an empty Textual app.

    python benchmarks/bench_tui.py [--posts 10000] [--rounds 3]

Each figure runs in a fresh subprocess over a warm index (built once before timing):
- first paint: from the command until the post list shows posts, beside an empty Textual
  App's first frame measured the same way (both include Python start and imports);
- keystroke: the last key of a query typed in the search bar until the list and the sidebar
  counts are updated (debounce set to 0, so not counted), median over a mix of one-word,
  two-word, `tag:` and prefix queries;
- open a ~100 KB post: enter on it until its first screen is in the pane;
- peak RSS of each child process (the largest is held to the target).
Targets (issue 5): first paint <= 1 s, keystroke <= 50 ms median, open <= 0.3 s, RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from _util import Row, corpus, run, table, warm

HERE = Path(__file__).resolve().parent


# --- children: each prints one JSON line ----------------------------------------------------
async def until(pilot, condition, what: str, timeout: float = 120.0, step: float = 0.001) -> None:  # type: ignore[no-untyped-def]
    """Pause until `condition()` holds; fail loudly instead of hanging."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await pilot.pause(step)


def since_launch() -> float:
    """Seconds since the parent started this process (it passes its clock in the env)."""
    return time.time() - float(os.environ["BLOGTUI_BENCH_LAUNCH"])


async def _empty_app() -> dict[str, float]:
    from textual.app import App
    from textual.widgets import Label

    class Empty(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Label("ready")

    app = Empty()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        return {"painted": since_launch()}


async def _first_paint(root: Path) -> dict[str, float]:
    from blogtui.tui.app import BlogApp
    from blogtui.tui.widgets.post_list import PostList

    app = BlogApp(root)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.main.query_one(PostList).posts, "the list", step=0.002)
        return {"painted": since_launch()}


def _queries(root: Path) -> list[str]:
    """The benchmark mix, from words and tags that exist in this corpus (its manifest)."""
    manifest = json.loads(root.with_suffix(".json").read_text(encoding="utf-8"))
    posts = manifest["posts"]
    words = Counter(w.lower() for p in posts for w in p["title"].split() if len(w) > 4)
    common = [w for w, _ in words.most_common(6)]
    tags = Counter(t for p in posts for t in p["tags"] if " " not in t)
    tag = tags.most_common(1)[0][0]
    rare = next(p["rare"][0] for p in posts if p["rare"])
    return [
        common[0],
        common[3],
        f"{common[1]} {common[2]}",
        f"tag:{tag}",
        f"tag:{tag} {common[4]}",
        f"{common[5][:3]}*",
        f"{common[0][:2]}*",
        rare,
    ]


async def _keystrokes(root: Path) -> dict[str, float]:
    from textual.widgets import Input
    from textual.widgets.input import Selection

    from blogtui.tui import library as library_module
    from blogtui.tui.app import BlogApp
    from blogtui.tui.screens import main as main_screen
    from blogtui.tui.widgets.post_list import PostList

    main_screen.DEBOUNCE = 0.0
    main_screen_poll(3600.0)
    shown: list[float] = []
    original = main_screen.MainScreen._show_results

    def record(self, *args):  # type: ignore[no-untyped-def]
        original(self, *args)
        shown.append(time.perf_counter())

    main_screen.MainScreen._show_results = record  # type: ignore[method-assign]
    engine: list[float] = []  # the query engine's share: Library.find alone
    original_find = library_module.Library.find

    def timed_find(self, filters, **options):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return original_find(self, filters, **options)
        finally:
            engine.append(time.perf_counter() - began)

    library_module.Library.find = timed_find  # type: ignore[method-assign]
    app = BlogApp(root)
    times: list[float] = []
    engine_times: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.main.query_one(PostList).posts, "the list", step=0.01)
        await until(pilot, lambda: app.main.indexed, "the first refresh", step=0.01)
        search = app.main.query_one("#search", Input)
        search.focus()
        await pilot.pause(0.1)  # focus selects all text: let that happen before typing
        for query in _queries(root):
            search.value = query[:-1]
            search.selection = Selection.cursor(len(search.value))
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            before = len(shown)
            started = time.perf_counter()
            await pilot.press(query[-1])
            await until(pilot, lambda n=before: len(shown) > n, f"results for {query!r}")
            assert app.main.filters.text == query, app.main.filters.text
            print(f"{query!r}: {(shown[-1] - started) * 1000:.1f} ms", file=sys.stderr)
            times.append(shown[-1] - started)
            engine_times.append(engine[-1])
    return {
        "median": statistics.median(times),
        "max": max(times),
        "engine": statistics.median(engine_times),
    }


async def _open_big(root: Path) -> dict[str, float]:
    from blogtui.tui.app import BlogApp
    from blogtui.tui.widgets import reader as reader_module
    from blogtui.tui.widgets.post_list import PostList

    main_screen_poll(3600.0)
    shown: list[tuple[bool, float]] = []
    original = reader_module.Reader._show

    def record(self, page, reset):  # type: ignore[no-untyped-def]
        original(self, page, reset)
        if page.post is not None:
            shown.append((page.complete, time.perf_counter()))

    reader_module.Reader._show = record  # type: ignore[method-assign]
    app = BlogApp(root)
    async with app.run_test(size=(120, 40)) as pilot:
        post_list = app.main.query_one(PostList)
        await until(pilot, lambda: post_list.posts, "the list", step=0.01)
        await until(pilot, lambda: app.main.indexed, "the first refresh", step=0.01)
        sizes = {p.path: (root / p.path).stat().st_size for p in post_list.posts}
        big = max(sizes, key=lambda path: sizes[path])
        post_list.cursor = [p.path for p in post_list.posts].index(big)
        post_list.focus()
        await pilot.pause(0.2)
        started = time.perf_counter()
        await pilot.press("enter")  # returns once the app is idle again
        await until(pilot, lambda: any(done for done, _ in shown), "the whole post", step=0.01)
    return {
        "first_screen": shown[0][1] - started,
        "complete": shown[-1][1] - started,
        "kb": sizes[big] / 1024,
    }


def main_screen_poll(seconds: float) -> None:
    """Space the archive polls out: they are not what is measured."""
    from blogtui.tui.screens import main as main_screen

    main_screen.POLL_INTERVAL = seconds


CHILDREN = {
    "empty": lambda root: _empty_app(),
    "first-paint": _first_paint,
    "keystrokes": _keystrokes,
    "open-big": _open_big,
}


def child(kind: str, root: Path) -> None:
    result = asyncio.run(CHILDREN[kind](root))
    print(json.dumps(result))


# --- parent ---------------------------------------------------------------------------------
def measure(kind: str, root: Path, env: dict[str, str]) -> tuple[float, float, dict[str, float]]:
    """Run one child: its wall time, peak RSS in MB and what it printed."""
    env = {**env, "BLOGTUI_BENCH_LAUNCH": repr(time.time())}
    result = run(
        [sys.executable, str(Path(__file__)), "--child", kind, str(root)], env=env, sample=True
    )  # (its RSS sampled: wait4's counts this process's too)
    if result.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{result.stderr.decode()[-3000:]}")
    printed = json.loads(result.stdout.decode().strip().splitlines()[-1])
    return result.seconds, result.tree_largest_mb, printed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ROOT"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    root = corpus(args.posts)
    warm(root)
    env = dict(os.environ)
    from blogtui.search.index import PostIndex

    started = time.perf_counter()
    PostIndex.open(root).close()  # a warm index: the figures below are not the cold build
    print(f"index ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    paint, empty, rss = [], [], []
    for _ in range(args.rounds):  # alternate, so drift hits both alike
        _, peak, printed = measure("empty", root, env)
        empty.append(printed["painted"])
        _, peak, printed = measure("first-paint", root, env)
        paint.append(printed["painted"])
        rss.append(peak)
    _, keys_rss, keys = measure("keystrokes", root, env)
    _, open_rss, opened = measure("open-big", root, env)
    rows = [
        Row(
            "first paint (command -> list)",
            statistics.median(paint),
            statistics.median(empty),
            target_abs=1.0,
        ),
        Row("keystroke -> list+sidebar (median)", keys["median"] * 1000, unit="ms", target_abs=50),
        Row("  of which query.search (median)", keys["engine"] * 1000, unit="ms"),
        Row("keystroke -> list+sidebar (max)", keys["max"] * 1000, unit="ms"),
        Row(
            f"open {opened['kb']:.0f} KB post: first screen", opened["first_screen"], target_abs=0.3
        ),
        Row(f"open {opened['kb']:.0f} KB post: complete", opened["complete"]),
        Row("peak RSS (largest child)", max([*rss, keys_rss, open_rss]), unit="MB", target_abs=150),
    ]
    print(f"{args.posts} posts, {args.rounds} rounds; baseline = empty Textual app, same run")
    print(table(rows))


if __name__ == "__main__":
    main()
