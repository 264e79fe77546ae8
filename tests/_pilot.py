"""Pilot waits for the state a test asserts (workers done, a search landed), never for time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerFailed

from blogtui.tui.app import BlogApp
from blogtui.tui.widgets.post_list import PostList
from blogtui.tui.widgets.preview import PostPreview
from blogtui.tui.widgets.reader import Reader

#: Seconds any wait may take before the test fails saying what it waited for. Generous: a
#: loaded 2-core machine can be slow, and a passing test never waits this long.
TIMEOUT = 30.0


async def settle(pilot: Pilot[object]) -> None:
    """Wait until no worker is running and what they reported has been handled.

    Workers a newer one replaced (exclusive groups) count as done: their results are dropped.
    A worker's callback may start others (a refresh starts a search), so this loops.
    """
    app = pilot.app
    deadline = time.monotonic() + TIMEOUT
    while True:
        await pilot.pause()
        busy = [worker for worker in app.workers if not worker.is_finished]
        if not busy:
            await pilot.pause()  # the last worker's callback, and the messages it posted
            if not any(not worker.is_finished for worker in app.workers):
                return
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"workers still running after {TIMEOUT} s: {busy}")
        waits = [asyncio.ensure_future(worker.wait()) for worker in busy]
        done, pending = await asyncio.wait(waits, timeout=left)
        for waiting in pending:
            waiting.cancel()
        for finished in done:
            error = finished.exception()
            if isinstance(error, WorkerFailed):
                raise error


async def until(
    pilot: Pilot[object], condition: Callable[[], bool], what: str, timeout: float = TIMEOUT
) -> None:
    """Let the app run until `condition()` holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await pilot.pause(0.02)


async def searched(pilot: Pilot[object]) -> None:
    """Wait until the list shows the results of what the search bar says (the debounced
    search ran and landed), then for everything it set off."""
    app = pilot.app
    assert isinstance(app, BlogApp)
    main = app.main
    bar = main.query_one("#search", Input)
    await until(
        pilot,
        lambda: main.filters.text == bar.value and main.shown == main.filters,
        f"the results of {bar.value!r}",
    )
    await settle(pilot)


async def opened(pilot: Pilot[object]) -> Reader:
    """After enter on the list: wait until the reading pane has the highlighted post, focused
    and fully drawn; returns the pane."""
    app = pilot.app
    assert isinstance(app, BlogApp)
    wanted = app.main.query_one(PostList).highlighted
    assert wanted is not None, "enter with no post highlighted"
    reader = app.main.query_one(Reader)
    await until(
        pilot,
        lambda: reader.path == wanted.path and app.focused is reader,
        f"the reading pane to open {wanted.path}",
    )
    await settle(pilot)
    return reader


async def previewed(pilot: Pilot[object]) -> None:
    """Wait until the preview shows the highlighted post (where the width shows a preview)."""
    app = pilot.app
    assert isinstance(app, BlogApp)
    main = app.main
    preview = main.query_one(PostPreview)
    wanted = main.query_one(PostList).highlighted
    if wanted is not None and not main.has_class("narrow"):
        await until(pilot, lambda: preview.shown == wanted.path, f"the preview of {wanted.path}")
    await settle(pilot)
