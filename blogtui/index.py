"""The persistent Whoosh index of an archive: schema, cache location, build, refresh.

Beside the Whoosh index lives a compact catalogue (one marshal file, blogtui.catalogue): per
post its stat and metadata, so listing posts and noticing changes never open Whoosh. Whoosh
itself is imported lazily, only when something has to be written or searched.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import threading
import time
import unicodedata
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from blogtui import catalogue
from blogtui.catalogue import Entry
from blogtui.model import Post, Problem, term_key

#: Called with (done, total) while files are read and indexed.
Progress = Callable[[int, int], None]
#: Called once with a one-line notice for the user (rebuilds, in-memory fallback).
Notice = Callable[[str], None]

#: Bump when the schema, the analyzer or the catalogue layout changes: old indexes rebuild.
SCHEMA_VERSION = 7
#: Below this many files to (re)index, parsing in this process beats starting workers.
PARALLEL_MIN = 400
#: Build worker processes for big (re)builds: one per core of the machine blogtui targets.
WORKERS = 2
#: Markdown a build worker indexes into one segment (its postings are held in memory).
SEGMENT_BYTES = 24_000_000
#: Segments under this many documents count as small; this many small ones get merged.
SMALL_SEGMENT_DOCS = 200
SMALL_SEGMENTS_TO_MERGE = 8
#: Files handed to a build worker at a time (small enough to balance the two workers).
CHUNK = 40
#: Memory each Whoosh writer may use for its posting pool before spilling to disk.
LIMIT_MB = 64
#: How long a writer waits for another process's refresh before giving up.
LOCK_WAIT_S = 600.0

_CATALOGUE = "catalogue.marshal"
_META = "meta.json"
_LOCK = "refresh.lock"
_WHOOSH = "whoosh"


@dataclass(slots=True)
class Refresh:
    """What one refresh did: counts, the problems of the files it read, and its duration."""

    total: int = 0
    added: int = 0
    changed: int = 0
    deleted: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt: bool = False


# --------------------------------------------------------------------------------------------
# Text analysis: one pass does tokenising, lowercasing, accent folding, stemming and CJK bigrams.

_CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
_TERMS: dict[str, str] = {}
_STEM: Callable[[str], str] | None = None


def _stemmer() -> Callable[[str], str]:
    global _STEM
    if _STEM is None:
        from whoosh.lang.porter2 import stem

        _STEM = stem
    return _STEM


#: Words too common to be worth a posting list (whoosh's English list); they are skipped
#: at index and query time alike, so phrases around them still line up.
_STOP_TEXT = (
    "a an and are as at be by can for from have if in is it may not of on or tbd that the "
    "this to us we when will with yet you your was were he his her him she they them their "
    "there been has had would which but its into than then these those so do does did my "
    "our me i"
)
STOP_WORDS = frozenset(_STOP_TEXT.split())


def _fold(word: str) -> str:
    """Lowercase, strip accents, stem: the indexed form of one latin-script word.

    Stop words and single letters come out as "" (not indexed).
    """
    folded = word.lower()
    if folded in STOP_WORDS or len(folded) < 2:
        _TERMS[word] = ""
        return ""
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    if folded.isascii() and folded.isalpha():
        folded = _stemmer()(folded)
    if len(_TERMS) > 400_000:  # a bound, so a huge vocabulary cannot grow memory forever
        _TERMS.clear()
    _TERMS[word] = folded
    return folded


def term_of(word: str) -> str:
    """The indexed term of one word (cached: most words repeat); "" if it is not indexed."""
    term = _TERMS.get(word)
    return _fold(word) if term is None else term


def position_map(text: str) -> dict[str, list[int]]:
    """Every indexed term of `text` with its positions (the hot path of indexing)."""
    poses: dict[str, list[int]] = {}
    cache = _TERMS
    pos = 0
    for run, word in _TOKEN.findall(text):
        if word:
            term = cache.get(word)
            if term is None:
                term = _fold(word)
            if not term:
                continue
            if term in poses:
                poses[term].append(pos)
            else:
                poses[term] = [pos]
            pos += 1
            continue
        # A CJK run: each character at its own position, plus the bigram starting there,
        # so one-character queries match characters and longer ones match bigram phrases.
        for i, char in enumerate(run):
            poses.setdefault(char, []).append(pos + i)
            if i + 1 < len(run):
                poses.setdefault(run[i : i + 2], []).append(pos + i)
        pos += len(run)
    return poses


@dataclass(frozen=True, slots=True)
class Token:
    """One analysed token: its term, position and [start, end) characters in the text."""

    term: str
    pos: int
    start: int
    end: int


def tokens(text: str, *, query: bool = False) -> Iterator[Token]:
    """Analyse `text`; with `query`, CJK runs give bigrams only (a phrase), not characters."""
    pos = 0
    for match in _TOKEN.finditer(text):
        run, word = match.groups()
        start = match.start()
        if word:
            term = term_of(word)
            if term:
                yield Token(term, pos, start, match.end())
                pos += 1
            continue
        if len(run) == 1 or not query:
            for i, char in enumerate(run):
                yield Token(char, pos + i, start + i, start + i + 1)
        if len(run) > 1:
            for i in range(len(run) - 1):
                yield Token(run[i : i + 2], pos + i, start + i, start + i + 2)
        pos += len(run)


def term_spans(text: str, heads: frozenset[str] | None = None) -> Iterator[tuple[str, int, int]]:
    """(term, start, end) of every indexed term of `text`: `tokens` without the objects,
    for marking matches in snippets (a few ms a post instead of tens).

    `heads`: when given, latin words whose first three (or two) letters, lowercased, are not
    in it are skipped unstemmed: a stem keeps its word's first letters, and stemming every new
    word of a body is most of the cost in a fresh process.
    """
    cache = _TERMS
    for match in _TOKEN.finditer(text):
        run, word = match.groups()
        start = match.start()
        if word:
            if heads is not None and word.isascii():
                head = word[:3].lower()
                if head not in heads and head[:2] not in heads:
                    continue
            term = cache.get(word)
            if term is None:
                term = _fold(word)
            if term:
                yield term, start, match.end()
            continue
        for i, char in enumerate(run):
            yield char, start + i, start + i + 1
            if i + 1 < len(run):
                yield run[i : i + 2], start + i, start + i + 2


class Analyzer:
    """The Whoosh analyzer of title, body and authors: calls `tokens`, yields Whoosh Tokens."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        mode: str = "",
        start_pos: int = 0,
        start_char: int = 0,
        **_: Any,
    ) -> Iterator[Any]:
        from whoosh.analysis.acore import Token as WhooshToken

        out = WhooshToken(positions=positions, chars=chars, mode=mode)
        for token in tokens(value, query=mode == "query"):
            out.text, out.boost, out.stopped = token.term, 1.0, False
            out.pos = start_pos + token.pos
            out.startchar, out.endchar = start_char + token.start, start_char + token.end
            yield out

    def has_morph(self) -> bool:
        """Whoosh asks this for spelling support, which blogtui does not use."""
        return False

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


