"""PostList: a virtual list of posts that draws only the rows on screen (Textual's Line API)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from blogtui.model import Post
from blogtui.render import sanitize
from blogtui.safe import safe_or
from blogtui.search.shelf import place_of

#: Finds the matched words of the current query in a title: (start, end) offsets.
TitleMarker = Callable[[str], tuple[tuple[int, int], ...]]


def _no_marks(title: str) -> tuple[tuple[int, int], ...]:
    return ()


class PostList(ScrollView, can_focus=True):
    """The posts of the current search, one row each: date, title, marks, tags."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "first", "First", show=False, id="list.first"),
        Binding("G,end", "last", "Last", show=False, id="list.last"),
        Binding("space,pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("b,pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("enter", "select", "Read", id="list.read"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "post-list--cursor",
        "post-list--date",
        "post-list--tags",
        "post-list--mark",
        "post-list--badge",
    }

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        """The cursor moved onto a post."""

        def __init__(self, post: Post | None) -> None:
            super().__init__()
            self.post = post

    class Selected(Message):
        """The user asked to read a post."""

        def __init__(self, post: Post) -> None:
            super().__init__()
            self.post = post

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:  # noqa: A002
        super().__init__(name=name, id=id)
        self.posts: Sequence[Post] = ()
        self.date_format = "%Y-%m-%d"
        self._marker: TitleMarker = _no_marks
        self._rows: dict[tuple[int, int, bool], Strip] = {}

    def show(self, posts: Sequence[Post], marker: TitleMarker | None = None) -> None:
        """Replace the rows, keeping the cursor on the same post when it is still there."""
        current = self.highlighted
        self.posts = posts
        self._marker = marker or _no_marks
        self._rows.clear()
        self.virtual_size = Size(0, len(posts))
        self.cursor = 0 if current is None else (place_of(posts, current.path) or 0)
        self.refresh()

    @property
    def highlighted(self) -> Post | None:
        """The post under the cursor, if any."""
        if 0 <= self.cursor < len(self.posts):
            return self.posts[self.cursor]
        return None

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.posts) - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self._rows = {k: v for k, v in self._rows.items() if k[0] not in (old, new)}
        self.refresh()
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self.highlighted))

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height or 1
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def on_resize(self, event: events.Resize) -> None:
        self._rows.clear()
        self.virtual_size = Size(0, len(self.posts))

    def render_line(self, y: int) -> Strip:
        """Draw row `y` of the visible region (only visible rows are ever drawn)."""
        index = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if index >= len(self.posts):
            return Strip.blank(width, self.rich_style)
        key = (index, width, index == self.cursor)
        strip = self._rows.get(key)
        if strip is None:
            strip = self._draw(self.posts[index], width, index == self.cursor)
            self._rows[key] = strip
        return strip

    def _draw(self, post: Post, width: int, cursor: bool) -> Strip:
        base = self.rich_style
        if cursor:
            base += self.get_component_rich_style("post-list--cursor")
        text = self.row_text(post)
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = [
            Segment(s.text, base + s.style if s.style else base)
            for s in text.render(self.app.console)
        ]
        return Strip(segments).adjust_cell_length(width, base)

    def row_text(self, post: Post) -> Text:
        """One row: date, title with matched words marked, status badges, tags."""
        style = self.get_component_rich_style
        day = post.date.day.strftime(self.date_format) if post.date else "undated"
        title = safe_or(post.title, post.path)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(f" {day:<10} ", style("post-list--date"))
        start = len(text)
        text.append(title)
        for left, right in self._marker(title):
            text.stylize(style("post-list--mark"), start + left, start + right)
        for badge in _badges(post):
            text.append(" ")
            text.append(f" {badge} ", style("post-list--badge"))
        for number, tag in enumerate(post.tags):
            text.append("  " if number == 0 else " ")  # unstyled: the gap always shows
            text.append("#" + sanitize(tag), style("post-list--tags"))
        return text

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.posts) - 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height - 1)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height - 1)

    def action_select(self) -> None:
        post = self.highlighted
        if post is not None:
            self.post_message(self.Selected(post))

    def on_click(self, event: events.Click) -> None:
        index = round(self.scroll_y) + event.y
        if 0 <= index < len(self.posts):
            self.cursor = index
            if event.chain > 1:
                self.action_select()


def _badges(post: Post) -> list[str]:
    marks = [("draft", post.draft), ("future", post.future), ("expired", post.expired)]
    return [name for name, flag in marks if flag]
