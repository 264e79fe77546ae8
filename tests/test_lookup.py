"""Plain-word queries ranked from the index's files (search/lookup.py) as Whoosh ranks them:
the same posts, in the same order, with the same scores; anything else, and any file it
cannot read, answered by Whoosh."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from blogtui.search import lookup, store
from blogtui.search.compile import whoosh_query
from blogtui.search.index import PostIndex
from blogtui.search.search import search
from blogtui.search.syntax import parse
from tests.conftest import NOW

CORPORA = ["hugo-docs", "jekyll-posts", "go-blog", "sofastack-blog-zh", "obsidian-tasks-docs"]


def _whoosh_ranked(index: PostIndex, text: str) -> list[tuple[str, float]]:
    searcher, docpaths = index.searcher()
    results = searcher.search(whoosh_query(parse(text)), limit=None)
    return [(docpaths[docnum], score) for score, docnum in results.top_n]


def _same_ranking(ours: list[tuple[str, float]], theirs: list[tuple[str, float]]) -> None:
    """The same posts in the same order, with the same scores (to the last bits of a
    float: only the order of the additions may differ)."""
    assert [path for path, _score in ours] == [path for path, _score in theirs]
    assert [score for _path, score in ours] == pytest.approx(
        [score for _path, score in theirs], rel=1e-12
    )


def _words_of(index: PostIndex, count: int) -> list[str]:
    """Words of the archive's own titles and bodies, spread over rare and common ones."""
    seen: dict[str, int] = {}
    for post in index.posts()[:200]:
        for word in re.findall(r"[^\W_]{2,}", f"{post.title} {index.body(post.path) or ''}"):
            word = word[:2] if ord(word[0]) >= 0x2E80 else word  # a CJK run: one bigram
            seen[word] = seen.get(word, 0) + 1
    ordered = sorted(seen, key=lambda w: (seen[w], w))
    step = max(1, len(ordered) // count)
    return ordered[::step][:count]


@pytest.mark.parametrize("name", CORPORA)
def test_plain_words_rank_as_whoosh_ranks_them(
    name: str, corpus_index: Callable[[str], PostIndex]
) -> None:
    index = corpus_index(name)
    found = index.lookup()
    assert found is not None
    words = _words_of(index, 40)
    queries = [*words, *(f"{a} {b}" for a, b in zip(words[::2], words[1::2], strict=False))]
    checked = 0
    for text in queries:
        terms = lookup.simple_terms(parse(text))
        if terms is None:  # (a word that analyses to a phrase: Whoosh's)
            continue
        _same_ranking(found.rank(terms), _whoosh_ranked(index, text))
        checked += 1
    assert checked >= 30


def _index_with_history(tmp_path: Path) -> PostIndex:
    """An index of several segments, with deleted documents (posts edited and removed)."""
    root = tmp_path / "blog"
    root.mkdir()
    words = ["alpha", "beta", "gamma", "delta", "kappa", "omega"]
    for n in range(30):
        body = " ".join(words[(n * k) % len(words)] for k in range(1, 2 + n % 9))
        (root / f"p{n:02}.md").write_text(f"---\ntitle: Post {words[n % 6]} {n}\n"
                                          f"tags: [{words[n % 4]}]\n---\n{body}\n")  # fmt: skip
    index = PostIndex.open(root, now=NOW)
    for n in range(0, 30, 4):  # an edit deletes the old document and adds a new one
        (root / f"p{n:02}.md").write_text(f"---\ntitle: Edited {n}\n---\nalpha omega kappa {n}\n")
    (root / "p03.md").unlink()
    index.refresh()
    return index


def test_segments_with_deleted_documents_rank_as_whoosh_ranks_them(tmp_path: Path) -> None:
    index = _index_with_history(tmp_path)
    found = index.lookup()
    assert found is not None
    assert len(found.segments) > 1 and any(s.deleted for s in found.segments)
    for text in ["alpha", "omega", "kappa", "beta gamma", "delta", "edited", "post", "nothing"]:
        terms = lookup.simple_terms(parse(text))
        assert terms is not None
        _same_ranking(found.rank(terms), _whoosh_ranked(index, text))
    assert found.rank(lookup.simple_terms(parse("p03")) or []) == []


def test_a_search_gives_the_same_hits_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _index_with_history(tmp_path)
    queries = ["alpha", "omega kappa", "beta", "zzz"]
    fast = [[(h.post.path, h.score) for h in search(index, q).hits] for q in queries]
    monkeypatch.setattr(PostIndex, "lookup", lambda self: None)
    slow = [[(h.post.path, h.score) for h in search(index, q).hits] for q in queries]
    for ours, theirs in zip(fast, slow, strict=True):
        assert [p for p, _s in ours] == [p for p, _s in theirs]
        assert [s for _p, s in ours] == pytest.approx([s for _p, s in theirs], rel=1e-12)
    assert [h.score for h in search(index, "alpha", sort="date").hits] == [None] * len(fast[0])


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: _rewrite(d, ".toc", b"cos\nsystem\n"), id="a foreign class"),
        pytest.param(lambda d: _rewrite(d, ".seg", b"\0" * 64), id="a segment's directory"),
        pytest.param(lambda d: _truncate(d, ".seg"), id="a short segment"),
    ],
)
def test_files_it_cannot_read_are_left_to_whoosh(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    """A reader that fails hands the query to Whoosh, which answers it (or finds the index
    damaged, rebuilds it with a notice, and answers it): the hits are the same."""
    index = _index_with_history(tmp_path)
    before = [h.post.path for h in search(index, "alpha").hits]
    index.close()
    assert index.location is not None
    folder = index.location / store.WHOOSH
    damage(folder)
    with pytest.raises(lookup.Unreadable):
        lookup.Lookup(folder).rank([("alpha", "alpha")])
    reopened = PostIndex.open(index.root, now=NOW, notice=lambda _line: None)
    assert [h.post.path for h in search(reopened, "alpha").hits] == before


def _rewrite(folder: Path, ext: str, head: bytes) -> None:
    """Overwrite the start of the last-named file with that extension (a TOC's pickle sits
    after its header: written at its end)."""
    path = sorted(folder.glob(f"*{ext}"))[-1]
    data = path.read_bytes()
    if ext == ".toc":
        path.write_bytes(data[:-20] + head + data[-20 + len(head) :])
    else:
        path.write_bytes(head + data[len(head) :])


def _truncate(folder: Path, ext: str) -> None:
    for path in folder.glob(f"*{ext}"):
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("kubernetes", True),
        ("kubernetes scheduler", True),
        ('"kubernetes"', True),
        ("Café", True),
        ("分布", True),
        ("kube*", False),
        ("title:kubernetes", False),
        ("tag:go", False),
        ('"pod scheduling"', False),
        ("3.7.2", False),
        ("go OR rust", False),
        ("go -rust", False),
        ("fm.team:core", False),
        ("date:2024", False),
        ("!!!", False),
    ],
)
def test_only_plain_words_are_answered_without_whoosh(text: str, plain: bool) -> None:
    assert (lookup.simple_terms(parse(text)) is not None) == plain