def _define_fast_positions() -> type:
    """A Whoosh Positions format whose word_values skips the per-token generator chain."""
    from whoosh.formats import Positions

    class _FastPositions(Positions):
        def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
            boost = self.field_boost
            for word, poslist in position_map(value).items():
                yield word, len(poslist), len(poslist) * boost, self.encode(poslist)

    _FastPositions.__qualname__ = _FastPositions.__name__
    _FastPositions.__module__ = __name__
    return _FastPositions


def __getattr__(name: str) -> Any:
    """Build whoosh-derived classes on first use, so importing this module stays cheap.

    Pickled schemas name `blogtui.index._FastPositions`; this makes unpickling find it.
    """
    if name == "_FastPositions":
        cls = _define_fast_positions()
        globals()[name] = cls
        return cls
    raise AttributeError(name)


def _schema() -> Any:
    from whoosh import fields
    from whoosh.analysis.tokenizers import RegexTokenizer

    analyzer = Analyzer()
    fast = globals().get("_FastPositions") or __getattr__("_FastPositions")
    lines = RegexTokenizer(r"[^\n]+")

    def text(boost: float) -> Any:
        spec = fields.TEXT(analyzer=analyzer, field_boost=boost)
        spec.format = fast(field_boost=boost)
        return spec

    return fields.Schema(
        path=fields.ID(stored=True, unique=True),
        pathkey=fields.ID(),
        title=text(3.0),
        body=text(1.0),
        authors=text(1.5),
        tags=fields.TEXT(analyzer=lines, phrase=False, field_boost=2.0),
        categories=fields.TEXT(analyzer=lines, phrase=False, field_boost=1.5),
        lang=fields.ID(),
        draft=fields.ID(),
        day=fields.NUMERIC(int, bits=32),
    )


