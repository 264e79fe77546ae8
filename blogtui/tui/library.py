"""The reader's view of an archive: the index and the query engine behind one lock.

The TUI reaches the engines only through `Library`, so searches, refreshes and reads running
in different worker threads never use the index at the same time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from blogtui.index import Notice, PostIndex, Progress, Refresh
from blogtui.model import Post, Problem
from blogtui.query import Results, Snippet, Sort, search, snippets, title_marks


@dataclass(frozen=True, slots=True)
class Filters:
    """What the user is looking for: the search text, picked terms and the sort order."""

    text: str = ""
    tags: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    sort: Sort = "date"
    #: Set once the user picks a sort; until then a text search ranks by relevance.
    sort_chosen: bool = False

    @property
    def effective_sort(self) -> Sort:
        """The sort in force: relevance while searching, unless the user chose one."""
        if self.text.strip() and not self.sort_chosen:
            return "relevance"
        return self.sort

    @property
    def narrowed(self) -> bool:
        """True when anything (text or a picked term) narrows the list."""
        return bool(self.text.strip() or self.tags or self.categories or self.years)


@dataclass(slots=True)
class Library:
    """An opened PostIndex plus a lock; every method is safe to call from a worker thread."""

    index: PostIndex
    _lock: threading.Lock = field(default_factory=threading.Lock)

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

    def search(self, filters: Filters) -> Results:
        """The posts matching the filters, with facet counts. Raises QueryError."""
        with self._lock:
            return search(
                self.index,
                filters.text,
                tags=sorted(filters.tags),
                categories=sorted(filters.categories),
                years=sorted(filters.years),
                sort=filters.effective_sort,
            )

    def post(self, path: str) -> Post | None:
        """One post read fresh from disk, body included."""
        with self._lock:
            return self.index.post(path)

    def snippets(self, text: str, posts: Iterable[Post]) -> dict[str, Snippet]:
        """Snippets for just these posts."""
        with self._lock:
            return snippets(self.index, text, list(posts))

    def refresh(self, progress: Progress | None = None) -> Refresh:
        """Bring the index up to date with the files on disk."""
        with self._lock:
            return self.index.refresh(progress)

    def close(self) -> None:
        with self._lock:
            self.index.close()


def marks_in_title(text: str, title: str) -> tuple[tuple[int, int], ...]:
    """Offsets of matched words in a title; an unparsable query marks nothing."""
    if not text.strip():
        return ()
    try:
        return title_marks(text, title)
    except ValueError:  # QueryError while the user is still typing
        return ()
