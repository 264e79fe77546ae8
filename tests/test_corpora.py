"""The loader over the five real archives in ../shared/corpora, with exact expectations."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime

import pytest

from blogtui.archive import Archive, load
from blogtui.model import Post, term_key
from tests.conftest import corpus, corpus_archive

pytestmark = pytest.mark.corpora

NAMES = ["kerthcet-homepage", "jekyll-posts", "sofastack-blog-zh", "zola-docs", "hugo-docs"]
# Counted independently with find: every .md/.markdown file, less _index.md files and
# bundle resources (992 - 64 hugo-docs; 149 - 7 zola-docs; 514 - _index.md - index1.md).
COUNTS = {
    "kerthcet-homepage": 62,
    "jekyll-posts": 102,
    "sofastack-blog-zh": 512,
    "zola-docs": 142,
    "hugo-docs": 928,
}


def loaded(name: str) -> Archive:
    """The corpus as loaded once for the whole run in this worker (skips if it is absent)."""
    return corpus_archive(name)


def by_path(name: str) -> dict[str, Post]:
    return {post.path: post for post in loaded(name).posts}


@pytest.mark.parametrize("name", NAMES)
def test_post_count(name: str) -> None:
    assert len(loaded(name).posts) == COUNTS[name]


@pytest.mark.parametrize("name", NAMES)
def test_never_an_index_page_and_paths_are_relative(name: str) -> None:
    for post in loaded(name).posts:
        assert not post.path.rsplit("/", 1)[-1].startswith("_index")
        assert not post.path.startswith("/") and "\\" not in post.path


@pytest.mark.parametrize("name", [n for n in NAMES if n != "jekyll-posts"])
def test_no_problems(name: str) -> None:
    assert loaded(name).problems == []


@pytest.mark.parametrize("name", NAMES)
def test_sorted_newest_first_undated_last(name: str) -> None:
    posts = loaded(name).posts
    assert posts == sorted(posts, key=Post.sort_key)


@pytest.mark.parametrize("name", NAMES)
def test_one_spelling_per_term(name: str) -> None:
    spellings: dict[tuple[str, str], set[str]] = defaultdict(set)
    for post in loaded(name).posts:
        for kind, terms in (("tag", post.tags), ("category", post.categories)):
            for term in terms:
                spellings[(kind, term_key(term))].add(term)
    assert {key: found for key, found in spellings.items() if len(found) > 1} == {}


# --- kerthcet-homepage -----------------------------------------------------------------------


def test_kerthcet_integer_tag_2025() -> None:
    posts = loaded("kerthcet-homepage").posts
    assert sum(1 for post in posts if "2025" in map(term_key, post.tags)) == 25


def test_kerthcet_new_chapter() -> None:
    post = by_path("kerthcet-homepage")["posts/new_chapter_in_2025.md"]
    assert post.date is not None
    assert (post.date.iso(), post.date.day) == ("2025-06-29T00:00:00Z", date(2025, 6, 29))
    assert (post.categories, post.title, post.section) == (
        ("Work",),
        "New Chapter in 2025",
        "posts",
    )


def test_kerthcet_titles_drafts_and_dates() -> None:
    posts = by_path("kerthcet-homepage")
    assert all(post.title for post in posts.values())
    assert posts["portfolio/vagrant_ai.md"].title == "Vagrant ai"  # no title: from the name
    assert [path for path, post in posts.items() if post.draft] == ["portfolio/modelspec_ai.md"]
    assert [path for path, post in posts.items() if post.date is None] == ["about-me.md"]
    categories = Counter(c for post in posts.values() for c in post.categories)
    assert categories == {"Work": 24, "Travel": 14, "Life": 8, "Award": 2}


# --- jekyll-posts ----------------------------------------------------------------------------


def test_jekyll_all_dated_and_front_matter_wins() -> None:
    posts = by_path("jekyll-posts")
    assert all(post.date is not None for post in posts.values())
    update = posts["2018-03-14-development-update.md"].date
    assert update is not None
    # "2018-04-19 16:07:00 +0100": the front matter beats the file name, converted to UTC
    assert (update.iso(), update.day) == ("2018-04-19T15:07:00Z", date(2018, 4, 19))


def test_jekyll_offset_without_colon_is_converted() -> None:
    released = by_path("jekyll-posts")["2013-05-06-jekyll-1-0-0-released.markdown"].date
    assert released is not None
    assert released.instant == datetime(2013, 5, 6, 0, 12, 52, tzinfo=UTC)


def test_jekyll_malformed_date_is_a_problem_and_the_file_name_date_is_used() -> None:
    path = "2023-01-29-jekyll-3-9-3-released.markdown"
    assert [(p.path, p.reason) for p in loaded("jekyll-posts").problems] == [
        (
            path,
            "date: '2023-01-29 18:30:22 2023 -0800' is not a date; "
            "using the file-name date 2023-01-29",
        )
    ]
    post = by_path("jekyll-posts")[path]
    assert post.date is not None and post.date.iso() == "2023-01-29T00:00:00Z"


def test_jekyll_categories_and_slugs() -> None:
    posts = by_path("jekyll-posts")
    post = posts["2014-05-06-jekyll-turns-2-0-0.markdown"]
    assert (post.slug, post.categories, post.date and post.date.iso()) == (
        "jekyll-turns-2-0-0",
        ("release",),
        "2014-05-06T00:00:00Z",
    )
    assert {c for p in posts.values() for c in p.categories} == {
        "release",
        "community",
        "team",
        "meetup",
        "partners",
    }


# --- sofastack-blog-zh -----------------------------------------------------------------------


def test_sofastack_layout_quirks() -> None:
    posts = by_path("sofastack-blog-zh")
    assert not any(path.endswith("index1.md") for path in posts)
    odd = [path for path in posts if ".md/" in path]
    assert odd == [
        "koupleless-enables-renlijia-to-achieve-centralized-deployment-of-distributed-R&D,"
        "quickly-and-cost-effectivelyindex.md/index.md"
    ]
    bare = posts["what-have-we-learned-from-scale-platform-engineering-practices/20220927/index.md"]
    assert bare.date is None and bare.words > 0


def test_sofastack_categories_are_whole_strings() -> None:
    posts = loaded("sofastack-blog-zh").posts
    categories = Counter(c for post in posts for c in post.categories)
    assert "SOFA Weekly" in categories and "SOFA" not in categories and "Weekly" not in categories
    assert by_path("sofastack-blog-zh")["announcing-sofastack-open-source/index.md"].categories == (
        "SOFAStack",
    )


def test_sofastack_spelling_variants_merge() -> None:
    spellings = {
        t for post in loaded("sofastack-blog-zh").posts for t in post.tags + post.categories
    }
    for variant in ("Service mesh", "SOFA WEEKLY", "seata", "SOFAchannel", "SOFARegistry "):
        assert variant not in spellings
    assert "Kata Containers" in spellings  # the NBSP spelling reads as a plain space


def test_sofastack_dates_are_utc() -> None:
    order = [post.path for post in loaded("sofastack-blog-zh").posts]
    # 14:30Z beats 15:00+08:00 (07:00Z): without the UTC conversion the order flips
    assert order.index("sofa-registry-deep-dive/index.md") < order.index(
        "sofa-meetup-1-registry/index.md"
    )
    meetup = by_path("sofastack-blog-zh")["sofa-meetup-1-registry/index.md"].date
    assert meetup is not None and meetup.iso() == "2019-03-27T07:00:00Z"


def test_sofastack_counts_cjk_words() -> None:
    path = (
        "content/zh/blog/open-source-summer-experience-haring-mosn-community-weixin-doing-what-"
        "you-think-is-cool/index.md"
    )
    # "# Koupleless 2024 年度报告 & 2025 规划展望（图片版）" = 1+1+1+4+1+1+9 = 18,
    # "**作者|梁栎鹏（立蓬）**" = 1+2+1+7+1 = 12, the image = 1 (markdown is counted as written)
    assert by_path("sofastack-blog-zh")[path].words == 31


# --- zola-docs -------------------------------------------------------------------------------


def test_zola_toml_dates_and_taxonomies() -> None:
    posts = by_path("zola-docs")
    archie = posts["themes/archie-zola/index.md"]
    assert archie.date is not None
    assert archie.date.iso() == "2025-08-18T06:52:13Z" and archie.date.day == date(2025, 8, 18)
    assert archie.title == "archie-zola" and "+++" in archie.body
    tagged = [post for post in posts.values() if post.taxonomies.get("theme-tags")]
    assert len(tagged) == 12
    assert all(
        post.date is None for path, post in posts.items() if path.startswith("documentation")
    )


# --- hugo-docs -------------------------------------------------------------------------------


def test_hugo_docs_undated_and_headless_snippets() -> None:
    posts = by_path("hugo-docs")
    assert all(post.date is None for post in posts.values())
    assert sum(1 for path in posts if path.startswith("_common/")) == 46
    store = posts["_common/store-methods.md"]
    assert store.title == "Store methods" and store.body.startswith("\n## Methods")


def test_hugo_docs_expiry_against_now() -> None:
    assert not any(post.expired for post in loaded("hugo-docs").posts)
    later = load(corpus("hugo-docs"), now=datetime(2026, 12, 1, tzinfo=UTC))
    assert sorted(post.path for post in later.posts if post.expired) == [
        "methods/page/Scratch.md",
        "methods/shortcode/Scratch.md",
    ]
