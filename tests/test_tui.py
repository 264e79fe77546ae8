"""Pilot tests of the reader: each key on a small archive written here, asserting what shows."""

from __future__ import annotations

import sys
import textwrap
import threading
from datetime import datetime
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, OptionList

from blogtui.config import Config
from blogtui.tui.app import BlogApp
from blogtui.tui.external import body_line
from blogtui.tui.library import Library, as_prefix
from blogtui.tui.screens import main as main_screen
from blogtui.tui.screens.help import HelpScreen
from blogtui.tui.screens.links import LinkPicker
from blogtui.tui.screens.main import MainScreen
from blogtui.tui.screens.picker import TermPicker
from blogtui.tui.watcher import Watcher
from blogtui.tui.widgets.post_list import PostList
from blogtui.tui.widgets.reader import Reader
from blogtui.tui.widgets.taxonomy import Sidebar
from tests._pilot import opened, searched, settle, until
from tests.conftest import NOW

LONG_PARAGRAPH = "The lighthouse keeper counted the waves again. " * 12

POSTS = {
    "posts/harbour-lights.md": """\
        ---
        title: Harbour Lights
        date: 2025-06-02
        tags: [sailing, night walks]
        categories: [Travel]
        author: Mira Quill
        ---
        We walked along the harbour wall after dark.

        ## The breakwater

        See also [the lighthouse visit](../lighthouse-visit/) and
        [the cookbook]({{< ref "posts/soup-season.md" >}}).

        ```python
        print("harbour")
        ```

        | boat | colour |
        |------|--------|
        | Wren | blue   |

        {{< figure src="/img/wall.jpg" caption="The wall at night" >}}
        """,
    "posts/lighthouse-visit.md": """\
        ---
        title: Lighthouse Visit
        date: 2025-03-14
        tags: [sailing, history]
        categories: [Travel]
        ---
        The lighthouse has 117 steps and one very patient keeper.

        The keeper told us the lighthouse was painted twice a year.
        """,
    "posts/soup-season.md": """\
        ---
        title: Soup Season
        date: 2024-11-20
        tags: [cooking]
        categories: [Food]
        ---
        Leek and potato, then a lentil soup with too much cumin.
        """,
    "posts/unfinished-draft.md": """\
        ---
        title: Notes Toward a Harbour Guide
        date: 2024-02-01
        draft: true
        tags: [sailing]
        categories: [Travel]
        ---
        Half an idea about tides.
        """,
    "posts/next-summer.md": """\
        ---
        title: Plans for Next Summer
        date: 2027-07-01
        tags: [night walks]
        categories: [Life]
        ---
        Somewhere with long evenings.
        """,
    "posts/the-long-one.md": (
        "---\ntitle: The Long One\ndate: 2023-05-05\ntags: [history]\ncategories: [Life]\n---\n"
        + "\n\n".join(f"## Part {n}\n\n{LONG_PARAGRAPH}" for n in range(1, 80))
        + "\n\nThe final word is albatross.\n"
    ),
    "posts/broken.md": """\
        ---
        title: [unclosed
        date: 2023-01-01
        ---
        This front matter is not YAML.
        """,
}


def write_archive(root: Path) -> Path:
    """The fixture archive: six readable posts (a draft, a future one, a long one), one broken."""
    for rel, text in POSTS.items():
        path = root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if text.startswith("---") else textwrap.dedent(text), encoding="utf-8")
    return root / "content"


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "blog")


def make_app(root: Path, config: Config | None = None, now: datetime = NOW) -> BlogApp:
    """The app as `blogtui ROOT` builds it, with a fixed `now` so future posts stay future."""
    return BlogApp(root, config=config or Config(), now=now)


def titles(app: BlogApp) -> list[str]:
    return [post.title for post in app.main.query_one(PostList).posts]


def status(app: BlogApp) -> str:
    bar = app.main
    return f"{bar.query_one('#status').render()} | {bar.query_one('#count').render()}"


def sidebar_labels(app: BlogApp) -> list[str]:
    sidebar = app.main.query_one(Sidebar)
    prompts = [str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)]
    # a term line pads its name to right-align the count: compare as "  name 3"
    return [p[:2] + " ".join(p[2:].split()) if p.startswith("  ") else p for p in prompts]


