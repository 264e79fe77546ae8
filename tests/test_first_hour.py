"""The first hour with the reader (issue 15): the layout, the preview, the split, the sidebar,
search while the index builds and the small states, on archives written here."""

from __future__ import annotations

import json
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import OptionList

from blogtui.config import Config, parse_config
from blogtui.model import Post
from blogtui.search.partial import partial_search
from blogtui.tui import layout
from blogtui.tui.app import BlogApp
from blogtui.tui.library import Library
from blogtui.tui.screens.picker import TermPicker
from blogtui.tui.state import UiState, state_path
from blogtui.tui.status import BuildClock, plural, problems_title
from blogtui.tui.widgets.post_list import PostList
from blogtui.tui.widgets.preview import PostPreview
from blogtui.tui.widgets.reader import Reader
from blogtui.tui.widgets.taxonomy import Sidebar, term_line
from tests._pilot import searched, settle, until
from tests.test_tui import make_app, status, titles

#: Titles as long as real ones (the longest 70 cells), a CJK one, a long category.
LONG_TITLES = [
    ("Restricting executable paths in the container runtime: a field report", "2025-11-03"),
    ("Why our nightly backups took nine hours, and the two-line fix", "2025-09-14"),
    ("Notes from a week of pairing on the storage engine's compaction code", "2025-07-21"),
    ("Migrating forty services from cron jobs to a proper job scheduler", "2025-05-02"),
    ("A gentle introduction to consistent hashing, with pictures", "2025-03-18"),
    ("What I learned reviewing three hundred pull requests in one year", "2024-12-09"),
    ("Ring buffers, memory barriers and the bug that only showed on ARM", "2024-10-27"),
    ("服务网格落地实践：从试点到全面推广的十八个月", "2024-08-15"),
    ("Service mesh in production: eighteen months of lessons learned", "2024-06-30"),
    ("Profiling a slow test suite down from forty minutes to six", "2024-04-11"),
    ("Feature flags without a vendor: a database table and some discipline", "2024-02-05"),
    ("On-call handbook: what the first night should and should not be like", "2023-12-19"),
]
LONG_CATEGORY = "Distributed Systems Engineering and Operations"
TAGS = [["containers", "security"], ["backups", "postgres"], ["storage"], ["scheduling"]]


def _post(title: str, day: str, number: int, *, tagged: bool) -> str:
    tags = f"tags: [{', '.join(TAGS[number % len(TAGS)])}]\n" if tagged else ""
    category = LONG_CATEGORY if number % 3 == 0 else ["Operations", "Tooling"][number % 2]
    body = f"Opening paragraph of post {number}, about {title.lower()}.\n\n"
    body += "".join(f"Line {n} of the body goes on for a while.\n\n" for n in range(1, 30))
    if number == 4:
        body += "Only this body mentions the zeppelin.\n"
    return (
        f'---\ntitle: "{title}"\ndate: {day}\n{tags}categories: ["{category}"]\n'
        f"author: Ada Field\n---\n\n{body}"
    )


def write_long_titles(root: Path, *, tagged: bool = True) -> Path:
    """Twelve posts with real-length titles (tags unless `tagged` is False)."""
    for number, (title, day) in enumerate(LONG_TITLES):
        path = root / "posts" / f"post-{number:02}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_post(title, day, number, tagged=tagged), encoding="utf-8")
    return root


@pytest.fixture
def long_titles(tmp_path: Path) -> Path:
    return write_long_titles(tmp_path / "site")


@pytest.fixture
def untagged(tmp_path: Path) -> Path:
    return write_long_titles(tmp_path / "untagged", tagged=False)


