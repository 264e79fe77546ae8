"""The reader's view of an archive: the index and the query engine behind one lock.

The TUI reaches the engines only through `Library`, so searches, refreshes and reads running
in different worker threads never use the index at the same time.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from blogtui.archive import ArchiveError, canonicalise, read_post, scan
from blogtui.model import Post, Problem, Sort
from blogtui.search.facets import FacetCounter, Facets
from blogtui.search.finder import Finder, Found
from blogtui.search.index import Notice, PostIndex, Progress, Refresh
from blogtui.search.postings import Cancel
from blogtui.search.search import Hit, Results, Snippet, search, snippets, title_marks
from blogtui.search.shelf import Shelf, ShelfPosts, generation

#: Rows built before the list is shown (a tall terminal's first screen and then some).
FIRST_SCREEN = 120


@dataclass(frozen=True, slots=True)
class Filters:
    """What the user is looking for: the search text, picked terms and the sort order."""

    text: str = ""
    tags: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    sort: Sort = "date"
    #: Picked terms of the other facet kinds (authors, series, sections...): (kind, term).
    terms: frozenset[tuple[str, str]] = frozenset()
    #: Also the pages that are not posts (Post.hidden): what a `show:all` query turns on.
    show_all: bool = False


@dataclass(slots=True)
class Listing:
    """What the post list and the sidebar show: the posts in order and their facet counts."""

    posts: Sequence[Post]
    #: None while they are being counted (the sidebar says so).
    facets: Facets | None
    #: Why (part of) the query matches nothing (see Results.notices).
    notices: tuple[str, ...] = ()
    show_all: bool = False

    @property
    def total(self) -> int:
        return len(self.posts)

    @classmethod
    def of(cls, results: Results) -> Listing:
        """A search's Results (the preview's, the partial search's) as a listing."""
        posts = [hit.post for hit in results.hits]
        return cls(posts, results.facets, results.notices, results.show_all)


@dataclass(slots=True)
class Library:
    """An opened PostIndex plus a lock; every method is safe to call from a worker thread."""

    index: PostIndex
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: What the last refresh's stat scan took, in seconds.
    scan_seconds: float = 0.0
    #: The finder over the shelf of the catalogue generation it was built from.
    _finder: tuple[object, Finder] | None = None
    _shelving: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(
        cls, root: Path, *, notice: Notice | None = None, now: datetime | None = None
    ) -> Library:
        """Open the archive's index as it is, without refreshing (the catalogue comes first)."""
        return cls(PostIndex.open(root, refresh=False, notice=notice, now=now))

    @property
    def root(self) -> Path:
        return self.index.root

    @property
    def problems(self) -> list[Problem]:
        return list(self.index.problems)

    def posts(self) -> list[Post]:
        """Every post's metadata, newest first."""
        with self._lock:
            return self.index.posts()

    def finder(self) -> Finder:
        """The finder over the shelf of the catalogue as it is now (rebuilt when a refresh
        changed it: a decode of every record, no Post built)."""
        with self._shelving:
            current = generation(self.index)
            if self._finder is None or self._finder[0] is not current:
                self._finder = (current, Finder(self.index, Shelf.of_index(self.index)))
            return self._finder[1]

    def listing(self, sort: Sort = "date") -> ShelfPosts:
        """Every post a list shows, in `sort` order, built only as rows are drawn."""
        shelf = self.finder().shelf
        return shelf.rows(shelf.listing(sort))

    def find(
        self, filters: Filters, *, count: bool = True, cancel: Cancel | None = None
    ) -> tuple[Found, str]:
        """The reader's search: `search`'s answer as shelf ids (no Post per hit), facet counts
        unless `count` is false, and the query that found them (the prefix retry too).

        Not under the library's lock: the index's snapshot guards what it reads, so a
        keystroke is answered while a refresh scans. Raises QueryError or Cancelled.
        """
        finder = self.finder()
        text = filters.text
        found = self._find(finder, text, filters, count, cancel)
        if not found.ids and (prefixed := as_prefix(text)) is not None:
            found, text = self._find(finder, prefixed, filters, count, cancel), prefixed
        return found, text

    def _find(
        self, finder: Finder, text: str, filters: Filters, count: bool, cancel: Cancel | None
    ) -> Found:
        terms = _by_kind(
            [("tag", t) for t in filters.tags]
            + [("category", c) for c in filters.categories]
            + list(filters.terms)
        )
        return finder.find(
            text,
            sort=filters.sort,
            terms=terms,
            years=sorted(filters.years),
            show_all=filters.show_all,
            count=count,
            **({"cancel": cancel} if cancel is not None else {}),
        )

    def search(self, filters: Filters) -> tuple[Results, str]:
        """The posts matching the filters, with facet counts, and the query that found them.

        Search as you type: when nothing matches and the last word is still being typed
        (`sourd`), it is tried as a prefix (`sourd*`). Raises QueryError.
        """
        with self._lock:
            text = filters.text
            results = self._search(text, filters)
            if not results.hits and (prefixed := as_prefix(text)) is not None:
                results, text = self._search(prefixed, filters), prefixed
            return results, text

    def _search(self, text: str, filters: Filters) -> Results:
        return search(
            self.index,
            text,
            tags=sorted(filters.tags),
            categories=sorted(filters.categories),
            years=sorted(filters.years),
            sort=filters.sort,
            terms=_by_kind(filters.terms),
            include_hidden=filters.show_all,
        )

    def post(self, path: str) -> Post | None:
        """One post read fresh from disk, body included.

        Not under the library's lock: it only reads the file (the index guards its own small
        cache), so a post opens while a long refresh or a cold build holds the lock.
        """
        return self.index.post(path)

    def snippets(self, text: str, posts: Iterable[Post]) -> dict[str, Snippet]:
        """Snippets for just these posts."""
        with self._lock:
            return snippets(self.index, text, list(posts))

    def refresh(
        self, progress: Progress | None = None, *, exact: bool = False,
        touched: frozenset[str] | None = None,
    ) -> Refresh:  # fmt: skip
        """Bring the index up to date with the files on disk. Raises ArchiveError.

        Every folder is listed again when `exact` (the `r` key); else only those whose
        stamp changed, or only the `touched` paths file-system events named (freshness.py).
        The scan runs outside the lock, so a search typed meanwhile answers at once;
        `scan_seconds` keeps what it cost (polls back off).
        """
        started = time.monotonic()
        try:
            found = self.index.scan(exact=exact, touched=touched)
        finally:
            self.scan_seconds = time.monotonic() - started
        with self._lock:  # (the reader shows no count of pages that are not posts)
            return self.index.refresh(progress, found, counted=False)

    def folders(self) -> list[str]:
        """The folders the last refresh walked (what to watch for events)."""
        return self.index.folders()

    def close(self) -> None:
        with self._lock:
            self.index.close()


