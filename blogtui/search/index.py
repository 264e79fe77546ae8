"""PostIndex: an archive's persistent index, kept fresh by stat, and snapshots to search it.

Beside the Whoosh index lives a compact catalogue (catalogue.py): per file its stat and post
metadata, so listing posts and noticing changes never open Whoosh. Whoosh itself is
imported only when something has to be written or searched.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blogtui.model import Post, Problem
from blogtui.search import catalogue, freshness, listing, lookup, segments, spellings, store
from blogtui.search.catalogue import Entry
from blogtui.search.facets import FacetCounter, FacetRow, Facets
from blogtui.site import NO_SITE, Site

if TYPE_CHECKING:
    from subprocess import Popen

    from blogtui.archive import Scan
    from blogtui.search.freshness import Found, Walked

#: Called with (done, total) while files are read and indexed.
Progress = Callable[[int, int], None]
#: Called once with a one-line notice for the user (rebuilds, in-memory fallback).
Notice = Callable[[str], None]

#: Below this many files to (re)index, parsing in this process beats starting workers.
PARALLEL_MIN = 400
#: A big build's segments are merged by a process of its own once the build is committed
#: (the command returns meanwhile; merging.merge with a location); False merges them
#: before the refresh returns, holding its lock.
BACKGROUND_MERGE = True
#: Bodies of recently opened posts kept in memory (they are big; keep what is on screen).
BODY_CACHE = 64


@dataclass(slots=True)
class Refresh:
    """What one refresh did: counts, the problems of the files it read, and its duration."""

    total: int = 0
    added: int = 0
    changed: int = 0
    deleted: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    #: Files read that are not posts to list (Post.hidden), counted by reason.
    hidden: dict[str, int] = field(default_factory=dict)


class DocPaths:
    """docnum -> path of one searcher, read from stored fields as hits need them (4 us each;
    reading all 10,000 up front took 40 ms of every warm `blogtui search`)."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._paths: dict[int, str] = {}

    def __getitem__(self, docnum: int) -> str:
        path = self._paths.get(docnum)
        if path is None:
            path = self._paths[docnum] = self._reader.stored_fields(docnum)["path"]
        return path


class _Unreadable(Exception):
    """The index on disk cannot be used; the message says why."""


class _Outdated(_Unreadable):
    """The index was written by another version of blogtui (its schema differs)."""


class IndexDamaged(RuntimeError):
    """The search index could not be read, and the caller asked not to rebuild it."""


class Snapshot:
    """The index held still: posts, facet rows and searcher all of one generation.

    Got from `PostIndex.snapshot()` and valid inside its `with` block only, while a refresh
    in another thread waits to swap in the next generation.
    """

    __slots__ = ("_index",)

    def __init__(self, index: PostIndex) -> None:
        self._index = index

    def posts(self) -> list[Post]:
        """Every post's metadata (no body), newest first, undated last, ties by path."""
        return self._index.posts()

    def rows(self, paths: Iterable[str]) -> list[tuple[Post, FacetRow]]:
        """The catalogue post and facet row of each readable path, in order.

        The per-keystroke search path: thousands of hits, so no per-path locking.
        """
        index = self._index
        entries, by_path = index._entries, index._by_path
        posts: list[Post] = []
        for path in paths:
            entry = entries.get(path)
            if entry is not None and entry.readable:
                posts.append(by_path.get(path) or index._post_of(path))
        return list(zip(posts, index._facets.rows(posts), strict=True))

    def facets(self, rows: list[FacetRow]) -> Facets:
        """The facet counts of rows from `rows`, in the archive's spellings."""
        return self._index._facets.count(rows)

    def searcher(self) -> tuple[Any, DocPaths]:
        """The Whoosh searcher and its docnum -> path table; IndexDamaged if it is unreadable
        (a snapshot cannot wait for the rebuild: `PostIndex.searcher()` does that)."""
        return self._index.searcher(recover=False)

    def table(self) -> listing.Table | None:
        """The readable posts' listing keys as columns (`PostIndex.table`)."""
        return self._index.table()

    def table_rows(self, table: listing.Table) -> dict[str, int]:
        """path -> row of each readable post of `table`."""
        paths = table.paths
        return {paths[row]: row for row in table.rows}

    def lookup(self) -> lookup.Lookup:
        """The plain-word reader (search/lookup.py); Unreadable when there is none."""
        found = self._index.lookup()
        if found is None:
            raise lookup.Unreadable("no plain-word reader for this index")
        return found


