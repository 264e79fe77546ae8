"""The reader's finder (shelf ids, set algebra, posting blocks) agrees with search() exactly:
the same posts in the same order and the same facet counts, on fixtures and real archives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from blogtui.model import Sort
from blogtui.search.finder import Finder
from blogtui.search.index import PostIndex
from blogtui.search.postings import Cancelled
from blogtui.search.search import search
from blogtui.search.shelf import Shelf

FIXTURES = Path(__file__).parent / "fixtures"

#: Query shapes of every kind the compiler makes: words, phrases, prefixes, fields, NOT, OR,
#: date ranges, front-matter keys, show:.
QUERIES = [
    "",
    "the",
    "post",
    "a OR the",
    "-the",
    "the -post",
    '"the post"',
    "pos*",
    "tag:python",
    "category:notes",
    "date:2024",
    "date:2020..2030",
    "title:hello",
    "path:posts",
    "draft:yes",
    "show:all",
    "show:all the",
    "title:*",
    "zzznothingzzz",
]


def _same(index: PostIndex, text: str, sort: Sort = "date", **filters: object) -> None:
    finder = Finder(index, Shelf.of_index(index))
    tags = list(filters.get("tags", ()))  # type: ignore[call-overload]
    years = list(filters.get("years", ()))  # type: ignore[call-overload]
    found = finder.find(text, sort=sort, terms={"tag": tags} if tags else None, years=years)
    expected = search(index, text, sort=sort, tags=tags, years=years)
    paths = [finder.shelf.paths[i] for i in found.ids]
    assert paths == [hit.post.path for hit in expected.hits], text
    assert found.facets == expected.facets, text
    assert set(found.notices) == set(expected.notices), text
    assert found.show_all == expected.show_all


@pytest.mark.parametrize("archive", ["hugo-site", "jekyll-site", "quirks", "zola-site"])
@pytest.mark.parametrize("sort", ["date", "title"])
def test_finder_lists_what_search_lists(archive: str, sort: Sort, tmp_path: Path) -> None:
    index = PostIndex.open(FIXTURES / archive)
    try:
        for text in QUERIES:
            _same(index, text, sort)
    finally:
        index.close()


@pytest.mark.parametrize("name", ["go-blog", "sofastack-blog-zh", "hugo-docs"])
def test_finder_agrees_on_real_archives(
    name: str, corpus_index: Callable[[str], PostIndex]
) -> None:
    index = corpus_index(name)
    shelf = Shelf.of_index(index)
    common = [tag for tag, _n in shelf.facets().tags[:2]]
    years = [year for year, _n in shelf.facets().years[:1]]
    for text in ["", "the", "go", "rel*", '"go 1"', "show:all", "date:2019"]:
        _same(index, text)
        _same(index, text, "title")
        _same(index, text, tags=common[:1])
        _same(index, text, tags=common, years=years)


def test_not_is_the_set_difference(corpus_index: Callable[[str], PostIndex]) -> None:
    """`go -the` is the posts with go less those with the. (Whoosh's AndNot matcher, which
    search() walks, keeps one post of sofastack-blog-zh that has both.)"""
    index = corpus_index("sofastack-blog-zh")
    finder = Finder(index, Shelf.of_index(index))
    without = {hit.post.path for hit in search(index, "the", sort="date").hits}
    expected = [
        hit.post.path
        for hit in search(index, "go", sort="date").hits
        if hit.post.path not in without
    ]
    found = finder.find("go -the")
    assert [finder.shelf.paths[i] for i in found.ids] == expected


def test_relevance_puts_the_best_first_and_keeps_every_hit(tmp_path: Path) -> None:
    index = PostIndex.open(FIXTURES / "hugo-site")
    try:
        finder = Finder(index, Shelf.of_index(index))
        found = finder.find("the", sort="relevance")
        expected = search(index, "the", sort="relevance")
        paths = [finder.shelf.paths[i] for i in found.ids]
        assert paths == [hit.post.path for hit in expected.hits]
        assert found.facets == expected.facets
    finally:
        index.close()


def test_a_stale_search_stops() -> None:
    index = PostIndex.open(FIXTURES / "hugo-site")
    try:
        finder = Finder(index, Shelf.of_index(index))
        with pytest.raises(Cancelled):
            finder.find("the", cancel=lambda: True)
    finally:
        index.close()


def test_rows_build_posts_only_when_read() -> None:
    index = PostIndex.open(FIXTURES / "hugo-site")
    try:
        shelf = Shelf.of_index(index)
        rows = shelf.rows(shelf.listing("date"))
        assert len(rows) == len(search(index, "").hits)
        assert not shelf._posts  # nothing built yet
        first = rows[0]
        assert rows.index_of(first.path) == 0
        assert list(shelf._posts) == [rows.ids[0]]
    finally:
        index.close()


@pytest.mark.parametrize("archive", ["hugo-site", "quirks", "zola-site"])
def test_a_shelf_from_the_listing_keys_lists_and_counts_the_same(archive: str) -> None:
    """Reopened, the catalogue's listing keys make the shelf with no record decoded (the
    first paint at 100,000 posts); the terms are read after, and every answer is the same."""
    PostIndex.open(FIXTURES / archive).close()
    index = PostIndex.open(FIXTURES / archive)
    try:
        shelf = Shelf.of_index(index)
        assert shelf._table is None and not shelf._known  # no record read for its terms
        assert len(shelf.rows(shelf.listing("date"))) == len(search(index, "").hits)
        for text in QUERIES:
            _same(index, text)
            _same(index, text, "title")
    finally:
        index.close()


@pytest.mark.parametrize("masks", [0, 1, 3])
def test_counts_are_the_same_however_many_terms_have_masks(
    masks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The biggest terms are counted by bit masks, the rest by their ids: any split agrees
    with search()'s counts."""
    from blogtui.search import shelf

    monkeypatch.setattr(shelf, "MASKS", masks)
    index = PostIndex.open(FIXTURES / "quirks")
    try:
        for text in QUERIES:
            _same(index, text)
        _same(index, "", tags=["python"])
    finally:
        index.close()


@pytest.mark.parametrize("keyed", [True, False])
def test_a_shelf_made_entry_by_entry_lists_and_counts_the_same(
    keyed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the head's columns cannot be used (entries a refresh could not save), the shelf
    is made from each entry's keys, or from its record where its keys are unknown."""
    from blogtui.search import catalogue, shelf

    PostIndex.open(FIXTURES / "hugo-site").close()
    index = PostIndex.open(FIXTURES / "hugo-site")
    monkeypatch.setattr(shelf, "_stored_columns", lambda index: None)
    if not keyed:
        monkeypatch.setattr(catalogue.Entry, "known_keys", lambda self: None)
    try:
        for text in QUERIES:
            _same(index, text)
            _same(index, text, "title")
    finally:
        index.close()


def test_reading_terms_and_rows_lets_the_data_file_go() -> None:
    """The catalogue keeps each data-file chunk it reads; the shelf's reads (every record's
    terms, a screen's Posts) give back the chunks they read, and answer the same after."""
    PostIndex.open(FIXTURES / "hugo-site").close()
    index = PostIndex.open(FIXTURES / "hugo-site")
    try:
        body = index._body
        assert body is not None and not body._views
        shelf = Shelf.of_index(index)
        rows = shelf.rows(shelf.listing("date"))
        rows.prefetch(10)
        counts = shelf.facets()
        assert not body._views
        assert [post.path for post in rows] == [hit.post.path for hit in search(index, "").hits]
        assert counts == search(index, "").facets
    finally:
        index.close()
