"""How wide each pane is at a given terminal width: sidebar, post list and reading pane.

Left to itself, while the user browses, the list is as wide as the archive's titles need (up
to TITLE_CAP cells) and the reading pane, which previews the highlighted post, takes the rest
but never less than READER_MIN; while a post is read the list keeps at most READING_SHARE of
the room. A split (the list's share, from `<`/`>` or the config) overrides both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import cell_len

from blogtui.model import Post
from blogtui.render import sanitize

#: Below this width the sidebar hides and the list and reading pane take turns.
NARROW = 100
#: Titles wider than this are cut with an ellipsis rather than squeeze the reading pane.
TITLE_CAP = 70
#: Cells of a row around its title and tags: margin, date, gap, the scrollbar.
ROW_FRAME = 13
#: The most a row's tags ask for (beyond it they are cut; the preview lists them all).
TAGS_ROOM = 24
#: How many posts, spread evenly over a big archive, size the title column.
TITLE_SAMPLE = 2000
#: The narrowest list and reading pane beside each other.
LIST_MIN = 40
READER_MIN = 36
#: The most of the room the list keeps while a post is being read.
READING_SHARE = 0.35


@dataclass(frozen=True, slots=True)
class Widths:
    """Cells for each pane (sidebar 0 when hidden); the reading pane takes what is left."""

    sidebar: int
    posts: int
    reader: int


def sidebar_width(total: int) -> int:
    """About a seventh of the terminal, 20 to 32 cells (at 140 columns the list then holds
    70-cell titles beside a READER_MIN pane)."""
    return max(20, min(32, total // 7))


def title_width(posts: Iterable[Post]) -> int:
    """The cells most rows need for title and tags: the 95th percentile of each, so one very
    long title does not decide, titles capped at TITLE_CAP and tags at TAGS_ROOM."""
    posts = list(posts)
    return title_width_of([(p.title, p.path) for p in posts], [p.tags for p in posts])


def title_width_of(titles: Iterable[tuple[str, str]], tags: Iterable[tuple[str, ...]]) -> int:
    """`title_width` of posts given as (title, path) and their tags."""
    widths = _most([cell_len(sanitize(title) or path) for title, path in titles])
    tag_widths = _most([cell_len(" #".join(terms)) + 3 for terms in tags if terms])
    return min(TITLE_CAP, widths) + min(TAGS_ROOM, tag_widths)


def _most(widths: list[int]) -> int:
    """The 95th percentile of `widths` (0 for none)."""
    if not widths:
        return 0
    return sorted(widths)[min(len(widths) - 1, len(widths) * 95 // 100)]


def widths(
    total: int,
    titles: int,
    split: float | None = None,
    *,
    sidebar: bool = True,
    reading: bool = False,
) -> Widths:
    """The panes at `total` columns for rows `titles` cells wide (title_width), with an
    optional split;
    `sidebar` False when there is no sidebar to show (an archive without taxonomies),
    `reading` True while a whole post is read."""
    if total < NARROW:
        return Widths(0, total, total)  # the list and the reading pane take turns
    side = sidebar_width(total) if sidebar else 0
    room = total - side
    posts = round(room * split) if split is not None else ROW_FRAME + titles
    if reading and split is None:
        posts = min(posts, round(room * READING_SHARE))
    posts = max(LIST_MIN, min(posts, room - READER_MIN))
    return Widths(side, posts, room - posts)


def split_of(current: Widths) -> float:
    """The split that gives these widths (where `<` and `>` start from)."""
    room = current.posts + current.reader
    return current.posts / room if room else 0.5
