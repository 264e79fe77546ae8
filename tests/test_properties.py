"""Property tests: arbitrary input never makes the parsers raise anything but our own errors.

The front matter parser (`parse.parse_post`, and `archive.read_post` around it) must turn any
bytes into a Post plus problems, never an exception. The query parser (`syntax.check`,
`search.search`) may refuse a query only with QueryError, and a query `check` accepts must run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from blogtui.archive import SourceFile, read_post
from blogtui.model import Post
from blogtui.parse import parse_post
from blogtui.search.index import PostIndex
from blogtui.search.search import search, snippets, title_marks
from blogtui.search.syntax import QueryError, check
from tests._hostile import write_good_posts

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies -------------------------------------------------------------------------------

#: Characters that matter to front matter parsers, mixed with anything at all.
_SYNTAX = st.sampled_from(
    [*"-+{}[]:,'\"&*!|>#%@`\\\t\n =.", "---", "+++", "\n---\n", "\n+++\n", "\r\n", "\ufeff"]
)
_KEYS = st.sampled_from(
    ["title", "date", "tags", "categories", "draft", "slug", "taxonomies", "author", "lang",
     "publishDate", "expiryDate", "summary", "published", "url", "aliases", "Tags"]
)  # fmt: skip
_VALUES = st.one_of(
    st.sampled_from(
        ["2024-01-01", "2013-05-06 02:12:52 +0200", "2023-01-29 18:30:22 2023 -0800", "yes",
         "~", "null", "[a, b]", "{a: 1}", "*x", "&x [1]", "!!python/object:os.system", "0x1F",
         "1e400", "-.inf", ".nan", "2024-13-45", "9999-12-31T23:59:59+14:00", "'", '"']
    ),
    st.text(max_size=30),
    st.integers(),
)  # fmt: skip


@st.composite
def front_matter_texts(draw: st.DrawFn) -> str:
    """Text shaped like a post: a delimiter, key/value-ish lines (often broken), a body."""
    opening = draw(st.sampled_from(["---\n", "+++\n", "{", "\n\n---\n", "------\n", "", "---"]))
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        key, value = draw(_KEYS), draw(_VALUES)
        sep = draw(st.sampled_from([": ", " = ", '": ', ":", " : ", "\t"]))
        indent = draw(st.sampled_from(["", "  ", "\t", "- "]))
        lines.append(f"{indent}{key}{sep}{value}")
    noise = draw(st.lists(st.one_of(_SYNTAX, st.text(max_size=5)), max_size=10))
    closing = draw(st.sampled_from(["\n---\n", "\n+++\n", "}\n", "\n--- \n", "", "\n---"]))
    body = draw(st.text(max_size=200))
    return opening + "\n".join(lines) + "".join(noise) + closing + body


_ANY_POST_TEXT = st.one_of(front_matter_texts(), st.text(max_size=400))
_ANY_POST_BYTES = st.one_of(
    st.binary(max_size=400),
    _ANY_POST_TEXT.map(lambda text: text.encode("utf-8", errors="surrogatepass")),
    _ANY_POST_TEXT.map(lambda text: text.encode("utf-16")),
)
_PATHS = st.sampled_from(
    ["post.md", "_posts/2024-01-02-hello.md", "content/fr/posts/a.fr.md", "b/index.md",
     "_drafts/x.markdown", "2024-99-99-bad.md", "posts/_index.md"]
)  # fmt: skip


def _assert_sane(post: Post, path: str) -> None:
    """What every caller relies on: strings where strings belong, the path as given."""
    assert post.path == path
    assert isinstance(post.title, str) and isinstance(post.slug, str)
    assert all(isinstance(term, str) for term in (*post.tags, *post.categories, *post.authors))
    assert post.words >= 0
    if post.date is not None:
        assert post.date.instant.tzinfo is not None


# --- front matter -----------------------------------------------------------------------------


@SETTINGS
@given(data=_ANY_POST_BYTES, path=_PATHS)
@example(data=b"---\na: &a [1]\nb: *a\ntitle: *a\n---\n", path="post.md")
@example(data=b"---\ntitle: !!binary aGVsbG8=\n---\n", path="post.md")
@example(data=b"---\n? [a, b]\n: c\n---\n", path="post.md")
@example(data=b"+++\ntitle = 1979-05-27T07:32:00Z\n+++\n", path="post.md")
@example(data=b'{"title": {"nested": [1, 2]}, "date": 20240101}\nbody', path="post.md")
@example(data=b"---\ndate: 9999-12-31\nexpirydate: 0001-01-01\n---\n", path="p.md")
def test_parse_post_never_raises(data: bytes, path: str) -> None:
    """Any bytes at any path give a Post and a list of Problems, never an exception."""
    post, problems = parse_post(data, path, now=NOW)
    _assert_sane(post, path)
    assert all(problem.path == path and problem.reason for problem in problems)


@pytest.mark.parametrize("key", ["date", "expirydate", "publishDate"])
@pytest.mark.parametrize("value", ["9999-12-31 23:59:59 -1200", "0001-01-01T00:00:00+14:00"])
def test_dates_at_the_edge_of_time_are_problems_not_crashes(key: str, value: str) -> None:
    """A date whose UTC instant falls outside year 1..9999 is a problem, not an OverflowError."""
    post, problems = parse_post(f"---\n{key}: {value}\n---\n".encode(), "p.md", now=NOW)
    _assert_sane(post, "p.md")
    assert problems


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """A folder for the files the read_post property writes (module-wide: hypothesis reuses it)."""
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


@SETTINGS
@given(data=_ANY_POST_BYTES)
def test_read_post_never_raises(scratch: Path, data: bytes) -> None:
    """read_post over a real file of arbitrary bytes: a Post (or None) and problems."""
    target = scratch / "post.md"
    target.write_bytes(data)
    source = SourceFile(path="post.md", abspath=target, mtime_ns=0, size=len(data))
    post, problems = read_post(source, now=NOW)
    if post is not None:
        _assert_sane(post, "post.md")
    assert all(problem.path == "post.md" for problem in problems)


# --- the query language -----------------------------------------------------------------------

_QUERY_ATOMS = st.one_of(
    st.sampled_from(
        ['"', "(", ")", "-", "*", ":", "OR", "AND", "NOT", "or", "not", " ", "tag:", "title:",
         "category:", "author:", "path:", "lang:", "draft:", "date:", "draft:yes", "date:2024",
         "date:2024-06", "date:2023..2024", "date:>=2024-01-01", "date:..", "date:>", "date:<=",
         "date:2024-13", "date:0000", "date:99999", "tag:c++", 'tag:"open source"', "unknown:",
         "分布式", "café", "good", "zq*", "\\", "\x00", "\u200b", "\ufffd", "\n"]
    ),
    st.text(max_size=6),
)  # fmt: skip
_QUERIES = st.one_of(st.lists(_QUERY_ATOMS, max_size=12).map("".join), st.text(max_size=60))


@SETTINGS
@given(text=_QUERIES)
@example(text="(" * 50 + "good" + ")" * 50)
@example(text="NOT " * 50 + "good")
@example(text='"' + "word " * 2000)
def test_query_check_raises_only_query_error(text: str) -> None:
    """check() accepts a query or refuses it with a short one-line QueryError."""
    try:
        check(text)
    except QueryError as error:
        message = str(error)
        assert message and "\n" not in message and len(message) < 200, message
    title_marks(text, "Good post 1: a café in the garden")


@pytest.mark.parametrize("text", ["(" * 5000, "NOT " * 3000 + "good", "-" * 1000 + "good"])
def test_absurdly_deep_query_is_refused_cleanly(text: str) -> None:
    """Thousands of nested groups or negations: QueryError ('nested too deeply'), no crash."""
    with pytest.raises(QueryError, match="nested too deeply"):
        check(text)


def test_reasonably_nested_query_is_fine() -> None:
    check("(" * 30 + "good" + ")" * 30 + " NOT NOT good")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostIndex]:
    """A small real index (its own cache dir), shared by every example."""
    base = tmp_path_factory.mktemp("props")
    root = base / "archive"
    write_good_posts(root, 12)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(base / "cache"))
        opened = PostIndex.open(root, now=NOW)
    yield opened
    opened.close()


@SETTINGS
@given(text=_QUERIES)
@example(text="tag:" + "a" * 10_000)
@example(text="date:1..9999999")
@example(text="*")
@example(text="a* b* c* d* e* f* g*")
def test_search_raises_only_query_error(index: PostIndex, text: str) -> None:
    """search() on a real index: results or QueryError, and check() agrees on which."""
    try:
        check(text)
        valid = True
    except QueryError:
        valid = False
    try:
        results = search(index, text)
    except QueryError:
        assert not valid, f"check() accepted {text!r} but search() refused it"
        return
    assert valid, f"check() refused {text!r} but search() ran it"
    assert results.total <= 12
    snippets(index, text, [hit.post for hit in results.hits[:3]])