def test_the_length_table_is_whooshs() -> None:
    from whoosh.util.numeric import byte_to_length

    assert list(lookup.LENGTHS) == [byte_to_length(n) for n in range(256)]


@pytest.mark.parametrize("name", ["hugo-docs", "jekyll-posts", "go-blog"])
def test_a_limited_search_shows_the_first_hits_of_the_whole_one(
    name: str, corpus_index: Callable[[str], PostIndex], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a limit and no facet counts, only the posts shown are built (ordered by the
    listing keys): the same hits as the first of the whole search, and the same count."""
    from blogtui.search import search as searching

    monkeypatch.setattr(searching, "_FEW_HITS", 0)  # (these archives are small)
    built: list[int] = []  # how many posts each Snapshot.rows call built
    rows = searching.Snapshot.rows

    def counted(snapshot: searching.Snapshot, paths: Iterable[str]) -> list[Any]:
        found = rows(snapshot, paths)
        built.append(len(found))
        return found

    monkeypatch.setattr(searching.Snapshot, "rows", counted)
    index = corpus_index(name)
    years = sorted({p.date.day.year for p in index.posts() if p.date is not None})
    for text in ["the", "go", "hugo OR template", "title:the", "a*"]:
        for sort in ("relevance", "date", "title"):
            for options in ({}, {"drafts": False}, {"include_hidden": True},
                            {"years": years[-2:]}):  # fmt: skip
                whole = search(index, text, sort=sort, facets=False, **options)
                built.clear()
                first = search(index, text, sort=sort, facets=False, limit=7, **options)
                assert max(built, default=0) <= 7  # the posts shown, not every hit's
                assert [h.post.path for h in first.hits] == [h.post.path for h in whole.hits[:7]]
                assert [h.score for h in first.hits] == [h.score for h in whole.hits[:7]]
                assert first.matched == len(whole.hits)
