"""The catalogue side of a big build: entries taken in their stored form as workers send them.

A build worker sends each post's catalogue entry as it will be stored (`row_of`: the
record's JSON, its `list --json` fragment, its listing keys and the terms its spellings are
counted by), never the record itself, so the parent holds no decoded record. A whole build
(`Streamed`: no catalogue yet) writes those documents to a new data file as they come, in
chunks (records in small ones, fragments in big ones: see catalogue.CHUNK_BYTES), and keeps
of each entry only its stat and its row there (an entry as `catalogue.load_all` makes it).
The spellings are counted as the rows come; once all are in, the few entries whose terms
are respelled archive-wide are read back a chunk at a time and made again with their
spellings (their new documents are appended by the save).
A smaller build (`Kept`) keeps its entries' documents in memory, as an older catalogue's.
"""

from __future__ import annotations

import json
import os
from array import array
from pathlib import Path
from typing import Any

from blogtui.search import catalogue, spellings, store
from blogtui.search.catalogue import CHUNK_BYTES, RECORD_CHUNK_BYTES, Body, Chunk, Entry

#: One entry as a worker sends it: path, mtime_ns, size, problems, then (for a readable
#: file; else None each) the record's JSON, the fragment, the listing keys and the groups.
Row = tuple[str, int, int, tuple[str, ...], bytes, catalogue.Buffer, Any, Any]


def row_of(path: str, entry: Entry) -> Row:
    """`entry` (just read, its record in hand) as a worker sends it."""
    record = entry.record
    if record is None:
        return (path, entry.mtime_ns, entry.size, entry.problems, b"", b"", None, None)
    return (path, entry.mtime_ns, entry.size, entry.problems, entry.blob(),
            entry.stored_shown(), entry.keys, spellings.groups_of(record))  # fmt: skip


class Kept:
    """The entries of a build beside an existing catalogue: documents kept in memory."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def add(self, rows: list[Row]) -> None:
        """Take one chunk's rows."""
        for path, mtime_ns, size, problems, blob, shown, keys, _groups in rows:
            self.entries[path] = Entry(mtime_ns, size, None, problems, None, blob, shown or None,
                                       keys)  # fmt: skip

    def restart(self) -> None:
        """Forget what was taken (the build starts again)."""
        self.entries.clear()