class CompactPool:
    """A drop-in for Whoosh's PostingPool that keeps postings packed in memory, by term.

    Whoosh's pool holds each posting as a 5-tuple (~170 bytes) and, past `limitmb`, sorts
    and spills runs to disk that it merges at the end, one pickle and heap step per
    posting: on 10,000 posts that merge was a third of the build's CPU time. Here each
    term holds one array of (docnum, weight, value length) and one bytearray of values,
    about 30 bytes a posting, already in docnum order, so nothing is spilled or merged.
    """

    def __init__(self) -> None:
        self.fieldnames: set[str] = set()
        self.runs: list[str] = []
        self._fields: dict[str, dict[bytes, tuple[array[float], bytearray]]] = {}
        self._unsorted: set[tuple[str, bytes]] = set()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one (fieldname, btext, docnum, weight, value) posting."""
        fieldname, btext, docnum, weight, value = item
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        postings = terms.get(btext)
        if postings is None:
            postings = terms[btext] = (array("d"), bytearray())
        nums, values = postings
        if nums and docnum < nums[-3]:
            self._unsorted.add((fieldname, btext))
        if value is None:
            nums.extend((docnum, weight, -1.0))
        else:
            nums.extend((docnum, weight, len(value)))
            values += value

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """Every posting, sorted by field, term and docnum (what Whoosh's codec expects)."""
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for btext in sorted(terms):
                rows = self._rows(fieldname, btext, *terms[btext])
                for docnum, weight, value in rows:
                    yield fieldname, btext, docnum, weight, value

    def _rows(
        self, fieldname: str, btext: bytes, nums: array[float], values: bytearray
    ) -> list[tuple[int, float, bytes | None]]:
        rows: list[tuple[int, float, bytes | None]] = []
        offset = 0
        for i in range(0, len(nums), 3):
            length = int(nums[i + 2])
            if length < 0:
                rows.append((int(nums[i]), nums[i + 1], None))
                continue
            rows.append((int(nums[i]), nums[i + 1], bytes(values[offset : offset + length])))
            offset += length
        if (fieldname, btext) in self._unsorted:
            rows.sort(key=lambda row: row[0])
        return rows

    def save(self) -> None:
        """Whoosh calls this to spill a run; everything stays in memory here."""

    def cleanup(self) -> None:
        """Forget every posting."""
        self._fields.clear()
        self._unsorted.clear()


def _writer(ix: Any, **kwargs: Any) -> Any:
    """A segment writer with a leaner codec: no per-block length statistics (they only
    tighten score bounds for top-N pruning, which blogtui never uses: it ranks every hit)
    and cheap block compression."""
    from whoosh.codec import whoosh3

    codecs: Any = whoosh3  # whoosh's functions are untyped
    codec = codecs.W3Codec(compression=1)
    codec.length_stats = False
    if kwargs.pop("lock", True):
        writer = ix.writer(limitmb=LIMIT_MB, codec=codec, **kwargs)
    else:
        from whoosh import writing

        writers: Any = writing  # whoosh's functions are untyped
        writer = writers.SegmentWriter(ix, _lk=False, limitmb=LIMIT_MB, codec=codec, **kwargs)
    writer.pool.cleanup()
    writer.pool = CompactPool()
    return writer


def _document(post: Post) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "path": post.path,
        "pathkey": post.path.lower(),
        "title": post.title,
        "body": post.body,
        "authors": " ".join(post.authors),
        "tags": "\n".join(term_key(t) for t in post.tags),
        "categories": "\n".join(term_key(c) for c in post.categories),
        "lang": (post.lang or "").lower(),
        "draft": "yes" if post.draft else "no",
    }
    if post.date is not None:
        day = post.date.day
        doc["day"] = day.year * 10000 + day.month * 100 + day.day
    return doc


# --------------------------------------------------------------------------------------------
# Where indexes live.


def _cache_root() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("blogtui")) / "indexes"