class PostIndex:
    """An archive's index, fresh as of the last `open`/`refresh`.

    `posts()` is the metadata of every post (bodies empty), newest first, taxonomy terms in
    their canonical spellings; it comes from a compact catalogue, not from Whoosh.
    `problems` holds every per-file problem currently known for the archive.
    """

    root: Path
    location: Path | None  # None when the index is in memory
    problems: list[Problem]

    def __init__(
        self,
        root: Path,
        location: Path | None,
        *,
        follow_symlinks: bool,
        now: datetime | None,
        notice: Notice | None,
    ) -> None:
        self.root = root
        self.location = location
        self.problems = []
        self._follow = follow_symlinks
        self._now = now
        self._notice = notice
        self._lock = threading.RLock()
        self._refreshing = threading.Lock()
        self._entries: catalogue.Entries = {}
        self._spellings: spellings.Spellings | None = None  # the catalogue's term counts
        self._counted: spellings.Spellings | None = None  # those a whole build just made
        self._body: catalogue.Body | None = None  # where the catalogue's documents are
        self._catalogue_stat: tuple[int, int] | None = None
        self._scan_problems: list[Problem] = []
        self._storage: Any = None
        self._searcher: Any = None
        self._docpaths: DocPaths | None = None
        #: The plain-word reader of the current generation (search/lookup.py); False when
        #: it cannot read it (then Whoosh answers).
        self._lookup: lookup.Lookup | bool | None = None
        self._posts: list[Post] | None = None
        self._by_path: dict[str, Post] = {}
        self._facets = FacetCounter()
        self._dirty = False  # records were repaired in memory: the catalogue needs writing
        self._patch_refused = False  # the loaded head's patch lines were not all applied
        self._repair_said = False  # the repair notice is given once per PostIndex
        #: Posts read whole, by path, stat and the fingerprint of the Site they were parsed
        #: against (before the first scan that is no site: a custom taxonomy is not read).
        self._bodies: OrderedDict[tuple[str, int, int, str], Post] = OrderedDict()
        self._site: Site = NO_SITE  # what the last scan found; posts are parsed against it
        self._site_key = ""  # the fingerprint of the Site the catalogue's posts were read with
        #: The last walk of the archive and the catalogue it matches (freshness.py).
        self._walked: Walked | None = None
        self._walk_loaded = False
        #: Counts the swaps of catalogue or searcher: what was read of the index is still
        #: what it holds while this stays the same.
        self.generation = 0
        #: A big build's segments, merged once its refresh is done; and that merge's
        #: process (merging.start_background), the last one started.
        self._merge_after: list[str] | None = None
        self.merging: Popen[bytes] | None = None

    # ---- opening -----------------------------------------------------------------------------

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
        meanwhile: Callable[[PostIndex, freshness.Ahead | None], object] | None = None,
    ) -> PostIndex:
        """Open (creating or rebuilding as needed) and, unless told not to, refresh.
        `meanwhile(index, ahead)`: the caller's own work (imports, say), done before the
        refresh, on the index as loaded; `ahead`: the forked children taking the last walk's
        stats meanwhile (`freshness.Ahead`), if any, so that work costs the refresh no time
        (a command may then answer from the index as loaded, if its `generation` holds)."""
        root = Path(root)
        location = store.index_location(root)
        index = cls(root, location, follow_symlinks=follow_symlinks, now=now, notice=notice)
        ahead = None
        try:
            try:
                store.prepare_location(location, root)
                if rebuild:
                    index._wipe()
                else:  # the last walk's stats are taken while the catalogue loads
                    ahead = freshness.Ahead.start(index._last_walk()) if refresh else None
                    index._load_or_reset()
            except OSError as exc:  # unwritable, or not private (see store): in memory
                index._to_memory(exc)
            if meanwhile is not None:
                meanwhile(index, ahead)
        except BaseException:
            if ahead is not None:  # the children collected (and the GC thawed) even so
                ahead.close()
            raise
        if refresh:  # a command: folders by stamp, every known file by stat (freshness.py)
            index.refresh(progress, exact=False, counted=False, ahead=ahead)
        elif ahead is not None:
            ahead.close()
        return index

    def _say(self, line: str) -> None:
        if self._notice is not None:
            self._notice(line)

    def _to_memory(self, exc: OSError) -> None:
        """The cache cannot be written (read-only, full, no permission): carry on in memory,
        with one notice. Any other error is raised again."""
        if self.location is None or not store.unwritable(exc):
            raise exc
        self._say(store.fallback_notice(self.location, exc))
        with self._lock:
            self._close_searcher()
            self.location, self._storage, self._catalogue_stat = None, None, None
            self._set_entries({})

    def _rebuild(self, reason: str, *, locked: bool = False) -> None:
        """Say why the index is rebuilt, then forget it (the next refresh builds it anew)."""
        self._say(store.rebuild_notice(self.location, reason))
        self._wipe(locked=locked)

    def _load_or_reset(self, *, locked: bool = False) -> None:
        """Load the catalogue; if it (or the meta) is unreadable, rebuild and say so once."""
        if self.location is None:
            return
        try:
            self._load_catalogue()
        except _Outdated:
            self._rebuild("has an older or newer schema", locked=locked)
        except _Unreadable as exc:
            self._rebuild(f"was unreadable ({exc})", locked=locked)

    def _load_catalogue(self) -> None:
        assert self.location is not None
        path = self.location / store.CATALOGUE
        location = self.location
        for attempt in range(3):  # another process may replace the data file meanwhile
            try:
                meta = json.loads(store.read_private(location / store.META).decode("utf-8"))
                stat = path.stat()
                data = store.read_private(path)
            except FileNotFoundError:
                self._set_entries({})  # a new index: nothing to complain about
                return
            except store.UntrustedCache:
                raise  # never read: the caller moves the index to memory
            except (OSError, ValueError) as exc:
                raise _Unreadable(f"meta: {exc}") from exc
            if not isinstance(meta, dict):
                raise _Unreadable("meta: not a JSON object")
            if meta.get("schema") != store.SCHEMA_VERSION:
                raise _Outdated
            try:
                loaded = catalogue.load_all(
                    data, store.SCHEMA_VERSION, catalogue.opener_in(location)
                )
                break
            except FileNotFoundError as exc:
                if attempt == 2:
                    raise _Unreadable(f"catalogue: its data file is gone ({exc})") from exc
            except store.UntrustedCache:
                raise
            except OSError as exc:
                raise _Unreadable(f"catalogue: {exc}") from exc
            except catalogue.SchemaMismatch as exc:
                raise _Outdated from exc
            except catalogue.Damaged as exc:
                raise _Unreadable(f"catalogue: {exc}") from exc
        self._catalogue_stat = (stat.st_mtime_ns, stat.st_size)
        self._site_key = loaded.site
        spelled = spellings.Spellings.from_json(loaded.spellings)
        self._set_entries(loaded.entries, spelled, loaded.body)
        if loaded.damage is not None:
            self._say_repair(loaded.damage)
        # A patch line refused: the entries it set keep older stats, which the last walk
        # does not know of; every file's stat is compared with them, and the head rewritten.
        self._patch_refused = loaded.damage is not None or loaded.torn
        self._dirty = self._dirty or loaded.legacy or self._patch_refused

    def _catalogue_changed(self) -> bool:
        """Has another process written the catalogue since we loaded it?"""
        if self.location is None:
            return False
        try:
            stat = (self.location / store.CATALOGUE).stat()
        except FileNotFoundError:
            return self._catalogue_stat is not None
        return (stat.st_mtime_ns, stat.st_size) != self._catalogue_stat

    def _wipe(self, *, locked: bool = False) -> None:
        """Forget everything: the next refresh rebuilds from scratch.

        `locked`: the caller already holds the refresh lock (flock would deadlock on itself).
        Lock order everywhere: the refresh lock, then the state lock.
        """
        with store.refresh_lock(None if locked else self.location), self._lock:
            self._close_searcher()
            self._storage = None
            if self.location is not None:
                store.wipe(self.location)
                self._catalogue_stat = None
            self._walked = None
            self._set_entries({})

    def _set_entries(
        self,
        entries: catalogue.Entries,
        spelled: spellings.Spellings | None = None,
        body: catalogue.Body | None = None,
    ) -> None:
        """Swap in a new catalogue and derive the lookup tables from it."""
        with self._lock:
            self._close_searcher()  # a searcher over an older generation would disagree
            self.generation += 1
            self._entries = entries
            self._body = body  # the data file the entries' documents are in
            self._spellings = spelled
            self._posts = None
            self._by_path = {}
            self._facets = FacetCounter()

    # ---- Whoosh storage ----------------------------------------------------------------------

    def _ix(self, create: bool = False, fresh: bool = False) -> Any:
        """The Whoosh index object (created empty when `create`, or anew when `fresh`), or
        raise _Unreadable."""
        if self._storage is None:
            from whoosh.filedb import filestore

            stores: Any = filestore  # whoosh's functions are untyped
            if self.location is None:
                self._storage = stores.RamStorage()
            else:
                try:
                    self._storage = store.whoosh_storage(self.location / store.WHOOSH)
                except store.UntrustedCache as exc:  # planted since the open: never read it
                    raise _Unreadable(str(exc)) from exc
        storage = self._storage
        if fresh:
            return storage.create_index(segments.schema())
        try:
            if storage.index_exists():
                return storage.open_index()
        except Exception as exc:  # whoosh raises many kinds on a damaged index
            raise _Unreadable(f"{type(exc).__name__}: {exc}") from exc
        if not create:
            raise _Unreadable("no search index")
        return storage.create_index(segments.schema())

    def _close_searcher(self) -> None:
        if self._searcher is not None or self._lookup:
            if self._searcher is not None:
                self._searcher.close()
            if isinstance(self._lookup, lookup.Lookup):
                self._lookup.close()
            self.generation += 1
        self._searcher = None
        self._docpaths = None
        self._lookup = None

    def lookup(self) -> lookup.Lookup | None:
        """The reader that answers plain-word queries without Whoosh (search/lookup.py),
        over the current generation; None where it cannot read the index (in memory, none
        written yet, or files it does not know: Whoosh answers those)."""
        with self._lock:
            if self._lookup is None:
                self._lookup = False
                if self.location is not None and self._entries:
                    with contextlib.suppress(lookup.Unreadable):
                        self._lookup = lookup.Lookup(self.location / store.WHOOSH)
            return self._lookup if isinstance(self._lookup, lookup.Lookup) else None

    def lookup_failed(self) -> None:
        """The plain-word reader could not read the index: Whoosh answers from now on, for
        this generation (and mends the index if it is damaged)."""
        with self._lock:
            if isinstance(self._lookup, lookup.Lookup):
                self._lookup.close()
            self._lookup = False

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """Hold the index still while searching: what is read inside is of one generation.

        A refresh in another thread waits until the block ends. Open the searcher first
        (`searcher()`, which may rebuild a damaged index) if the block will search.
        """
        with self._lock:
            yield Snapshot(self)

    def searcher(self, *, recover: bool = True) -> tuple[Any, DocPaths]:
        """The open Whoosh searcher and its docnum -> path table.

        A damaged Whoosh index found here is rebuilt, with one notice. With `recover` false
        (for callers holding the state lock, who must not wait for the refresh lock) damage
        raises IndexDamaged instead.
        """
        with self._lock:
            try:
                return self._current_searcher()
            except _Unreadable as exc:
                if not recover:
                    raise IndexDamaged(str(exc)) from exc
                damage = exc
        self._recover(damage)
        with self._lock:
            return self._current_searcher()

    def _recover(self, damage: _Unreadable) -> None:
        """Rebuild a damaged index, unless it was only a writer's commit caught midway."""
        with store.refresh_lock(self.location):  # a writer in another process finishes first
            with self._lock:
                try:
                    self._current_searcher()
                    return
                except _Unreadable as again:
                    damage = again
            self._rebuild(f"was unreadable ({damage})", locked=True)
        self.refresh()

    def _current_searcher(self) -> tuple[Any, DocPaths]:
        if self._searcher is None:
            self._open_searcher()
        assert self._docpaths is not None
        return self._searcher, self._docpaths

    def _open_searcher(self) -> None:
        # An archive with no files never wrote an index: give it an empty one to search.
        ix = self._ix(create=not self._entries or self.location is None)
        try:
            searcher = ix.searcher()
            docpaths = DocPaths(searcher.reader())
            last = searcher.doc_count_all() - 1
            if last >= 0:  # a damaged segment shows itself on first read: probe both ends
                docpaths[0], docpaths[last]
        except Exception as exc:  # whoosh raises many kinds on a damaged index
            raise _Unreadable(f"{type(exc).__name__}: {exc}") from exc
        self._searcher, self._docpaths = searcher, docpaths

    # ---- refreshing --------------------------------------------------------------------------

    def refresh(
        self, progress: Progress | None = None, found: Found | Scan | None = None,
        *, exact: bool = True, counted: bool = True, ahead: freshness.Ahead | None = None,
    ) -> Refresh:  # fmt: skip
        """Bring the index up to date with the archive by stat; read only what changed.

        `found` is a scan made beforehand (`scan()`), so a caller can walk the archive
        without holding its own lock; without it the archive is scanned here: every folder
        listed when `exact`, else only those whose stamp changed (freshness.py).
        `counted`: count the pages that are not posts by reason (`Refresh.hidden`).
        `ahead`: the last walk's stats, being taken since the index was opened.
        """
        started = time.perf_counter()
        try:
            found = found if found is not None else self.scan(exact=exact, ahead=ahead)
        finally:
            if ahead is not None:
                ahead.close()
        self._site = found.site
        self._merge_after = None
        if self.merging is not None and self.merging.poll() is not None:
            self.merging = None  # (collected: a reader that runs on leaves no zombie)
        try:
            with self._refreshing, store.refresh_lock(self.location):
                if self._catalogue_changed():
                    self._load_or_reset(locked=True)  # another process refreshed meanwhile
                report = self._apply(found, progress)
                self._keep_walk(found)
        except OSError as exc:
            self._to_memory(exc)  # the cache filled up (or turned read-only) mid-write
            with self._refreshing:
                report = self._apply(found, progress)
        self._scan_problems = list(found.problems)
        self.problems = self._scan_problems + self._file_problems()
        report.total = len(catalogue.readable_paths(self._entries))
        if counted:  # (the listing keys of every post: a command's own refresh skips it)
            with self._lock:
                report.hidden = listing.hidden_counts(self._entries.items())
        if self._merge_after and self.location is not None:
            # Started last, so that its memory does not add to this process's at its
            # largest (the save, then the hidden counts: 280-330 MB at 100,000 posts).
            from blogtui.search import merging  # (a search never needs it)

            with contextlib.suppress(OSError):  # (no process to spare: the segments stay)
                self.merging = merging.start_background(self.location, self._merge_after)
        report.seconds = time.perf_counter() - started
        return report

    def scan(
        self, *, exact: bool = False, touched: Iterable[str] | None = None,
        ahead: freshness.Ahead | None = None,
    ) -> Found:  # fmt: skip
        """The archive's post files by stat, as the next refresh would see them: every
        folder listed when `exact`, else those whose stamp changed since the last walk
        (only the `touched` paths, when file-system events name them). See freshness.py."""
        return freshness.walk(
            self.root, self._last_walk(), follow_symlinks=self._follow, exact=exact,
            touched=touched, ahead=ahead,
        )  # fmt: skip

    def folders(self) -> list[str]:
        """The folders the last walk took (what a file-system watcher should watch)."""
        walked = self._walked
        return walked.folders() if walked is not None else []

    def _last_walk(self) -> Walked | None:
        """The walk the next scan reuses: this process's last, else the one saved."""
        if self._walked is None and not self._walk_loaded and self.location is not None:
            self._walk_loaded = True
            with contextlib.suppress(OSError):  # unreadable: the next walk lists every folder
                self._walked = freshness.load(self.location, self.root, self._follow)
        return self._walked

    def _delta(self, found: Found | Scan) -> tuple[list[Any], list[str]] | None:
        """What changed, from the walk's own comparison when it started from the walk this
        catalogue was saved with (None: compare every file's stat with the catalogue)."""
        base = self._catalogue_stat
        if not isinstance(found, freshness.Found) or found.base is None or base is None:
            return None
        if self._patch_refused:
            return None
        if found.base == base:
            return found.todo, found.gone
        saved = freshness.load(self.location, self.root, self._follow) if self.location else None
        if saved is not None and saved.base == base:  # another process refreshed meanwhile
            with contextlib.suppress(freshness.Undecodable):
                return freshness.changes(saved.tree, found.tree)
        return None

    def _keep_walk(self, found: Found | Scan) -> None:
        """Keep the walk just applied, saved beside the catalogue it now matches."""
        if not isinstance(found, freshness.Found):
            return
        base = self._catalogue_stat
        reused = self._walked
        self._walked = freshness.Walked.of(found, base, self._follow)
        if self.location is None or base is None:
            return
        if found.moved or reused is None or reused.base != base or found.base != base:
            freshness.save(self.location, self._walked)

    def _apply(self, found: Found | Scan, progress: Progress | None) -> Refresh:
        old = self._entries
        delta = self._delta(found)
        if self._site.fingerprint != self._site_key:  # the site's config changed: read all
            # (the records stay undecoded: a damaged one must not stop the re-read)
            old = {path: Entry(-1, -1, None, e.problems, blob=e.blob()) for path, e in old.items()}
            delta = None
        todo, gone = delta if delta is not None else _diff(old, found.files)
        if not todo and not gone:
            if self._dirty and self.location is not None:
                if self._spellings is None:  # an older catalogue kept no counts
                    self._reread_damaged(old)
                    self._spellings = spellings.recount(old)
                saved = self._save(catalogue.copied(old))
                with self._lock:
                    self._entries = saved
            return Refresh()  # nothing changed: Whoosh is not even imported
        if old:
            try:
                self._ix()
            except _Unreadable as exc:
                self._rebuild(f"was unreadable ({exc})", locked=True)
                old = self._entries
                todo, gone = _diff(old, found.files)
        report = Refresh(
            added=sum(1 for f in todo if f.path not in old),
            changed=sum(1 for f in todo if f.path in old),
            deleted=len(gone),
        )
        entries = catalogue.copied(old)
        for path in gone:
            del entries[path]
        fresh = self._write(todo, gone, progress)
        if entries:
            entries.update(fresh)
        else:  # a whole build: its entries as they are (a streamed one's, in path order)
            entries = fresh
        reasons = sorted(catalogue.problems_of(fresh), key=itemgetter(0))  # (stable: in order)
        report.problems = [Problem(p, r) for p, r in reasons]
        entries = catalogue.in_path_order(entries)
        spelled, self._counted = self._counted, None  # a whole build counted them as it went
        if spelled is None:
            spelled = spellings.update(self._spellings, entries, old, [*gone, *fresh])
        if spelled is None:  # count every post again (their records must decode)
            self._reread_damaged(entries)
            spelled = spellings.recount(entries)
        self._spellings = spelled
        if self.location is not None:
            entries = self._save(entries)
        with self._lock:
            self._close_searcher()  # the next search sees the new segments
            self._set_entries(entries, spelled, self._body)
            self._site_key = self._site.fingerprint
        return report

    def _reread_damaged(self, entries: catalogue.Entries) -> None:
        """Read again the files whose catalogue records do not decode (with one notice)."""
        from blogtui.archive import SourceFile

        for path, damage in catalogue.damaged(entries).items():
            self._say_repair(str(damage))
            self._dirty = True
            entry = entries[path]
            source = SourceFile(path, self.root / path, entry.mtime_ns, entry.size)
            entries[path] = catalogue.read(source, self._now, self._site)[0]

    def _say_repair(self, reason: str) -> None:
        if not self._repair_said:
            self._say(store.repair_notice(self.location, reason))
        self._repair_said = True

    def _save(self, entries: catalogue.Entries) -> catalogue.Entries:
        """Write the catalogue and remember its stat: the documents of changed entries are
        appended to the data file (or all written to a new one when most of it is dead),
        then the head is replaced atomically, so readers see the old catalogue or the new.
        The entries to use from now on (pointed at the new data file) are returned."""
        assert self.location is not None
        path = self.location / store.CATALOGUE
        site = self._site.fingerprint
        counts = self._spellings.to_json() if self._spellings is not None else None
        body = self._body if self._body is not None and self._body.file is not None else None
        fresh = catalogue.data_name(os.urandom(8))
        head_size = self._catalogue_stat[1] if self._catalogue_stat is not None else None
        with _DataSink(self.location, fresh, body) as sink:
            try:
                saved = catalogue.plan(entries, store.SCHEMA_VERSION, site, counts, body,
                                       self._end(body), fresh, head_size, sink)  # fmt: skip
            except FileNotFoundError:  # the data file was removed under us: write anew
                if sink.name == fresh:
                    raise
                body = None
                saved = catalogue.plan(
                    entries, store.SCHEMA_VERSION, site, counts, None, 0, fresh, sink=sink
                )
        name = sink.name
        if saved.patch:  # appended: readers of the head as it was read no more than it held
            store.append_private(path, [saved.head])
        else:
            store.write_atomic(path, saved.head)
        if saved.fresh:
            assert saved.keys is not None
            fd = store.open_private(self.location / name, os.O_RDONLY)
            self._body = catalogue.Body.of_file(fd, saved.chunks, saved.rows, name).keyed(
                saved.keys
            )
            store.remove_unnamed(self.location, name)
        elif saved.patch:
            assert body is not None
            self._body = body.patched(saved.chunks, saved.rows, saved.key_patches)
        else:
            assert body is not None and saved.keys is not None
            self._body = body.appended(saved.chunks, saved.rows).keyed(saved.keys)
        self._body.head = saved.base
        self._patch_refused = False
        entries = catalogue.saved_as(entries, self._body, saved.flat)
        self._site_key = site
        st = path.stat()
        self._catalogue_stat = (st.st_mtime_ns, st.st_size)
        self._dirty = False
        return entries

    @staticmethod
    def _end(body: catalogue.Body | None) -> int:
        """The data file's length now (a crashed save may have appended past the chunks)."""
        return body.file.size() if body is not None and body.file is not None else 0

    def _write(
        self, todo: list[Any], gone: list[str], progress: Progress | None
    ) -> catalogue.Entries:
        """Index `todo` and delete `gone` in Whoosh; the new catalogue entries of `todo`."""
        self._counted = None  # (a failed build's counts must not outlive it)
        # No catalogue: whatever Whoosh holds (a killed build, an older format) is unknown.
        ix = self._ix(create=True, fresh=not self._entries)
        # Whoosh's own lock file is not used: the refresh lock, held here, excludes writers.
        writer = segments.open_writer(ix, lock=self.location is None)
        try:
            for path in [*gone, *(f.path for f in todo if f.path in self._entries)]:
                writer.delete_by_term("path", path)
            if len(todo) >= PARALLEL_MIN and self.location is not None:
                entries = self._parallel(writer, todo, progress)
            else:
                entries = self._serial(writer, todo, progress)
                writer.commit(mergetype=segments.merge_small)
        except BaseException:
            if not writer.is_closed:  # whoosh closes a writer whose commit failed
                writer.cancel()
            if self.location is not None:  # a full disk: free what the failed write left
                segments.clean_leftovers(self._storage)
            raise
        return entries

    def _parallel(
        self, writer: Any, todo: list[Any], progress: Progress | None
    ) -> catalogue.Entries:
        """`_write`'s work in build workers. With no catalogue yet, the entries' documents
        go to a new data file as they come, which becomes `_body`, and their spellings are
        counted meanwhile (`_counted`): the process never holds every decoded record."""
        from blogtui.search import building, merging, workers  # (a search never needs them)

        assert self.location is not None
        whole = not self._entries
        sink = building.Streamed(self.location) if whole else building.Kept()
        folder = self.location / store.WHOOSH
        built = workers.build(folder, todo, self._now, progress, self._site, sink)
        if isinstance(sink, building.Streamed):
            self._counted = sink.finish()
            self._body = sink.body
        segments.commit_with(writer, built)
        if not BACKGROUND_MERGE:
            merging.merge_built(self._ix(), built)
        elif len(built) > merging.MERGE_ABOVE:  # once the refresh is done (see `refresh`)
            self._merge_after = [segment.segment_id() for segment in built]
        return sink.entries

    def _serial(self, writer: Any, todo: list[Any], progress: Progress | None) -> dict[str, Entry]:
        entries: dict[str, Entry] = {}
        for done, source in enumerate(todo, 1):
            entries[source.path], post = catalogue.read(source, self._now, self._site)
            if post is not None:
                segments.add_post(writer, post)
            if progress is not None:
                progress(done, len(todo))
        return entries

    # ---- reading -----------------------------------------------------------------------------

    def _file_problems(self) -> list[Problem]:
        return [Problem(p, r) for p, r in catalogue.problems_of(self._entries)]

    def _ensure_posts(self) -> list[Post]:
        """Every post (canonical spellings, as archive.load gives them), in date order."""
        if self._posts is None:
            catalogue.decode_all(list(self._entries.values()))
            posts = [self._post_of(p) for p, e in self._entries.items() if e.readable]
            posts.sort(key=Post.sort_key)
            self._posts = posts
        return self._posts

    def _post_of(self, path: str) -> Post:
        """The catalogue's post at `path`, built on first use (a search builds only its hits)."""
        post = self._by_path.get(path)
        if post is None:
            entry = self._entries[path]
            try:
                post = catalogue.post_of(entry.record, entry.canon, self._now)
                if post.path != path:  # a record is the file's it is kept under, or damaged
                    raise catalogue.Damaged("the record names another file")
            except (TypeError, ValueError, OverflowError) as exc:
                post = self._repair(path, f"{type(exc).__name__}: {exc}")
            self._by_path[path] = post
        return post

    def _repair(self, path: str, reason: str) -> Post:
        """A catalogue record that will not decode: read its file again, and have the next
        refresh rewrite the catalogue (the file's stat alone would never trigger that)."""
        from blogtui.archive import SourceFile

        self._say_repair(reason)
        self._dirty = True
        entry = self._entries[path]
        source = SourceFile(path, self.root / path, entry.mtime_ns, entry.size)
        fresh, post = catalogue.read(source, self._now, self._site)
        self._entries[path] = fresh
        self._try_save()
        if post is None:
            raise IndexDamaged(f"{path} can no longer be read")
        return post

    def _try_save(self) -> None:
        """Write repaired records now if no refresh holds the lock (never wait: the caller
        holds the state lock, which a refresh needs to finish). A running refresh writes
        the catalogue itself, repairs included."""
        if self.location is None:
            return
        with store.refresh_lock(self.location, wait=False) as held:
            if held and not self._catalogue_changed():
                before = self._catalogue_stat
                self._entries = self._save(self._entries)
                self._rebase_walk(before)

    def _rebase_walk(self, before: tuple[int, int] | None) -> None:
        """The catalogue was rewritten with the same files: the walk still matches it."""
        walked = self._walked
        if walked is None or walked.base is None or walked.base != before:
            return
        walked.base = self._catalogue_stat
        if self.location is not None:
            freshness.save(self.location, walked)

    def posts(self) -> list[Post]:
        """Every post's metadata (no body), newest first, undated last, ties by path."""
        with self._lock:
            return list(self._ensure_posts())

    def readable_paths(self) -> list[str]:
        """The paths `posts()` gives posts of (catalogue order), without building them."""
        with self._lock:
            return catalogue.readable_paths(self._entries)

    def count(self) -> int:
        """How many posts `posts()` gives, without building them."""
        with self._lock:
            return len(catalogue.readable_paths(self._entries))

    def table(self) -> listing.Table | None:
        """The readable posts' listing keys and fragments, as columns, undecoded (see
        search/listing.py); None if a record's keys are damaged."""
        with self._lock:
            return listing.Table.of(self._entries, self._body)

    def order(self) -> list[str]:
        """Every post's path in `posts()` order, from the listing keys (no Post is built)."""
        listed = listing.kept_in_order(self.table(), "date", drafts=True, hidden=True, years=())
        return listed.paths() if listed is not None else [p.path for p in self.posts()]

    def posts_of(self, paths: Iterable[str]) -> list[Post]:
        """The catalogue's posts at `paths` (e.g. one screen of `order()`), in that order."""
        with self._lock:
            return [self._post_of(p) for p in paths if p in self._entries]

    def post(self, path: str) -> Post | None:
        """One post read fresh from its file, body included, or None if it is gone."""
        site = self._site  # (one Site for the key and the parse: a refresh may swap it)
        found = self._read_key(path, site)
        if found is None:
            return None
        source, key = found
        with self._lock:
            if key in self._bodies:
                self._bodies.move_to_end(key)
                return self._bodies[key]
        _entry, post = catalogue.read(source, self._now, site)
        if post is not None:
            with self._lock:
                self._bodies[key] = post
                while len(self._bodies) > BODY_CACHE:
                    self._bodies.popitem(last=False)
        return post

    def body(self, path: str) -> str | None:
        """One post's body read fresh from its file (its front matter not parsed: see
        archive.read_body), or None if it is gone or unreadable."""
        from blogtui.archive import read_body

        found = self._read_key(path, self._site)
        if found is None:
            return None
        source, key = found
        with self._lock:
            post = self._bodies.get(key)
        return post.body if post is not None else read_body(source)

    def _read_key(self, path: str, site: Site) -> tuple[Any, tuple[str, int, int, str]] | None:
        """The file at `path` as it is now (a SourceFile) and its key in the cache of posts
        read whole against `site`; None if it is gone."""
        from blogtui.archive import SourceFile

        abspath = self.root / path
        try:
            stat = abspath.stat()
        except OSError:
            return None
        source = SourceFile(path, abspath, stat.st_mtime_ns, stat.st_size)
        return source, (path, stat.st_mtime_ns, stat.st_size, site.fingerprint)

    def close(self) -> None:
        """Release the index's files."""
        with self._lock:
            self._close_searcher()
            self._storage = None


