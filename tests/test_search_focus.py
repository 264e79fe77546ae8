"""The search bar takes the keys typed right after `/`, however many arrive at once.

A busy reader (an index being written, a long post rendering) receives the keys that piled
up in one burst; the ones after `/` must reach the search bar, not the list it left."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from blogtui.config import Config
from blogtui.tui.app import BlogApp
from blogtui.tui.widgets.post_list import PostList
from tests._pilot import searched, settle
from tests.conftest import NOW
from tests.test_tui import write_archive


def burst(app: BlogApp, keys: str) -> None:
    """Queue every key at once, as a terminal delivers what was typed while the UI was busy."""
    for char in keys:
        key = {"/": "slash", " ": "space"}.get(char, char)
        app.post_message(events.Key(key, char))


async def test_keys_typed_right_after_slash_go_to_the_search_bar(tmp_path: Path) -> None:
    app = BlogApp(write_archive(tmp_path / "blog"), config=Config(), now=NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, PostList)
        burst(app, "/lighthouse")  # `t`, `s`, `e` and `o` are keys of the list's screen
        await searched(pilot)
        search = app.main.query_one("#search", Input)
        assert search.value == "lighthouse" and app.focused is search
        assert app.screen is app.main  # no picker opened by a letter meant for the bar


async def test_slash_is_typed_into_the_search_bar_once_it_has_the_focus(tmp_path: Path) -> None:
    app = BlogApp(write_archive(tmp_path / "blog"), config=Config(), now=NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, "/path:posts/h")
        await searched(pilot)
        assert app.main.query_one("#search", Input).value == "path:posts/h"
