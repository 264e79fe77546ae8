"""SVG snapshot of a post with pictures in half-block mode (what tmux and most terminals show)."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from blogtui.config import Config
from blogtui.tui.app import BlogApp
from tests._images import hugo_site
from tests._pilot import opened, settle, until
from tests.conftest import NOW

SIZE = (100, 34)


def test_pictures_in_half_blocks(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def read(pilot: Pilot[object]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        reader = await opened(pilot)
        await until(pilot, lambda: all(s.done for s in reader.page.spots), "the pictures")
        await settle(pilot)

    app = BlogApp(hugo_site(tmp_path / "site"), config=Config(images="blocks"), now=NOW)
    assert snap_compare(app, terminal_size=SIZE, run_before=read)