class Streamed:
    """The entries of a whole build, their documents written to a new data file as they
    come (see the module's docstring). `finish` gives the spellings and the body."""

    def __init__(self, location: Path) -> None:
        if not (location / store.CATALOGUE).exists():  # no head names a data file: left by
            store.remove_unnamed(location, "")  # a build that never finished
        self.name = catalogue.data_name(os.urandom(8))
        path = location / self.name
        self._out = store.open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        #: The documents' places (catalogue.Rows), grown as they are written: int64 arrays,
        #: 8 bytes a number where a list holds a 32-byte int (15 MB at 100,000 posts).
        self._columns: list[array[int]] = [array("q") for _ in range(6)]
        columns = tuple(self._columns)
        self.body = Body.of_file(store.open_private(path, os.O_RDONLY), [], columns, self.name)  # type: ignore[arg-type]
        # Of each entry only its path, stat and problems, as a loaded catalogue's columns:
        # no Entry is made while the workers run (`entries` makes them when wanted).
        self._paths: list[str] = []
        self._stats: tuple[array[int], array[int]] = (array("q"), array("q"))
        self._problems: dict[int, tuple[str, ...]] = {}
        self._entries: catalogue.Stored | None = None
        self.tally = spellings.Tally()
        self._keys: list[list[Any]] = [[] for _ in range(6)]
        self._records = _Packer(self, 0, RECORD_CHUNK_BYTES)
        self._shown = _Packer(self, 3, CHUNK_BYTES)
        self._end = 0

    @property
    def entries(self) -> catalogue.Stored:
        """The entries taken, each made when it is looked up (as a loaded catalogue's)."""
        if self._entries is None:
            mtimes, sizes = self._stats
            self._entries = catalogue.Stored(self._paths, mtimes, sizes, self._problems, self.body)
        return self._entries

    def add(self, rows: list[Row]) -> None:
        """Take one chunk's rows: count their spellings and write their documents."""
        keys, paths, (mtimes, sizes) = self._keys, self._paths, self._stats
        unknown = catalogue.UNKNOWN_KEYS
        for path, mtime_ns, size, problems, blob, shown, known, groups in rows:
            row = len(paths)
            self._records.add(row, blob)
            self._shown.add(row, shown)
            for column, value in zip(keys, known or unknown, strict=True):
                column.append(value)
            if groups is not None:
                self.tally.add(path, groups)
            paths.append(path)
            mtimes.append(mtime_ns)
            sizes.append(size)
            if problems:
                self._problems[row] = problems

    def restart(self) -> None:
        """Forget what was taken, and the file's contents (the build starts again)."""
        os.ftruncate(self._out, 0)
        self.body.chunks.clear()
        for column in (*self._columns, *self._keys, *self._stats):
            del column[:]
        self._paths.clear()
        self._problems.clear()
        self._entries = None
        self.tally = spellings.Tally()
        self._records = _Packer(self, 0, RECORD_CHUNK_BYTES)
        self._shown, self._end = _Packer(self, 3, CHUNK_BYTES), 0

    def finish(self) -> spellings.Spellings:
        """Write what is pending, respell the entries whose terms changed spelling; the
        archive's spelling counts."""
        self._records.flush()
        self._shown.flush()
        os.close(self._out)
        self._in_path_order()
        self.body.keyed(self._keys)
        counted = self.tally.counted()
        choices = counted.choices()
        assert choices is not None  # counted as in path order: every first place is known
        self._respell(choices)
        return counted

    def _in_path_order(self) -> None:
        """Every column's rows put in path order, as a save writes them: the entries are then
        a catalogue that a save, a listing and a search read as they are, making no Entry
        (at 100,000 posts, making and sorting them all cost the parent 50-70 MB)."""
        paths = self._paths
        if all(map(str.__lt__, paths, paths[1:])):
            return
        order = sorted(range(len(paths)), key=paths.__getitem__)
        self._paths = list(map(paths.__getitem__, order))
        mtimes, sizes = (array("q", map(column.__getitem__, order)) for column in self._stats)
        self._stats = (mtimes, sizes)
        self._columns = [array("q", map(column.__getitem__, order)) for column in self._columns]
        self.body.rows = tuple(self._columns)  # type: ignore[assignment]
        self._keys = [list(map(column.__getitem__, order)) for column in self._keys]
        place = {old: new for new, old in enumerate(order)} if self._problems else {}
        self._problems = {place[row]: reasons for row, reasons in self._problems.items()}

    def _respell(self, choices: dict[str, dict[str, str]]) -> None:
        """Each entry whose terms are respelled made again in its canonical spellings, its
        record read back a chunk at a time (a chunk is not kept once read)."""
        paths = list(self.entries)
        chunk_of, at, length = self.body.rows[0], self.body.rows[1], self.body.rows[2]
        by_chunk: dict[int, list[int]] = {}
        for row, size in enumerate(length):
            if size:
                by_chunk.setdefault(chunk_of[row], []).append(row)
        for chunk, rows in by_chunk.items():
            offset, size, _digest = self.body.chunks[chunk]
            data = memoryview(os.pread(self.body.file.fd, size, offset))  # type: ignore[union-attr]
            docs = [data[at[r] : at[r] + length[r]] for r in rows]
            decoded = json.loads(b"[" + b",".join(docs) + b"]")
            for row, doc, (record, _canon) in zip(rows, docs, decoded, strict=True):
                if spellings.canon_of(record, choices) is not None:
                    self._respelled(paths[row], bytes(doc), choices)

    def _respelled(self, path: str, doc: bytes, choices: dict[str, dict[str, str]]) -> None:
        stored = self.entries[path]
        keys = stored.known_keys()
        entry = Entry(stored.mtime_ns, stored.size, None, stored.problems, blob=doc, keys=keys)
        entry.canon = spellings.canon_of(entry.record, choices)  # type: ignore[arg-type]
        self.entries[path] = Entry(entry.mtime_ns, entry.size, None, entry.problems, None,
                                   entry.blob(), entry.shown(), keys)  # fmt: skip

    def _write(self, data: bytes) -> Chunk:
        """Append one chunk to the data file; its place and digest."""
        view = memoryview(data)
        while view:
            view = view[os.write(self._out, view) :]
        chunk = (self._end, len(data), catalogue._digest(data))
        self._end += len(data)
        self.body.chunks.append(chunk)
        return chunk


class _Packer:
    """Documents of one kind (records or fragments) packed into chunks of the data file."""

    def __init__(self, stream: Streamed, column: int, limit: int) -> None:
        self._stream, self._column, self._limit = stream, column, limit
        self._docs: list[catalogue.Buffer] = []
        self._rows: list[int] = []  # the rows whose documents are in the open chunk
        self._size = 0

    def add(self, row: int, doc: catalogue.Buffer) -> None:
        """Place `doc` as row `row`'s document (appending the row's three columns)."""
        rows = self._stream._columns
        chunk, at, length = rows[self._column], rows[self._column + 1], rows[self._column + 2]
        if not doc:
            chunk.append(0)
            at.append(0)
            length.append(0)
            return
        if self._size and self._size + len(doc) > self._limit:
            self.flush()
        chunk.append(-1)  # known when the chunk is written
        at.append(self._size)
        length.append(len(doc))
        self._docs.append(doc)
        self._rows.append(row)
        self._size += len(doc)

    def flush(self) -> None:
        """Write the open chunk, and name it in its rows."""
        if not self._docs:
            return
        stream = self._stream
        stream._write(b"".join(self._docs))
        number = len(stream.body.chunks) - 1
        column = stream._columns[self._column]
        for row in self._rows:
            column[row] = number
        self._docs, self._rows, self._size = [], [], 0
