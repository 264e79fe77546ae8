"""MainScreen: search bar, sidebar, post list and reading pane, and the work behind them."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Footer, Input, Label
from textual.worker import get_current_worker

from blogtui.model import SORTS, Post, Problem
from blogtui.search.search import Results
from blogtui.search.syntax import QueryError
from blogtui.tui import external
from blogtui.tui.library import Filters, marks_in_title, preview
from blogtui.tui.rendering import Look
from blogtui.tui.session import Session
from blogtui.tui.web import Web, build_web, related_of
from blogtui.tui.widgets.post_list import PostList
from blogtui.tui.widgets.reader import Reader
from blogtui.tui.widgets.taxonomy import Sidebar

#: Seconds between keystrokes in the search bar and the search they start.
DEBOUNCE = 0.15
#: Seconds between stat polls of the archive for added, changed and deleted files.
POLL_INTERVAL = 2.0
#: Below this width the sidebar hides and the list and reading pane take turns.
NARROW = 100


#: What the empty search bar shows: the query syntax at a glance (`?` has the keys).
SEARCH_HINT = '/ search   words  "a phrase"  tag:NAME  category:NAME  date:2024  -word  prefix*'


class ScreenClosed(Exception):
    """Raised inside a refresh when the screen closed (the app is exiting): the build stops."""


class MainScreen(Screen[None]):
    """Everything the reader shows; holds the current Filters and the last Results."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="search"),
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
        Binding("less_than_sign", "neighbour(-1)", "Previous post", show=False, id="post_previous"),
        Binding("greater_than_sign", "neighbour(1)", "Next post", show=False, id="post_next"),
        Binding("f", "find", "Find", id="find"),
        Binding("r", "reload", "Reload", show=False, id="reload"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.filters = Filters()
        self.results: Results | None = None
        #: The filters whose results the list shows (the search for `filters` has landed
        #: when the two are equal).
        self.shown: Filters | None = None
        self.catalogue: list[Post] = []
        self.error = ""
        self.progress = ""
        self.indexed = False
        #: True once a cold start listed the posts from their front matter (see `_preview`).
        self.previewing = False
        self._debounce: Timer | None = None
        #: Links between posts (backlinks, the links picker), rebuilt after each refresh.
        self.web = Web()

    def compose(self) -> ComposeResult:
        yield Input(placeholder=SEARCH_HINT, id="search")
        with Horizontal(id="panes"):
            yield Sidebar(id="sidebar")
            yield PostList(id="posts")
            yield Reader(self._load, id="reader")
        with Horizontal(id="status-bar"):
            yield Label("", id="status")
            yield Label("", id="count")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(PostList).date_format = self.session.config.date_format
        self.query_one(Reader).look = self._look()
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
        self._set_status("opening the archive…")

    def _look(self) -> Look:
        """How the reading pane draws a post: the configured date format, the theme's darkness."""
        return Look(date_format=self.session.config.date_format, dark=self.app.current_theme.dark)

    def _theme_changed(self, theme: Theme) -> None:
        reader = self.query_one(Reader)
        reader.look = self._look()
        reader.reload()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "narrow")

    # --- data flow --------------------------------------------------------------------
    def library_ready(self, catalogue: list[Post]) -> None:
        """The index is open: show its catalogue at once, then refresh and poll."""
        self.catalogue = catalogue
        self._set_status("checking the archive for changes…")
        if not catalogue:  # a cold index: list the posts from their front matter meanwhile
            self._preview()
        self.run_search()
        self.refresh_archive(first=True)
        self.set_interval(POLL_INTERVAL, self._poll)

    # Workers report back with `self.call_later` (thread-safe, through this screen's queue),
    # not `app.call_from_thread`: the screen runs them only while it is live, so a worker
    # that finishes as the app exits never calls into a closed DOM.
    @work(thread=True, exclusive=True, group="preview")
    def _preview(self) -> None:
        """Read every post's front matter (about a second per 10,000) while the index builds."""
        results = preview(self.session.root, now=self.session.now)
        self.call_later(self._show_preview, results)

    def _show_preview(self, results: Results) -> None:
        if self.indexed or not results.hits:
            return  # the index won the race, or there is nothing to show
        self.previewing = True
        self.catalogue = [hit.post for hit in results.hits]
        self._show_results(self.filters, results)

    def _poll(self) -> None:
        if not self.session.editing and not self._refreshing():
            self.refresh_archive()

    def _refreshing(self) -> bool:
        """True while a refresh runs. A poll then skips its tick rather than cancel it: a cold
        build outlasts many ticks, and each cancelled refresh would keep its thread, waiting."""
        return any(
            w.node is self and w.group == "refresh" and not w.is_finished for w in self.workers
        )

    @work(thread=True, exclusive=True, group="refresh")
    def refresh_archive(self, first: bool = False) -> None:
        """Bring the index up to date by stat; re-run the search when something changed."""
        library = self.session.library
        if library is None:
            return

        shown = 0

        def progress(done: int, total: int) -> None:
            nonlocal shown
            if not self.is_attached:
                raise ScreenClosed  # the app is exiting: stop building, do not hold it up
            if total and (done - shown >= 50 or done == total):  # files come one by one or 40
                shown = done
                self.call_later(self._set_status, f"indexing {done}/{total}…")

        try:
            report = library.refresh(progress if first else None)
        except ScreenClosed:
            return  # the index discards the unfinished build; the next start builds it again
        changed = report.added + report.changed + report.deleted
        catalogue = library.posts() if changed or first else None
        self.call_later(self._refreshed, catalogue, report.problems, first, changed)

    def _refreshed(
        self, catalogue: list[Post] | None, problems: list[Problem], first: bool, changed: int
    ) -> None:
        if catalogue is not None:
            self.catalogue = catalogue
        self.indexed = True
        if changed or first:
            reader = self.query_one(Reader)
            reader.forget()
            if reader.path is not None:
                reader.reload()
            self.run_search()
            self._build_web()
        self._set_status("")
        if first and problems:
            self._notify_problems(problems)

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
        shown = "\n".join(str(p) for p in problems[:3])
        more = f"\n… and {len(problems) - 3} more (ctrl+p → Problems)" if len(problems) > 3 else ""
        self.notify(
            f"{shown}{more}",
            title=f"{len(problems)} files have problems",
            severity="warning",
            timeout=8,
        )

    def run_search(self) -> None:
        """Search with the current filters in a worker; the latest search wins."""
        self._search(self.filters)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, filters: Filters) -> None:
        library = self.session.library
        if library is None:
            return
        try:
            results, used = library.search(filters)
        except QueryError as err:
            self.call_later(self._search_failed, str(err))
            return
        if not get_current_worker().is_cancelled:
            self.call_later(self._show_results, filters, results, used)

    def _search_failed(self, message: str) -> None:
        self.error = message
        self._update_count()

    def _show_results(self, filters: Filters, results: Results, used: str | None = None) -> None:
        """Show a search's results; `used` is the query that found them (marks follow it)."""
        if filters != self.filters:
            return  # a newer search is on its way
        if self.previewing and not self.indexed and not results.hits:
            return  # the index is still building: keep the front-matter preview
        self.results = results
        self.shown = filters
        self.error = ""
        text = filters.text if used is None else used
        posts = [hit.post for hit in results.hits]
        self.query_one(PostList).show(posts, lambda title: marks_in_title(text, title))
        self.query_one(Sidebar).show(results.facets, filters)
        self._update_count()
        reader = self.query_one(Reader)
        if reader.path is None:
            reader.clear(self._idle_message(bool(posts)))

    def _idle_message(self, any_posts: bool) -> str:
        """What the pane says when no post is open."""
        if any_posts:
            return "Pick a post and press enter to read it. Press ? for every key."
        if not self.indexed:
            return "Reading the archive…"
        if not self.catalogue:
            return f"No posts in {self.session.root}: it has no markdown files blogtui recognises."
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
    def _set_status(self, text: str) -> None:
        self.progress = text
        self._update_count()

    def _update_count(self) -> None:
        shown = self.results.total if self.results else 0
        total = len(self.catalogue)
        parts = [f"{shown}/{total} posts", f"sort: {self.filters.sort}"]
        parts += [f"tag:{t}" for t in sorted(self.filters.tags)]
        parts += [f"category:{c}" for c in sorted(self.filters.categories)]
        parts += [f"year:{y}" for y in sorted(self.filters.years)]
        self.query_one("#count", Label).update(" · ".join(parts))
        find = self.query_one(Reader).match_status
        status = self.error or self.progress or find
        self.query_one("#status", Label).update(status)
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

    @on(PostList.Selected)
    def _read(self, event: PostList.Selected) -> None:
        reader = self.query_one(Reader)
        reader.history.clear()
        self.focus_reader()
        # after the layout, so a narrow terminal's pane renders at its real width
        self.call_after_refresh(reader.open, event.post.path, remember=False)

    def focus_reader(self) -> None:
        """Focus the reading pane (in a narrow terminal it takes the list's place)."""
        self.add_class("reading")
        self.call_after_refresh(self.query_one(Reader).focus)

    def on_descendant_focus(self) -> None:
        if not isinstance(self.focused, Reader):
            self.remove_class("reading")

    @on(Sidebar.Toggled)
    def _toggled(self, event: Sidebar.Toggled) -> None:
        self._toggle(event.kind, event.term)

    @on(Reader.Opened)
    def _opened(self) -> None:
        self._update_count()

    def _toggle(self, kind: str, term: str) -> None:
        f = self.filters
        if kind == "tag":
            self.filters = replace(f, tags=f.tags ^ {term})
        elif kind == "category":
            self.filters = replace(f, categories=f.categories ^ {term})
        elif kind == "year":
            self.filters = replace(f, years=f.years ^ {int(term)})
        self.run_search()

    # --- actions ----------------------------------------------------------------------
    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_pick(self, kind: str) -> None:
        from blogtui.tui.screens.picker import TermPicker

        facets = self.results.facets if self.results else None
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

        self.app.push_screen(TermPicker(title, counts, picked, single=kind == "year"), picked_terms)

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
            if w.display
        ]
        if self.has_class("narrow"):
            panes = panes[:2]
        focused = self.focused
        index = panes.index(focused) if focused in panes else -1
        target = panes[(index + 1) % len(panes)]
        if isinstance(target, Reader):
            self.focus_reader()
        else:
            target.focus()

    def action_cycle_sort(self) -> None:
        current = SORTS.index(self.filters.sort) if self.filters.sort in SORTS else 0
        sort = SORTS[(current + 1) % len(SORTS)]
        self.filters = replace(self.filters, sort=sort)
        self.notify(f"sorted by {sort}", timeout=1.5)
        self.run_search()

    def current_post(self) -> Post | None:
        """The post being read, else the one under the list cursor."""
        reader = self.query_one(Reader)
        if reader.post is not None and (reader.has_focus or self.focused is None):
            return reader.post
        return self.query_one(PostList).highlighted or reader.post

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

        reader = self.query_one(Reader)
        post = reader.post
        if post is None:
            self.notify("Open a post first (enter), then press o for its links.", timeout=3)
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
            external.open_link(self.app, self.session, target, reader.post)
        else:
            self.notify(found.reason, timeout=3)

    def action_outline(self) -> None:
        from blogtui.tui.screens.outline import OutlinePicker

        reader = self.query_one(Reader)
        if reader.post is None or not reader.page.complete:
            self.notify("Open a post first (enter), then press O for its outline.", timeout=3)
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

    def action_find(self) -> None:
        from blogtui.tui.screens.find import FindBar

        reader = self.query_one(Reader)
        if reader.post is None:
            self.notify("Open a post first (enter), then press f to find in it.", timeout=3)
            return

        def found(term: str | None) -> None:
            if term:
                count = reader.find(term)
                self.focus_reader()
                if not count:
                    self.notify(f"{term!r} is not in this post", timeout=2)
            self._update_count()

        self.app.push_screen(FindBar(), found)

    def action_reload(self) -> None:
        self.query_one(Reader).forget()
        self.refresh_archive()
        self.query_one(Reader).reload()
        self.notify("reloaded", timeout=1.5)

    def show_problems(self) -> None:
        """List every per-file problem in the reading pane."""
        library = self.session.library
        problems = library.problems if library else []
        text = "\n".join(str(p) for p in problems) or "No problems: every file was read."
        self.query_one(Reader).clear(text)

    def read_highlighted(self) -> None:
        """Read the post under the list cursor (the palette's Read)."""
        self.query_one(PostList).action_select()
