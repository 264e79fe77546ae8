"""SVG snapshots of the reader: main screen, a search, tag picker, help, a post at one size;
real-length titles, the preview and a sidebar without tags at 80x24, 140x42 and 220x60."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from blogtui.tui.app import BlogApp
from tests._pilot import opened, previewed, searched, settle
from tests.test_first_hour import write_long_titles
from tests.test_tui import make_app, write_archive

SIZE = (120, 36)
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def pinned() -> dict[str, str]:
    """The exact pins of pyproject.toml's test extra and runtime dependencies (name -> version)."""
    project = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]
    specs = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return {m[1].lower(): m[2] for s in specs if (m := re.fullmatch(r"([\w.-]+)==([\w.]+)", s))}


def test_the_pinned_renderers_are_installed() -> None:
    """A snapshot diff from a stale venv would look like a regression: say what to do instead."""
    wrong = {name: version(name) for name, want in pinned().items() if version(name) != want}
    assert {"textual", "rich", "pygments"} <= set(pinned())
    assert wrong == {}, f"installed {wrong}, pinned {pinned()}: run pip install '.[test]'"


@pytest.fixture
def app(tmp_path: Path) -> BlogApp:
    """The fixture archive without its broken post, so no notification toast is on screen."""
    root = write_archive(tmp_path / "blog")
    (root / "posts" / "broken.md").unlink()
    return make_app(root)


async def ready(pilot: Pilot[object]) -> None:
    for search in pilot.app.query(Input):
        search.cursor_blink = False
    await settle(pilot)


def test_main_screen(snap_compare, app: BlogApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_search(snap_compare, app: BlogApp) -> None:  # type: ignore[no-untyped-def]
    async def search(pilot: Pilot[object]) -> None:
        await ready(pilot)
        await pilot.press("slash", *"harbour")
        await searched(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=search)


def test_tag_picker(snap_compare, app: BlogApp) -> None:  # type: ignore[no-untyped-def]
    async def pick(pilot: Pilot[object]) -> None:
        await ready(pilot)
        await pilot.press("t")
        await pilot.pause()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.press(*"s", "down", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=pick)


def test_help(snap_compare, app: BlogApp) -> None:  # type: ignore[no-untyped-def]
    async def help_screen(pilot: Pilot[object]) -> None:
        await ready(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=help_screen)


def test_reading_pane(snap_compare, app: BlogApp) -> None:  # type: ignore[no-untyped-def]
    async def read(pilot: Pilot[object]) -> None:
        await ready(pilot)
        await pilot.press("j", "enter")
        await opened(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=read)


#: The sizes issue 15 looks at: the smallest terminal, a common one, a wide one.
SIZES = [(80, 24), (140, 42), (220, 60)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_real_length_titles(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """Titles up to 70 cells, whole beside the preview wherever the width allows."""
    app = make_app(write_long_titles(tmp_path / "site"))
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_preview_follows_the_cursor(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """Two posts down: the pane previews that post (below 100 columns the list has the room)."""
    app = make_app(write_long_titles(tmp_path / "site"))

    async def move(pilot: Pilot[object]) -> None:
        await ready(pilot)
        await pilot.press("j", "j")
        await previewed(pilot)

    assert snap_compare(app, terminal_size=size, run_before=move)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sidebar_without_tags(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """An archive with categories and years but no tags: no empty Tags section."""
    app = make_app(write_long_titles(tmp_path / "untagged", tagged=False))
    assert snap_compare(app, terminal_size=size, run_before=ready)
