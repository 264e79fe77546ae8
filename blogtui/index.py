"""The persistent Whoosh index of an archive: schema, cache location, build, refresh.

INTERFACE STUB: the signatures below are the contract other modules code against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from blogtui.model import Post, Problem

#: Called with (done, total) while files are read and indexed.
Progress = Callable[[int, int], None]
#: Called once with a one-line notice for the user (rebuilds, in-memory fallback).
Notice = Callable[[str], None]


@dataclass(slots=True)
class Refresh:
    """What one refresh did: counts, the problems of the files it read, and its duration."""

    total: int = 0
    added: int = 0
    changed: int = 0
    deleted: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt: bool = False


def index_location(root: Path) -> Path:
    """Where the index of the archive at `root` lives (under the user cache directory)."""
    raise NotImplementedError


def prune() -> list[Path]:
    """Remove indexes whose archive no longer exists; return the folders removed."""
    raise NotImplementedError


class PostIndex:
    """An archive's index, fresh as of the last `open`/`refresh`.

    `posts()` is the metadata of every post (bodies empty), newest first, taxonomy terms in
    their canonical spellings; it comes from a compact catalogue, not from Whoosh.
    `problems` holds every per-file problem currently known for the archive.
    """

    root: Path
    location: Path | None  # None when the index is in memory
    problems: list[Problem]

    @classmethod
    def open(
        cls,
        root: Path,
        *,
        follow_symlinks: bool = False,
        now: datetime | None = None,
        rebuild: bool = False,
        refresh: bool = True,
        progress: Progress | None = None,
        notice: Notice | None = None,
    ) -> PostIndex:
        """Open (creating or rebuilding as needed) and, unless told not to, refresh."""
        raise NotImplementedError

    def refresh(self, progress: Progress | None = None) -> Refresh:
        """Bring the index up to date with the archive by stat; read only what changed."""
        raise NotImplementedError

    def posts(self) -> list[Post]:
        """Every post's metadata (no body), newest first, undated last, ties by path."""
        raise NotImplementedError

    def post(self, path: str) -> Post | None:
        """One post read fresh from its file, body included, or None if it is gone."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the index's files."""
        raise NotImplementedError
