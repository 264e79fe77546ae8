"""Pilot tests of what the reading pane draws: callouts, footnotes, wiki-links followed to a
heading, find marks in every theme, CJK paragraphs, and emoji titles that keep their rows.

The vault below is written for these tests (never corpus text).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.style import Style

from blogtui.config import Config
from blogtui.tui.app import BlogApp
from blogtui.tui.screens.links import LinkPicker
from blogtui.tui.widgets.post_list import PostList
from blogtui.tui.widgets.reader import Reader
from tests.conftest import NOW

CJK = (
    "时光匆匆又是一年。我们一起走过了很多山路，"
    "也在山顶看到了许多不同的风景，句号和逗号不会出现在行首。"
)
FILLER = "\n\n".join(f"Filler paragraph {n} about stiles, gates and sheep." for n in range(60))

VAULT = {
    "notes/walks.md": f"""\
        ---
        title: Hiking Catbells 🏞️
        date: 2025-05-01
        tags: [walks]
        ---
        The tide of walkers rises at noon; the tide falls after two; the TIDE turns.

        > [!warning] Mind the scramble
        > The last stretch is **steep**.

        Rebuilt in 2019[^path] and busy early[^cars].

        Read [[Route Notes#Descent by the Valley|the route notes]] or [[Kit]].

        {CJK * 2}

        [^path]: By volunteers, see https://example.org/paths/%E5%B1%B1%E8%B7%AF
        [^cars]: Arrive before eight.
        """,
    "notes/deep/Route Notes.md": """\
        ---
        title: Route Notes
        date: 2025-04-01
        ---
        ## Ascent

        FILLER

        ## Descent by the valley!

        Follow the beck back to the shore.
        """,
    "notes/mixed.mdx": """\
        ---
        title: Mixed dialects
        date: 2024-01-01
        ---
        import Tabs from '@theme/Tabs';

        Intro {/* a lint directive */} text. <!-- hidden [x](https://hidden.example) -->

        <Tabs>
          <TabItem value="npm" label="npm">
            ```sh
            npm i {{< not-a-shortcode >}}
            ```
          </TabItem>
        </Tabs>

        <details>
        <summary>Why this way</summary>

        Because **reasons**.

        </details>

        {{< youtube abc123 >}}

        ```jinja
        {% if page %}{{ page.title }}{% endif %}
        ```

        [![Build](https://img.example/badge.svg)](https://ci.example/job)
        """,
    "notes/Kit.md": """\
        ---
        title: Kit 🥾 and a family 👨‍👩‍👧 of 👍🏽 ❤️ flags 🇵🇹
        date: 2025-03-01
        aliases: [Gear]
        ---
        Boots, a map, water.
        """,
}
SIZE = (140, 40)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    for rel, text in VAULT.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).replace("FILLER", FILLER), encoding="utf-8")
    return root


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait for every worker and the messages they post."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_first(pilot) -> Reader:  # type: ignore[no-untyped-def]
    """Open the newest post (Hiking Catbells) in the pane."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    reader: Reader = pilot.app.main.query_one(Reader)
    assert reader.post is not None and reader.post.path == "notes/walks.md"
    return reader


def app_for(vault: Path, theme: str = "textual-dark") -> BlogApp:
    return BlogApp(vault, config=Config(theme=theme), now=NOW)


async def test_a_callout_is_a_box_labelled_by_its_kind_and_title(vault: Path) -> None:
    async with app_for(vault).run_test(size=SIZE) as pilot:
        lines = (await open_first(pilot)).text.split("\n")
        top = next(i for i, line in enumerate(lines) if "Warning: Mind the scramble" in line)
        assert lines[top].lstrip().startswith("╭─ Warning: Mind the scramble ─")
        assert lines[top + 1].strip().startswith("│ The last stretch is steep.")
        assert lines[top + 2].lstrip().startswith("╰─")
        assert "[!warning]" not in "\n".join(lines)


async def test_footnotes_are_numbered_and_listed_at_the_end(vault: Path) -> None:
    async with app_for(vault).run_test(size=SIZE) as pilot:
        text = (await open_first(pilot)).text
        assert "Rebuilt in 2019[1] and busy early[2]." in text
        notes = text[text.index("Notes ─") :]
        assert "[1] By volunteers, see" in notes and "https://example.org/paths/山路" in notes
        assert "[2] Arrive before eight." in notes
        assert text.index("Notes ─") > text.index("时光匆匆")  # after the whole post


async def test_a_wiki_link_opens_its_page_at_the_heading_and_backspace_returns(
    vault: Path,
) -> None:
    async with app_for(vault).run_test(size=SIZE) as pilot:
        reader = await open_first(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, LinkPicker)
        targets = [link.target for link in pilot.app.screen.links]
        assert targets[:2] == ["[[Route Notes#Descent by the Valley]]", "[[Kit]]"]
        await pilot.press("enter")
        await settle(pilot)
        assert reader.post is not None and reader.post.path == "notes/deep/Route Notes.md"
        top, height = round(reader.scroll_y), reader.scrollable_content_region.height
        heading = next(i for i, line in enumerate(reader.page.plain) if "Descent by" in line)
        assert top > 0 and top <= heading < top + height  # scrolled to show the heading
        await pilot.press("backspace")
        await settle(pilot)
        assert reader.post is not None and reader.post.path == "notes/walks.md"
        await pilot.press("o", "down", "enter")  # [[Kit]]: by file name
        await settle(pilot)
        assert reader.post is not None and reader.post.path == "notes/Kit.md"


async def test_a_wiki_link_by_alias_and_to_nowhere(vault: Path) -> None:
    from blogtui.tui.links import follow

    async with app_for(vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        catalogue = pilot.app.main.catalogue
        found = follow("[[gear]]", "notes/walks.md", catalogue, vault)
        assert found.post is not None and found.post.path == "notes/Kit.md"
        nowhere = follow("[[No Such Page]]", "notes/walks.md", catalogue, vault)
        assert nowhere.post is None and not nowhere.external and "No Such Page" in nowhere.reason


def _background(reader: Reader, line: int, column: int) -> object:
    strip = reader.render_line(line - round(reader.scroll_y))
    position = 0
    for segment in strip:
        width = cell_len(segment.text)
        if position <= column < position + width:
            style: Style = segment.style or Style()
            return style.bgcolor
        position += width
    raise AssertionError(f"no cell {column} on line {line}")


THEMES = ["textual-dark", "textual-light", "gruvbox", "solarized-light", "nord", "dracula"]


@pytest.mark.parametrize("theme", THEMES)
async def test_find_marks_every_match_and_the_current_one_distinctly(
    vault: Path, theme: str
) -> None:
    async with app_for(vault, theme).run_test(size=SIZE) as pilot:
        reader = await open_first(pilot)
        await pilot.press("f", *"tide", "enter")
        await pilot.pause()
        matches = reader._matches
        assert len(matches) == 3  # the search ignores case: tide, tide, TIDE
        line, start, _ = matches[0]
        plain_background = _background(reader, line, 0)
        current = _background(reader, line, start)
        others = [_background(reader, ln, s) for ln, s, _ in matches[1:]]
        assert current != plain_background
        assert all(other not in (plain_background, current) for other in others)
        await pilot.press("n")
        assert _background(reader, *matches[1][:2]) == current  # the mark moves with n


async def test_a_cjk_paragraph_fills_its_lines(vault: Path) -> None:
    async with app_for(vault).run_test(size=SIZE) as pilot:
        reader = await open_first(pilot)
        width = reader.render_width
        lines = [line.rstrip() for line in reader.page.plain if "时光" in line or "山" in line]
        first = reader.page.plain.index(next(line for line in reader.page.plain if "时光" in line))
        block = [line.rstrip() for line in reader.page.plain[first : first + 4]]
        assert lines and all(cell_len(line) >= width - 2 for line in block[:2])
        assert not any(line.lstrip().startswith(("。", "，")) for line in block)


async def test_mdx_html_and_shortcodes_read_as_what_they_mean(vault: Path) -> None:
    async with app_for(vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("G", "enter")  # the oldest post: Mixed dialects
        await settle(pilot)
        reader = pilot.app.main.query_one(Reader)
        text = reader.text
        assert reader.post is not None and reader.post.path == "notes/mixed.mdx"
        assert "import" not in text and "lint directive" not in text and "hidden" not in text
        assert "╭─ npm" in text and "npm i {{< not-a-shortcode >}}" in text
        assert "╭─ details: Why this way" in text and "Because reasons." in text
        assert "[video: https://www.youtube.com/watch?v=abc123]" in text
        assert "{% if page %}{{ page.title }}{% endif %}" in text
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, LinkPicker)
        found = [(link.label, link.target) for link in pilot.app.screen.links]
        assert ("Build", "https://ci.example/job") in found
        assert not any("hidden" in target or "badge.svg" in target for _, target in found)


async def test_emoji_titles_keep_every_row_and_border_in_place(vault: Path) -> None:
    async with app_for(vault).run_test(size=SIZE) as pilot:
        await settle(pilot)
        posts = pilot.app.main.query_one(PostList)
        width = posts.scrollable_content_region.width
        rows = [posts.render_line(y) for y in range(3)]  # the three 2025 posts, newest first
        assert [row.cell_length for row in rows] == [width] * 3
        shown = ["".join(segment.text for segment in row) for row in rows]
        assert "Hiking Catbells 🏞 " in shown[0] and "\ufe0f" not in "".join(shown)
        assert "👨👩👧 of 👍" in shown[2]  # the forms every terminal agrees on
        await pilot.press("enter")
        await settle(pilot)
        header = pilot.app.main.query_one(Reader).page.plain[0]
        assert header.startswith("Hiking Catbells 🏞") and "▏" not in header
