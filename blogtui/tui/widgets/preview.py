"""PostPreview: the highlighted post's header, summary and first lines, beside the list.

It follows the list cursor: the first post shows at once, later moves wait PREVIEW_DELAY so
holding `j` does not render every post passed; the file is read and drawn in a worker, and
only the newest request is shown. Enter reads the whole post in the Reader, which takes its place.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.text import Text
from textual import events, work
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from blogtui.model import Post, Problem
from blogtui.render import sanitize
from blogtui.tui import rendering
from blogtui.tui.rendering import Look

#: Reads one post fresh (body included) and the problems known for its file.
Loader = Callable[[str], tuple[Post | None, list[Problem]]]
#: Seconds the cursor must rest on a post before its preview is drawn.
PREVIEW_DELAY = 0.08
#: How much of the body a preview draws (cut at a blank line).
PREVIEW_CHARS = 1500
CACHE_SIZE = 64


class PostPreview(ScrollView):
    """A read-only glance at one post; the reading pane's place while nothing is open."""

    def __init__(self, loader: Loader, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.loader = loader
        self.look = Look()
        #: The post asked for, and the one whose lines are on screen.
        self.path: str | None = None
        self.shown: str | None = None
        self._lines: list[list[Segment]] = []
        self._cache: OrderedDict[tuple[str, int, bool], list[list[Segment]]] = OrderedDict()
        self._timer: Timer | None = None

    @property
    def text(self) -> str:
        """What the preview shows, as plain text."""
        return "\n".join("".join(s.text for s in line).rstrip() for line in self._lines)

    @property
    def render_width(self) -> int:
        return max(20, self.content_region.width - 1)

    def preview(self, post: Post | None) -> None:
        """Show `post` (None: nothing highlighted); drawn now if nothing is shown yet."""
        if self._timer is not None:
            self._timer.stop()
        self.path = post.path if post else None
        if post is None:
            self._set([])
        elif self.shown is None or PREVIEW_DELAY <= 0:
            self._draw()
        else:
            self._timer = self.set_timer(PREVIEW_DELAY, self._draw)

    def forget(self) -> None:
        """Drop the drawn previews (the files changed)."""
        self._cache.clear()

    def _draw(self) -> None:
        if self.path is None:
            return
        key = (self.path, self.render_width, self.look.dark)
        lines = self._cache.get(key)
        if lines is not None:
            self._set(lines, self.path)
        else:
            self._draw_post(self.path, self.render_width, self.look)

    # Not exclusive: a preview is quick to draw, moves are debounced, and a stale one is
    # dropped in _store; cancelled workers would fail anyone waiting for every worker.
    @work(thread=True, group="preview-render")
    def _draw_post(self, path: str, width: int, look: Look) -> None:
        post, problems = self.loader(path)
        lines = rendering.render_lines(_glance(post, problems, path, look), width)
        self.call_later(self._store, (path, width, look.dark), lines)

    def _store(self, key: tuple[str, int, bool], lines: list[list[Segment]]) -> None:
        self._cache[key] = lines
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        if key == (self.path, self.render_width, self.look.dark):
            self._set(lines, key[0])

    def _set(self, lines: list[list[Segment]], path: str | None = None) -> None:
        self._lines = lines
        self.shown = path
        self.virtual_size = Size(self.render_width, len(lines))
        self.scroll_to(0, 0, animate=False, force=True)
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._draw()

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if index >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        strip = Strip(self._lines[index]).apply_style(self.rich_style)
        return strip.crop_extend(0, width, self.rich_style)


def _glance(post: Post | None, problems: list[Problem], path: str, look: Look) -> RenderableType:
    """Header, summary (when the body does not open with it) and the body's first lines."""
    if post is None:
        reasons = "; ".join(p.reason for p in problems) or "the file is gone"
        return Text(sanitize(f"Cannot show {path}: {reasons}"), style="italic")
    parts: list[RenderableType] = [rendering.header(post, look)]
    head = rendering.first_screen(post.body, PREVIEW_CHARS)
    summary = sanitize(post.summary).strip()
    if summary and _letters(summary)[:24] not in _letters(post.body[:600]):
        parts.append(Text(summary, style="italic"))
        parts.append(Text(""))
    parts.append(rendering.body(post, look, head))
    parts.append(Text(""))
    more = "enter reads the whole post" if head is not None else "enter to read"
    parts.append(Text(f"… {more}" if head is not None else more, style="dim italic"))
    return Group(*parts)


def _letters(text: str) -> str:
    """Only the letters and digits of `text`, case-folded: a summary compared with a body
    whatever markup sits between its words."""
    return "".join(c for c in text.casefold() if c.isalnum())
