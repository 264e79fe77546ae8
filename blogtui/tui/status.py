"""The words of the status line: plural forms, the build's progress and when search is ready."""

from __future__ import annotations

import time
from collections.abc import Callable


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 file`, `2 files`: the count with its noun in the right form (thousands separated)."""
    noun = one if count == 1 else (many or one + "s")
    return f"{count:,} {noun}"


def problems_title(count: int) -> str:
    """The heading of the problems notice: "1 file has problems", "3 files have problems"."""
    return f"{plural(count, 'file')} {'has' if count == 1 else 'have'} problems"


class BuildClock:
    """Times a build from its progress reports and says when search will be ready.

    The estimate is the rate so far applied to what is left; it is held back until a few
    files and half a second have gone by, so the first guess is not wild.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start: float | None = None
        self._first = 0

    def line(self, done: int, total: int) -> str:
        """ "indexing 3,120/10,000 · search ready in ~9 s" for this report."""
        now = self._clock()
        if self._start is None:
            self._start, self._first = now, done
        text = f"indexing {done:,}/{total:,}"
        if done >= total:
            return f"{text} · writing the index…"
        left = self.seconds_left(done, total, now)
        return text if left is None else f"{text} · search ready in ~{left} s"

    def seconds_left(self, done: int, total: int, now: float) -> int | None:
        """Whole seconds to go at the rate so far (at least 1), or None before a fair guess."""
        if self._start is None:
            return None
        spent, went = now - self._start, done - self._first
        if spent < 0.5 or went < 10:
            return None
        return max(1, round((total - done) * spent / went))
