"""The records every part of blogtui shares: Post, PostDate, Problem, and term matching."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

#: Words a minute for the reading time, as Hugo uses (213 for most languages).
WORDS_PER_MINUTE = 213


@dataclass(frozen=True, slots=True)
class PostDate:
    """A post's date with its two faces.

    `instant` is an aware UTC datetime, used for sorting and JSON. `day` is the calendar
    date as the author wrote it (before any conversion to UTC), used for display,
    `--year`, `date:` queries and the Years facet.
    """

    instant: datetime
    day: date
    #: The instant as a POSIX timestamp, computed once: sorting thousands of hits needs it.
    stamp: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stamp", self.instant.timestamp())

    def iso(self) -> str:
        """The instant as ISO 8601 UTC with a `Z`, e.g. `2025-06-29T00:00:00Z`."""
        return self.instant.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one file: its archive-relative path and a readable reason."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Post:
    """One post of an archive, normalised from whatever layout and front matter it had.

    Taxonomy terms are kept as the author spelled them (whitespace tidied); compare them
    with `term_key`. `body` is the markdown without front matter; records loaded from the
    index's catalogue carry an empty body (read the file for it).
    """

    path: str  # relative to the archive root, POSIX separators
    title: str
    slug: str
    date: PostDate | None = None
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    #: Other taxonomies (Zola `[taxonomies]` entries, Hugo custom ones), name -> terms.
    taxonomies: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    draft: bool = False
    future: bool = False
    expired: bool = False
    summary: str = ""
    words: int = 0
    lang: str | None = None
    section: str = ""
    body: str = field(default="", repr=False)
    #: Hugo's `expiryDate`: `expired` is judged against it (kept so a stored post can be
    #: judged again later, as time passes).
    expiry: PostDate | None = None

    @property
    def reading_minutes(self) -> int:
        """Reading time in whole minutes, at least 1 for a non-empty post (Hugo's rounding)."""
        if self.words == 0:
            return 0
        return max(1, -(-self.words // WORDS_PER_MINUTE))

    @property
    def year(self) -> int | None:
        """The calendar year as written, or None for an undated post."""
        return self.date.day.year if self.date else None

    def sort_key(self) -> tuple[int, float, str]:
        """Newest first, undated last, ties by path: use with `sorted(..., key=...)`."""
        if self.date is None:
            return (1, 0.0, self.path)
        return (0, -self.date.stamp, self.path)


_SPACES = re.compile(r"\s+", re.UNICODE)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def tidy_term(term: str) -> str:
    """A term as displayed: runs of Unicode whitespace become one space, ends stripped."""
    return _SPACES.sub(" ", term.translate(_INVISIBLE)).strip()


def term_key(term: str) -> str:
    """The matching key of a taxonomy term: case-folded, NFKC, whitespace runs as one space."""
    return tidy_term(unicodedata.normalize("NFKC", term)).casefold()


def canonical_spellings(term_lists: Iterable[Iterable[str]]) -> dict[str, str]:
    """Map each term key to the spelling to display: the most frequent, ties to the first seen.

    Feed the posts' terms in path order so that "first seen" means "first by path".
    """
    counts: Counter[tuple[str, str]] = Counter()
    first_seen: dict[tuple[str, str], int] = {}
    for terms in term_lists:
        for term in terms:
            pair = (term_key(term), tidy_term(term))
            counts[pair] += 1
            first_seen.setdefault(pair, len(first_seen))
    best: dict[str, tuple[int, int, str]] = {}
    for (key, spelling), count in counts.items():
        rank = (-count, first_seen[(key, spelling)], spelling)
        if key not in best or rank < best[key]:
            best[key] = rank
    return {key: rank[2] for key, rank in best.items()}
