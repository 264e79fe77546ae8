"""SVG snapshots of reading an archive as a web of posts: the outline picker, a post scrolled
to a heading (the heading row at the top)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from blogtui.config import Config
from blogtui.tui.app import BlogApp
from tests._pilot import opened, settle, until
from tests.conftest import NOW
from tests.test_outline import LONG

SIZE = (100, 30)


@pytest.fixture
def app(tmp_path: Path) -> BlogApp:
    root = tmp_path / "blog"
    (root / "posts").mkdir(parents=True)
    (root / "posts" / "knots.md").write_text(LONG, encoding="utf-8")
    return BlogApp(root, config=Config(), now=NOW)


async def _read(pilot: Pilot[object]) -> None:
    await settle(pilot)
    await pilot.press("enter")
    reader = await opened(pilot)
    await until(pilot, lambda: reader.page.complete, "the whole post rendered")


def test_outline_picker(snap_compare, app: BlogApp) -> None:  # type: ignore[no-untyped-def]
    async def outline(pilot: Pilot[object]) -> None:
        await _read(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "O")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=outline)


def test_heading_row_while_scrolling(snap_compare, app: BlogApp) -> None:  # type: ignore[no-untyped-def]
    async def scrolled(pilot: Pilot[object]) -> None:
        await _read(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "j", "j")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=scrolled)


def test_linked_from_footer(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_links import POSTS as LINKED

    root = tmp_path / "site"
    for rel, text in LINKED.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")

    async def moon(pilot: Pilot[object]) -> None:
        await settle(pilot)
        await pilot.press("j", "enter")
        reader = await opened(pilot)
        await until(pilot, lambda: "Linked from" in reader.text, "the backlinks footer")
        await settle(pilot)

    app = BlogApp(root, config=Config(), now=NOW)
    assert snap_compare(app, terminal_size=SIZE, run_before=moon)


def test_series_post(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_series import POSTS as SERIES

    root = tmp_path / "blog"
    for rel, text in SERIES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")

    async def part_two(pilot: Pilot[object]) -> None:
        await settle(pilot)
        await pilot.press("j", "j", "enter")  # newest first: Knots Three, Alone, Knots Two
        reader = await opened(pilot)
        await until(pilot, lambda: "Part 2 of 3" in reader.text, "the series line")
        await settle(pilot)

    app = BlogApp(root, config=Config(), now=NOW)
    assert snap_compare(app, terminal_size=SIZE, run_before=part_two)
