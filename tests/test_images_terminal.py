"""Pictures in a real terminal: the installed `blogtui` in tmux draws them as half-blocks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests._images import hugo_site
from tests.test_terminal_tui import Terminal, terminal  # noqa: F401  (the fixture)

pytestmark = pytest.mark.terminal


def test_tmux_shows_the_pictures_of_a_post_in_half_blocks(
    terminal: Terminal,  # noqa: F811
    isolated_home: Path,
    tmp_path: Path,
) -> None:
    content = hugo_site(tmp_path / "site")
    env = {k: os.environ[k] for k in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "PATH")}
    terminal.start(f"blogtui {content}", env)  # images = "auto": inside tmux, half-blocks
    terminal.wait_for("1/1 post")
    terminal.wait_until(
        lambda screen: "indexing" not in screen and " index…" not in screen, "the index built"
    )
    terminal.keys("Enter")
    terminal.wait_for("[image: The lighthouse]")
    screen = terminal.wait_until(
        lambda screen: "⧗" not in screen and screen.count("▀") > 32 * 8,
        "the lighthouse drawn in half-blocks",
    )
    rows = [line for line in screen.splitlines() if "▀" * 32 in line]
    assert len(rows) == 8, screen  # 320x160 pixels at 10x20-pixel cells
    assert "EXITED" not in screen
    terminal.keys("q")
    terminal.wait_for("EXITED-0")