async def test_main_screen_lists_posts_newest_first_with_counts(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert titles(app)[:3] == ["Plans for Next Summer", "Harbour Lights", "Lighthouse Visit"]
        assert len(titles(app)) == 7  # the broken post too, with what could be read
        assert "7/7 posts" in status(app)
        labels = sidebar_labels(app)
        assert "  sailing 3" in labels and "  Travel 3" in labels and "  2025 2" in labels
        row = app.main.query_one(PostList).row_text(app.main.query_one(PostList).posts[0]).plain
        assert "future" in row and "#night walks" in row


async def test_the_list_shows_before_its_counts(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm archive lists its posts first; the sidebar says it is counting, then counts."""
    from blogtui.search.index import PostIndex
    from blogtui.search.shelf import Shelf

    PostIndex.open(archive, now=NOW).close()  # a warm index, as on every start but the first
    counted = threading.Event()
    count_all = Shelf.facets

    def held(self: Shelf, ids: object = None) -> object:
        if ids is None:  # every post's counts: what the first paint leaves for later
            counted.wait(30)
        return count_all(self, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(Shelf, "facets", held)
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(titles(app)) == 7, "the list")
        assert sidebar_labels(app) == ["counting…"]
        assert titles(app)[:2] == ["Plans for Next Summer", "Harbour Lights"]
        counted.set()
        await settle(pilot)
        labels = sidebar_labels(app)
        assert "  sailing 3" in labels and "counting…" not in labels


async def test_broken_post_is_reported_and_explained(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("broken.md" in m for m in messages)
        post_list = app.main.query_one(PostList)
        post_list.cursor = [p.path for p in post_list.posts].index("posts/broken.md")
        await pilot.press("enter")
        await opened(pilot)
        shown = app.main.query_one(Reader).text
        problem = next(p for p in app.library.problems if p.path == "posts/broken.md")  # type: ignore[union-attr]
        assert problem.reason in shown.replace("\n", " ") or problem.reason[:30] in shown
        app.main.show_problems()
        await settle(pilot)
        assert "posts/broken.md" in app.main.query_one(Reader).text


async def test_slash_searches_as_you_type_and_marks_titles(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"lighthouse")
        await searched(pilot)
        # sorted by date; the long post mentions a lighthouse keeper
        assert titles(app) == ["Harbour Lights", "Lighthouse Visit", "The Long One"]
        post_list = app.main.query_one(PostList)
        row = post_list.row_text(post_list.posts[1])
        assert any(span.end - span.start == len("Lighthouse") for span in row.spans[1:])
        assert "  Food 1" not in sidebar_labels(app)
        assert f"{len(titles(app))}/7 posts" in status(app)
        await pilot.press("escape", "s", "s")  # leave the bar; title, then relevance
        await settle(pilot)
        assert titles(app)[0] == "Lighthouse Visit"  # the word is in its title
        assert "sort: relevance" in status(app)


async def test_printable_keys_are_text_in_the_search_bar(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "q", "t", "y")
        assert app.main.query_one("#search", Input).value == "qty"
        assert app.is_running and isinstance(app.screen, MainScreen)


async def test_malformed_query_says_what_is_wrong(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *'"unclosed', "enter")
        await settle(pilot)
        assert app.main.error and app.main.error in status(app)


async def test_tag_picker_narrows_and_ands_several_tags(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TermPicker)
        await pilot.press(*"sail", "enter")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        assert options.option_count == 1
        assert str(options.get_option_at_index(0).prompt).startswith("✓ sailing")
        await pilot.press(*("backspace",) * 4, *"hist", "enter", "escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert titles(app) == ["Lighthouse Visit"]
        assert "tag:history" in status(app) and "tag:sailing" in status(app)


async def test_tag_names_with_spaces_can_be_typed(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"night w", "enter", "escape")
        await settle(pilot)
        assert titles(app) == ["Plans for Next Summer", "Harbour Lights"]


async def test_category_and_year_pickers_filter(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c", *"food", "enter", "escape")
        await settle(pilot)
        assert titles(app) == ["Soup Season"]
        await pilot.press("escape")  # the innermost filter goes
        await settle(pilot)
        await pilot.press("y", *"2025", "enter")  # a year is one pick: enter closes
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert titles(app) == ["Harbour Lights", "Lighthouse Visit"]


async def test_escape_leaves_search_then_clears_filters_innermost_first(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"sailing", "enter", "escape")
        await pilot.press("slash", *"harbour")
        await searched(pilot)
        assert app.focused is app.main.query_one("#search")
        await pilot.press("escape")
        assert isinstance(app.focused, PostList)
        await pilot.press("escape")
        await settle(pilot)
        assert not app.main.filters.tags and app.main.filters.text == "harbour"
        await pilot.press("escape")
        await settle(pilot)
        assert app.main.filters.text == "" and len(titles(app)) == 7


async def test_list_moves_with_vim_keys_and_arrows(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        post_list = app.main.query_one(PostList)
        await pilot.press("j", "j", "down")
        assert post_list.cursor == 3
        await pilot.press("k", "up")
        assert post_list.cursor == 1
        await pilot.press("G")
        assert post_list.highlighted and post_list.highlighted.path == "posts/broken.md"
        await pilot.press("g")
        assert post_list.cursor == 0


async def test_enter_reads_the_post_in_the_pane(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        reader = await opened(pilot)
        text = reader.text
        assert (
            "Harbour Lights" in text and "Mira Quill" in text and "posts/harbour-lights.md" in text
        )
        assert "walked along the harbour wall" in text
        assert "The breakwater" in text and "Wren" in text and 'print("harbour")' in text
        assert "The wall at night" in text  # the figure shortcode, readable
        assert "{{<" not in text


async def test_space_and_b_page_the_reader(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G", "k", "enter")
        reader = await opened(pilot)
        assert reader.page.complete and "albatross" in reader.text
        await pilot.press("space")
        await pilot.wait_for_scheduled_animations()  # the page scrolls smoothly
        paged = reader.scroll_y
        assert paged > 10
        await pilot.press("b")
        await pilot.wait_for_scheduled_animations()
        assert reader.scroll_y < paged


async def test_space_pages_the_list(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        assert app.main.query_one(PostList).cursor == 6  # all seven rows fit: one page is the end
        await pilot.press("b")
        assert app.main.query_one(PostList).cursor == 0


async def test_tab_switches_panes(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, PostList)
        await pilot.press("tab")
        await until(pilot, lambda: isinstance(app.focused, Reader), "the reading pane's focus")
        await pilot.press("tab")
        assert isinstance(app.focused, Sidebar)
        await pilot.press("j", "enter")  # first selectable term: a category
        await settle(pilot)
        assert app.main.filters.categories


async def test_s_cycles_sort(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert app.main.filters.sort == "title"
        assert titles(app)[:2] == ["Broken", "Harbour Lights"]
        assert "sort: title" in status(app)
        await pilot.press("s")
        await settle(pilot)
        assert app.main.filters.sort == "relevance"
        await pilot.press("s")
        assert app.main.filters.sort == "date"


async def test_e_opens_the_editor_and_reindexes(archive: Path, tmp_path: Path) -> None:
    script = tmp_path / "fake_editor.py"
    script.write_text(
        "import sys\nopen(sys.argv[-1], 'a').write('\\nAn edit made in the editor.\\n')\n"
        "open(sys.argv[-1] + '.args', 'w').write(' '.join(sys.argv[1:]))\n"
    )
    config = Config(editor=f"{sys.executable} {script}")
    app = make_app(archive, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "enter")
        await opened(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert "An edit made in the editor." in app.main.query_one(Reader).text
    assert (archive / "posts/lighthouse-visit.md.args").exists()


def test_editor_gets_the_body_line(archive: Path) -> None:
    app = make_app(archive, Config(editor="nvim"))
    post = type("P", (), {"path": "posts/soup-season.md"})()
    assert app.editor_command(post)[:2] == ["nvim", "+7"]  # type: ignore[arg-type]
    assert body_line(archive / "posts/soup-season.md") == 7


async def test_o_lists_links_and_follows_one_to_a_post_then_backspace(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await opened(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, LinkPicker)
        targets = [link.target for link in app.screen.links]
        assert targets[:2] == ["../lighthouse-visit/", "posts/soup-season.md"]
        await pilot.press("enter")
        await settle(pilot)
        reader = app.main.query_one(Reader)
        assert reader.post and reader.post.title == "Lighthouse Visit"
        await pilot.press("backspace")
        await settle(pilot)
        assert reader.post and reader.post.title == "Harbour Lights"
        await pilot.press("o", "down", "enter")  # the Hugo ref link
        await settle(pilot)
        assert reader.post and reader.post.title == "Soup Season"


async def test_f_finds_in_the_post_and_n_moves(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "enter")
        await opened(pilot)
        await pilot.press("f", *"keeper", "enter")
        await pilot.pause()
        assert "1/2 'keeper'" in status(app)
        await pilot.press("n")
        assert "2/2 'keeper'" in status(app)
        await pilot.press("N")
        assert "1/2 'keeper'" in status(app)
        await pilot.press("escape")
        assert "keeper" not in status(app)


async def test_files_changed_outside_show_up(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_screen, "POLL_INTERVAL", 0.2)
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        (archive / "posts/new-arrival.md").write_text(
            "---\ntitle: A New Arrival\ndate: 2026-01-05\n---\nFresh.\n", encoding="utf-8"
        )
        (archive / "posts/soup-season.md").unlink()
        await until(
            pilot,
            lambda: "A New Arrival" in titles(app) and "Soup Season" not in titles(app),
            "the poll to show the added post and drop the deleted one",
        )
        await settle(pilot)
        assert "7/7 posts" in status(app)


async def test_r_reloads_the_archive_and_the_open_post(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_screen, "POLL_INTERVAL", 3600)  # only r can see the change
    monkeypatch.setattr(Watcher, "start", lambda self: "no events in this test")
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "enter")  # Lighthouse Visit
        reader = await opened(pilot)
        path = archive / "posts/lighthouse-visit.md"
        path.write_text(path.read_text("utf-8") + "\nA postscript about gulls.\n", "utf-8")
        (archive / "posts/soup-season.md").unlink()
        await settle(pilot)
        assert "Soup Season" in titles(app) and "gulls" not in reader.text
        await pilot.press("r")
        await settle(pilot)
        assert "Soup Season" not in titles(app) and "6/6 posts" in status(app)
        assert "A postscript about gulls." in reader.text


async def test_question_mark_lists_every_key_including_remaps(archive: Path) -> None:
    app = make_app(archive, Config(keymap={"find": "ctrl+f"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = "".join(s.text for s in app.console.render(app.screen.table))
        for key, what in [("/", "Search"), ("ctrl+f", "Find"), ("q", "Quit"), ("s", "Sort")]:
            assert key in text and what in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_remapped_key_works(archive: Path) -> None:
    app = make_app(archive, Config(keymap={"tags": "ctrl+t"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, TermPicker)


async def test_ctrl_p_palette_offers_the_same_actions(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        titles_offered = [c.title for c in app.get_system_commands(app.main)]
        for action in ("Search", "Tags", "Categories", "Year", "Sort", "Edit", "Find", "Problems"):
            assert action in titles_offered


async def test_q_quits(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_empty_archive_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    app = make_app(empty)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "0/0 posts" in status(app)
        assert "No posts in" in app.main.query_one(Reader).text


async def test_no_results_state(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zzzyzzx", "enter")
        await settle(pilot)
        assert titles(app) == []
        assert "No posts match" in app.main.query_one(Reader).text


async def test_fits_80x24_with_list_and_reader_taking_turns(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.main.query_one(Sidebar).display or app.main.has_class("narrow")
        await pilot.press("enter")
        reader = await opened(pilot)
        assert reader.size.width >= 70
        assert max(len(line) for line in reader.text.splitlines()) > 40  # rendered at its width
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.focused, PostList)


async def test_bad_theme_in_config_warns_and_uses_default(archive: Path) -> None:
    app = make_app(archive, Config(theme="no-such-theme"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        assert any("no-such-theme" in n.message for n in app._notifications)


async def test_light_theme_from_config(archive: Path) -> None:
    app = make_app(archive, Config(theme="textual-light"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-light" and not app.current_theme.dark


async def test_changing_the_theme_redraws_the_open_post(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        reader = app.main.query_one(Reader)
        assert reader.look.dark and reader.page.post is not None
        app.theme = "textual-light"
        await settle(pilot)
        assert not reader.look.dark
        assert reader.page.post is not None and reader.page.post.title == "Harbour Lights"


def test_links_resolve_relative_ref_and_post_url() -> None:
    from blogtui.model import Post
    from blogtui.tui.links import resolve
    from blogtui.tui.rendering import links_of

    posts = [
        Post(path="_posts/2010-07-21-first-steps.md", title="First", slug="first-steps"),
        Post(path="content/posts/tides/index.md", title="Tides", slug="tides"),
        Post(path="content/posts/moon.md", title="Moon", slug="moon"),
    ]
    here = "content/posts/moon.md"
    assert resolve("post_url:2010-07-21-first-steps", here, posts) is posts[0]
    assert resolve("2010-07-21-first-steps", here, posts) is posts[0]  # as blogtui.render gives it
    assert resolve("../tides/", here, posts) is posts[1]
    assert resolve("tides/index.md", here, posts) is posts[1]
    assert resolve("https://example.org/tides/", here, posts) is None
    assert resolve("../../nowhere/", here, posts) is None
    post = Post(path=here, title="Moon", slug="moon", body='{{< figure src="/m.png" >}} [a](b.md)')
    assert [(link.target, link.image) for link in links_of(post)] == [
        ("/m.png", True),
        ("b.md", False),
    ]


async def test_unknown_keymap_id_is_reported(archive: Path) -> None:
    app = make_app(archive, Config(keymap={"no.such.binding": "ctrl+z", "quit": "ctrl+q"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert any("no.such.binding" in n.message for n in app._notifications)
        await pilot.press("q")  # q is no longer quit: the list ignores it
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_keymap_reaches_screens_the_help_does_not_list(archive: Path) -> None:
    # The links picker has no section in the help; its keys are remapped all the same.
    app = make_app(archive, Config(keymap={"links.close": "x"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not any("keymap" in n.message for n in app._notifications)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, LinkPicker)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


def test_every_binding_the_help_lists_can_be_remapped() -> None:
    from blogtui.tui import keys

    remappable = keys.binding_ids(BlogApp.BINDINGS)
    sections = keys.help_sections(BlogApp.BINDINGS)
    listed = {b.id for _, group in sections for b in keys.plain(group) if b.id}
    assert len(listed) > 30 and listed <= remappable
    assert {"find.cancel", "help.close", "links.close"} <= remappable - listed


async def test_cold_start_lists_posts_from_front_matter_while_the_index_builds(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    build = Library.refresh

    def slow_build(self: Library, progress: object = None, **how: object) -> object:
        release.wait(20)  # a big archive's cold build: the list must not wait for it
        return build(self, progress, **how)  # type: ignore[arg-type]

    monkeypatch.setattr(Library, "refresh", slow_build)
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(titles(app)), "the front-matter preview")
        assert not app.main.indexed
        assert len(titles(app)) == 7 and "7/7 posts" in status(app)
        assert any(label.startswith("  ") for label in sidebar_labels(app))  # counts shown
        await pilot.press("enter")  # a post opens while the index is still building
        reader = app.main.query_one(Reader)
        first = titles(app)[0]
        await until(
            pilot, lambda: reader.post is not None and reader.post.title == first, "the post"
        )
        assert not app.main.indexed
        release.set()
        await settle(pilot)
        assert app.main.indexed and len(titles(app)) == 7


async def test_an_unfinished_word_matches_as_a_prefix_while_typing(archive: Path) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"lighth")  # nothing is indexed as "lighth" itself
        await searched(pilot)
        assert sorted(titles(app)) == ["Harbour Lights", "Lighthouse Visit", "The Long One"]
        post_list = app.main.query_one(PostList)
        row = post_list.row_text(next(p for p in post_list.posts if p.title == "Lighthouse Visit"))
        assert any(span.end - span.start == len("Lighthouse") for span in row.spans[1:])
        await pilot.press("space", *"zz")  # a finished word, then two letters: no prefixing
        await searched(pilot)
        assert titles(app) == []


def test_as_prefix_only_extends_a_plain_last_word() -> None:
    assert as_prefix("the sourd") == "the sourd*"
    assert as_prefix("café") == "café*"
    for text in ("so", "sourd ", 'tag:"sourd"', "tag:sourd", "sourd*", "rust OR", "分布", "(x)"):
        assert as_prefix(text) is None, text


async def test_a_highlighted_sidebar_term_that_leaves_the_results_is_dropped(
    archive: Path,
) -> None:
    app = make_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sidebar = app.main.query_one(Sidebar)
        sidebar.focus()
        await pilot.press("j")  # the first category is highlighted
        assert sidebar.highlighted is not None
        await pilot.press("slash", *"zzqx")  # a search whose results lack that category
        await searched(pilot)
        assert app.is_running and titles(app) == []
        assert sidebar.highlighted is None


async def test_the_reading_pane_uses_the_configured_date_format(archive: Path) -> None:
    app = make_app(archive, Config(date_format="%d %b %Y"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await opened(pilot)
        post = app.main.query_one(PostList).posts[0]
        assert post.date is not None
        assert post.date.day.strftime("%d %b %Y") in app.main.query_one(Reader).text


def test_a_cold_preview_shows_its_first_files_first(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The front-matter preview of a cold start lists the first files it read before it has
    read them all, then more, then every post (the list is on screen in a fraction of the
    time the whole archive takes)."""
    from blogtui.tui import library

    monkeypatch.setattr(library, "PREVIEW_FIRST", 2)
    monkeypatch.setattr(library, "PREVIEW_GROWTH", 2)
    shown = [[hit.post.path for hit in results.hits] for results in library.preview_stream(archive)]
    assert [len(paths) for paths in shown[:2]] == [2, 4]
    assert shown[-1] == [hit.post.path for hit in library.preview(archive).hits]
    assert len(shown[-1]) == 7
    assert set(shown[0]) <= set(shown[1]) <= set(shown[-1])
