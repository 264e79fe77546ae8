"""The outline of a post: `O` lists its headings, enter jumps, `[`/`]` step, the top row
names the heading being read; `blogtui outline` prints them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from textual.pilot import Pilot

from blogtui.config import Config
from blogtui.markup import parse
from blogtui.markup.outline import Section, outline
from blogtui.tui.app import BlogApp
from blogtui.tui.screens.outline import OutlinePicker
from blogtui.tui.widgets.reader import Reader
from tests._pilot import opened, settle, until
from tests.conftest import NOW

FILLER = "\n\n".join(f"Paragraph {n} about knots and ropes on the quay." for n in range(14))

LONG = f"""\
---
title: Knots for Beginners
date: 2024-03-01
---
An introduction.

## The bowline

{FILLER}

### Tying it behind your back

{FILLER}

## The clove hitch

{FILLER}

## Undoing knots

{FILLER}
"""


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "blog"
    (root / "posts").mkdir(parents=True)
    (root / "posts" / "knots.md").write_text(LONG, encoding="utf-8")
    (root / "posts" / "flat.md").write_text(
        "---\ntitle: Flat\ndate: 2023-01-01\n---\nNo headings here.\n", encoding="utf-8"
    )
    return root


def test_outline_lists_headings_with_levels_and_anchors() -> None:
    document = parse(
        textwrap.dedent("""\
            # Title

            ## Install *it* {#setup}

            > ## Quoted heading

            ### Déjà vu, again!
            """)
    )
    assert outline(document) == [
        Section(1, "Title", "title"),
        Section(2, "Install it", "setup"),
        Section(2, "Quoted heading", "quoted-heading"),
        Section(3, "Déjà vu, again!", "déjà-vu-again"),
    ]


async def _open_knots(pilot: Pilot[object]) -> Reader:
    await settle(pilot)
    await pilot.press("enter")  # newest first: the knots post
    reader = await opened(pilot)
    await until(pilot, lambda: reader.page.complete, "the whole post rendered")
    return reader


async def test_capital_o_lists_headings_and_enter_jumps(archive: Path) -> None:
    app = BlogApp(archive, config=Config(), now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = await _open_knots(pilot)
        assert reader.post is not None and reader.post.title == "Knots for Beginners"
        assert reader.current_heading is None  # at the top, no heading row
        await pilot.press("O")
        await pilot.pause()
        assert isinstance(app.screen, OutlinePicker)
        assert [s.text for s in app.screen.sections] == [
            "The bowline",
            "Tying it behind your back",
            "The clove hitch",
            "Undoing knots",
        ]
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, OutlinePicker)
        heading = reader.current_heading
        assert heading is not None and heading.text == "The clove hitch"
        top = reader.render_line(0).text
        assert "## The clove hitch" in top
        assert app.focused is reader


async def test_brackets_step_through_headings_and_the_top_row_follows(archive: Path) -> None:
    app = BlogApp(archive, config=Config(), now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = await _open_knots(pilot)
        seen = []
        for _ in range(4):
            await pilot.press("right_square_bracket")
            await pilot.pause()
            assert reader.current_heading is not None
            seen.append(reader.current_heading.text)
        assert seen == [
            "The bowline",
            "Tying it behind your back",
            "The clove hitch",
            "Undoing knots",
        ]
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert reader.current_heading and reader.current_heading.text == "The clove hitch"
        await pilot.press("g")  # scrolling by other means updates the row too
        await pilot.pause()
        assert reader.current_heading is None
        await pilot.press("G")
        await pilot.pause()
        assert reader.current_heading and reader.current_heading.text == "Undoing knots"
        assert "## Undoing knots" in reader.render_line(0).text


async def test_outline_of_a_post_without_headings_says_so(archive: Path) -> None:
    app = BlogApp(archive, config=Config(), now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        reader = await opened(pilot)
        assert reader.post is not None and reader.post.title == "Flat"
        await pilot.press("O")
        await pilot.pause()
        assert isinstance(app.screen, OutlinePicker)
        assert app.screen.sections == []
        await pilot.press("escape")
        await pilot.press("right_square_bracket")  # no heading: a bell, nothing moves
        await pilot.pause()
        assert reader.scroll_y == 0


def _blogtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blogtui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_outline_command_prints_indented_headings_and_json(archive: Path) -> None:
    done = _blogtui("outline", "--archive", str(archive), "posts/knots.md")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "The bowline",
        "  Tying it behind your back",
        "The clove hitch",
        "Undoing knots",
    ]
    done = _blogtui("outline", "--archive", str(archive), "posts/knots.md", "--json")
    assert json.loads(done.stdout)[1] == {
        "level": 3,
        "text": "Tying it behind your back",
        "anchor": "tying-it-behind-your-back",
    }