@pytest.fixture
def held_build(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Every index refresh waits until the test sets the event (a long cold build)."""
    release = threading.Event()
    build = Library.refresh

    def slow_build(self: Library, progress: object = None, **how: object) -> object:
        release.wait(30)
        return build(self, progress, **how)  # type: ignore[arg-type]

    monkeypatch.setattr(Library, "refresh", slow_build)
    yield release
    release.set()


def rows(app: BlogApp) -> list[str]:
    """The list's rows on screen, as drawn at its current width."""
    post_list = app.main.query_one(PostList)
    height = post_list.scrollable_content_region.height
    return [post_list.render_line(y).text for y in range(min(len(post_list.posts), height))]


# --- layout ---------------------------------------------------------------------------
@pytest.mark.parametrize("total", [80, 100, 120, 140, 180, 220, 250])
def test_the_panes_fill_every_width_and_the_list_fits_titles_when_there_is_room(
    total: int,
) -> None:
    panes = layout.widths(total, 70 + layout.TAGS_ROOM)
    if total < layout.NARROW:
        assert panes.posts == total  # the list and the pane take turns
        return
    assert panes.sidebar + panes.posts + panes.reader == total
    assert panes.reader >= layout.READER_MIN and panes.posts >= layout.LIST_MIN
    if total >= 140:
        assert panes.posts - layout.ROW_FRAME >= 68  # whole titles of ~70 cells
    reading = layout.widths(total, 70 + layout.TAGS_ROOM, reading=True)
    assert reading.reader > panes.reader or total == 100  # a post read gets the room


def test_a_split_overrides_the_title_width_within_bounds() -> None:
    assert layout.widths(200, 30, 0.5).posts == round((200 - layout.sidebar_width(200)) * 0.5)
    assert layout.widths(120, 70, 0.8).reader == layout.READER_MIN
    assert layout.widths(140, 70, sidebar=False).sidebar == 0


def test_title_width_ignores_a_lone_outlier() -> None:
    posts = [Post(f"p{n}.md", "x" * 30, f"p{n}") for n in range(40)]
    posts.append(Post("long.md", "y" * 200, "long"))
    assert layout.title_width(posts) == 30
    assert layout.title_width([Post("a.md", "z" * 90, "a")]) == layout.TITLE_CAP
    tagged = Post("t.md", "x" * 30, "t", tags=("rust", "go"))
    assert layout.title_width([tagged]) == 30 + len("  #rust #go")


async def test_whole_titles_show_at_140_columns_with_the_highlighted_post_previewed(
    long_titles: Path,
) -> None:
    app = make_app(long_titles)
    async with app.run_test(size=(140, 42)) as pilot:
        await settle(pilot)
        drawn = rows(app)
        for (title, _day), row in zip(LONG_TITLES, drawn, strict=False):
            assert title in row, row
        preview = app.main.query_one(PostPreview)
        assert preview.display and not app.main.query_one(Reader).display
        assert preview.shown == app.main.query_one(PostList).highlighted.path  # type: ignore[union-attr]
        assert LONG_TITLES[0][0][:30] in preview.text and "Opening paragraph" in preview.text
        await pilot.press("j")  # the preview follows the cursor, after a short rest
        wanted = app.main.query_one(PostList).highlighted
        assert wanted is not None
        await until(pilot, lambda: preview.shown == wanted.path, "the moved preview")
        assert "Why our nightly backups" in preview.text and "Line 1 of the body" in preview.text
        await pilot.press("enter")  # the whole post in the pane, which gets more room
        reader = app.main.query_one(Reader)
        await until(pilot, lambda: reader.post is not None and reader.display, "the post")
        await settle(pilot)
        assert "Line 29 of the body" in reader.text and not preview.display
        assert reader.size.width > preview.size.width


async def test_a_list_row_keeps_a_space_between_title_and_tags(long_titles: Path) -> None:
    app = make_app(long_titles)
    async with app.run_test(size=(220, 60)) as pilot:
        await settle(pilot)
        assert f"{LONG_TITLES[0][0]}  #containers #security" in rows(app)[0]


async def test_the_split_moves_with_keys_and_is_remembered_outside_the_config(
    long_titles: Path, tmp_path: Path
) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text("split = 0.5\n")
    config, warnings = parse_config(config_file.read_text(), config_file)
    assert warnings == [] and config.split == 0.5
    app = make_app(long_titles, config)
    async with app.run_test(size=(160, 42)) as pilot:
        await settle(pilot)
        post_list = app.main.query_one(PostList)
        room = 160 - app.main.query_one(Sidebar).outer_size.width
        assert post_list.size.width == round(room * 0.5)  # the configured ratio
        await pilot.press("greater_than_sign", "greater_than_sign")
        await pilot.pause()
        assert post_list.size.width == round(room * 0.6)
    assert json.loads(state_path().read_text()) == {"split": 0.6}
    assert config_file.read_text() == "split = 0.5\n"  # never written
    again = make_app(long_titles, config)
    async with again.run_test(size=(160, 42)) as pilot:
        await settle(pilot)
        assert again.main.query_one(PostList).size.width == round(room * 0.6)
        await pilot.press("equals_sign")  # back to the config's split
        await pilot.pause()
        assert again.main.query_one(PostList).size.width == round(room * 0.5)
    assert UiState.load().split is None


def test_a_bad_split_in_the_config_is_named_and_ignored(tmp_path: Path) -> None:
    config, warnings = parse_config("split = 3\n", tmp_path / "c.toml")
    assert config.split is None and "split" in warnings[0] and "0.2 to 0.8" in warnings[0]
    (tmp_path / "state.json").write_text("{not json")
    assert UiState.load(tmp_path / "state.json").split is None


# --- sidebar --------------------------------------------------------------------------
def test_a_long_term_is_cut_on_one_line_with_its_count_right() -> None:
    line = term_line("  ", LONG_CATEGORY, 1234, 24)
    assert cell_len(line.plain) == 24 and "\n" not in line.plain
    assert line.plain.endswith("… 1,234") and line.plain.startswith("  Distributed")
    cjk = term_line("✓ ", "服务网格落地实践", 7, 14)
    assert cell_len(cjk.plain) == 14 and cjk.plain.endswith(" 7")


async def test_the_sidebar_lists_only_taxonomies_with_terms(untagged: Path) -> None:
    app = make_app(untagged)
    async with app.run_test(size=(140, 42)) as pilot:
        await settle(pilot)
        sidebar = app.main.query_one(Sidebar)
        prompts = [str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)]
        assert "Tags" not in prompts and "Categories" in prompts and "Years" in prompts
        assert all("none" not in p for p in prompts)
        width = sidebar.scrollable_content_region.width
        assert all(cell_len(p) < width for p in prompts)
        assert any(p.startswith("  Distribut") and "…" in p for p in prompts)
        await pilot.press("t")  # the tag picker of an archive without tags says so
        picker = app.screen
        assert isinstance(picker, TermPicker)
        options = picker.query_one("#picker-options", OptionList)
        assert str(options.get_option_at_index(0).prompt) == "no tags in this archive"


