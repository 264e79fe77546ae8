"""Walk an archive folder by Hugo/Jekyll/Zola/Astro rules into Posts and per-file Problems.

INTERFACE STUB: the signatures below are the contract other modules code against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from blogtui.model import Post, Problem


class ArchiveError(Exception):
    """The archive itself cannot be read (missing, not a folder): one readable line."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One candidate post file found by `scan`, known by stat alone (nothing read yet)."""

    path: str  # relative to the archive root, POSIX
    abspath: Path  # where to read it
    mtime_ns: int
    size: int


@dataclass(slots=True)
class Scan:
    """The result of a stat-only walk: candidate post files and problems met on the way."""

    root: Path
    files: list[SourceFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class Archive:
    """Every post of an archive (newest first, undated last) and the problems met."""

    root: Path
    posts: list[Post] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def scan(root: Path, *, follow_symlinks: bool = False) -> Scan:
    """Find the archive's post files by stat alone (no file is read). Raises ArchiveError."""
    raise NotImplementedError


def read_post(source: SourceFile, *, now: datetime | None = None) -> tuple[Post | None, list[Problem]]:
    """Read and parse one file: a Post (with what could be read) and its problems, or None."""
    raise NotImplementedError


def load(root: Path, *, follow_symlinks: bool = False, now: datetime | None = None) -> Archive:
    """Scan and read a whole archive; terms take their canonical spellings. Raises ArchiveError."""
    raise NotImplementedError
