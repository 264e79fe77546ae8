"""The query language, ranking, sorting, filters, facets, snippets and title marks."""

from __future__ import annotations

import unicodedata
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


# --- search terms, front-matter keys and Unicode (issues 12 and 14) -------------------------

_NFD_CAFE = unicodedata.normalize("NFD", "only-café.md")
TERM_POSTS = {
    "rust-1-94-0.md": ("title: Announcing Rust 1.94.0\nseries: Releases", "Rust 1.94.0 is out."),
    "rust-1-94-1.md": ("title: Announcing Rust 1.94.1\nseries: Releases", "A point release."),
    "jekyll.md": (
        "title: Jekyll 3.7.2 Released\nversion: 3.7.2\nlayout: post",
        "Fixes for jekyll-4-4-1 users; see k8s.io/api. Written in C and R.",
    ),
    "the-end.md": ("title: The end of the line\nLayout: Page", "Go 1 was stable."),
    "teams.md": (
        "title: Team notes\nextra:\n  team: Platform Crew\ntags: [İstanbul]",
        "A re\u0301sume\u0301 of pass\u200bword rotation, हिन्दी text.",
    ),
    "toml.md": None,  # TOML front matter, written below
    _NFD_CAFE: ("title: NFD café", "Written on macOS."),
    "café-nfc.md": ("title: NFC café", "Written on Linux."),
}


@pytest.fixture(scope="module")
def terms_index(tmp_path_factory: pytest.TempPathFactory) -> PostIndex:
    """Posts with versions, identifiers, short and common words, custom keys, Unicode forms."""
    base = tmp_path_factory.mktemp("terms")
    root = base / "blog"
    root.mkdir()
    for name, post in TERM_POSTS.items():
        if post is not None:
            (root / name).write_text(f"---\n{post[0]}\n---\n\n{post[1]}\n", "utf-8")
    (root / "toml.md").write_text(
        '+++\ntitle = "Config"\nversion = "3.10"\n[extra]\nteam = "platform"\n+++\nbody\n', "utf-8"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(base / "cache"))
        return PostIndex.open(root, now=NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.7.2", {"jekyll.md"}),  # a version whole
        ("title:3.7.2", {"jekyll.md"}),
        ("jekyll-4-4-1", {"jekyll.md"}),
        ("k8s.io/api", {"jekyll.md"}),
        ("k8s", {"jekyll.md"}),  # and by its parts
        ("k8s.io", {"jekyll.md"}),
        ('title:"Announcing Rust 1.94.1"', {"rust-1-94-1.md"}),
        ('"rust 1.94.0"', {"rust-1-94-0.md"}),
        ("1.94", {"rust-1-94-0.md", "rust-1-94-1.md"}),
        ("title:the", {"the-end.md"}),  # stop words are words
        ('"end of the line"', {"the-end.md"}),
        ("C", {"jekyll.md"}),  # one-letter words too
        ('"go 1"', {"the-end.md"}),
        ("series:releases", {"rust-1-94-0.md", "rust-1-94-1.md"}),  # any front-matter key
        ("layout:post", {"jekyll.md"}),
        ("LAYOUT:page", {"the-end.md"}),  # keys are case-insensitive, as in Hugo
        ("version:3.7.2", {"jekyll.md"}),
        ("version:3.10", {"toml.md"}),  # a YAML/TOML number kept as written
        ("fm.extra.team:platform", {"teams.md", "toml.md"}),  # nested: dotted, by word
        ('extra.team:"platform crew"', {"teams.md"}),  # or the whole value
        ("fm.extra:*", {"teams.md", "toml.md"}),
        ("fm.title:config", {"toml.md"}),  # fm. asks the front matter even for built-ins
        ("title:release*", {"jekyll.md"}),  # built-ins keep their meaning
        ("vers*:3.*", set()),  # keys are not patterns
        ("version:3.*", {"jekyll.md", "toml.md"}),
        ("show:all layout:post", {"jekyll.md"}),  # show: is an option, not a match
        ("résumé", {"teams.md"}),  # finding 15: NFD text found typed NFC, and folded
        ("resume", {"teams.md"}),
        ("हिन्दी", {"teams.md"}),
        ("password", {"teams.md"}),  # finding 16: a zero-width space inside the word
        ("tag:istanbul", {"teams.md"}),  # Turkish İ folds to i in tags as in text
        ("path:only-café", {_NFD_CAFE}),  # an NFD name found typed NFC
        ("path:café", {_NFD_CAFE, "café-nfc.md"}),
    ],
)
def test_terms_keys_and_unicode(terms_index: PostIndex, text: str, expected: set[str]) -> None:
    assert found(terms_index, text) == expected


@pytest.mark.parametrize("text", ["!!!", "title:...", "-- !!", '"()"'])
def test_a_query_with_nothing_to_search_for_matches_nothing_and_says_why(
    terms_index: PostIndex, text: str
) -> None:
    results = search(terms_index, text)
    assert results.hits == []
    assert any("nothing to search" in n or "no letters or digits" in n for n in results.notices)


def test_an_unknown_key_matches_nothing_with_a_hint(terms_index: PostIndex) -> None:
    results = search(terms_index, "nosuchkey:x")
    assert results.hits == []
    assert results.notices == (
        "no post has the front-matter key 'nosuchkey', so 'nosuchkey:' matches nothing "
        "(blogtui fields lists the keys)",
    )
    assert search(terms_index, "layout:post").notices == ()


def test_show_all_is_an_option_of_the_results(terms_index: PostIndex) -> None:
    everything = search(terms_index, "show:all")
    assert everything.show_all and everything.total == len(TERM_POSTS)
    assert not search(terms_index, "rust").show_all


def test_key_counts_list_every_front_matter_key(terms_index: PostIndex) -> None:
    from blogtui.search.fmkeys import key_counts

    counts = {c.key: c.posts for c in key_counts(terms_index)}
    assert counts == {
        "title": 8,
        "series": 2,
        "layout": 2,
        "version": 2,
        "extra": 2,
        "extra.team": 2,
        "tags": 1,
    }


def test_a_compound_prefix_marks_the_part_it_matched(terms_index: PostIndex) -> None:
    hits = [h.post for h in search(terms_index, "jekyl*").hits]
    snippet = snippets(terms_index, "jekyl*", hits)["jekyll.md"]
    assert [snippet.text[a:b] for a, b in snippet.marks] == ["jekyll"]
