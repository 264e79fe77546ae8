"""The reader run with timing marks: profile_scale.py's `paint` starts this in tmux.

    python benchmarks/_paint_child.py MARKS ARCHIVE

Appends one line per mark to MARKS: seconds since the parent launched it
($BLOGTUI_BENCH_LAUNCH), this process's CPU seconds, and what happened. Only the standard
library is imported before the first mark, so the imports are counted where a user pays them.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable
from typing import Any

#: (module, Class.method or function, label): marked when the first call starts and ends.
MARKS = (
    ("blogtui.tui.library", "_previewed", "front-matter preview's first batch (_previewed)"),
    ("blogtui.tui.library", "Library.open", "catalogue opened (Library.open)"),
    ("blogtui.search.shelf", "Shelf.of_index", "the shelf of every post (Shelf.of_index)"),
    ("blogtui.search.shelf", "ShelfPosts.prefetch", "the first screen's Posts (prefetch)"),
    ("blogtui.search.shelf", "Shelf.sample", "the title column's sample (Shelf.sample)"),
    ("blogtui.search.index", "PostIndex.posts", "every post built (PostIndex.posts)"),
    ("blogtui.tui.screens.main", "MainScreen.library_ready", "library_ready on the UI thread"),
    ("blogtui.tui.screens.main", "MainScreen._show_results", "rows shown"),
    ("blogtui.tui.screens.main", "MainScreen._counted", "facet counts shown"),
    ("blogtui.tui.library", "Library.find", "first search (Library.find)"),
    ("blogtui.tui.library", "Library.refresh", "refresh (scan + diff)"),
)


def main(out: str, root: str) -> int:
    launched = float(os.environ["BLOGTUI_BENCH_LAUNCH"])
    log = open(out, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (open while the app runs)

    def mark(what: str) -> None:
        log.write(f"{time.time() - launched:.4f}\t{time.process_time():.4f}\t{what}\n")

    mark("python running, importing")
    import blogtui.cli
    import blogtui.tui.app

    mark("imports done (textual, blogtui.tui)")
    for module, attribute, label in MARKS:
        owner: Any = importlib.import_module(module)
        *path, name = attribute.split(".")
        for step in path:
            owner = getattr(owner, step)
        setattr(owner, name, _first_call(getattr(owner, name), label, mark))
    _mark_first_row(mark)
    return blogtui.cli.main([root])


def _first_call(fn: Callable[..., Any], label: str, mark: Callable[[str], None]) -> Any:
    done: list[bool] = []

    def marked(*args: Any, **kwargs: Any) -> Any:
        if done:
            return fn(*args, **kwargs)
        done.append(True)
        mark(f"start  {label}")
        try:
            return fn(*args, **kwargs)
        finally:
            mark(f"end    {label}")

    return marked


def _mark_first_row(mark: Callable[[str], None]) -> None:
    """Mark the first time the list draws a row that holds a post."""
    from blogtui.tui.widgets.post_list import PostList

    original = PostList.render_line
    done: list[bool] = []

    def render_line(self: PostList, y: int) -> Any:
        strip = original(self, y)
        if not done and self.posts:
            done.append(True)
            mark("first post row drawn (PostList.render_line)")
        return strip

    PostList.render_line = render_line  # type: ignore[method-assign]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