#: What a refresh that finds a change imports first (the post parser, its YAML and TOML
#: loaders, and Whoosh's storage and writer: 35-40 ms at 10,000 posts here), a module a
#: step (the longest, YAML, about 10 ms), each after those it imports.
REFRESH_MODULES = (
    "yaml", "tomllib", "blogtui.front_matter", "blogtui.parse", "whoosh.columns",
    "whoosh.analysis", "whoosh.formats", "whoosh.fields", "whoosh.index",
    "whoosh.filedb.compound", "whoosh.codec.base", "whoosh.matching", "whoosh.codec.whoosh3",
    "whoosh.filedb.filestore", "whoosh.writing",
)  # fmt: skip


class _DataSink:
    """Where `catalogue.plan` writes the documents as it makes them (`sink(fresh)`): a new
    data file named `fresh`, else appended to `body`'s (FileNotFoundError if it is gone).
    A new file is made under its own name, not through a rename: no head names it until
    the save is done (a crash leaves a file `store.remove_unnamed` takes); one that fails
    is removed. Appended documents past the end of the chunks a head names are never read
    (a save that fails leaves them, and the next appends after them: `PostIndex._end`)."""

    def __init__(self, location: Path, fresh: str, body: catalogue.Body | None) -> None:
        self._location, self._fresh, self._body = location, fresh, body
        self._fd: int | None = None
        #: The data file written to (once the sink was called).
        self.name = fresh

    def __call__(self, fresh: bool) -> Callable[[store.Buffer], object]:
        self.close()
        if fresh or self._body is None or self._body.name is None:
            self.name = self._fresh
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        else:
            self.name = self._body.name
            flags = os.O_WRONLY | os.O_APPEND
        fd = self._fd = store.open_private(self._location / self.name, flags)
        return lambda data: store.write_all(fd, data)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> _DataSink:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        written = self._fd is not None
        self.close()
        if kind is not None and written and self.name == self._fresh:
            with contextlib.suppress(OSError):
                (self._location / self.name).unlink()


