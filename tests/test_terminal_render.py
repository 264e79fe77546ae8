"""The installed `blogtui` in a real terminal (tmux): emoji titles keep every row in place.

tmux 3.3a gives a VS16 emoji one cell where Rich gives two, and joins skin tones that other
terminals do not; blogtui shows the forms they agree on, so the list's border and the
reading pane's header stay where they belong. The vault is written here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from blogtui.markup.breaks import text_cells
from tests.test_terminal_tui import Terminal, terminal  # noqa: F401  (the fixture)

pytestmark = pytest.mark.terminal

TITLES = [
    "Hiking Catbells 🏞️",
    "Love ❤️ and keycaps 1️⃣",
    "A family 👨‍👩‍👧 waves 👋🏽",
    "Runner 🏃‍♀️ and flag 🇵🇹",
    "Plain title",
]


def write_vault(root: Path) -> Path:
    for number, title in enumerate(TITLES, start=1):
        path = root / f"note-{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {title}\ndate: 2025-01-{number:02d}\n---\nBody {number}.\n")
    return root


def border_columns(screen: str) -> list[int]:
    """The cell column of the list's right border on every row that lists a post."""
    columns = []
    for line in screen.splitlines():
        if "2025-01-" in line and "▏" in line:
            columns.append(text_cells(line[: line.index("▏")]))
    return columns


def test_emoji_titles_keep_the_list_border_and_the_header_in_place(
    terminal: Terminal,  # noqa: F811
    tmp_path: Path,
    isolated_home: Path,
) -> None:
    vault = write_vault(tmp_path / "vault")
    env = {k: os.environ[k] for k in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "PATH")}
    terminal.start(f"blogtui {vault}", env)
    listed = f"{len(TITLES)}/{len(TITLES)} posts"
    screen = terminal.wait_until(  # the count and the rows: a loaded machine may draw apart
        lambda shown: listed in shown and len(border_columns(shown)) == len(TITLES), listed
    )
    columns = border_columns(screen)
    assert len(columns) == len(TITLES) and len(set(columns)) == 1, screen
    for number in range(len(TITLES)):  # each emoji title in the reading pane's header
        terminal.keys("g", *["j"] * number, "Enter")
        screen = terminal.wait_for(f"note-{len(TITLES) - number}.md")
        assert "▏▏" not in screen, screen
        assert len(set(border_columns(screen))) == 1, screen
        terminal.keys("BTab")  # back to the list
    terminal.keys("q")
