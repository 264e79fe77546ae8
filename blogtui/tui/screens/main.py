"""MainScreen: search bar, sidebar, post list and reading pane, and the work behind them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Input, Label, TextArea
from textual.worker import Worker, get_current_worker

from blogtui.archive import ArchiveError
from blogtui.markup.images import Finder
from blogtui.model import SORTS, Post, Problem
from blogtui.safe import Safe, joined, safe, visible
from blogtui.search.facets import Facets
from blogtui.search.partial import partial_search
from blogtui.search.postings import Cancelled
from blogtui.search.search import Results
from blogtui.search.shelf import ShelfPosts
from blogtui.search.syntax import QueryError
from blogtui.tui import external, layout, polling, shown
from blogtui.tui.library import (
    FIRST_SCREEN,
    Filters,
    Library,
    Listing,
    marks_in_title,
    preview_stream,
)
from blogtui.tui.rendering import Look
from blogtui.tui.session import Session
from blogtui.tui.state import UiState, clamp_split
from blogtui.tui.status import BuildClock, plural, problems_title
from blogtui.tui.web import Web, build_web, related_of
from blogtui.tui.widgets.footer import KeyFooter
from blogtui.tui.widgets.post_list import PostList
from blogtui.tui.widgets.preview import PostPreview
from blogtui.tui.widgets.reader import Reader
from blogtui.tui.widgets.taxonomy import Sidebar

#: Seconds between keystrokes in the search bar and the search they start.
DEBOUNCE = 0.15
#: Seconds between stat polls of the archive, where file-system events cannot be had.
POLL_INTERVAL = 2.0
#: Below this width the sidebar hides and the list and reading pane take turns.
NARROW = layout.NARROW
#: How far one `<` or `>` moves the split (a share of the width beside the sidebar).
SPLIT_STEP = 0.05
#: What the count line adds while the list shows front-matter matches only.
PARTIAL = "partial: titles, terms, summaries until the index is ready"


#: What the empty search bar shows: the query syntax at a glance (`?` has the keys).
SEARCH_HINT = '/ search   words  "a phrase"  tag:NAME  category:NAME  date:2024  -word  prefix*'


class ScreenClosed(Exception):
    """Raised inside a refresh when the screen closed (the app is exiting): the build stops."""


class MainScreen(Screen[None]):
    """Everything the reader shows; holds the current Filters and the last Results."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the App runs it as the key arrives, so the keys queued behind it (typed
        # while the UI was busy) are dispatched once the search bar has the focus.
        Binding("slash", "search", "Search", id="search", priority=True),
        Binding("t", "pick('tag')", "Tags", id="tags"),
        Binding("c", "pick('category')", "Categories", id="categories"),
        Binding("y", "pick('year')", "Year", show=False, id="years"),
        Binding("escape", "clear", "Clear", show=False, id="clear"),
        Binding("tab", "switch_pane", "Switch pane", show=False, id="switch_pane"),
        Binding("s", "cycle_sort", "Sort", id="sort"),
        Binding("e", "edit", "Edit", id="edit"),
        Binding("o", "links", "Links", id="links"),
        Binding("O", "outline", "Outline", show=False, id="outline"),
        Binding(
            "left_curly_bracket", "series(-1)", "Previous part", show=False, id="series_previous"
        ),
        Binding("right_curly_bracket", "series(1)", "Next part", show=False, id="series_next"),
        Binding("comma", "neighbour(-1)", "Previous post", show=False, id="post_previous"),
        Binding("full_stop", "neighbour(1)", "Next post", show=False, id="post_next"),
        Binding("f", "find", "Find", id="find"),
        Binding("r", "reload", "Reload", show=False, id="reload"),
        Binding("less_than_sign", "split(-1)", "Narrower list", show=False, id="split_narrower"),
        Binding("greater_than_sign", "split(1)", "Wider list", show=False, id="split_wider"),
        Binding("equals_sign", "split(0)", "Reset split", show=False, id="split_reset"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.filters = Filters()
        self.results: Listing | None = None
        #: The filters whose results the list shows (the search for `filters` has landed
        #: when the two are equal).
        self.shown: Filters | None = None
        #: Every post (built only as they are read when it is the index's ShelfPosts).
        self.catalogue: Sequence[Post] = []
        self.error = safe("")
        self.progress = safe("")
        #: How the archive polls back off, and whether the archive is gone (polling.Poller).
        self.poller = polling.Poller()
        self._poll_timer: Timer | None = None
        self.indexed = False
        #: True once a cold start listed the posts from their front matter (see `_preview`).
        self.previewing = False
        self._debounce: Timer | None = None
        self._refresh_started = False
        self._web_stale = False  # the link graph waits for a post to be opened
        #: True while the list shows front-matter matches (the index is not ready).
        self.partial = False
        self.ui_state = UiState.load()
        self._titles = 0  # the cells the archive's titles need (layout.title_width)
        #: Links between posts (backlinks, the links picker), rebuilt after each refresh.
        self.web = Web()

    def compose(self) -> ComposeResult:
        yield Input(placeholder=SEARCH_HINT, id="search")
        with Horizontal(id="panes"):
            yield Sidebar(id="sidebar")
            yield PostList(id="posts")
            yield PostPreview(self._load, id="preview")
            yield Reader(self._load, id="reader")
        with Horizontal(id="status-bar"):
            yield Label("", id="status", markup=False)
            yield Label("", id="count", markup=False)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one(PostList).date_format = self.session.config.date_format
        self.query_one(Reader).look = self.query_one(PostPreview).look = self._look()
        self.query_one(Reader).finder = Finder(self.session.root)
        self.query_one(Reader).image_mode = self.session.config.images
        # Related posts only once the index is up to date: a cold build holds its lock.
        self.query_one(Reader).annex = lambda post, look: self.web.annex(
            post,
            look,
            related_of(self.session.library if self.indexed else None, post),
            self.session.config.series,
        )
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.filters = replace(self.filters, sort=self.session.sort)
        self.query_one(PostList).focus()
        self._set_status(safe("opening the archive…"))

    def _look(self) -> Look:
        """How the reading pane draws a post: the configured date format, the theme's darkness."""
        return Look(date_format=self.session.config.date_format, dark=self.app.current_theme.dark)

    def _theme_changed(self, theme: Theme) -> None:
        reader = self.query_one(Reader)
        reader.look = self._look()
        reader.reload()
        preview = self.query_one(PostPreview)
        preview.look = self._look()
        preview.forget()
        preview.preview(self.query_one(PostList).highlighted)

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "narrow")
        self._relayout()

    # --- layout -----------------------------------------------------------------------
    def _split(self) -> float | None:
        """The split in force: the remembered one, else the configured one, else none."""
        return self.ui_state.split if self.ui_state.split is not None else self.session.config.split

    def _relayout(self) -> None:
        """Size the panes for this width, the archive's titles and the split in force."""
        shown = not self.has_class("no-sidebar")
        reading = self.has_class("reading")
        panes = layout.widths(
            self.size.width, self._titles, self._split(), sidebar=shown, reading=reading
        )
        if panes.sidebar:
            self.query_one(Sidebar).styles.width = panes.sidebar
        narrow = self.has_class("narrow")
        self.query_one(PostList).styles.width = None if narrow else panes.posts

    # --- data flow --------------------------------------------------------------------
    def library_ready(self, catalogue: Sequence[Post]) -> None:
        """The index is open: show its catalogue at once, count and refresh once it is drawn."""
        self._catalogue_changed(catalogue)
        first_run = "reading the archive for its first index…"
        self._set_status(safe("checking the archive for changes…" if catalogue else first_run))
        if not catalogue:  # a cold index: list the posts from their front matter meanwhile
            self._preview()
        if catalogue and self.filters == Filters(sort=self.filters.sort):
            self._show_results(self.filters, Listing(catalogue, None))  # counts come next
        else:
            self.run_search()
        # After the first paint: the refresh's scan must not share the GIL with drawing it.
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        counting = self._count_later()
        # A cold index starts building once the preview's first screen shows. A warm one is
        # refreshed once the counts are shown (`_worker_done`): the two side by side took
        # turns at the GIL all the same, and held both their peaks of memory at once.
        if self.catalogue and not counting:
            self._first_refresh()

    def _first_refresh(self) -> None:
        if not self._refresh_started:
            self._refresh_started = True
            self.refresh_archive(first=True)  # then follow the archive (`_follow_archive`)
            self._poll_later()

    # Workers report back with `self.call_later` (thread-safe, through this screen's queue),
    # not `app.call_from_thread`: the screen runs them only while it is live, so a worker
    # that finishes as the app exits never calls into a closed DOM.
    @work(thread=True, exclusive=True, group="preview")
    def _preview(self) -> None:
        """Read every post's front matter (about a second per 10,000) while the index builds:
        the first few hundred are shown at once, then the cold build starts beside the rest."""
        for results in preview_stream(self.session.root, now=self.session.now):
            if self.indexed or not self.is_attached:
                break
            self.call_later(self._show_preview, results)
            self.call_later(self._first_refresh)
        self.call_later(self._first_refresh)  # an empty archive: build (nothing) all the same

    def _show_preview(self, results: Results) -> None:
        if self.indexed or not results.hits:
            return  # the index won the race, or there is nothing to show
        self.previewing = True
        self._catalogue_changed([hit.post for hit in results.hits])
        self.run_search()  # the search typed meanwhile, over the posts just read

    def _catalogue_changed(self, catalogue: Sequence[Post]) -> None:
        """A new list of every post: size the panes for its titles (the index's: first by
        the tags of the rows at hand, then by its sample's, read in a worker)."""
        self.catalogue = catalogue
        if isinstance(catalogue, ShelfPosts):
            shelf = catalogue.shelf
            sample = shelf.sample_titles(layout.TITLE_SAMPLE)
            self._titles_sized(catalogue, layout.title_width_of(sample, shelf.built_tags()))
            self.call_after_refresh(self._size_titles, catalogue)  # after the list is drawn
        else:
            self._titles_sized(catalogue, layout.title_width(catalogue))

    @work(thread=True, exclusive=True, group="titles")
    def _size_titles(self, catalogue: ShelfPosts) -> None:
        titles = layout.title_width_of(*catalogue.shelf.sample(layout.TITLE_SAMPLE))
        self.call_later(self._titles_sized, catalogue, titles)

    def _titles_sized(self, catalogue: Sequence[Post], titles: int) -> None:
        if catalogue is self.catalogue and titles != self._titles:
            self._titles = titles
            self._relayout()

    def _poll_later(self) -> None:
        """Poll again after POLL_INTERVAL (a minute while events come), or longer when a scan
        costs more (polling.delay)."""
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._poll_timer = self.set_timer(self.poller.delay(POLL_INTERVAL), self._poll)

    def _poll(self) -> None:
        if not self.session.editing and not self._refreshing():
            self.refresh_archive()
        self._poll_later()

    def _follow_archive(self) -> None:
        """Follow the archive by file-system events; poll where they cannot be had (said once)."""
        library = self.session.library
        if library is None or self.poller.lost is not None or self.poller.polling is not None:
            return
        self._start_watching(library)

    @work(thread=True, group="watch")
    def _start_watching(self, library: Library) -> None:
        """Watch the folders of the last walk, off the screen's thread: a watch a folder, 1.6 s
        for the 15,069 folders of 100,000 generated posts (benchmarks/bench_watch.py).
        (watchfiles holds Python's lock while it adds them, about 1.4 s of that, so keys
        still wait then; the rest, their real paths among it, no longer holds the screen.)"""
        before = self.poller.watcher
        reason = self.poller.watch(library.root, library.folders(), self._events)
        self.call_later(self._watching, reason, self.poller.watcher is not before)

    def _watching(self, reason: str | None, new: bool) -> None:
        if self.poller.lost is not None:  # gone while the watch began: polls notice its return
            self.poller.stop()
        elif reason is not None:
            shown.notify(self, safe(f"polling the archive for changes: {reason}"), timeout=6)
            self._poll_later()
        elif new:  # what changed before the watch began: a poll of every folder
            self.poller.recheck = True
            self._touched(frozenset())
            self._poll_later()  # events come now: the next poll in WATCHED_INTERVAL

    def _events(self, paths: frozenset[str]) -> None:
        """From the watcher's thread: hand the paths to the screen's queue."""
        self.call_later(self._touched, paths)

    def _touched(self, paths: frozenset[str]) -> None:
        """Events named these paths: refresh them (now, or when the running refresh ends)."""
        self.poller.touched |= paths
        if self.session.editing:  # the editor's writes are read when it closes
            self.set_timer(POLL_INTERVAL, lambda: self._touched(frozenset()))
        elif not self._refreshing() and self.poller.recheck:
            self.poller.recheck = False
            self.poller.take()
            self.refresh_archive()  # every folder by stamp, every file by stat
        elif not self._refreshing() and self.poller.touched:
            self.refresh_archive(touched=self.poller.take())

    def on_unmount(self) -> None:
        self.poller.stop()

    def _refreshing(self) -> bool:
        """True while a refresh runs. A poll then skips its tick rather than cancel it: a cold
        build outlasts many ticks, and each cancelled refresh would keep its thread, waiting."""
        return any(
            w.node is self and w.group == "refresh" and not w.is_finished for w in self.workers
        )

    @work(thread=True, exclusive=True, group="refresh")
    def refresh_archive(
        self, first: bool = False, exact: bool = False, touched: frozenset[str] | None = None
    ) -> None:
        """Bring the index up to date by stat (every folder listed when `exact`, only the
        `touched` paths when events named them); re-run the search when something changed."""
        library = self.session.library
        if library is None:
            return

        shown = 0
        clock = BuildClock()

        def progress(done: int, total: int) -> None:
            nonlocal shown
            if not self.is_attached:
                raise ScreenClosed  # the app is exiting: stop building, do not hold it up
            if total and (done - shown >= 50 or done == total):  # files come one by one or 40
                shown = done
                self.call_later(self._set_status, safe(clock.line(done, total)))

        try:
            report = library.refresh(progress if first else None, exact=exact, touched=touched)
        except ScreenClosed:
            return  # the index discards the unfinished build; the next start builds it again
        except ArchiveError as err:  # the folder moved away or turned unreadable: keep polling
            self.call_later(self._archive_lost, safe(str(err)))
            return
        finally:
            self.poller.cost = library.scan_seconds
        if self.poller.lost is not None:
            self.call_later(self._archive_back)
        changed = report.added + report.changed + report.deleted
        catalogue = library.listing() if changed or first else None
        self.call_later(self._refreshed, catalogue, report.problems, first, changed)

    def _refreshed(
        self, catalogue: Sequence[Post] | None, problems: list[Problem], first: bool, changed: int
    ) -> None:
        if catalogue is not None:
            self._catalogue_changed(catalogue)
        self.indexed = True
        if changed or (first and not self._shows_catalogue()):
            reader = self.query_one(Reader)
            reader.forget()
            self.query_one(PostPreview).forget()
            if reader.path is not None:
                reader.reload()
            self.run_search()
        if changed or first:
            self._web_wanted()
        if self.poller.lost is None:
            self._set_status(safe(""))
        if first and problems:
            self._notify_problems(problems)
        self._follow_archive()

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        """A refresh ended: look at what events named while it ran (or the new watcher's
        first poll). The first counts ended: the first refresh starts."""
        if event.worker.group == "refresh" and event.worker.is_finished:
            self._touched(frozenset())
        elif event.worker.group == "count" and event.worker.is_finished and self.catalogue:
            self._first_refresh()  # (once: the first paint's counts are done)

    def _archive_lost(self, message: Safe) -> None:
        """Say once that the archive is gone; polls (not events) notice its return."""
        if self.poller.lost != message:
            shown.notify(self, message, title=safe("archive unavailable"), severity="error")
        if self.poller.lost is None and self.poller.watcher is not None:
            self.poller.stop()  # its folders are gone: polls notice the archive's return
            self._poll_later()
        self.poller.lost = message
        self._set_status(safe(f"archive unavailable: {message}; still watching"))

    def _archive_back(self) -> None:
        if self.poller.lost is not None:
            self.poller.lost = None
            self._set_status(safe(""))
            shown.notify(self, safe("the archive is back"), timeout=3)

    def _web_wanted(self) -> None:
        """The link graph is out of date: rebuild it now if a post is open, else when one
        opens (at 100,000 posts it reads every post's links: not for a list left alone)."""
        self._web_stale = True
        if self.query_one(Reader).path is not None:
            self._web_stale = False
            self._build_web()

    @work(thread=True, exclusive=True, group="links")
    def _build_web(self) -> None:
        """Rebuild the link graph (only changed files are read again), then redraw the post."""
        if self.session.library is not None:
            self.call_later(self._web_built, build_web(self.session.library))

    def _web_built(self, web: Web) -> None:
        self.web = web
        reader = self.query_one(Reader)
        reader.forget()
        if reader.path is not None:
            reader.reload()

    def _notify_problems(self, problems: list[Problem]) -> None:
        listed = joined([_problem_line(p) for p in problems[:3]], "\n")
        more = f"\n… and {len(problems) - 3} more (ctrl+p → Problems)" if len(problems) > 3 else ""
        shown.notify(
            self,
            joined([listed, safe(more)]),
            title=safe(problems_title(len(problems))),
            severity="warning",
            timeout=8,
        )

    def _shows_catalogue(self) -> bool:
        """True when the list is the index's catalogue (its search is the index's)."""
        return isinstance(self.catalogue, ShelfPosts) and len(self.catalogue) > 0

    def run_search(self) -> None:
        """Search with the current filters in a worker; the latest search wins. Until the
        index has a catalogue the search runs over the front matter at hand, marked partial."""
        if self.indexed or self._shows_catalogue():
            self._search(self.filters)
        else:
            self._partial_search(self.filters, list(self.catalogue))

    def _count_later(self) -> bool:
        """Count the facets of the list shown, if its search left them uncounted (True then)."""
        if self.results is not None and self.results.facets is None and self.shown is not None:
            self._count(self.shown, self.results.posts)
            return True
        return False

    @work(thread=True, exclusive=True, group="count")
    def _count(self, filters: Filters, posts: Sequence[Post]) -> None:
        facets = _facets_of(posts, filters.show_all)
        self.call_later(self._counted, filters, posts, facets)

    def _counted(self, filters: Filters, posts: Sequence[Post], facets: Facets) -> None:
        results = self.results
        if results is not None and results.posts is posts and self.shown == filters:
            results.facets = facets
            self._show_terms(results, filters)

    @work(thread=True, exclusive=True, group="search")
    def _partial_search(self, filters: Filters, posts: list[Post]) -> None:
        f = filters
        try:
            results = partial_search(
                posts, f.text, tags=f.tags, categories=f.categories, years=f.years, sort=f.sort
            )
        except QueryError as err:
            self.call_later(self._search_failed, str(err))
            return
        if not get_current_worker().is_cancelled:
            self.call_later(self._show_results, filters, Listing.of(results), None, True)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, filters: Filters) -> None:
        library = self.session.library
        if library is None:
            return
        worker = get_current_worker()
        try:
            found, used = library.find(filters, cancel=lambda: worker.is_cancelled)
        except QueryError as err:
            self.call_later(self._search_failed, safe(str(err)))
            return
        except Cancelled:
            return  # a newer keystroke's search runs instead
        posts = library.finder().shelf.rows(found.ids)
        posts.prefetch(FIRST_SCREEN)
        listing = Listing(posts, found.facets, found.notices, found.show_all)
        if not worker.is_cancelled:
            self.call_later(self._show_results, filters, listing, used)

    def _search_failed(self, message: Safe) -> None:
        self.error = message
        self._update_count()

    def _show_results(
        self, filters: Filters, results: Listing, used: str | None = None, partial: bool = False
    ) -> None:
        """Show a search's results; `used` is the query that found them (marks follow it);
        `partial` when they matched front matter only (the index is not ready)."""
        if filters != self.filters or (partial and self.indexed):
            return  # a newer search is on its way, or the index's results are
        self.results = results
        self.shown = filters
        self.partial = partial
        self.error = safe("; ".join(results.notices))  # why part of the query matches nothing
        text = filters.text if used is None else used
        posts = results.posts
        self._show_terms(results, filters)
        self.query_one(PostList).show(posts, lambda title: marks_in_title(text, title))
        self._update_count()
        reader = self.query_one(Reader)
        if reader.path is None and not posts:
            reader.clear(self._idle_message(False))

    def _show_terms(self, results: Listing, filters: Filters) -> None:
        """The sidebar's counts; with no taxonomy in the whole archive it gives up its room."""
        narrowed = filters != Filters(sort=filters.sort)
        has_terms = self.query_one(Sidebar).show(results.facets, filters, narrowed)
        hide = not has_terms and (self.indexed or bool(self.catalogue))
        if hide != self.has_class("no-sidebar"):
            self.set_class(hide, "no-sidebar")
            self._relayout()

    def _idle_message(self, any_posts: bool) -> str:
        """What the pane says when no post is open."""
        if any_posts:
            return "Pick a post and press enter to read it. Press ? for every key."
        if not self.indexed:
            return "Reading the archive…"
        if not self.catalogue:
            root = visible(str(self.session.root))
            return f"No posts in {root}: it has no markdown files blogtui recognises."
        return "No posts match. Press escape to clear the innermost filter."

    def _load(self, path: str) -> tuple[Post | None, list[Problem]]:
        library = self.session.library
        if library is None:
            return None, []
        post = library.post(path)
        return post, [p for p in library.problems if p.path == path]

    def cannot_open(self, message: str) -> None:
        """The archive could not be opened: say why in the reading pane."""
        self.query_one(Reader).clear(message)

    # --- status -----------------------------------------------------------------------
    def _set_status(self, text: Safe) -> None:
        self.progress = text
        self._update_count()

    def _update_count(self) -> None:
        count = self.results.total if self.results else 0
        # Pages that are not posts (headless, redirects...) count only when shown (show:all).
        shows_all = self.filters.show_all or (self.results is not None and self.results.show_all)
        total = _listed(self.catalogue, shows_all)
        if total or self.indexed:
            parts = [safe(f"{count:,}/{plural(total, 'post')}"), safe(f"sort: {self.filters.sort}")]
        else:
            parts = [safe("reading the archive…")]
        if self.partial and self.filters.text:
            parts.insert(1, safe(PARTIAL))
        parts += [safe(f"tag:{t}") for t in sorted(self.filters.tags)]
        parts += [safe(f"category:{c}") for c in sorted(self.filters.categories)]
        parts += [safe(f"year:{y}") for y in sorted(self.filters.years)]
        self.query_one("#count", Label).update(shown.text(joined(parts, " · ")))
        find = safe(self.query_one(Reader).match_status)
        status = self.error or self.progress or find
        self.query_one("#status", Label).update(shown.text(status))
        self.query_one("#status", Label).set_class(bool(self.error), "error")

    # --- events -----------------------------------------------------------------------
    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        self.filters = replace(self.filters, text=event.value)
        if self._debounce is not None:
            self._debounce.stop()
        if DEBOUNCE > 0:
            self._debounce = self.set_timer(DEBOUNCE, self.run_search)
        else:  # benchmarks measure the search itself
            self.run_search()

    @on(Input.Submitted, "#search")
    def _submitted(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self.run_search()
        self.query_one(PostList).focus()

    @on(PostList.Highlighted)
    def _highlighted(self, event: PostList.Highlighted) -> None:
        """The pane previews the post under the cursor, unless it is the one being read or
        the user is reading (new results, say when the index is ready, keep the post open)."""
        reader = self.query_one(Reader)
        if reader.has_focus:
            return
        post = event.post
        reading = post is not None and post.path == reader.path
        self.set_class(post is not None and not reading, "previewing")
        if post is not None and not reading:
            self.query_one(PostPreview).preview(post)

    @on(PostList.Selected)
    def _read(self, event: PostList.Selected) -> None:
        self.remove_class("previewing")
        reader = self.query_one(Reader)
        reader.history.clear()
        self.focus_reader()
        # after the layout, so a narrow terminal's pane renders at its real width
        self.call_after_refresh(reader.open, event.post.path, remember=False)

    def focus_reader(self) -> None:
        """Focus the reading pane (in a narrow terminal it takes the list's place)."""
        self.add_class("reading")
        self._relayout()
        self.call_after_refresh(self.query_one(Reader).focus)

    def on_descendant_focus(self) -> None:
        if not isinstance(self.focused, Reader) and self.has_class("reading"):
            self.remove_class("reading")
            self._relayout()

    @on(Sidebar.Toggled)
    def _toggled(self, event: Sidebar.Toggled) -> None:
        self._toggle(event.kind, event.term)

    @on(Reader.Opened)
    def _opened(self, event: Reader.Opened) -> None:
        self._update_count()
        if self._web_stale and event.complete:  # after the post is drawn: not beside it
            self._web_stale = False
            self._build_web()

    def _toggle(self, kind: str, term: str) -> None:
        f = self.filters
        if kind == "tag":
            self.filters = replace(f, tags=f.tags ^ {term})
        elif kind == "category":
            self.filters = replace(f, categories=f.categories ^ {term})
        elif kind == "year":
            self.filters = replace(f, years=f.years ^ {int(term)})
        else:  # authors, series, sections, the archive's own taxonomies
            self.filters = replace(f, terms=f.terms ^ {(kind, term)})
        self.run_search()

    # --- actions ----------------------------------------------------------------------
    def action_search(self) -> None:
        if isinstance(self.focused, Input | TextArea):
            raise SkipAction  # in a field that takes text, `/` is a character to type
        # set_focus now, not focus(): that waits a turn, and the keys behind `/` would not.
        self.set_focus(self.query_one("#search", Input))

    def action_pick(self, kind: str) -> None:
        from blogtui.tui.screens.picker import TermPicker

        facets = self._facets_now()
        where = (
            "these results"
            if self.shown not in (None, Filters(sort=self.filters.sort))
            else "this archive"
        )
        noun = {"tag": "tags", "category": "categories"}.get(kind, "dated posts")
        if kind == "tag":
            counts, picked, title = (facets.tags if facets else []), self.filters.tags, "Tags"
        elif kind == "category":
            counts, picked, title = (
                (facets.categories if facets else []),
                self.filters.categories,
                "Categories",
            )
        else:
            years = [(str(y), n) for y, n in facets.years] if facets else []
            counts, picked, title = years, frozenset(str(y) for y in self.filters.years), "Year"

        def picked_terms(terms: frozenset[str] | None) -> None:
            if terms is None:
                return
            if kind == "tag":
                self.filters = replace(self.filters, tags=terms)
            elif kind == "category":
                self.filters = replace(self.filters, categories=terms)
            else:
                self.filters = replace(self.filters, years=frozenset(int(y) for y in terms))
            self.run_search()

        picker = TermPicker(
            title, counts, picked, single=kind == "year", empty=f"no {noun} in {where}"
        )
        self.app.push_screen(picker, picked_terms)

    def _facets_now(self) -> Facets | None:
        """The counts of the list shown, counted here if their worker has not yet."""
        results = self.results
        if results is None:
            return None
        if results.facets is None:
            show_all = self.shown.show_all if self.shown else False
            results.facets = _facets_of(results.posts, show_all or results.show_all)
        return results.facets

    def action_clear(self) -> None:
        """Escape: leave the search bar, else drop the innermost filter, else stop finding."""
        search = self.query_one("#search", Input)
        reader = self.query_one(Reader)
        if search.has_focus:
            self.query_one(PostList).focus()
        elif reader.has_focus and reader.match_status:
            reader.clear_find()
            self._update_count()
        elif self.filters.years or self.filters.categories or self.filters.tags:
            self._drop_last_filter()
        elif self.filters.text:
            search.value = ""
            self.filters = replace(self.filters, text="")
            self.run_search()
        elif reader.has_focus:
            self.query_one(PostList).focus()

    def _drop_last_filter(self) -> None:
        f = self.filters
        if f.years:
            self.filters = replace(f, years=frozenset())
        elif f.categories:
            self.filters = replace(f, categories=frozenset(sorted(f.categories)[:-1]))
        else:
            self.filters = replace(f, tags=frozenset(sorted(f.tags)[:-1]))
        self.run_search()

    def action_switch_pane(self) -> None:
        panes = [
            w
            for w in (self.query_one(PostList), self.query_one(Reader), self.query_one(Sidebar))
            if w.display or isinstance(w, Reader)  # a previewed post is read when tabbed to
        ]
        if self.has_class("narrow"):
            panes = panes[:2]
        focused = self.focused
        index = panes.index(focused) if focused in panes else -1
        target = panes[(index + 1) % len(panes)]
        if isinstance(target, Reader) and self.has_class("previewing"):
            self.query_one(PostList).action_select()
        elif isinstance(target, Reader):
            self.focus_reader()
        else:
            target.focus()

    def action_cycle_sort(self) -> None:
        current = SORTS.index(self.filters.sort) if self.filters.sort in SORTS else 0
        sort = SORTS[(current + 1) % len(SORTS)]
        self.filters = replace(self.filters, sort=sort)
        shown.notify(self, safe(f"sorted by {sort}"), timeout=1.5)
        self.run_search()

    def current_post(self) -> Post | None:
        """The post being read, else the one under the list cursor."""
        reader = self.query_one(Reader)
        if reader.post is not None and (reader.has_focus or self.focused is None):
            return reader.post
        return self.query_one(PostList).highlighted or reader.post

    def open_post(self) -> Post | None:
        """The post in the reading pane, None while the pane shows a preview or a message."""
        return None if self.has_class("previewing") else self.query_one(Reader).post

    def action_split(self, step: int) -> None:
        """`<` narrows the list, `>` widens it, `=` goes back to the configured or automatic
        split; the choice is remembered in the state folder, never in the config."""
        if self.has_class("narrow"):
            hint = safe("The panes take turns below 100 columns: no split to move.")
            shown.notify(self, hint, timeout=2)
            return
        if step:
            posts = self.query_one(PostList).size.width
            side = 0 if self.has_class("no-sidebar") else self.query_one(Sidebar).size.width
            current = self._split() or posts / max(1, self.size.width - side)
            self.ui_state.split = clamp_split(current + step * SPLIT_STEP)
        else:
            self.ui_state.split = None
        self._relayout()
        problem = self.ui_state.save()
        if problem:
            shown.notify(self, safe(problem), severity="warning", timeout=6)

    def action_edit(self) -> None:
        post = self.current_post()
        if post is None:
            self.app.bell()
            return
        external.edit(self.app, self.session, post)
        self.refresh_archive()
        reader = self.query_one(Reader)
        if reader.path == post.path:
            reader.reload()

    def action_links(self) -> None:
        from blogtui.tui.screens.links import LinkPicker

        post = self.open_post()
        if post is None:
            hint = safe("No post is open: press enter to read one, then o for its links.")
            shown.notify(self, hint, timeout=3)
            return
        self.app.push_screen(LinkPicker(post, self.web.linked_from(post.path)), self._follow)

    def _follow(self, target: str | None) -> None:
        from blogtui.tui.links import follow
        from blogtui.tui.screens.links import INCOMING

        reader = self.query_one(Reader)
        if not target or reader.post is None:
            return
        if target.startswith(INCOMING):
            reader.open(target.removeprefix(INCOMING))
            self.focus_reader()
            return
        found = follow(target, reader.post.path, self.catalogue, self.session.root)
        if found.post is not None:
            reader.open(found.post.path, anchor=found.anchor)
            self.focus_reader()
        elif found.external:
            external.open_link(self.app, self.session, target, reader.post, self._ask)
        else:
            shown.notify(self, safe(found.reason), timeout=3)

    def _ask(self, question: Safe, answered: Callable[[bool | None], None]) -> None:
        from blogtui.tui.screens.confirm import Confirm

        self.app.push_screen(Confirm(question), answered)

    def action_outline(self) -> None:
        from blogtui.tui.screens.outline import OutlinePicker

        reader = self.query_one(Reader)
        if reader.post is None or not reader.page.complete:
            hint = safe("No post is open: press enter to read one, then O for its outline.")
            shown.notify(self, hint, timeout=3)
            return

        def jump(number: int | None) -> None:
            if number is not None:
                reader.go_to_section(number)
                self.focus_reader()

        sections = [section for _, section in reader.page.sections]
        self.app.push_screen(OutlinePicker(sections, reader.current_section), jump)

    def action_series(self, step: int) -> None:
        """Read the previous or next part of the open post's (first) series."""
        reader = self.query_one(Reader)
        found = self.web.places(reader.post, self.session.config.series) if reader.post else []
        part = (found[0].previous if step < 0 else found[0].next) if found else None
        if part is None:
            self.app.bell()
            return
        reader.open(part.path)
        self.focus_reader()

    def action_neighbour(self, step: int) -> None:
        """Read the post before or after the open one in the list as shown."""
        from blogtui.tui.web import step_in_list

        reader = self.query_one(Reader)
        posts = self.query_one(PostList).posts
        found = step_in_list(posts, reader.path, step) if reader.path else None
        if found is None:
            self.app.bell()
            return
        reader.open(found.path)
        self.focus_reader()
        self.query_one(PostList).cursor = posts.index(found)  # the list follows the pane

    def action_find(self) -> None:
        from blogtui.tui.screens.find import FindBar

        reader = self.query_one(Reader)
        if self.open_post() is None:
            hint = safe("No post is open: press enter to read one, then f to find in it.")
            shown.notify(self, hint, timeout=3)
            return

        def found(term: str | None) -> None:
            if term:
                count = reader.find(term)
                self.focus_reader()
                if not count:
                    shown.notify(self, safe(f"{term!r} is not in this post"), timeout=2)
            self._update_count()

        self.app.push_screen(FindBar(), found)

    def action_reload(self) -> None:
        self.query_one(Reader).forget()
        self.refresh_archive(exact=True)  # every folder listed: `r` is always exact
        self.query_one(Reader).reload()
        shown.notify(self, safe("reloaded"), timeout=1.5)

    def show_problems(self) -> None:
        """List every per-file problem in the reading pane."""
        library = self.session.library
        problems = library.problems if library else []
        lines = joined([_problem_line(p) for p in problems], "\n")
        text = lines or "No problems: every file was read."
        self.remove_class("previewing")  # the list in the preview's place, drawn once laid out
        self.call_after_refresh(self.query_one(Reader).clear, text)

    def read_highlighted(self) -> None:
        """Read the post under the list cursor (the palette's Read)."""
        self.query_one(PostList).action_select()


def _listed(catalogue: Sequence[Post], shows_all: bool) -> int:
    """How many posts of the catalogue a list shows (pages that are not posts with show:all)."""
    if isinstance(catalogue, ShelfPosts):
        return catalogue.shelf.listed(shows_all)
    return sum(1 for post in catalogue if shows_all or not post.hidden)


def _facets_of(posts: Sequence[Post], show_all: bool) -> Facets:
    """The facet counts of a list (its shelf's counts when it is the index's)."""
    if isinstance(posts, ShelfPosts):
        return posts.facets(show_all)
    from blogtui.search.facets import FacetCounter

    return FacetCounter().count_posts(posts)


def _problem_line(problem: Problem) -> Safe:
    """A problem as one line of a notice: its path shown visibly (a folder name may hold
    escapes), then its reason sanitised."""
    return safe(f"{visible(problem.path)}: {problem.reason}")