def refresh_imports(meanwhile: Callable[[], bool] | None = None) -> None:
    """Import REFRESH_MODULES; with `meanwhile`, only while it holds, asked before each
    step: a command does them while the stat children are still at work
    (`cli.opening.Early`), and stops when they are done, so that imports a refresh may not
    need (it finds no change) never keep the answer waiting. At 10,000 posts the children
    take about as long as the command's own work: all of them imported at once had made a
    warm `search RAREWORD` 0.186 s against 0.145 s without (hyperfine, means of 30)."""
    for name in REFRESH_MODULES:
        if meanwhile is not None and not meanwhile():
            return
        importlib.import_module(name)


def search_imports(plain: bool = False) -> None:
    """Import what a search and its hits need (what splits a body from its front matter
    for snippets; Whoosh's queries and index unless the query is `plain` words, which
    search/lookup.py answers): what a command that searches does first in
    `PostIndex.open`'s `meanwhile`."""
    if not plain:
        import whoosh.filedb.filestore
        import whoosh.query  # noqa: F401

    import blogtui.fences
    import blogtui.search.search  # noqa: F401


def _diff(old: catalogue.Entries, files: list[Any]) -> tuple[list[Any], list[str]]:
    """Files new or changed by stat since the catalogue, and catalogue paths now gone."""
    seen = {f.path for f in files}
    todo = [
        f
        for f in files
        if (e := old.get(f.path)) is None or (e.mtime_ns, e.size) != (f.mtime_ns, f.size)
    ]
    return todo, [p for p in old if p not in seen]
