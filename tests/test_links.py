"""The link graph: every kind of link between posts resolves, both directions are kept, a
refresh re-reads only changed files; the reader ends a post with "Linked from", the links
picker lists both directions, and `blogtui links` prints them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from blogtui.config import Config
from blogtui.model import Post
from blogtui.search.index import PostIndex
from blogtui.search.links import (
    LinkScanner,
    Resolver,
    WikiPages,
    build,
    graph_for,
    link_targets,
    may_link,
)
from blogtui.tui.app import BlogApp
from blogtui.tui.screens.links import INCOMING, LinkPicker
from blogtui.tui.widgets.post_list import PostList
from tests._pilot import opened, settle, until
from tests.conftest import NOW

POSTS = {
    "content/posts/tides/index.md": "---\ntitle: Tides\ndate: 2024-01-05\n---\nThe sea.\n",
    "content/posts/moon.md": (
        "---\ntitle: Moon\ndate: 2024-02-01\naliases: [/old/moon-page/]\n---\n"
        "Pulls the [tides](../tides/).\n"
    ),
    "content/posts/harbour.md": (
        "---\ntitle: Harbour\ndate: 2024-03-01\n---\n"
        'Read [the moon]({{< ref "posts/moon.md" >}}) and '
        "[the tides again](/blog/2024/01/05/tides/).\n\n"
        "```\n[not a link](moon.md)\n```\n\n"
        "![a picture](moon.png) and [a site](https://example.org/moon/)\n"
    ),
    "content/posts/old.md": (
        "---\ntitle: Old Links\ndate: 2023-05-01\n---\n"
        "[aliased](/old/moon-page/), [[Tides]], [[harbour#top|the harbour]] "
        "and [nowhere](/no/such/page/).\n"
    ),
}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    for rel, text in POSTS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("target", "from_path", "expected"),
    [
        ("../tides/", "content/posts/moon.md", "content/posts/tides/index.md"),
        ("content/posts/moon.md", "content/posts/harbour.md", "content/posts/moon.md"),
        ("/blog/2024/01/05/tides/", "content/posts/harbour.md", "content/posts/tides/index.md"),
        (
            "post_url:2010-07-21-first-steps",
            "content/posts/moon.md",
            "_posts/2010-07-21-first-steps.md",
        ),
        (
            "/2010/07/21/first-steps.html",
            "content/posts/moon.md",
            "_posts/2010-07-21-first-steps.md",
        ),
        ("@/posts/moon.md", "content/posts/tides/index.md", "content/posts/moon.md"),
        ("[[Moon]]", "content/posts/tides/index.md", "content/posts/moon.md"),
        ("[[the old moon]]", "content/posts/tides/index.md", "content/posts/moon.md"),
        ("/old/moon-page/", "content/posts/tides/index.md", "content/posts/moon.md"),
        ("/no/such/page/", "content/posts/moon.md", None),
        ("https://example.org/moon/", "content/posts/tides/index.md", None),
    ],
)
def test_every_kind_of_link_resolves(target: str, from_path: str, expected: str | None) -> None:
    posts = [
        Post(path="_posts/2010-07-21-first-steps.md", title="First", slug="first-steps"),
        Post(path="content/posts/tides/index.md", title="Tides", slug="tides"),
        Post(path="content/posts/moon.md", title="Moon", slug="moon"),
    ]
    aliases = {"the old moon": posts[2], "old/moon-page": posts[2]}
    found = Resolver(posts, aliases).resolve(target, from_path)
    assert (found.path if found else None) == expected


def test_targets_skip_code_images_urls_and_anchors() -> None:
    body = POSTS["content/posts/harbour.md"].split("---\n", 2)[2]
    assert link_targets(body) == ["posts/moon.md", "/blog/2024/01/05/tides/"]
    assert link_targets("- a list\n\n    [indented](x.md) in an item\n\n[top](#top)") == ["x.md"]


def test_graph_has_both_directions_and_the_unresolved(archive: Path) -> None:
    index = PostIndex.open(archive)
    graph = graph_for(index)
    assert graph.links_from("content/posts/harbour.md") == [
        "content/posts/moon.md",
        "content/posts/tides/index.md",
    ]
    assert sorted(graph.links_to("content/posts/moon.md")) == [
        "content/posts/harbour.md",
        "content/posts/old.md",
    ]
    assert graph.links_from("content/posts/old.md") == [
        "content/posts/moon.md",  # by its alias
        "content/posts/tides/index.md",
        "content/posts/harbour.md",
    ]
    assert graph.unresolved == {"content/posts/old.md": ["/no/such/page/"]}


def test_a_refresh_reads_only_the_changed_file(archive: Path) -> None:
    index = PostIndex.open(archive)
    assert index.location is not None
    cache = index.location / "links.json"
    graph_for(index)
    assert cache.is_file()
    moon = archive / "content/posts/moon.md"
    moon.write_text(moon.read_text() + "\nAnd the [harbour](../harbour/).\n", encoding="utf-8")
    os.utime(moon, ns=(moon.stat().st_mtime_ns + 10**9,) * 2)
    index.refresh()
    scanner = LinkScanner(archive, cache)
    read: list[str] = []
    assert scanner.scan(index.posts(), lambda path: read.append(path) or index.post(path)) == 1
    assert read == ["content/posts/moon.md"]
    graph = build(index.posts(), scanner.files)
    assert "content/posts/moon.md" in graph.links_to("content/posts/harbour.md")


async def test_the_post_ends_with_linked_from_and_the_picker_has_both_ways(archive: Path) -> None:
    app = BlogApp(archive, config=Config(), now=NOW)
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        posts = app.main.query_one(PostList)
        await pilot.press("j")  # newest first: Harbour, then Moon
        assert posts.highlighted is not None and posts.highlighted.title == "Moon"
        await pilot.press("enter")
        reader = await opened(pilot)
        await until(pilot, lambda: "Linked from" in reader.text, "the backlinks footer")
        tail = reader.text[reader.text.index("Linked from") :]
        assert "2024-03-01  Harbour" in tail and "2023-05-01  Old Links" in tail
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, LinkPicker)
        assert [post.title for post in app.screen.incoming] == ["Harbour", "Old Links"]
        await pilot.press("end", "enter")
        await settle(pilot)
        assert reader.post is not None and reader.post.title == "Old Links"
        assert INCOMING not in (reader.path or "")


def test_links_command_prints_both_directions(archive: Path) -> None:
    command = [sys.executable, "-m", "blogtui", "links", "-a", str(archive)]
    done = subprocess.run(
        [*command, "content/posts/moon.md"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "links to\t2024-01-05\tTides\tcontent/posts/tides/index.md",
        "linked from\t2024-03-01\tHarbour\tcontent/posts/harbour.md",
        "linked from\t2023-05-01\tOld Links\tcontent/posts/old.md",
    ]
    done = subprocess.run(
        [*command, "content/posts/old.md", "--json"], capture_output=True, text=True, timeout=120
    )
    record = json.loads(done.stdout)
    assert [p["title"] for p in record["outgoing"]] == ["Moon", "Tides", "Harbour"]
    assert record["incoming"] == [] and record["unresolved"] == ["/no/such/page/"]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("linksto:content/posts/moon.md", ["Harbour", "Old Links"]),
        ("linksto:tides", ["Harbour", "Moon", "Old Links"]),
        ("linkedfrom:content/posts/old.md", ["Harbour", "Moon", "Tides"]),
        ("linkedfrom:harbour -linksto:old", ["Moon", "Tides"]),
        ("linkedfrom:content/posts/old.md -linksto:tides", ["Tides"]),
        ("linksto:no-such-post", []),
    ],
)
def test_link_query_keys(archive: Path, query: str, titles: list[str]) -> None:
    from blogtui.search.search import search

    index = PostIndex.open(archive)
    results = search(index, query, sort="title")
    assert [hit.post.title for hit in results.hits] == titles


def test_targets_keep_reference_links_and_drop_template_urls() -> None:
    body = (
        "Read [the first post][first] and [the site][site].\n\n"
        "Some text between.\n\n"
        "[first]: {% post_url 2010-07-21-first-steps %}\n"
        "[site]: https://example.org/\n"
        "[hook]: <{{% eturl render-link %}}>\n\n[a template link]({{ .URL }})\n"
    )
    assert link_targets(body) == ["2010-07-21-first-steps"]  # the tag made a target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"[a](https://example.org/) and <https://example.org/>", False),
        (b"[a]( https://example.org/) <a href='http://x.org/'>x</a>", False),
        (b"[a](../moon/)", True),
        (b'<A HREF="/blog/moon/">moon</A>', True),
        (b"[moon]: /blog/moon/\n", True),
        (b"[[Moon]]", True),
        (b"{{< ref moon >}}", True),
    ],
)
def test_a_file_that_cannot_link_is_not_parsed(text: bytes, expected: bool) -> None:
    assert may_link(text) is expected


@pytest.mark.parametrize(
    ("page", "from_path"),
    [
        ("Moon", "notes/a.md"),
        ("sky/moon", "notes/a.md"),
        ("moon.md", "sky/b.md"),
        ("b", "sky/deep/c.md"),
        ("", "sky/b.md"),
        ("missing", "sky/b.md"),
    ],
)
def test_wiki_tables_resolve_as_obsidian_does(page: str, from_path: str) -> None:
    from blogtui.markup.wikilinks import resolve

    paths = ["sky/moon.md", "sky/deep/moon.md", "Moon.md", "sky/b.md", "sky/deep/c.md", "x/b.md"]
    by_path = {path: Post(path=path, title=path, slug="") for path in paths}
    assert WikiPages(by_path).resolve(page, from_path) is resolve(page, from_path, by_path)
