"""Series and neighbours: "Part 2 of 3" after a post in a series (front-matter `series` or a
taxonomy the config names), `{`/`}` read the previous and next part, `<`/`>` the previous and
next post of the list, without going back to it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from textual.pilot import Pilot

from blogtui.config import Config
from blogtui.model import Post
from blogtui.search.series import places
from blogtui.tui.app import BlogApp
from blogtui.tui.widgets.post_list import PostList
from blogtui.tui.widgets.reader import Reader
from tests._pilot import opened, settle, until
from tests.conftest import NOW
from tests.test_tui import titles


def _post(title: str, day: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: {day}\n{extra}---\nAbout {title.lower()}.\n"


POSTS = {
    "posts/knots-1.md": _post("Knots One", "2024-01-01", "series: [Knots]\n"),
    "posts/knots-2.md": _post("Knots Two", "2024-02-01", "series: Knots\n"),
    "posts/knots-3.md": _post("Knots Three", "2024-03-01", "series: [knots]\n"),
    "posts/alone.md": _post("Alone", "2024-02-15"),
    "posts/course-a.md": _post("Course A", "2023-01-01", "course: [Sailing]\n"),
    "posts/course-b.md": _post("Course B", "2023-02-01", "course: [Sailing]\n"),
}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "blog"
    for rel, text in POSTS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_places_order_parts_by_date_and_match_terms_loosely() -> None:
    one = Post(path="a.md", title="A", slug="a", series=("Knots",))
    two = Post(path="b.md", title="B", slug="b", series=("knots",))
    other = Post(path="c.md", title="C", slug="c", taxonomies={"course": ("Sailing",)})
    (place,) = places(two, [two, one, other])
    assert place.label == "Part 2 of 2 in knots" and place.previous is one and place.next is None
    assert places(other, [one, two, other]) == []  # a one-post series is no series
    assert places(other, [one, two, other], ["course"]) == []
    sibling = Post(path="d.md", title="D", slug="d", taxonomies={"course": ("sailing",)})
    (course,) = places(other, [other, sibling], ["course"])
    assert [p.path for p in course.parts] == ["c.md", "d.md"]


async def _read(pilot: Pilot[object], app: BlogApp, title: str) -> None:
    await settle(pilot)
    for _ in range(titles(app).index(title)):
        await pilot.press("j")
    await pilot.press("enter")
    await opened(pilot)


async def test_series_post_shows_its_part_and_braces_step(archive: Path) -> None:
    app = BlogApp(archive, config=Config(series=("course",)), now=NOW)
    # (this base declares no taxonomy `course`: test_a_taxonomy_the_config_names_is_a_series)
    async with app.run_test(size=(110, 36)) as pilot:
        await _read(pilot, app, "Knots Two")
        reader = app.main.query_one(Reader)
        await until(pilot, lambda: "Part 2 of 3 in Knots" in reader.text, "the series line")
        assert "{  previous: Knots One" in reader.text and "}  next: Knots Three" in reader.text
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        assert reader.post is not None and reader.post.title == "Knots Three"
        await pilot.press("right_curly_bracket")  # the last part: nowhere to go
        await settle(pilot)
        assert reader.post.title == "Knots Three"
        await pilot.press("left_curly_bracket", "left_curly_bracket")
        await settle(pilot)
        assert reader.post is not None and reader.post.title == "Knots One"
        await pilot.press("full_stop")  # the list is newest first: next is older
        await settle(pilot)
        assert reader.post is not None and reader.post.title == "Course B"
        listed = app.main.query_one(PostList).highlighted
        assert listed is not None and listed.title == "Course B"  # the list follows
        await pilot.press("comma", "comma")
        await settle(pilot)
        assert reader.post is not None and reader.post.title == "Knots Two"
        assert app.focused is reader


HUGO_SITE = {
    "hugo.toml": '[taxonomies]\ntag = "tags"\ncourse = "courses"\n',
    "content/posts/rigging.md": _post("Rigging", "2023-01-01", "courses: [Sailing Basics]\n"),
    "content/posts/tacking.md": _post("Tacking", "2023-02-01", "courses: [sailing basics]\n"),
    "content/posts/docking.md": _post("Docking", "2023-03-01", "courses: [Sailing Basics]\n"),
    "content/posts/weather.md": _post("Weather", "2023-02-15", "courses: [Forecasts]\n"),
}


async def test_a_taxonomy_the_config_names_is_a_series(tmp_path: Path) -> None:
    root = tmp_path / "site"
    for rel, text in HUGO_SITE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    app = BlogApp(root, config=Config(series=("courses",)), now=NOW)
    async with app.run_test(size=(110, 36)) as pilot:
        await _read(pilot, app, "Tacking")
        reader = app.main.query_one(Reader)
        await until(pilot, lambda: "Part 2 of 3 in" in reader.text, "the series line")
        assert "{  previous: Rigging" in reader.text and "}  next: Docking" in reader.text
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        assert reader.post is not None and reader.post.title == "Docking"
        await until(pilot, lambda: "Part 3 of 3 in" in reader.text, "the last part's line")
        await pilot.press("left_curly_bracket", "left_curly_bracket")
        await settle(pilot)
        assert reader.post is not None and reader.post.title == "Rigging"
        assert "Part 1 of 3 in" in reader.text


async def test_without_the_config_a_taxonomy_is_no_series(tmp_path: Path) -> None:
    root = tmp_path / "site"
    for rel, text in HUGO_SITE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    app = BlogApp(root, config=Config(), now=NOW)
    async with app.run_test(size=(110, 36)) as pilot:
        await _read(pilot, app, "Tacking")
        reader = app.main.query_one(Reader)
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        assert reader.post is not None and reader.post.title == "Tacking"
        assert "Part " not in reader.text


def test_the_config_may_name_the_built_in_taxonomies() -> None:
    one = Post(path="a.md", title="A", slug="a", tags=("Deep Dive", "go"))
    two = Post(path="b.md", title="B", slug="b", tags=("deep dive",), categories=("Notes",))
    three = Post(path="c.md", title="C", slug="c", categories=("notes",))
    assert [p.label for p in places(two, [one, two, three], ["Tags"])] == [
        "Part 2 of 2 in deep dive"
    ]
    assert [p.label for p in places(two, [one, two, three], ["categories"])] == [
        "Part 1 of 2 in Notes"
    ]


def test_series_with_the_same_neighbours_share_one_previous_and_next() -> None:
    from rich.console import Console

    from blogtui.tui.rendering import Look
    from blogtui.tui.web import Web

    one = Post(path="a.md", title="A", slug="a", tags=("Raft", "Lab"), series=("X",))
    two = Post(path="b.md", title="B", slug="b", tags=("raft", "lab"), series=("X",))
    three = Post(path="c.md", title="C", slug="c", tags=("lab",))
    web = Web(posts={post.path: post for post in (one, two, three)})
    console = Console(width=60, record=True, file=io.StringIO())
    console.print(web.annex(two, Look(), taxonomies=["tags"]))
    lines = [line.rstrip() for line in console.export_text().splitlines() if line.strip()]
    assert lines[1:] == [
        "Part 2 of 2 in X",
        "Part 2 of 2 in raft",
        "{  previous: A",
        "Part 2 of 3 in lab",
        "   previous: A",
        "   next: C",
    ]


def test_a_post_read_before_the_site_is_known_is_read_again_with_it(tmp_path: Path) -> None:
    """A post parsed before the first scan (no site yet: a prefetch while the reader starts)
    lacks the custom taxonomies the site's config names; once a scan knows the site, the
    post is read again, not taken from the cache (the reader's series line went missing)."""
    from blogtui.search.index import PostIndex

    root = tmp_path / "site"
    for rel, text in HUGO_SITE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    PostIndex.open(root, now=NOW).close()
    index = PostIndex.open(root, now=NOW, refresh=False)
    early = index.post("content/posts/docking.md")
    assert early is not None
    index.refresh()
    post = index.post("content/posts/docking.md")
    assert post is not None and post.taxonomies.get("courses") == ("Sailing Basics",)
