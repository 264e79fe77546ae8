"""Reader: the reading pane, a Line API view of a post rendered in a worker and cached by width."""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from blogtui.markup.images import Finder
from blogtui.markup.outline import Section
from blogtui.markup.wikilinks import heading_key
from blogtui.model import Post, Problem
from blogtui.render import sanitize
from blogtui.tui import images, rendering
from blogtui.tui.rendering import Look

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

#: Reads one post fresh (body included) and the problems known for its file.
Loader = Callable[[str], tuple[Post | None, list[Problem]]]
#: What follows a post's body (posts linking here, related posts), or None.
Annex = Callable[[Post, Look], RenderableType | None]
CACHE_SIZE = 24
#: How many screens above and below the shown lines pictures are decoded ahead of a scroll.
PICTURE_REACH = 2
#: Seconds the pictures worker pauses between two pictures (keys and scrolls go first).
PICTURE_PAUSE = 0.005


@dataclass(slots=True)
class Page:
    """A post rendered at one width: segment lines and their plain text for finding."""

    post: Post | None
    lines: list[list[Segment]]
    complete: bool
    plain: list[str] = field(default_factory=list)
    #: The line each heading is drawn on, with the heading, in reading order.
    sections: list[tuple[int, Section]] = field(default_factory=list)
    #: Where each image's rows are (filled in by the pictures worker).
    spots: list[images.Spot] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.plain = ["".join(s.text for s in line) for line in self.lines]

    def locate(self, sections: list[Section]) -> None:
        """Find the line each of `sections` is drawn on (each after the one before)."""
        start = 0
        self.sections = []
        for section in sections:
            line = _line_starting(self.plain[start:], section.text)
            if line is not None:
                self.sections.append((start + line, section))
                start += line + 1

    def fill(self, spot: images.Spot, rows: list[list[Segment]]) -> None:
        """Draw `rows` (the image) over the placeholder rows of `spot`."""
        for (line, x), row in zip(spot.rows, rows, strict=False):
            before, _, after = _cut(self.lines[line], x, x + spot.box.cols)
            self.lines[line] = [*before, *row, *after]
            # Finding skips a picture: its rows read as blank.
            self.plain[line] = "".join(
                s.text for s in [*before, Segment(" " * spot.box.cols), *after]
            )

    def shrink(self, spot: images.Spot, reason: str) -> int:
        """Replace `spot`'s rows by one quiet line saying why it is not drawn; returns the
        number of lines removed (the lines, headings and spots below move up)."""
        (line, x), removed = spot.rows[0], len(spot.rows) - 1
        before, _, after = _cut(self.lines[line], x, x + spot.box.cols)
        note = Segment(sanitize(f"↳ {reason}"), Style(dim=True, italic=True))
        self.lines[line] = [*before, note, *after]
        self.plain[line] = "".join(s.text for s in self.lines[line])
        del self.lines[line + 1 : line + 1 + removed]
        del self.plain[line + 1 : line + 1 + removed]
        self.sections = [(n - removed if n > line else n, s) for n, s in self.sections]
        for other in self.spots:
            other.rows = [(n - removed if n > line else n, at) for n, at in other.rows]
        spot.rows = spot.rows[:1]
        return removed

    def section_at(self, line: int) -> int:
        """The index in `sections` of the heading `line` falls under, or -1 above the first."""
        current = -1
        for number, (start, _) in enumerate(self.sections):
            if start > line:
                break
            current = number
        return current


def _cut(line: list[Segment], start: int, end: int) -> tuple[list[Segment], ...]:
    """The segments of `line` before cell `start`, from `start` to `end`, and after."""
    strip = Strip(line)
    parts = [*strip.divide([start, end, max(end, strip.cell_length)]), Strip([]), Strip([])]
    return tuple(list(part) for part in parts[:3])


def _over(strip: Strip, style: Style) -> Strip:
    """`strip` with `style` laid over each segment's own style (its colours win over the
    text's, so a match is marked even where the text has a background of its own)."""
    return Strip(
        [Segment(text, (own or Style()) + style, control) for text, own, control in strip],
        strip.cell_length,
    )


