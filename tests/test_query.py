"""The query language, ranking, sorting, filters, facets, snippets and title marks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from blogtui.search.index import PostIndex
from blogtui.search.search import search, snippets, title_marks
from blogtui.search.syntax import QueryError, check
from tests.conftest import NOW

POSTS = {
    "posts/rust-intro.md": (
        "title: Getting started with Rust\ndate: 2024-06-15\ntags: [Rust, Open Source]\n"
        "categories: [Tutorials]\nauthor: Ada Okafor\nlang: en",
        "Rust is a systems language. Ownership and borrowing keep memory safe.",
    ),
    "posts/cpp-notes.md": (
        "title: Notes on templates\ndate: 2023-02-01\ntags: [C++]\ncategories: [Notes]\n"
        "author: Bram Lindqvist",
        "Templates in C++ are compile-time code. Running the compiler takes a while.",
    ),
    "posts/cafe.md": (
        "title: A café in Lisbon\ndate: 2024-01-03\ntags: [travel, open source]\n"
        "categories: [Travel]\nauthor: Ada Okafor",
        "We sat in a café and wrote ownership notes. The espresso was strong.",
    ),
    "posts/draft.md": (
        "title: Unfinished thoughts\ndate: 2025-03-09\ntags: [rust]\ndraft: true",
        "A draft about borrowing checkers and lifetimes.",
    ),
    "posts/zh.md": (
        "title: 分布式系统简介\ndate: 2022-08-08\ntags: [分布式]\nlang: zh",
        "本文介绍分布式系统的基本概念。数据库是核心组件。",
    ),
    "pages/about.md": (
        "title: About this site",
        "Nothing dated here: an about page mentioning espresso machines.",
    ),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> PostIndex:
    """A small hand-written archive with one post per trait, indexed once for the module."""
    base = tmp_path_factory.mktemp("query")
    root = base / "blog"
    for rel, (front, body) in POSTS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{front}\n---\n\n{body}\n", "utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(base / "cache"))
        return PostIndex.open(root, now=NOW)


def found(index: PostIndex, text: str, **kwargs: object) -> set[str]:
    return {hit.post.path.split("/")[-1] for hit in search(index, text, **kwargs).hits}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ownership", {"rust-intro.md", "cafe.md"}),
        ("ownership rust", {"rust-intro.md"}),  # words AND together
        ("ownership OR espresso", {"rust-intro.md", "cafe.md", "about.md"}),
        ('"ownership notes"', {"cafe.md"}),  # a phrase, in order
        ('"notes ownership"', set()),
        ("ownership -rust", {"cafe.md"}),
        ("ownership NOT rust", {"cafe.md"}),
        ("(templates OR borrowing) -draft:yes", {"cpp-notes.md", "rust-intro.md"}),
        ("own*", {"rust-intro.md", "cafe.md"}),  # prefix
        ("borrow*", {"rust-intro.md", "draft.md"}),
        ("run", {"cpp-notes.md"}),  # stemming: running
        ("cafe", {"cafe.md"}),  # accent folding
        ("CAFÉ", {"cafe.md"}),
        ("tag:rust", {"rust-intro.md", "draft.md"}),  # case-insensitive terms
        ("tag:RUST", {"rust-intro.md", "draft.md"}),
        ("tag:c++", {"cpp-notes.md"}),
        ("(tag:c++)", {"cpp-notes.md"}),  # the value stops at the closing paren
        ('tag:"open source"', {"rust-intro.md", "cafe.md"}),
        ("category:travel", {"cafe.md"}),
        ("title:templates", {"cpp-notes.md"}),
        ('title:"getting started"', {"rust-intro.md"}),
        ("author:okafor", {"rust-intro.md", "cafe.md"}),
        ("path:pages/", {"about.md"}),
        ("lang:zh", {"zh.md"}),
        ("draft:yes", {"draft.md"}),
        ("draft:no tag:rust", {"rust-intro.md"}),
        ("date:2024", {"rust-intro.md", "cafe.md"}),
        ("date:2024-06", {"rust-intro.md"}),
        ("date:2023..2024", {"rust-intro.md", "cafe.md", "cpp-notes.md"}),
        ("date:>=2024-01-04", {"rust-intro.md", "draft.md"}),
        ("date:>2024-01-03", {"rust-intro.md", "draft.md"}),
        ("date:<2023-02-01", {"zh.md"}),
        ("date:<=2023-02-01", {"zh.md", "cpp-notes.md"}),
        ("分布式", {"zh.md"}),  # CJK as bigram phrases
        ("数据库", {"zh.md"}),
        ("库", {"zh.md"}),  # one CJK character
        ("式分布", set()),
        ("tag:分布式", {"zh.md"}),
    ],
)
def test_query_forms(index: PostIndex, text: str, expected: set[str]) -> None:
    assert found(index, text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"unclosed', "unclosed quote"),
        ('tag:"open', "unclosed quote"),
        ("show:maybe", "show: takes all or posts, not 'maybe'"),
        ("fm.:x", "'fm.:' names no front-matter key"),
        ("date:2024-13", "bad date '2024-13'"),
        ("date:2024-02-30", "bad date '2024-02-30'"),
        ("date:soon", "bad date 'soon'"),
        ("date:2024..2023", "date range '2024..2023' ends before it starts"),
        ("(rust", "unclosed '('"),
        ("rust)", "unmatched ')'"),
        ("rust OR", "OR needs a term on each side"),
        ("()", "empty group '()'"),
        ("draft:maybe", "draft: takes yes or no"),
        ("tag:", "'tag:' needs a value"),
    ],
)
def test_malformed_queries_say_what_is_wrong(index: PostIndex, text: str, message: str) -> None:
    with pytest.raises(QueryError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        search(index, text)
    with pytest.raises(QueryError):
        check(text)


def test_title_matches_rank_above_body_matches(index: PostIndex) -> None:
    hits = search(index, "templates").hits
    assert hits[0].post.path == "posts/cpp-notes.md"
    hits = search(index, "espresso").hits
    assert [h.post.path for h in hits] == ["posts/cafe.md", "pages/about.md"] or all(
        h.score is not None for h in hits
    )


def test_date_sort_is_newest_first_with_undated_last(index: PostIndex) -> None:
    paths = [h.post.path for h in search(index, "", sort="date").hits]
    assert paths[0] == "posts/draft.md" and paths[-1] == "pages/about.md"
    assert [h.post.path for h in search(index, "espresso", sort="date").hits] == [
        "posts/cafe.md",
        "pages/about.md",
    ]


def test_empty_relevance_query_falls_back_to_date(index: PostIndex) -> None:
    assert search(index, "").hits == search(index, "", sort="date").hits
    assert all(h.score is None for h in search(index, "").hits)


def test_title_sort(index: PostIndex) -> None:
    titles = [h.post.title for h in search(index, "", sort="title").hits]
    assert titles == sorted(titles, key=str.casefold)


def test_filters_and_together_without_touching_whoosh(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    for rel, (front, body) in POSTS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"---\n{front}\n---\n\n{body}\n", "utf-8")
    fresh = PostIndex.open(root, now=NOW)
    assert found(fresh, "", tags=["Open Source"], categories=["tutorials"]) == {"rust-intro.md"}
    assert found(fresh, "", tags=["rust"], drafts=False) == {"rust-intro.md"}
    assert found(fresh, "", years=[2024]) == {"rust-intro.md", "cafe.md"}
    assert fresh._searcher is None, "an empty query with filters must not open Whoosh"
    assert found(fresh, "ownership", tags=["travel"]) == {"cafe.md"}


def test_limit_keeps_facets_over_every_result(index: PostIndex) -> None:
    results = search(index, "", limit=2)
    assert len(results.hits) == 2
    assert sum(n for _, n in results.facets.years) == 5  # every dated post, not just two


def test_facets_count_the_result_set(index: PostIndex) -> None:
    facets = search(index, "ownership OR borrowing").facets
    # spellings tie 1:1; the first by path gives the display (cafe.md, draft.md)
    assert dict(facets.tags) == {"rust": 2, "open source": 2, "travel": 1}
    assert facets.categories == [("Travel", 1), ("Tutorials", 1)]
    assert facets.years == [(2025, 1), (2024, 2)]


def test_snippets_mark_the_matched_words(index: PostIndex) -> None:
    posts = [h.post for h in search(index, "ownership café").hits]
    result = snippets(index, "ownership café", posts)
    snippet = result["posts/cafe.md"]
    marked = [snippet.text[a:b] for a, b in snippet.marks]
    assert marked == ["café", "ownership"]
    assert "\n" not in snippet.text


def test_snippets_of_cjk_and_prefix_queries(index: PostIndex) -> None:
    zh = [h.post for h in search(index, "分布式").hits]
    snippet = snippets(index, "分布式", zh)["posts/zh.md"]
    assert [snippet.text[a:b] for a, b in snippet.marks] == ["分布式"]
    cpp = [h.post for h in search(index, "compil*").hits]
    snippet = snippets(index, "compil*", cpp)["posts/cpp-notes.md"]
    assert [snippet.text[a:b] for a, b in snippet.marks] == ["compile", "compiler"]


def test_snippets_mark_words_whose_stem_is_short(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    (root / "posts").mkdir(parents=True)
    (root / "posts" / "go.md").write_text("---\ntitle: Go\n---\n\nWe are going to Go.\n")
    index = PostIndex.open(root)
    snippet = snippets(index, "go", index.posts())["posts/go.md"]
    assert [snippet.text[a:b] for a, b in snippet.marks] == ["going", "Go"]


def test_snippets_exclude_negated_words(index: PostIndex) -> None:
    posts = [h.post for h in search(index, "ownership -espresso").hits]
    snippet = snippets(index, "ownership -espresso", posts)["posts/rust-intro.md"]
    assert [snippet.text[a:b] for a, b in snippet.marks] == ["Ownership"]


@pytest.mark.parametrize(
    ("text", "title", "marked"),
    [
        ("rust", "Getting started with Rust", ["Rust"]),
        ("start*", "Getting started with Rust", ["started"]),
        ("title:café", "A café in Lisbon", ["café"]),
        ("分布式", "分布式系统简介", ["分布式"]),
        ("-rust", "Getting started with Rust", []),
        ('"unclosed', "Anything", []),
    ],
)
def test_title_marks(text: str, title: str, marked: list[str]) -> None:
    assert [title[a:b] for a, b in title_marks(text, title)] == marked


@pytest.mark.corpora
def test_cjk_search_finds_the_sofastack_announcement(
    corpus_index: Callable[[str], PostIndex],
) -> None:
    index = corpus_index("sofastack-blog-zh")
    paths = {h.post.path for h in search(index, "分布式").hits}
    assert any("announcing-sofastack-open-source" in p for p in paths)
    assert len(paths) > 10


def test_snippets_are_plain_prose_not_markdown(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    root.mkdir()
    (root / "a.md").write_text(
        "---\ntitle: Links\n---\nSee [the harbour](../harbour/) and **bold harbour** "
        '{{< figure src="x.png" >}} <b>harbour</b> light.\n',
        encoding="utf-8",
    )
    index = PostIndex.open(root)
    post = index.posts()[0]
    snippet = snippets(index, "harbour", [post])[post.path]
    assert snippet.text.startswith("See the harbour and bold harbour")
    assert "](" not in snippet.text and "**" not in snippet.text and "{{" not in snippet.text
    assert [snippet.text[a:b] for a, b in snippet.marks] == ["harbour"] * 3