async def test_an_archive_without_any_taxonomy_gives_the_sidebar_room_away(
    tmp_path: Path,
) -> None:
    root = tmp_path / "bare"
    root.mkdir()
    for n in range(3):
        (root / f"note-{n}.md").write_text(f"# Note number {n}\n\nSome text.\n")
    app = make_app(root)
    async with app.run_test(size=(140, 42)) as pilot:
        await settle(pilot)
        assert not app.main.query_one(Sidebar).display
        posts = app.main.query_one(PostList).outer_size.width
        assert posts + app.main.query_one(PostPreview).outer_size.width == 140


# --- while the index builds -----------------------------------------------------------
async def test_search_during_a_held_up_build_is_partial_then_full(
    long_titles: Path, held_build: threading.Event
) -> None:
    app = make_app(long_titles)
    async with app.run_test(size=(140, 42)) as pilot:
        main = app.main
        await until(pilot, lambda: len(titles(app)) == 12, "the front-matter listing")
        facets = main.query_one(Sidebar)
        first_counts = [str(o.prompt) for o in facets.options]
        assert not main.indexed and "12/12 posts" in status(app)  # counted at once
        await pilot.press("slash", *"zeppelin OR compaction")
        await until(
            pilot,
            lambda: main.shown == main.filters and main.filters.text == "zeppelin OR compaction",
            "the partial results",
        )
        # the title matches at once, marked partial; the body-only word waits for the index
        assert titles(app) == [LONG_TITLES[2][0]] and main.partial
        assert "partial" in status(app)
        await pilot.press("enter")  # leaves the search bar for the list
        await until(pilot, lambda: main.shown == main.filters, "the submitted search")
        await pilot.press("enter")  # reads the filtered post, not the first one
        reader = main.query_one(Reader)
        await until(pilot, lambda: reader.post is not None, "the post")
        assert reader.post is not None and reader.post.title == LONG_TITLES[2][0]
        await until(pilot, lambda: app.focused is reader, "the reading pane's focus")
        held_build.set()  # the index is ready: the full results replace the partial ones
        await until(pilot, lambda: main.indexed and not main.partial, "the full results")
        await settle(pilot)
        assert app.focused is reader and reader.display  # the post being read stays open
        assert sorted(titles(app)) == sorted([LONG_TITLES[2][0], LONG_TITLES[4][0]])
        assert "partial" not in status(app)
        await pilot.press("escape", "escape")
        await searched(pilot)
        assert [str(o.prompt) for o in facets.options] == first_counts