def _line_starting(lines: list[str], text: str) -> int | None:
    """The first line holding the start of `text` (a heading as drawn), or None."""
    head = text.strip()[:40]
    for number, line in enumerate(lines):
        if head and head in line:
            return number
    return None


def _message_page(text: str, width: int = 80) -> Page:
    lines = rendering.render_lines(Text(sanitize(text), style="italic"), width)
    return Page(None, lines, complete=True)


class Reader(ScrollView, can_focus=True):
    """Shows one post: header and body; find with `f`, `n`, `N`; history with backspace."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "scroll_down", "Down", show=False, id="reader.down"),
        Binding("up,k", "scroll_up", "Up", show=False, id="reader.up"),
        Binding("g,home", "scroll_home", "Top", show=False, id="reader.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="reader.bottom"),
        Binding("space,pagedown", "page_down", "Page down", show=False, id="reader.page_down"),
        Binding("b,pageup", "page_up", "Page up", show=False, id="reader.page_up"),
        Binding("n", "find_next", "Next match", show=False, id="reader.find_next"),
        Binding("N", "find_previous", "Previous match", show=False, id="reader.find_previous"),
        Binding("backspace", "back", "Back", id="reader.back"),
        Binding(
            "left_square_bracket",
            "heading(-1)",
            "Previous heading",
            show=False,
            id="reader.previous_heading",
        ),
        Binding(
            "right_square_bracket",
            "heading(1)",
            "Next heading",
            show=False,
            id="reader.next_heading",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "reader--match",
        "reader--current-match",
        "reader--heading",
    }

    class Opened(Message):
        """A post is now shown (its first screen at least)."""

        def __init__(self, post: Post | None, complete: bool) -> None:
            super().__init__()
            self.post = post
            self.complete = complete

    def __init__(self, loader: Loader, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.loader = loader
        #: Drawn after the body of each post (set by the screen that knows the archive).
        self.annex: Annex | None = None
        #: Finds the files of a post's images; None (or mode "off") draws none.
        self.finder: Finder | None = None
        self.image_mode = "off"
        self.look = Look()
        self.page: Page = _message_page("Pick a post and press enter to read it.")
        self.path: str | None = None
        self.history: list[str] = []
        self._cache: OrderedDict[tuple[str, int, bool], Page] = OrderedDict()
        self._find = ""
        self._matches: list[tuple[int, int, int]] = []  # (line, start, end) in cells
        self._current = -1
        self._message: str | None = None
        self._anchor = ""  # a heading to show once the post is rendered
        #: The page whose pictures a worker decodes (None when none does) and the number of
        #: the latest such worker (each reports back with its number when it stops).
        self._decoding: tuple[Page | None, int] = (None, 0)

    @property
    def post(self) -> Post | None:
        """The post being shown, if any."""
        return self.page.post

    @property
    def text(self) -> str:
        """Everything the pane shows, as plain text (rendered, not scrolled)."""
        return "\n".join(line.rstrip() for line in self.page.plain)

    @property
    def render_width(self) -> int:
        """The width posts are rendered at: the content width less room for the scrollbar,
        so a scrollbar appearing does not change it."""
        return max(20, self.content_region.width - 2)

    def open(self, path: str, *, remember: bool = True, anchor: str = "") -> None:
        """Show the post at `path` (at its heading `anchor`, if given); the current one goes
        on the history for backspace."""
        self._message = None
        self._anchor = anchor
        if remember and self.path is not None and self.path != path:
            self.history.append(self.path)
        self.path = path
        self.clear_find()
        key = (path, self.render_width, self.look.dark)
        page = self._cache.get(key)
        if page is not None and page.complete:
            self._cache.move_to_end(key)
            self._show(page, reset=True)
            if any(not spot.claimed for spot in page.spots):  # cut short by another post
                self._start_pictures(page)
            return
        self._render_post(path, self.render_width, self.look)

    def forget(self) -> None:
        """Drop every cached page (the files changed)."""
        self._cache.clear()

    def reload(self) -> None:
        """Render the current post again from its file."""
        self.forget()
        if self.path is not None:
            self._render_post(self.path, self.render_width, self.look, keep_scroll=True)

    def clear(self, message: str) -> None:
        """Show a message instead of a post."""
        self.path = None
        self._message = message
        self._show(_message_page(message, self.render_width), reset=True)

    @work(thread=True, exclusive=True, group="render")
    def _render_post(self, path: str, width: int, look: Look, keep_scroll: bool = False) -> None:
        # Pages come back through this widget's queue (call_later is thread-safe), so one
        # finished as the app exits is dropped instead of drawn into a closed DOM.
        post, problems = self.loader(path)
        if post is None:
            reasons = "; ".join(p.reason for p in problems) or "the file is gone"
            page = _message_page(f"Cannot show {path}: {reasons}", width)
            self.call_later(self._show, page, not keep_scroll)
            return
        top: list[RenderableType] = [rendering.header(post, look)]
        if problems:
            notes = "\n".join(f"! {p.reason}" for p in problems)
            top.append(Text(sanitize(notes), style="bold yellow"))
        # The first screen first (a short post: all of it), without the annex: the related
        # posts and backlinks under it take longer and come with the whole page.
        key = (path, width, look.dark)
        head = rendering.first_screen(post.body)
        pictures = self._collector(post)
        text = rendering.body(post, look, head, pictures)
        lines = rendering.render_lines(Group(*top, text), width)
        self.call_later(
            self._show_head, key, self._page(post, lines, False, pictures), not keep_scroll
        )
        if not self._wanted(key):
            return  # another post, width or look is wanted now: its render must not wait
        extra = self.annex(post, look) if self.annex is not None else None
        pictures = self._collector(post)
        text = rendering.body(post, look, None, pictures)
        lines = rendering.render_lines(Group(*top, text, *([extra] if extra else [])), width)
        page = self._page(post, lines, True, pictures)
        page.locate(rendering.sections(post))
        self.call_later(self._store, key, page, True)

    def _collector(self, post: Post) -> images.Collector | None:
        """What draws the post's images under their paragraphs, unless images are off."""
        if self.finder is None or self.image_mode == "off":
            return None
        return images.Collector(self.finder, post.path)

    @staticmethod
    def _page(
        post: Post, lines: list[list[Segment]], complete: bool, found: images.Collector | None
    ) -> Page:
        page = Page(post, lines, complete)
        if found is not None and found.pictures:
            page.spots = images.spots(lines, found.pictures)
        return page

    def _store(self, key: tuple[str, int, bool], page: Page, keep_scroll: bool) -> None:
        self._cache[key] = page
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        if self._wanted(key):
            self._show(page, reset=not keep_scroll)
            if page.spots:  # only the page shown: a stale render must not cancel its worker
                self._start_pictures(page)

    # --- images -------------------------------------------------------------------------
    def _start_pictures(self, page: Page) -> None:
        """Decode the shown page's pictures near the screen (a worker; see `_draw_pictures`)."""
        self._decoding = (page, self._decoding[1] + 1)
        self._draw_pictures(page, self._decoding[1], self._background(), self._drawing())

    def _wanted_page(self, page: Page) -> bool:
        return page.post is not None and self._wanted(
            (page.post.path, self.render_width, self.look.dark)
        )

    def _drawing(self) -> images.Drawing:
        return images.drawing_for(self.image_mode)

    def _background(self) -> tuple[int, int, int]:
        """The pane's background colour: what a transparent image is laid on."""
        colour = self.background_colors[1]
        return (colour.r, colour.g, colour.b)

    @work(thread=True, exclusive=True, group="pictures")
    def _draw_pictures(
        self, page: Page, run: int, background: tuple[int, int, int], drawing: images.Drawing
    ) -> None:
        # One image at a time, the nearest to what is on screen first, each shown as soon as
        # it is decoded; those screens away wait until a scroll brings them near (a gallery
        # of hundreds is not decoded at once). A newer page cancels; another post stops it.
        worker = get_current_worker()
        while not worker.is_cancelled and self.page is page:
            spot = self._nearest(page)
            if spot is None:
                break
            spot.claimed = True
            assert spot.picture.path is not None
            drawn = images.draw(spot.picture.path, spot.box, background, drawing)
            self.call_later(self._fill, page, spot, drawn)
            time.sleep(PICTURE_PAUSE)  # let a key waiting for the GIL in between
        self.call_later(self._pictures_idle, run)

    def _nearest(self, page: Page) -> images.Spot | None:
        """The unclaimed picture of `page` nearest the lines on screen, within
        PICTURE_REACH screens of them, or None."""
        top = round(self.scroll_y)
        height = max(1, self.scrollable_content_region.height)
        low, high = top - PICTURE_REACH * height, top + (PICTURE_REACH + 1) * height
        near = [
            spot
            for spot in page.spots
            if not spot.claimed and low <= spot.rows[-1][0] and spot.rows[0][0] <= high
        ]
        return min(near, key=lambda spot: abs(spot.rows[0][0] - top), default=None)

    def _pictures_idle(self, run: int) -> None:
        """The worker of `run` stopped; if it was the latest, a scroll meanwhile may have
        brought more pictures near."""
        if run != self._decoding[1]:
            return
        self._decoding = (None, run)
        if self.page.spots and self._wanted_page(self.page) and self._nearest(self.page):
            self._start_pictures(self.page)

    @property
    def drawing_pictures(self) -> bool:
        """True while pictures near the screen are still being decoded or put in place."""
        running = self._decoding[0] is not None
        return running or any(spot.claimed and not spot.done for spot in self.page.spots)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        page = self.page
        idle = self._decoding[0] is not page
        if page.spots and idle and self._wanted_page(page) and self._nearest(page):
            self._start_pictures(page)  # a scroll brought pictures near

    def _fill(
        self, page: Page, spot: images.Spot, drawn: list[list[Segment]] | PilImage | str
    ) -> None:
        """Put a decoded image (or why it could not be) into `page` and show it."""
        if spot.done:
            return
        spot.done = True
        if isinstance(drawn, str):
            removed = page.shrink(spot, drawn)
            if self.page is page and removed:
                self._after_shrink(spot.rows[0][0], removed)
        else:
            page.fill(spot, images.rows_for(drawn, spot.box))
        if self.page is page:
            self.refresh()

    def _after_shrink(self, line: int, removed: int) -> None:
        """Keep the text being read in place when lines above it went away."""
        width = max((cell_len(row) for row in self.page.plain), default=0)
        self.virtual_size = Size(min(width, self.render_width), len(self.page.lines))
        if line < round(self.scroll_y):
            self.scroll_to(y=max(0, self.scroll_y - removed), animate=False, force=True)
        if self._find:
            self._search(self._find)

    def _show_head(self, key: tuple[str, int, bool], page: Page, reset: bool) -> None:
        if self._wanted(key):
            self._show(page, reset)

    def _wanted(self, key: tuple[str, int, bool]) -> bool:
        """True if a page rendered for `key` is what the pane should show now."""
        return key == (self.path, self.render_width, self.look.dark)

    def _show(self, page: Page, reset: bool) -> None:
        self.page = page
        width = max((cell_len(line) for line in page.plain), default=0)
        self.virtual_size = Size(min(width, self.render_width), len(page.lines))
        if reset:
            self.scroll_to(0, 0, animate=False, force=True)  # also behind a modal picker
        if self._anchor and page.post is not None:
            self._go_to_heading(page)
        if self._find:
            self._search(self._find)
        self.refresh()
        self.post_message(self.Opened(page.post, page.complete))

    def _go_to_heading(self, page: Page) -> None:
        """Scroll to the heading `self._anchor` names (case and punctuation ignored)."""
        assert page.post is not None
        wanted = heading_key(self._anchor)
        shown = next((text for key, text in rendering.headings(page.post) if key == wanted), "")
        line = _line_starting(page.plain, shown) if shown else None
        if line is not None:  # after the refresh that makes the new height scrollable
            self.call_after_refresh(self.scroll_to, y=line, animate=False, force=True)
        if page.complete or line is not None:
            self._anchor = ""

    def on_resize(self, event: events.Resize) -> None:
        if self.path is not None:  # also when a render at the old width is still running
            self.open(self.path, remember=False, anchor=self._anchor)
        elif self.path is None and self._message is not None:
            self.clear(self._message)

    def render_line(self, y: int) -> Strip:
        """Draw line `y` of the visible region, with find matches highlighted; the top row
        names the heading being read once its own line has scrolled away."""
        index = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if y == 0 and (heading := self.current_heading) is not None:
            return self._heading_strip(heading, width)
        if index >= len(self.page.lines):
            return Strip.blank(width, self.rich_style)
        strip = Strip(self.page.lines[index]).apply_style(self.rich_style)
        strip = self._highlight(strip, index)
        return strip.crop_extend(
            round(self.scroll_x), round(self.scroll_x) + width, self.rich_style
        )

    def _highlight(self, strip: Strip, index: int) -> Strip:
        for number, (line, start, end) in enumerate(self._matches):
            if line != index:
                continue
            name = "reader--current-match" if number == self._current else "reader--match"
            style = self.get_component_rich_style(name)
            before, middle, after = strip.divide([start, end, strip.cell_length])
            strip = Strip.join([before, _over(middle, style), after])
        return strip

    # --- headings ---------------------------------------------------------------------
    @property
    def current_section(self) -> int:
        """The index in `page.sections` of the heading being read (-1 above the first)."""
        return self.page.section_at(round(self.scroll_y))

    @property
    def current_heading(self) -> Section | None:
        """The heading the top row names: the one being read, once scrolled below its line."""
        number = self.current_section
        return self.page.sections[number][1] if number >= 0 else None

    def _heading_strip(self, heading: Section, width: int) -> Strip:
        style = self.rich_style + self.get_component_rich_style("reader--heading")
        text = f"{'#' * heading.level} {heading.text}"
        return Strip([Segment(text, style)]).crop_extend(0, width, style)

    def go_to_section(self, number: int) -> None:
        """Scroll so heading `number` of the outline is the top line."""
        if 0 <= number < len(self.page.sections):
            self.scroll_to(y=self.page.sections[number][0], animate=False, force=True)
            self.refresh()

    def action_heading(self, step: int) -> None:
        sections = self.page.sections
        line = round(self.scroll_y)
        if step > 0:
            later = [n for n, (start, _) in enumerate(sections) if start > line]
            target = later[0] if later else None
        else:
            earlier = [n for n, (start, _) in enumerate(sections) if start < line]
            target = earlier[-1] if earlier else None
        if target is None:
            self.app.bell()
        else:
            self.go_to_section(target)

    def action_page_down(self) -> None:
        """A page, less the row the heading takes, so no line is skipped under it."""
        if self.current_heading is None:
            super().action_page_down()
        else:
            step = max(1, self.scrollable_content_region.height - 1)
            self.scroll_to(y=self.scroll_y + step, animate=False)

    # --- find -------------------------------------------------------------------------
    def find(self, term: str) -> int:
        """Highlight every occurrence of `term` (case-insensitive); jump to the first one."""
        self._find = term
        count = self._search(term)
        if count:
            self._current = -1
            self.action_find_next()
        self.refresh()
        return count

    def clear_find(self) -> None:
        self._find = ""
        self._matches = []
        self._current = -1
        self.refresh()

    def _search(self, term: str) -> int:
        self._matches = []
        if not term:
            return 0
        pattern = re.compile(re.escape(term), re.IGNORECASE)
        for number, line in enumerate(self.page.plain):
            for match in pattern.finditer(line):
                start = cell_len(line[: match.start()])
                self._matches.append((number, start, start + cell_len(match.group(0))))
        return len(self._matches)

    @property
    def match_status(self) -> str:
        """ "3/12" for the current match, or "" when not finding."""
        if not self._find:
            return ""
        if not self._matches:
            return f"no match for {self._find!r}"
        return f"{self._current + 1}/{len(self._matches)} {self._find!r}"

    def _go_to_match(self, step: int) -> None:
        if not self._matches:
            self.app.bell()
            return
        self._current = (self._current + step) % len(self._matches)
        line = self._matches[self._current][0]
        height = self.scrollable_content_region.height
        if not round(self.scroll_y) <= line < round(self.scroll_y) + height:
            self.scroll_to(y=max(0, line - height // 3), animate=False)
        self.refresh()
        self.post_message(self.Opened(self.page.post, self.page.complete))

    def action_find_next(self) -> None:
        self._go_to_match(1)

    def action_find_previous(self) -> None:
        self._go_to_match(-1)

    def action_back(self) -> None:
        if self.history:
            self.open(self.history.pop(), remember=False)
        else:
            self.app.bell()
