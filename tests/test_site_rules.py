"""Fixtures for each date source, each taxonomy source and each rule that leaves a page out
of the list: small sites written here, read with archive.load and searched through an index."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogtui.archive import load
from blogtui.search.facets import FacetCounter
from blogtui.search.index import PostIndex
from blogtui.search.search import search
from tests.conftest import NOW


def _site(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


def _posts(root: Path) -> dict[str, object]:
    return {post.path: post for post in load(root, now=NOW).posts}


@pytest.mark.parametrize(
    ("path", "text", "day", "source"),
    [
        (
            "notes/a.md",
            "---\ntitle: A\ndate: 2021-02-03\n---\nBody.\n",
            "2021-02-03",
            "front-matter",
        ),
        ("2020-05-06-b.md", "---\ntitle: B\n---\nBody.\n", "2020-05-06", "file-name"),
        ("posts/2019-07-08-c/index.md", "---\ntitle: C\n---\nBody.\n", "2019-07-08", "file-name"),
        ("d.md", '+++\ntitle = "D"\npath = "2014/12/12/d"\n+++\nBody.\n', "2014-12-12", "url-key"),
        ("e.md", "---\ntitle: E\nurl: /blog/2018/03/e/\n---\nBody.\n", "2018-03-01", "url-key"),
        ("2017/09/10/f.md", "---\ntitle: F\n---\nBody.\n", "2017-09-10", "folders"),
        ("2016/11/g.md", "---\ntitle: G\n---\nBody.\n", "2016-11-01", "folders"),
        ("2015-04-03-h/notes.md", "---\ntitle: H\n---\nBody.\n", "2015-04-03", "folders"),
        ("i.md", "---\ntitle: I\ndate: 2024-4-09\n---\nBody.\n", "2024-04-09", "front-matter"),
        ("1024/j.md", "---\ntitle: J\n---\nBody.\n", None, "none"),
    ],
)
def test_each_date_source(
    tmp_path: Path, path: str, text: str, day: str | None, source: str
) -> None:
    post = _posts(_site(tmp_path, {path: text}))[path]
    assert (post.date.day.isoformat() if post.date else None) == day  # type: ignore[attr-defined]
    assert post.date_source == source  # type: ignore[attr-defined]


def test_the_list_reads_in_the_order_of_the_days_it_shows(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "late.md": "---\ntitle: Late\ndate: 2025-11-29T01:00:00+09:00\n---\nx\n",  # 16:00 UTC, 28th
        "early.md": "---\ntitle: Early\ndate: 2025-11-28T20:00:00+00:00\n---\nx\n",
    })  # fmt: skip
    assert [post.path for post in load(root, now=NOW).posts] == ["late.md", "early.md"]


def test_hugo_custom_taxonomies_from_the_site_config(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "hugo.toml": '[taxonomies]\ntag = "tags"\nteam = "teams"\n',
        "content/a.md": "---\ntitle: A\nteams: [Red, Blue]\ntags: [Émoji]\n---\nx\n",
        "content/b.md": "---\ntitle: B\nteams: [red]\ntags: [emoji]\n---\nx\n",
    })  # fmt: skip
    facets = FacetCounter().count_posts(load(root, now=NOW).posts)
    assert facets.of("teams") == [("Red", 2), ("Blue", 1)]
    assert [count for _term, count in facets.tags] == [2]  # accents fold as body words do


def test_taxonomies_in_config_default(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "config/_default/taxonomies.toml": 'series = "series"\nmood = "moods"\n',
        "content/a.md": "---\ntitle: A\nmoods: calm\n---\nx\n",
    })  # fmt: skip
    assert load(root, now=NOW).posts[0].taxonomies == {"moods": ("calm",)}


def test_zola_page_taxonomies_feed_authors_and_their_own_facets(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "a.md": '+++\ntitle = "A"\n[taxonomies]\nauthors = ["Ann"]\nlevels = ["easy"]\n+++\nx\n',
    })  # fmt: skip
    post = load(root, now=NOW).posts[0]
    assert post.authors == ("Ann",) and post.taxonomies == {"levels": ("easy",)}


def test_docusaurus_author_keys_are_named_from_authors_yml(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "authors.yml": "ann:\n  name: Ann Example\n  title: Writer\n",
        "2024-01-02-a.md": "---\ntitle: A\nauthors: [ann, bo]\n---\nx\n",
    })  # fmt: skip
    assert load(root, now=NOW).posts[0].authors == ("Ann Example", "bo")


@pytest.mark.parametrize(
    ("path", "text", "reason"),
    [
        ("lib/index.md", "---\ntitle: Lib\nheadless: true\n---\nx\n", "headless"),
        (
            "a.md",
            "---\ntitle: A\nbuild:\n  list: never\n---\nx\n",
            "never listed (build.list: never)",
        ),
        (
            "b.md",
            '+++\ntitle = "B"\n[_build]\nlist = "never"\n+++\nx\n',
            "never listed (build.list: never)",
        ),
        ("old.md", "---\nredirect: /blog/new\n---\n", "redirect"),
        ("moved.md", '+++\nredirect_to = "/docs/"\n+++\n', "redirect"),
        (
            "latest.md",
            '+++\ntemplate = "latest.html"\n+++\n',
            "empty (no title, date, body or prose)",
        ),
    ],
)
def test_each_rule_that_leaves_a_page_out(
    tmp_path: Path, path: str, text: str, reason: str
) -> None:
    assert _posts(_site(tmp_path, {path: text}))[path].hidden == reason  # type: ignore[attr-defined]


def test_a_cascade_leaves_out_the_whole_section(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "_common/_index.md": "---\ncascade:\n  build:\n    list: never\n---\n",
        "_common/snippet.md": "Included text.\n",
        "guide.md": "# Guide\n\nText.\n",
    })  # fmt: skip
    posts = _posts(root)
    assert posts["_common/snippet.md"].hidden == "never listed (cascade from _common/_index.md)"  # type: ignore[attr-defined]
    assert posts["guide.md"].hidden == ""  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    ["# Only a heading\n", "---\ntitle: Docs page\n---\n", "---\nintro: Some *prose*.\n---\n"],
)
def test_a_page_with_a_title_or_prose_stays(tmp_path: Path, text: str) -> None:
    assert _posts(_site(tmp_path, {"p.md": text}))["p.md"].hidden == ""  # type: ignore[attr-defined]


def test_hidden_pages_are_left_out_of_search_unless_asked_and_prose_is_searchable(
    tmp_path: Path,
) -> None:
    root = _site(tmp_path / "site", {
        "old.md": "---\nredirect: /new\n---\n",
        "work/lws.md": "---\nintro: Built LeaderWorkerSet.\ndate: 2024-03-13\n---",
    })  # fmt: skip
    index = PostIndex.open(root, now=NOW)
    assert [h.post.path for h in search(index, "").hits] == ["work/lws.md"]
    assert len(search(index, "", include_hidden=True).hits) == 2
    assert [h.post.path for h in search(index, "show:all").hits] == ["work/lws.md", "old.md"]
    assert [h.post.path for h in search(index, "LeaderWorkerSet").hits] == ["work/lws.md"]
    assert index.refresh().hidden == {"redirect": 1}