def _by_kind(picked: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    by_kind: dict[str, list[str]] = {}
    for kind, term in sorted(picked):
        by_kind.setdefault(kind, []).append(term)
    return by_kind


def preview(root: Path, now: datetime | None = None) -> Results:
    """Every post from its front matter, newest first, with facet counts; no index needed.

    While a cold index builds (tens of seconds for a big archive) this is what the list shows,
    so it is on screen in about a second. Bodies are dropped as soon as each file is read.
    """
    *_partial, results = preview_stream(root, now)
    return results


#: How many files the preview reads before it first shows what it has; each later showing
#: waits for PREVIEW_GROWTH times as many.
PREVIEW_FIRST = 400
PREVIEW_GROWTH = 4


def preview_stream(root: Path, now: datetime | None = None) -> Iterator[Results]:
    """`preview`'s posts as they are read: the first few hundred files at once (the first
    screen, in a fraction of a second), then more and more, then all (the last one). The
    posts so far are sorted and counted at each step."""
    try:
        found = scan(root)
    except ArchiveError:
        yield Results([], Facets())
        return
    posts: list[Post] = []
    show_at, total = PREVIEW_FIRST, len(found.files)
    for number, source in enumerate(found.files, 1):
        post, _problems = read_post(source, now=now, site=found.site)
        if post is not None and not post.hidden:
            posts.append(replace(post, body=""))
        if number == show_at and number < total:
            yield _previewed(posts)
            show_at *= PREVIEW_GROWTH
    yield _previewed(posts)


def _previewed(posts: list[Post]) -> Results:
    ordered = sorted(canonicalise(posts), key=Post.sort_key)
    return Results([Hit(post) for post in ordered], FacetCounter().count_posts(ordered))


#: The shortest unfinished word tried as a prefix (two letters would match thousands of terms).
PREFIX_MIN = 3
_LAST_WORD = re.compile(r"(?:^|\s)([^\W_]+)$")
_OPERATORS = frozenset({"OR", "AND", "NOT"})


def as_prefix(text: str) -> str | None:
    """`text` with its last word made a prefix (`the sourd` -> `the sourd*`), or None when the
    text does not end in a plain latin-script word of PREFIX_MIN letters or more."""
    match = _LAST_WORD.search(text)
    if match is None:
        return None
    word = match.group(1)
    if len(word) < PREFIX_MIN or word in _OPERATORS or any(ord(c) >= 0x2E80 for c in word):
        return None  # CJK already matches inside words (bigrams); operators are not words
    return text + "*"


def marks_in_title(text: str, title: str) -> tuple[tuple[int, int], ...]:
    """Offsets of matched words in a title; an unparsable query marks nothing."""
    if not text.strip():
        return ()
    try:
        return title_marks(text, title)
    except ValueError:  # QueryError while the user is still typing
        return ()
