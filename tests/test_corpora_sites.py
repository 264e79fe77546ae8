"""Each shared corpus read as its site defines it: dates and where they came from, the
taxonomies and their term counts, and the pages left out of the list (and why).

The figures are counted from the files (see ../shared/corpora/README.md for the facts)."""

from __future__ import annotations

from collections import Counter

import pytest

from blogtui.model import Post
from blogtui.search.facets import FacetCounter
from tests.conftest import corpus_archive

#: corpus -> (listed posts, date sources of the listed posts, pages left out by reason).
EXPECTED = {
    "kerthcet-homepage": (62, {"front-matter": 61, "none": 1}, {}),
    "jekyll-posts": (102, {"front-matter": 98, "file-name": 4}, {}),
    # _common/ is a headless bundle; quick-reference/glossary/ a headless section (its
    # cascade: build {list: local, render: never}): 156 terms the glossary page includes.
    "hugo-docs": (
        726,
        {"none": 726},
        {
            "never listed (cascade from _common/_index.md)": 46,
            "never rendered (cascade from quick-reference/glossary/_index.md)": 156,
        },
    ),
    "sofastack-blog-zh": (512, {"front-matter": 511, "none": 1}, {}),
    "zola-docs": (142, {"front-matter": 98, "none": 44}, {}),
    "go-blog": (277, {"front-matter": 274, "none": 3}, {"redirect": 60}),
    "hexo-news": (58, {"file-name": 55, "front-matter": 3}, {}),
    "react-native-blog": (94, {"file-name": 65, "front-matter": 29}, {}),
    "obsidian-tasks-docs": (116, {"none": 116}, {"empty (no title, date, body or prose)": 2}),
}

#: corpus -> facet kind -> distinct terms over the listed posts.
TAXONOMIES = {
    "kerthcet-homepage": {"tag": 50, "category": 4, "author": 1, "section": 5},
    "hugo-docs": {"section": 18},
    "zola-docs": {"theme-tags": 24, "section": 2},
    # 139 tags as written; `Community` and `community` are one term.
    "go-blog": {"tag": 138, "author": 109},
    "hexo-news": {},
    # 54 authors.yml keys shown by name, 31 inline names, 3 names in both.
    "react-native-blog": {"tag": 11, "author": 82},
    "obsidian-tasks-docs": {"section": 12},
}


def _listed(name: str) -> list[Post]:
    return [post for post in corpus_archive(name).posts if not post.hidden]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dates_their_sources_and_the_pages_left_out(name: str) -> None:
    posts, sources, left_out = EXPECTED[name]
    everything = corpus_archive(name).posts
    listed = _listed(name)
    assert len(listed) == posts
    assert Counter(post.date_source for post in listed) == sources
    assert Counter(post.hidden for post in everything if post.hidden) == left_out
    assert all((post.date is None) == (post.date_source == "none") for post in everything)


@pytest.mark.parametrize("name", sorted(TAXONOMIES))
def test_every_taxonomy_the_archive_has_with_its_term_counts(name: str) -> None:
    facets = FacetCounter().count_posts(_listed(name))
    found = {kind: len(facets.of(kind)) for kind in facets.kinds() if kind != "year"}
    assert found == TAXONOMIES[name]


def test_react_native_authors_are_named_from_authors_yml() -> None:
    facets = FacetCounter().count_posts(_listed("react-native-blog"))
    authors = dict(facets.of("author"))
    # 6 posts under the key `kelset`, 2 under the inline name: one author of 8 posts.
    assert authors["Lorenzo Sciandra"] == 8
    assert "kelset" not in authors


def test_go_blog_redirect_stubs_are_left_out_and_authors_come_from_by() -> None:
    archive = corpus_archive("go-blog")
    stubs = {post.path for post in archive.posts if post.hidden == "redirect"}
    assert "go-one-year-ago-today.md" in stubs and len(stubs) == 60
    facets = FacetCounter().count_posts(_listed("go-blog"))
    assert dict(facets.of("author"))["Andrew Gerrand"] == 63


def test_hugo_docs_common_fragments_and_glossary_terms_are_the_ones_left_out() -> None:
    hidden = [post.path for post in corpus_archive("hugo-docs").posts if post.hidden]
    folders = Counter(path.partition("/")[0] if path.startswith("_common/")
                      else path.rpartition("/")[0] for path in hidden)  # fmt: skip
    assert folders == {"_common": 46, "quick-reference/glossary": 156}


def test_kerthcet_portfolio_text_is_front_matter_prose() -> None:
    post = next(
        p for p in corpus_archive("kerthcet-homepage").posts if p.path == "portfolio/lws.md"
    )
    assert not post.body.strip() and "LeaderWorkerSet" in post.prose and not post.hidden


def test_zola_docs_reads_in_the_order_its_days_read() -> None:
    days = [post.date.day for post in _listed("zola-docs") if post.date]
    assert days == sorted(days, reverse=True)


def test_react_native_same_day_posts_follow_their_times() -> None:
    paths = [post.path for post in _listed("react-native-blog")]
    first = paths.index("2024-10-23-the-new-architecture-is-here.mdx")
    assert first < paths.index("2024-10-23-release-0.76-new-architecture.mdx")  # 16:01, 16:00