def index_location(root: Path) -> Path:
    """Where the index of the archive at `root` lives (under the user cache directory)."""
    resolved = str(Path(root).resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return _cache_root() / digest


def prune() -> list[Path]:
    """Remove indexes whose archive no longer exists; return the folders removed."""
    removed: list[Path] = []
    base = _cache_root()
    if not base.is_dir():
        return removed
    for folder in sorted(base.iterdir()):
        try:
            archive = json.loads((folder / _META).read_text("utf-8"))["archive"]
        except (OSError, ValueError, KeyError, TypeError):
            archive = None  # no readable meta: an index nobody can claim, so remove it
        if archive is None or not Path(archive).is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _write_atomic(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temp, "wb") as out:
        out.write(data)
    os.replace(temp, path)


@contextlib.contextmanager
def _file_lock(location: Path | None) -> Iterator[None]:
    """Hold the archive's refresh lock (an flock: the kernel drops it if the holder dies)."""
    if location is None:
        yield
        return
    fd = os.open(location / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"index at {location} is locked by another process"
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for a curious user
        yield
    finally:
        os.close(fd)  # closing releases the flock


# --------------------------------------------------------------------------------------------
# Building segments in worker processes (a module-level function, so `spawn` can find it).


def _read(source: Any, now: datetime | None) -> tuple[Entry, Post | None]:
    from blogtui.archive import read_post

    post, problems = read_post(source, now=now)
    entry = Entry(
        source.mtime_ns,
        source.size,
        catalogue.record_of(post) if post else None,
        tuple(p.reason for p in problems),
    )
    return entry, post


def _send(out: Any, message: tuple[Any, ...]) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def worker_main() -> None:
    """A build worker (`python -c`): index the chunks of files its parent sends on stdin.

    Messages are pickles: in, the index folder, `now` and SEGMENT_BYTES, then lists of
    SourceFiles and a final None; out, ("done", n) per chunk, then ("ok", segments,
    entries) or ("error", why).
    A plain subprocess, not multiprocessing: spawn would re-run the parent's __main__.
    When the parent dies, stdin ends and so does the worker.
    """
    source, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the message stream
    try:
        from whoosh.filedb import filestore

        folder, now, segment_bytes = pickle.load(source)
        stores: Any = filestore  # whoosh's functions are untyped
        ix = stores.FileStorage(folder, supports_mmap=False).open_index()
        writer, held, segments = _writer(ix, lock=False), 0, []
        entries: dict[str, Entry] = {}
        while (chunk := pickle.load(source)) is not None:
            for item in chunk:
                entries[item.path], post = _read(item, now)
                if post is not None:
                    writer.add_document(**_document(post))
                    held += item.size
            if held >= segment_bytes:  # postings live in memory: bound them by a segment
                segments.append(writer._finalize_segment())
                writer, held = _writer(ix, lock=False), 0
            _send(out, ("done", len(chunk)))
        if writer._added:
            segments.append(writer._finalize_segment())
        else:
            writer._close_segment()
        _send(out, ("ok", segments, entries))
    except EOFError:
        return  # the parent went away
    except Exception as exc:  # reported to the parent, which raises it there
        _send(out, ("error", f"{type(exc).__name__}: {exc}", getattr(exc, "errno", None)))


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


#: What facets and filters count of one post: tag keys, category keys, year, draft.
FacetRow = tuple[tuple[str, ...], tuple[str, ...], int | None, bool]


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
        self._entries: dict[str, Entry] = {}
        self._catalogue_stat: tuple[int, int] | None = None
        self._scan_problems: list[Problem] = []
        self._storage: Any = None
        self._searcher: Any = None
        self._docpaths: DocPaths | None = None
        self._posts: list[Post] | None = None
        self._by_path: dict[str, Post] = {}
        self._facets: dict[str, FacetRow] = {}
        self._spell: dict[str, str] = {}
        self._dirty = False  # records were repaired in memory: the catalogue needs writing
        self._keys: dict[str, str] = {}  # term_key memo: a few hundred terms repeat a lot
        self._bodies: OrderedDict[tuple[str, int, int], Post] = OrderedDict()

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
    ) -> PostIndex:
        """Open (creating or rebuilding as needed) and, unless told not to, refresh."""
        root = Path(root)
        location = _prepare_location(root, notice)
        index = cls(root, location, follow_symlinks=follow_symlinks, now=now, notice=notice)
        if rebuild:
            index._wipe()
        else:
            index._load_or_reset()
        if refresh:
            index.refresh(progress)
        return index

    def _say(self, line: str) -> None:
        if self._notice is not None:
            self._notice(line)

    def _load_or_reset(self, *, locked: bool = False) -> None:
        """Load the catalogue; if it (or the meta) is unreadable, wipe and say so once."""
        if self.location is None:
            return
        try:
            self._load_catalogue()
        except _Outdated:
            self._say(f"index at {self.location} has an older or newer schema; rebuilding")
            self._wipe(locked=locked)
        except _Unreadable as exc:
            self._say(f"index at {self.location} was unreadable ({exc}); rebuilding")
            self._wipe(locked=locked)

    def _load_catalogue(self) -> None:
        assert self.location is not None
        path = self.location / _CATALOGUE
        try:
            meta = json.loads((self.location / _META).read_text("utf-8"))
            stat = path.stat()
            data = path.read_bytes()
        except FileNotFoundError:
            self._set_entries({})  # a new index: nothing to complain about
            return
        except (OSError, ValueError) as exc:
            raise _Unreadable(f"meta: {exc}") from exc
        if not isinstance(meta, dict):
            raise _Unreadable("meta: not a JSON object")
        if meta.get("schema") != SCHEMA_VERSION:
            raise _Outdated
        try:
            entries = catalogue.load(data, SCHEMA_VERSION)
        except catalogue.SchemaMismatch as exc:
            raise _Outdated from exc
        except (ValueError, EOFError, TypeError) as exc:
            raise _Unreadable(f"catalogue: {exc}") from exc
        self._catalogue_stat = (stat.st_mtime_ns, stat.st_size)
        self._set_entries(entries)

    def _catalogue_changed(self) -> bool:
        """Has another process written the catalogue since we loaded it?"""
        if self.location is None:
            return False
        try:
            stat = (self.location / _CATALOGUE).stat()
        except FileNotFoundError:
            return self._catalogue_stat is not None
        return (stat.st_mtime_ns, stat.st_size) != self._catalogue_stat

    def _wipe(self, *, locked: bool = False) -> None:
        """Forget everything: the next refresh rebuilds from scratch.

        `locked`: the caller already holds the refresh lock (flock would deadlock on itself).
        Lock order everywhere: the refresh lock, then the state lock.
        """
        with _file_lock(None if locked else self.location), self._lock:
            self._close_searcher()
            self._storage = None
            if self.location is not None:
                for child in self.location.iterdir():
                    if child.name in (_LOCK, _META):
                        continue
                    if child.is_dir():
                        shutil.rmtree(child, ignore_errors=True)
                    else:
                        child.unlink(missing_ok=True)
                self._catalogue_stat = None
            self._set_entries({})

    def _set_entries(self, entries: dict[str, Entry]) -> None:
        """Swap in a new catalogue and derive the lookup tables from it."""
        with self._lock:
            self._close_searcher()  # a searcher over an older generation would disagree
            self._entries = entries
            self._spell = {}
            self._posts = None
            self._by_path = {}
            self._facets = {}

    # ---- Whoosh storage ----------------------------------------------------------------------

    def _ix(self, create: bool = False) -> Any:
        """The Whoosh index object (created empty when `create`), or raise _Unreadable."""
        if self._storage is None:
            from whoosh.filedb import filestore

            stores: Any = filestore  # whoosh's functions are untyped
            if self.location is None:
                self._storage = stores.RamStorage()
            else:
                (self.location / _WHOOSH).mkdir(exist_ok=True)
                folder = str(self.location / _WHOOSH)
                self._storage = stores.FileStorage(folder, supports_mmap=False)
        storage = self._storage
        try:
            if storage.index_exists():
                return storage.open_index()
        except Exception as exc:  # whoosh raises many kinds on a damaged index
            raise _Unreadable(f"{type(exc).__name__}: {exc}") from exc
        if not create:
            raise _Unreadable("no search index")
        return storage.create_index(_schema())

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None
        self._docpaths = None

    def searcher(self, *, recover: bool = True) -> tuple[Any, DocPaths]:
        """The open Whoosh searcher and its docnum -> path table (for blogtui.query).

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
        with _file_lock(self.location):  # a writer in another process finishes first
            with self._lock:
                try:
                    self._current_searcher()
                    return
                except _Unreadable as again:
                    damage = again
            self._say(f"index at {self.location} was unreadable ({damage}); rebuilding")
            self._wipe(locked=True)
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

    def refresh(self, progress: Progress | None = None) -> Refresh:
        """Bring the index up to date with the archive by stat; read only what changed."""
        from blogtui.archive import scan

        started = time.perf_counter()
        found = scan(self.root, follow_symlinks=self._follow)
        try:
            with self._refreshing, _file_lock(self.location):
                if self._catalogue_changed():
                    self._load_or_reset(locked=True)  # another process refreshed meanwhile
                report = self._apply(found.files, progress)
        except OSError as exc:
            if self.location is None or exc.errno not in _UNWRITABLE:
                raise
            self._to_memory(exc)
            with self._refreshing:
                report = self._apply(found.files, progress)
        self._scan_problems = list(found.problems)
        self.problems = self._scan_problems + self._file_problems()
        report.total = sum(1 for e in self._entries.values() if e.readable)
        report.seconds = time.perf_counter() - started
        return report

    def _to_memory(self, exc: OSError) -> None:
        """The cache filled up (or turned read-only) mid-write: carry on in memory."""
        self._say(
            f"cannot write the index cache at {self.location} ({exc.strerror}); "
            "using an in-memory index"
        )
        with self._lock:
            self._close_searcher()
            self.location, self._storage, self._catalogue_stat = None, None, None
            self._set_entries({})

    def _apply(self, files: list[Any], progress: Progress | None) -> Refresh:
        old = self._entries
        todo, gone = _diff(old, files)
        if not todo and not gone:
            if self._dirty and self.location is not None:
                self._save(dict(old))
            return Refresh(rebuilt=False)  # nothing changed: Whoosh is not even imported
        if old:
            try:
                self._ix()
            except _Unreadable as exc:
                self._say(f"index at {self.location} was unreadable ({exc}); rebuilding")
                self._wipe(locked=True)
                old = self._entries
                todo, gone = _diff(old, files)
        report = Refresh(
            added=sum(1 for f in todo if f.path not in old),
            changed=sum(1 for f in todo if f.path in old),
            deleted=len(gone),
            rebuilt=not old,
        )
        entries = dict(old)
        for path in gone:
            del entries[path]
        fresh = self._write(todo, gone, progress)
        entries.update(fresh)
        report.problems = [Problem(p, r) for p, e in sorted(fresh.items()) for r in e.problems]
        entries = dict(sorted(entries.items()))
        catalogue.canonicalise(entries)
        if self.location is not None:
            self._save(entries)
        with self._lock:
            self._close_searcher()  # the next search sees the new segments
            self._set_entries(entries)
        return report

    def _save(self, entries: dict[str, Entry]) -> None:
        """Write the catalogue (atomically) and remember its stat."""
        assert self.location is not None
        _write_atomic(self.location / _CATALOGUE, catalogue.dump(entries, SCHEMA_VERSION))
        st = (self.location / _CATALOGUE).stat()
        self._catalogue_stat = (st.st_mtime_ns, st.st_size)
        self._dirty = False

    def _write(
        self, todo: list[Any], gone: list[str], progress: Progress | None
    ) -> dict[str, Entry]:
        """Index `todo` and delete `gone` in Whoosh; the new catalogue entries of `todo`."""
        ix = self._ix(create=True)
        writer = _writer(ix, timeout=LOCK_WAIT_S, delay=0.05)
        try:
            for path in [*gone, *(f.path for f in todo if f.path in self._entries)]:
                writer.delete_by_term("path", path)
            if len(todo) >= PARALLEL_MIN and self.location is not None:
                entries, segments = self._parallel(todo, progress)
                _commit_with(writer, segments)
            else:
                entries = self._serial(writer, todo, progress)
                writer.commit(mergetype=_merge_small)
        except BaseException:
            if not writer.is_closed:  # whoosh closes a writer whose commit failed
                writer.cancel()
            raise
        return entries

    def _serial(self, writer: Any, todo: list[Any], progress: Progress | None) -> dict[str, Entry]:
        entries: dict[str, Entry] = {}
        for done, source in enumerate(todo, 1):
            entries[source.path], post = _read(source, self._now)
            if post is not None:
                writer.add_document(**_document(post))
            if progress is not None:
                progress(done, len(todo))
        return entries

    def _parallel(
        self, todo: list[Any], progress: Progress | None
    ) -> tuple[dict[str, Entry], list[Any]]:
        """Two worker processes each parse and index part of the files into a segment."""
        assert self.location is not None
        ordered = sorted(todo, key=lambda f: -f.size)  # big files first balance the workers
        chunks = [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]
        chunks.reverse()  # pop() hands them out biggest first
        workers = [_Worker(str(self.location / _WHOOSH), self._now) for _ in range(WORKERS)]
        try:
            return _run_workers(workers, chunks, len(todo), progress)
        finally:
            for worker in workers:
                worker.stop()

    # ---- reading -----------------------------------------------------------------------------

    def _file_problems(self) -> list[Problem]:
        return [Problem(p, r) for p, e in self._entries.items() for r in e.problems]

    def _ensure_posts(self) -> None:
        """Build every post (canonical spellings, as archive.load gives them), date order."""
        if self._posts is None:
            catalogue.decode_all(list(self._entries.values()))
            posts = [self._post_of(p) for p, e in self._entries.items() if e.readable]
            posts.sort(key=Post.sort_key)
            self._posts = posts

    def _post_of(self, path: str) -> Post:
        """The catalogue's post at `path`, built on first use (a search builds only its hits)."""
        post = self._by_path.get(path)
        if post is None:
            entry = self._entries[path]
            try:
                post = catalogue.post_of(entry.record, entry.canon, self._now)
            except (TypeError, ValueError, OverflowError) as exc:
                post = self._repair(path, f"{type(exc).__name__}: {exc}")
            self._by_path[path] = post
        return post

    def _repair(self, path: str, reason: str) -> Post:
        """A catalogue record that will not decode: read its file again, and have the next
        refresh rewrite the catalogue (the file's stat alone would never trigger that)."""
        from blogtui.archive import SourceFile

        if not self._dirty:
            self._say(f"index at {self.location} had an unreadable record ({reason}); repairing")
        self._dirty = True
        entry = self._entries[path]
        source = SourceFile(path, self.root / path, entry.mtime_ns, entry.size)
        fresh, post = _read(source, self._now)
        self._entries[path] = fresh
        self._try_save()
        if post is None:
            raise IndexDamaged(f"{path} can no longer be read")
        return post

    def _try_save(self) -> None:
        """Write repaired records now if no refresh holds the lock (never wait: the caller
        holds the state lock, which a refresh needs to finish)."""
        if self.location is None:
            return
        fd = os.open(self.location / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if not self._catalogue_changed():
                self._save(self._entries)
        except BlockingIOError:
            pass  # a refresh is running; it writes the catalogue, repairs included
        finally:
            os.close(fd)

    def posts(self) -> list[Post]:
        """Every post's metadata (no body), newest first, undated last, ties by path."""
        with self._lock:
            self._ensure_posts()
            assert self._posts is not None
            return list(self._posts)

    def catalogue_post(self, path: str) -> Post | None:
        """One post's metadata from the catalogue (no body, no file read), or None."""
        with self._lock:
            entry = self._entries.get(path)
            return self._post_of(path) if entry is not None and entry.readable else None

    def rows(self, paths: Iterable[str]) -> list[tuple[Post, FacetRow]]:
        """Catalogue post and facet row of each readable path, in order, under one lock.

        The per-keystroke search path: thousands of hits, so one lock and no per-path calls.
        """
        out: list[tuple[Post, FacetRow]] = []
        with self._lock:
            entries, by_path, facets = self._entries, self._by_path, self._facets
            for path in paths:
                entry = entries.get(path)
                if entry is None or not entry.readable:
                    continue
                post = by_path.get(path) or self._post_of(path)
                row = facets.get(path)
                if row is None:
                    row = facets[path] = self._row(post)
                out.append((post, row))
        return out

    def facet_row(self, path: str) -> FacetRow | None:
        """(tag keys, category keys, year, draft) of one post: what facets and filters count."""
        with self._lock:
            row = self._facets.get(path)
            if row is None:
                post = self.catalogue_post(path)
                if post is None:
                    return None
                row = self._facets[path] = self._row(post)
            return row

    def _row(self, post: Post) -> FacetRow:
        keys, spell = self._keys, self._spell
        tag_keys = tuple(keys.get(t) or keys.setdefault(t, term_key(t)) for t in post.tags)
        cat_keys = tuple(keys.get(c) or keys.setdefault(c, term_key(c)) for c in post.categories)
        for key, term in zip(tag_keys, post.tags, strict=True):
            spell["t" + key] = term  # spellings are archive-wide: any post's will do
        for key, term in zip(cat_keys, post.categories, strict=True):
            spell["c" + key] = term
        return tag_keys, cat_keys, post.year, post.draft

    def spelling(self, key: str, taxonomy: str = "tags") -> str:
        """The displayed spelling of a term key of "tags" or "categories" (of a counted row)."""
        return self._spell.get(taxonomy[0] + key, key)

    def post(self, path: str) -> Post | None:
        """One post read fresh from its file, body included, or None if it is gone."""
        from blogtui.archive import SourceFile

        abspath = self.root / path
        try:
            stat = abspath.stat()
        except OSError:
            return None
        key = (path, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if key in self._bodies:
                self._bodies.move_to_end(key)
                return self._bodies[key]
        source = SourceFile(path, abspath, stat.st_mtime_ns, stat.st_size)
        _entry, post = _read(source, self._now)
        if post is not None:
            with self._lock:
                self._bodies[key] = post
                while len(self._bodies) > 64:  # bodies are big; keep what is on screen
                    self._bodies.popitem(last=False)
        return post

    def close(self) -> None:
        """Release the index's files."""
        with self._lock:
            self._close_searcher()
            self._storage = None


def _diff(old: dict[str, Entry], files: list[Any]) -> tuple[list[Any], list[str]]:
    """Files new or changed by stat since the catalogue, and catalogue paths now gone."""
    seen = {f.path for f in files}
    todo = [
        f
        for f in files
        if (e := old.get(f.path)) is None or (e.mtime_ns, e.size) != (f.mtime_ns, f.size)
    ]
    return todo, [p for p in old if p not in seen]


class _Worker:
    """One build worker process and its message pipes."""

    def __init__(self, folder: str, now: datetime | None) -> None:
        package_home = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_home, env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from blogtui.index import worker_main; worker_main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self.busy = 0
        self.send((folder, now, SEGMENT_BYTES))

    def send(self, message: Any) -> None:
        pickle.dump(message, self.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.stdin.flush()

    def receive(self) -> tuple[Any, ...]:
        try:
            message: tuple[Any, ...] = pickle.load(self.stdout)
        except EOFError:
            raise RuntimeError(f"index worker exited with status {self.proc.wait()}") from None
        return message

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stdout.close()


def _run_workers(
    workers: list[_Worker], chunks: list[list[Any]], total: int, progress: Progress | None
) -> tuple[dict[str, Entry], list[Any]]:
    """Feed chunks to whichever worker is free; collect their segments and catalogue entries."""
    import selectors

    entries: dict[str, Entry] = {}
    segments: list[Any] = []
    done = 0
    with selectors.DefaultSelector() as select:
        for worker in workers:
            select.register(worker.stdout, selectors.EVENT_READ, worker)
            for _ in range(2):  # two in flight, so a worker never waits for the next chunk
                _feed(worker, chunks)
        while select.get_map():
            for key, _ in select.select():
                worker = key.data
                message = worker.receive()
                if message[0] == "error" and message[2] is not None:
                    raise OSError(message[2], f"index worker failed: {message[1]}")
                if message[0] == "error":
                    raise RuntimeError(f"index worker failed: {message[1]}")
                if message[0] == "ok":
                    segments.extend(message[1])
                    entries.update(message[2])
                    select.unregister(worker.stdout)
                    continue
                done += message[1]
                worker.busy -= 1
                if progress is not None:
                    progress(done, total)
                _feed(worker, chunks)
    return entries, segments


def _feed(worker: _Worker, chunks: list[list[Any]]) -> None:
    """Send the worker its next chunk, or the end marker once nothing is left for it."""
    if chunks:
        worker.send(chunks.pop())
        worker.busy += 1
    elif worker.busy == 0:
        worker.send(None)
        worker.busy = -1  # finished: it will answer with its segment


def _merge_small(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy: fold the small segments that edits leave behind into the new one, once
    there are several; never touch the big ones. Whoosh's own policy once merged a whole
    50,000-post index during a one-post refresh (1.4 GB, a minute)."""
    from whoosh import reading

    readers: Any = reading  # whoosh's functions are untyped
    small = [s for s in segments if s.doc_count_all() < SMALL_SEGMENT_DOCS]
    if len(small) < SMALL_SEGMENTS_TO_MERGE:
        return segments
    for segment in small:
        reader = readers.SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s.doc_count_all() >= SMALL_SEGMENT_DOCS]


def _commit_with(writer: Any, segments: list[Any]) -> None:
    """Commit `writer`'s deletions together with segments built by workers."""
    final = writer._merge_segments(None, False, False)
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final + segments)
    writer._finish()


#: errno values that mean "this cache cannot be written": fall back to memory.
_UNWRITABLE = frozenset(
    (
        errno.EACCES,
        errno.EPERM,
        errno.ENOSPC,
        errno.ENOTDIR,
        errno.EROFS,
        errno.EEXIST,
        errno.EDQUOT,
    )
)


def _prepare_location(root: Path, notice: Notice | None) -> Path | None:
    """Create the index folder and its meta file; None (in memory) if the cache is unwritable."""
    location = index_location(root)
    try:
        location.mkdir(parents=True, exist_ok=True)
        meta = location / _META
        wanted = {"archive": str(Path(root).resolve()), "schema": SCHEMA_VERSION}
        try:
            current = json.loads(meta.read_text("utf-8"))
        except (OSError, ValueError):
            current = None
        if current != wanted:
            _write_atomic(meta, json.dumps(wanted).encode())
        return location
    except OSError as exc:
        if exc.errno not in _UNWRITABLE:
            raise
        if notice is not None:
            notice(
                f"cannot write the index cache at {location} ({exc.strerror}); "
                "using an in-memory index"
            )
        return None
