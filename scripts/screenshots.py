"""Regenerate screenshots/*.svg from the demo archive with Textual's headless Pilot.

Usage: python scripts/screenshots.py [OUT_DIR]   (default: screenshots/ beside this script)

The output is deterministic: a fixed terminal size, theme and "now", no animations, no
blinking cursor, and a throwaway HOME/XDG cache and config so neither a user's config nor an
existing index can leak in. Running it twice leaves `git status --porcelain screenshots` empty.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from blogtui.tui.app import BlogApp

SIZE = (120, 36)
THEME = "textual-dark"
TITLE = "blogtui --demo"
#: The same instant the tests use, so the demo's future posts stay marked as future.
NOW = datetime(2026, 11, 1, tzinfo=UTC)
#: How many 50 ms polls to wait for the index before giving up (a busy CI machine is slow).
READY_POLLS = 600
OUT = Path(__file__).resolve().parent.parent / "screenshots"

#: A text element of Rich's SVG export: its textLength and its (escaped) text.
TEXT_ELEMENT = re.compile(r'(<text [^>]*?textLength=")([\d.]+)("[^>]*>)([^<]*)(</text>)')

Shot = Callable[["Pilot[int]"], Awaitable[None]]


def isolate(home: Path) -> None:
    """Point HOME and the XDG dirs at `home`; set before Textual is imported (it reads env once)."""
    for sub in ("cache", "config", "data", "state"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    os.environ["HOME"] = str(home)
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["XDG_DATA_HOME"] = str(home / "data")
    os.environ["XDG_STATE_HOME"] = str(home / "state")
    for name in ("BLOGTUI_CONFIG", "BLOGTUI_ARCHIVE", "NO_COLOR", "TEXTUAL"):
        os.environ.pop(name, None)
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    os.environ["COLORTERM"] = "truecolor"


async def settle(pilot: Pilot[int]) -> None:
    """Wait until the archive is indexed and every worker is done, then drop any toasts."""
    app: BlogApp = pilot.app  # type: ignore[assignment]
    # On a busy machine the first worker may not have started when we first look: poll.
    for _ in range(READY_POLLS):
        await pilot.pause()
        await app.workers.wait_for_complete()
        if app.main.indexed and not app.main.progress and not app.workers:
            break
        await asyncio.sleep(0.05)
    else:
        raise TimeoutError("the demo archive was not indexed in time")
    await pilot.pause()
    pilot.app.clear_notifications()
    await pilot.pause()


def still_cursors(pilot: Pilot[int]) -> None:
    """Stop text cursors blinking, so a shot never catches one half-way."""
    from textual.widgets import Input

    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False


async def highlight(pilot: Pilot[int], path: str) -> None:
    """Move the post list's cursor onto the post at `path`."""
    from blogtui.tui.widgets.post_list import PostList

    app: BlogApp = pilot.app  # type: ignore[assignment]
    post_list = app.main.query_one(PostList)
    post_list.cursor = [post.path for post in post_list.posts].index(path)
    await pilot.pause()


async def main_screen(pilot: Pilot[int]) -> None:
    """The front door: a post open beside the list, the list focused."""
    await highlight(pilot, "posts/sourdough-pizza-on-friday.md")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("escape")  # back to the list, the post stays in the pane


async def search(pilot: Pilot[int]) -> None:
    """A search as you type: matched words marked, sidebar counts follow the results."""
    await pilot.press("slash", *"sourdough")
    still_cursors(pilot)
    await pilot.press("enter")


async def tag_picker(pilot: Pilot[int]) -> None:
    """The tag picker with one tag picked, then the narrowing text cleared again."""
    await pilot.press("t")
    await pilot.pause()
    still_cursors(pilot)
    await pilot.press(*"rust", "enter", *("backspace",) * 4)


async def reading(pilot: Pilot[int]) -> None:
    """A post being read: header, headings and highlighted code."""
    await highlight(pilot, "posts/rust-and-go-side-by-side.md")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("j", "j", "j", "j", "j", "j")


async def help_screen(pilot: Pilot[int]) -> None:
    """Every key, as `?` lists them."""
    await pilot.press("question_mark")


SHOTS: dict[str, Shot] = {
    "main": main_screen,
    "search": search,
    "tag-picker": tag_picker,
    "reading": reading,
    "help": help_screen,
}


def widen_wide_text(svg: str) -> str:
    """Give CJK and other wide text its real width in the SVG.

    Rich's export sets textLength from len(text), not from terminal cells, so a viewer squeezes
    double-width characters into half their width (Textualize/rich#2742, open).
    """
    from rich.cells import cell_len

    def fix(match: re.Match[str]) -> str:
        head, length, middle, escaped, tail = match.groups()
        text = html.unescape(escaped)
        cells = cell_len(text)
        if cells <= len(text):  # only wide text was squeezed; "\n" has 0 cells
            return match.group(0)
        width = float(length) / len(text) * cells
        return f"{head}{width:g}{middle}{escaped}{tail}"

    return TEXT_ELEMENT.sub(fix, svg)


async def take(name: str, shot: Shot) -> str:
    """Start the app on the demo archive, play `shot`, and return the screen as SVG."""
    from blogtui.config import Config
    from blogtui.demo import ROOT
    from blogtui.tui.app import BlogApp

    app = BlogApp(ROOT, config=Config(theme=THEME), now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await shot(pilot)
        await settle(pilot)
        still_cursors(pilot)
        await pilot.pause()
        return widen_wide_text(app.export_screenshot(title=TITLE))


def main(argv: list[str]) -> int:
    """Write every shot into the output folder; print what was written."""
    out = Path(argv[1]) if len(argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="blogtui-shots-") as home:
        isolate(Path(home))
        for name, shot in SHOTS.items():
            svg = asyncio.run(take(name, shot))
            target = out / f"{name}.svg"
            target.write_text(svg, encoding="utf-8")
            print(f"wrote {target} ({len(svg) // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