async def test_the_build_says_how_far_it_is() -> None:
    ticks = iter([0.0, 1.0, 2.0, 3.0])
    clock = BuildClock(lambda: next(ticks))
    assert clock.line(0, 10_000) == "indexing 0/10,000"
    assert clock.line(1_000, 10_000) == "indexing 1,000/10,000 · search ready in ~9 s"
    assert clock.line(3_120, 10_000) == "indexing 3,120/10,000 · search ready in ~4 s"
    assert clock.line(10_000, 10_000) == "indexing 10,000/10,000 · writing the index…"


# --- small states ---------------------------------------------------------------------
async def test_help_and_quit_stay_on_the_footer_at_80_columns(long_titles: Path) -> None:
    app = make_app(long_titles)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = [k for k in app.screen.query("FooterKey") if k.region.right <= 80 and k.region.width]
        shown = {getattr(k, "action", None) for k in keys}
        assert {"help", "quit"} <= shown


async def test_find_without_an_open_post_says_so(long_titles: Path) -> None:
    app = make_app(long_titles)
    async with app.run_test(size=(140, 42)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        assert [n.message for n in app._notifications] == [
            "No post is open: press enter to read one, then f to find in it."
        ]
        assert app.screen is app.main


async def test_a_notice_sits_above_the_count_line(long_titles: Path) -> None:
    app = make_app(long_titles)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.notify(problems_title(1), timeout=30)
        await pilot.pause()
        toasts = app.screen.query("Toast")
        await until(
            pilot, lambda: bool(toasts.nodes) and toasts.first().region.height > 0, "a toast"
        )
        toast = toasts.first()
        count = app.main.query_one("#count")
        assert toast.region.bottom <= count.region.y


def test_plural_forms() -> None:
    assert problems_title(1) == "1 file has problems"
    assert problems_title(3) == "3 files have problems"
    assert plural(1, "post") == "1 post" and plural(12_000, "post") == "12,000 posts"
    assert plural(2, "category", "categories") == "2 categories"


# --- the matcher behind partial results -------------------------------------------------
def _posts() -> list[Post]:
    text = textwrap.dedent
    return [
        Post("a.md", "Soup Season", "a", tags=("cooking",), summary=text("Warm bowls.")),
        Post("b.md", "Kubernetes v1.35: Restricting exec", "b", tags=("k8s",), authors=("Ada",)),
        Post("c.md", "服务网格落地实践", "c", categories=("Service Mesh",)),
    ]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("soup", ["a.md"]),
        ("SEAS", ["a.md"]),  # the start of a word, any case
        ("eason", []),  # not inside a word
        ("tag:cooking", ["a.md"]),
        ("cooking", ["a.md"]),
        ("warm", ["a.md"]),  # the summary
        ('"restricting exec"', ["b.md"]),
        ("-soup", ["b.md", "c.md"]),
        ("soup OR kubernetes", ["a.md", "b.md"]),
        ("author:ada", ["b.md"]),
        ("网格", ["c.md"]),
        ('category:"service mesh"', ["c.md"]),
        ("path:c.md", ["c.md"]),
    ],
)
def test_partial_search_matches_front_matter(query: str, found: list[str]) -> None:
    results = partial_search(_posts(), query, sort="title")
    assert sorted(h.post.path for h in results.hits) == found


def test_partial_search_counts_facets_and_takes_filters() -> None:
    results = partial_search(_posts(), "", tags=["COOKING"])
    assert [h.post.path for h in results.hits] == ["a.md"]
    assert results.facets.tags == [("cooking", 1)]


def test_a_config_without_a_split_sizes_by_titles() -> None:
    assert Config().split is None


async def test_the_problems_list_takes_the_pane_from_the_preview(long_titles: Path) -> None:
    app = make_app(long_titles)
    async with app.run_test(size=(140, 42)) as pilot:
        await settle(pilot)
        assert app.main.query_one(PostPreview).display
        app.main.show_problems()
        reader = app.main.query_one(Reader)
        said = "No problems: every file was read."
        await settle(pilot)
        assert said in " ".join(reader.text.split())  # wrapped at the pane's width
        assert reader.display and not app.main.query_one(PostPreview).display


async def test_the_count_line_counts_posts_not_the_pages_left_out(tmp_path: Path) -> None:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "kept.md").write_text("---\ntitle: Kept\ndate: 2024-01-02\n---\nBody\n")
    (tmp_path / "old.md").write_text("---\nredirect: /posts/kept/\n---\n")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert titles(app) == ["Kept"]
        assert "1/1 post " in f"{status(app)} "
        await pilot.press("slash", *"show:all")
        await searched(pilot)
        assert "2/2 posts" in status(app)
