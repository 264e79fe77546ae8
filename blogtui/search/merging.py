"""Merge an index's segments a posting block at a time: no posting is decoded.

A cold build of 100,000 posts leaves dozens of segments (each build worker writes bounded
ones), and every searcher and writer opens them all. Whoosh's own merge (`add_reader`)
decodes every posting in Python (about 70 million there); this one copies each term's
posting blocks from the segments in docnum order, shifting only what holds a docnum (the
first id of each block's delta-coded ids, in the block's pickle, and its last-id header
field), and combines the segments' term infos. A compressed block written by
`pooling.compressed` keeps that first id in a stored deflate block of its own, so only that
head and the checksum are rewritten; one compressed whole (by Whoosh) is compressed again.
A segment's documents (stored fields and field lengths) are copied one by one through
Whoosh's per-document writer. Two processes each merge half of the segments (the work is
Python-bound; the machine blogtui targets has two cores), so 36 segments become 2.

Only segments without deleted documents are merged: a build's segments never have any,
and `segments.merge_small` already rewrites segments that deletions thin out. (Documents
a refresh deletes while a merge in the background writes are deleted in the merged
segments when it commits.)

The new segment's files are written first, then a new table of contents names it instead
of the merged ones, then their files are deleted: a merge stopped before the commit leaves
the old index as it was (and files `segments.clean_leftovers` removes).

Like pooling.py, this reaches into Whoosh's W3 codec and writer internals.
"""

from __future__ import annotations

import gc
import heapq
import os
import pickle
import struct
import subprocess
import sys
import zlib
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from blogtui.search import pooling, segments, store, workers

#: Merge a build's segments when it wrote more than this many.
MERGE_ABOVE = 6
#: Processes a big merge uses: each merges half of the segments into one of its own.
PROCESSES = 2
#: What the second process runs, and its exit status when it leaves the index unmerged.
HELPER_CODE = "from blogtui.search.merging import helper_main; helper_main()"
_DECLINED = 3
#: Bytes of a window left unread before the next is read (a longer row is read alone).
_ROW_ROOM = 1 << 10
#: Bytes of a segment file read at a time (terms and postings are read in order).
_WINDOW = 1 << 18
#: Pickle opcodes: the protocol marker, a mark, small, medium and 4-byte ints, a float, stop.
_PROTO, _MARK, _BININT1, _BININT2, _BININT = 0x80, 0x28, 0x4B, 0x4D, 0x4A
_BINFLOAT, _STOP = 0x47, 0x2E
#: How a block's info pickle starts (protocol 2, a MARK) and ends (TUPLE, BINPUT 0, STOP).
_INFO_START, _INFO_END = b"\x80\x02(", b"tq"
#: A term-table value (pooling.VALUE) read without its flags byte; its first part, the
#: term info (W3TermInfo's struct), and its last, the posting list's extent.
_INFO = struct.Struct("!xfIBBfIIqi")
_TERM_INFO = struct.Struct("!BfIBBfII")
_EXTENT = struct.Struct("!qi")
#: A block's length: negative for the last block of a posting list.
_BLOCK_LENGTH = _KEY_LENGTH = struct.Struct("!i")
#: A zlib stream's closing checksum.
_CHECKSUM = struct.Struct("!I")
MAGIC = pooling.MAGIC


class Unmergeable(ValueError):
    """A segment holds something this merge does not copy (the index is left as it was)."""


def merge_built(ix: Any, built: Collection[Any]) -> int:
    """After a build committed `built` (its segments): merge them when there are more than
    MERGE_ABOVE; how many were merged (0 when none were)."""
    if len(built) <= MERGE_ABOVE:
        return 0
    return merge(ix, {segment.segment_id() for segment in built})


def merge(ix: Any, which: Collection[str] | None = None, *, location: Path | None = None) -> int:
    """Merge the index's segments named in `which` (segment ids; every one when None) that
    have no deleted documents, and commit; how many were merged. They become one segment,
    or two when there are four or more (`PROCESSES`: one written by a second process).

    Without `location` the caller holds the index's refresh lock (Whoosh's own lock is not
    taken). With it (a merge in the background, `background_main`, which holds the merge
    lock) the refresh lock is not held while the merged segments are written, so commands
    and the reader refresh meanwhile (their commits spare the segment files no table of
    contents names while the merge lock is held: `segments.open_writer`); it is taken for
    the commit alone, which happens only if the index still holds every merged segment (a
    refresh rewrites one only once most of it is deleted) and the merged files:
    else 0, and the merged files are removed. Documents a refresh deleted from them
    meanwhile are deleted in the merged segments too. A full disk or a segment this merge
    cannot copy (`Unmergeable`) leaves the index as it was.
    """
    current = ix._segments()
    chosen = [
        s
        for s in current
        if (which is None or s.segment_id() in which) and not s.has_deletions() and s.doc_count()
    ]
    if len(chosen) < 2:
        return 0
    writer = segments.open_writer(ix, lock=False, spare_merge=False)
    halves = (
        _halves(chosen, writer.storage) if getattr(writer.storage, "folder", None) else [chosen]
    )
    helper = None
    try:
        if len(halves) > 1:
            helper = _Helper(writer.storage.folder, halves[1])
        merged = [_write(writer, halves[0])]
        if helper is not None:
            merged.append(helper.segment())
        if location is None:
            _commit(writer, _replaced(current, chosen, merged))
            return len(chosen)
        with store.refresh_lock(location):
            if _commit_current(writer, halves, merged):
                return len(chosen)
            _remove(writer.storage, merged)
            return 0
    except BaseException as exc:
        if helper is not None:
            helper.stop()
        if not writer.is_closed:
            writer.cancel()
        if location is None:
            segments.clean_leftovers(writer.storage)
        else:  # what a writer leaves is only safe to remove under the lock
            with store.refresh_lock(location):
                segments.clean_leftovers(writer.storage, spare_merge=False)
        if isinstance(exc, OSError | Unmergeable):
            return 0  # a full disk, or a segment not copied here: the old index is whole
        raise


def _replaced(current: list[Any], chosen: list[Any], merged: list[Any]) -> list[Any]:
    """`current` with `chosen` taken out and `merged` in the place of the first of them."""
    ids = {s.segment_id() for s in chosen}
    place = next(i for i, s in enumerate(current) if s.segment_id() in ids)
    final = [s for s in current if s.segment_id() not in ids]
    final[place:place] = merged
    return final


def _commit_current(writer: Any, halves: list[list[Any]], merged: list[Any]) -> bool:
    """Commit `merged` (one segment for each of `halves`, their documents in order) in place
    of the segments of `halves` in the index's table of contents as it is now (the caller
    holds the refresh lock), if that still names every one of them and the merged
    segments' files are all there; whether it committed. Documents a refresh deleted from
    them meanwhile (an edit deletes the post's old document) are deleted in the merged
    segments, at their places there."""
    fresh = writer.storage.open_index()
    current = fresh._segments()
    now = {s.segment_id(): s for s in current}
    chosen = [s for half in halves for s in half]
    if any(s.segment_id() not in now for s in chosen):
        return False
    names = writer.storage.list()
    if not all(any(n.startswith(f"{s.segment_id()}.") for n in names) for s in merged):
        return False
    for half, segment in zip(halves, merged, strict=True):
        base = 0
        for source in half:
            for docnum in now[source.segment_id()].deleted_docs():
                segment.delete_document(base + docnum)
            base += source.doc_count_all()
    writer.generation = fresh.latest_generation() + 1
    _commit(writer, _replaced(current, chosen, merged))
    return True


def _remove(storage: Any, merged: list[Any]) -> None:
    """Delete the files of segments that were not committed."""
    prefixes = tuple(f"{s.segment_id()}." for s in merged)
    for name in storage.list():
        if name.startswith(prefixes):
            storage.delete_file(name)


#: What a merge in the background runs (`start_background`).
BACKGROUND_CODE = "from blogtui.search.merging import background_main; background_main()"
#: The merge in the background runs at this niceness: a command the user starts meanwhile
#: gets the cores first.
BACKGROUND_NICE = 10


def start_background(location: Path, ids: Collection[str]) -> subprocess.Popen[bytes]:
    """Merge the segments `ids` of the index at `location` in a process of its own, in a
    session of its own (it outlives the command that built them, as `git gc --auto` does);
    its errors are dropped unless BLOGTUI_DEBUG is set. It never holds the command's
    stdout open: `blogtui index | cat` ends when the command does."""
    errors = None if os.environ.get("BLOGTUI_DEBUG") else subprocess.DEVNULL
    return workers.python_child(
        BACKGROUND_CODE, str(location), ",".join(sorted(ids)), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True,
    )  # fmt: skip


#: Times the merge in the background starts again when a refresh rewrote a segment of it.
BACKGROUND_TRIES = 3


def background_main() -> None:
    """The merge in the background: the segments named, merged as `merge` does with a
    `location` (no lock held but to commit) while holding the merge lock (one merge at a
    time: another running, this one leaves), and again with those still there when a
    refresh rewrote some meanwhile. Any failure leaves the index as it was."""
    location, ids = Path(sys.argv[1]), set(sys.argv[2].split(","))
    os.nice(BACKGROUND_NICE)
    storage = store.whoosh_storage(location / store.WHOOSH)
    with store.merge_lock(location) as held:
        for _try in range(BACKGROUND_TRIES if held else 0):
            if merge(storage.open_index(), ids, location=location):
                return


def _halves(chosen: list[Any], storage: Any) -> list[list[Any]]:
    """`chosen` cut in two runs of about as many bytes of segment files, one for each
    process (at least two segments each: merging one alone would copy it whole), or left
    whole. Bytes, not documents: a merge's work is its terms and posting blocks, and a
    build's first segments hold its biggest files (at 100,000 posts, cut by documents, one
    process took 34 s of CPU and the other 12)."""
    if PROCESSES < 2 or len(chosen) < 4:
        return [chosen]
    files = storage.list()
    sizes = []
    for segment in chosen:
        prefix = f"{segment.segment_id()}."
        sizes.append(sum(storage.file_length(name) for name in files if name.startswith(prefix)))
    total = sum(sizes)
    cut = min(range(2, len(chosen) - 1), key=lambda i: abs(2 * sum(sizes[:i]) - total))
    return [chosen[:cut], chosen[cut:]]


class _Helper:
    """A second process merging the second half of the segments into a segment of its own
    (the merge is Python-bound, and the machine blogtui targets has two cores)."""

    def __init__(self, folder: str, half: list[Any]) -> None:
        ids = ",".join(s.segment_id() for s in half)
        self.proc = workers.python_child(HELPER_CODE, folder, ids, stdout=subprocess.PIPE)

    def segment(self) -> Any:
        """The segment the helper wrote (its files are in the index folder, not yet named
        by any table of contents)."""
        out, _ = self.proc.communicate()
        if self.proc.returncode == _DECLINED:
            raise Unmergeable(
                "the merge's helper process found no room or a segment it cannot copy"
            )
        if self.proc.returncode != 0:
            raise RuntimeError(f"the merge's helper process exited with {self.proc.returncode}")
        return pickle.loads(out)

    def stop(self) -> None:
        """End the helper if it still runs (the merge failed in this process)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def helper_main() -> None:
    """The helper process: merge the segments named (in TOC order) and print the segment
    pickled; the parent commits it."""
    folder, ids = sys.argv[1], set(sys.argv[2].split(","))
    ix = store.whoosh_storage(Path(folder)).open_index()
    writer = segments.open_writer(ix, lock=False)
    try:
        segment = _write(writer, [s for s in ix._segments() if s.segment_id() in ids])
    except (OSError, Unmergeable) as exc:
        print(f"blogtui: merge helper: {exc}", file=sys.stderr)
        raise SystemExit(_DECLINED) from None
    sys.stdout.buffer.write(pickle.dumps(segment))


def _commit(writer: Any, final: list[Any]) -> None:
    """Commit the table of contents naming `final`, then delete the merged segments' files
    (Whoosh's `_commit_toc` writes the TOC first)."""
    writer._commit_toc(final)
    writer._finish()


def _write(writer: Any, chosen: list[Any]) -> Any:
    """Write the merged segment of `chosen` (in order) with `writer`'s files; the segment."""
    sources = []
    collecting = gc.isenabled()
    gc.disable()  # millions of small objects, none cyclic: 9% of the merge went to the GC
    try:
        base = 0
        for segment in chosen:
            sources.append(_Source(writer.storage, segment, base))
            base += segment.doc_count_all()
        for source in sources:
            _copy_documents(writer, source)
        _copy_postings(writer, sources)
    finally:
        for source in sources:
            source.close()
        if collecting:
            gc.enable()
    writer._close_segment()
    writer._assemble_segment()
    return writer.get_segment()


# ---- documents ------------------------------------------------------------------------------


def _copy_documents(writer: Any, source: _Source) -> None:
    """Append `source`'s documents to the writer's per-document files: stored fields and
    field lengths, as Whoosh's per-document writer stores them (a 0 length and an empty
    stored dict are not stored)."""
    from whoosh.codec import whoosh3

    codec: Any = whoosh3  # whoosh's module is untyped
    perdoc, schema = writer.perdocwriter, writer.schema
    reader = codec.W3PerDocReader(source.files, source.segment)
    columns = []
    for name in schema.names():
        lengths = f"_{name}_len"
        if reader.has_column(lengths):
            columns.append((lengths, codec.LENGTHS_COLUMN))
        if reader.has_column(f"_{name}_vec") or (
            schema[name].column_type is not None and reader.has_column(name)
        ):
            raise Unmergeable(f"field {name!r} has vectors or a column (blogtui's have none)")
    columns.append(("_stored", codec.STORED_COLUMN))
    values = [list(reader.column_reader(name, kind)) for name, kind in columns]
    add = perdoc.add_column_value
    for docnum in range(source.segment.doc_count_all()):
        perdoc.start_doc(writer.docnum)
        for (name, kind), column in zip(columns, values, strict=True):
            if value := column[docnum]:
                add(name, kind, value)
        perdoc.finish_doc()
        writer.docnum += 1
    reader.close()
    # The exact totals (the length column holds each length rounded to a byte): the scores
    # of the merged index are the unmerged one's.
    for name, total in source.segment._fieldlengths.items():
        perdoc._fieldlengths[name] += total


# ---- postings -------------------------------------------------------------------------------


def _copy_postings(writer: Any, sources: list[_Source]) -> None:
    """Write every field's terms of `sources`: each term's posting lists one after another,
    docnums shifted by each source's base, and its term-table row."""
    perdoc, fieldwriter = writer.perdocwriter, writer.fieldwriter
    perdoc.close()
    rows = _Rows(fieldwriter)
    for name in sorted({name for source in sources for name in source.fieldmap}):
        fieldwriter.start_field(name, writer.schema[name])
        rows.write(fieldwriter._fieldid, _merged_terms(name, sources))
        fieldwriter.finish_field()
    fieldwriter.close()


def _merged_terms(name: str, sources: list[_Source]) -> Iterator[tuple[bytes, bytes, bytes]]:
    """A field's terms in order, each as (term bytes, posting-list bytes, packed term info
    but the extent)."""
    present = [source for source in sources if name in source.fieldmap]
    rows = heapq.merge(*(source.terms(name, i) for i, source in enumerate(present)))
    pending: list[tuple[int, bytes]] = []
    term = b""
    for btext, i, value in rows:
        if btext != term and pending:
            yield term, *_joined(present, pending)
            pending = []
        term = btext
        pending.append((i, value))
    if pending:
        yield term, *_joined(present, pending)


def _joined(sources: list[_Source], parts: list[tuple[int, bytes]]) -> tuple[bytes, bytes]:
    """One term's posting lists in `parts` (source index, term-table value), joined into
    one, and its term info (W3TermInfo's fields, packed, without the extent)."""
    if len(parts) == 1:  # most terms
        i, value = parts[0]
        source = sources[i]
        total, df, minlen, maxlen, top, first, last, offset, length = _INFO.unpack(value)
        raw = source.postings(offset, length)
        if not source.base:
            return raw, value[: _TERM_INFO.size]
        blocks = _shifted(raw, source.base, True)
        base = source.base
        return MAGIC + blocks, _TERM_INFO.pack(
            0, total, df, minlen, maxlen, top, first + base, last + base
        )
    joined = [MAGIC]
    infos = []
    for n, (i, value) in enumerate(parts):
        source = sources[i]
        info = _INFO.unpack(value)
        infos.append(info)
        raw = source.postings(info[7], info[8])
        joined.append(_shifted(raw, source.base, n == len(parts) - 1))
    combined = _TERM_INFO.pack(
        0,
        sum(info[0] for info in infos),  # total weight
        sum(info[1] for info in infos),  # document frequency
        min(info[2] for info in infos),  # min length byte
        max(info[3] for info in infos),  # max length byte
        max(info[4] for info in infos),  # top weight
        infos[0][5] + sources[parts[0][0]].base,  # first docnum
        infos[-1][6] + sources[parts[-1][0]].base,  # last docnum
    )
    return b"".join(joined), combined


def _shifted(raw: bytes, base: int, last: bool) -> bytes:
    """A W3 posting list's blocks (without its header) with docnums raised by `base`; its
    last block marked last only when `last`."""
    if raw[:4] != MAGIC:
        raise Unmergeable(f"a posting list starts {raw[:4]!r}, not {MAGIC!r}")
    if not base:
        return raw[4:] if last else _unmark_last(raw)
    out: list[bytes] = []
    at, end = 4, len(raw)
    while at < end:
        (length,) = _BLOCK_LENGTH.unpack_from(raw, at)
        start, stop = at + 4, at + 4 + abs(length)
        maxid_at, maxid, maxid_end, comp, data_at = _block_info(raw, start)
        data = raw[data_at:stop]
        # (a compressed block stays over COMPRESSION_MIN_SIZE: ids only grow)
        data = _shifted_stream(data, base, comp) if comp else _shift_first_id(data, base)
        info = raw[start:maxid_at] + _pickled_int(maxid + base) + raw[maxid_end:data_at]
        size = len(info) + len(data)
        out += (_BLOCK_LENGTH.pack(-size if length < 0 and last else size), info, data)
        at = stop
    return b"".join(out)


def _shifted_stream(stream: bytes, base: int, level: int) -> bytes:
    """A compressed block's data with its first id raised by `base`. In the form
    `pooling.compressed` writes only the stored head and the checksum change; a block
    compressed whole (by Whoosh's own writer) is compressed again, in that form."""
    data = zlib.decompress(stream)  # for the checksum (and it checks the stream)
    end = pooling.first_id_end(data)
    stored = pooling.ZLIB_HEADER + pooling.stored_block(data[:end])
    start = len(stored)
    if not stream.startswith(stored):
        return pooling.compressed(_shift_first_id(data, base), level)
    head = _shift_first_id(data[:end], base)
    checksum = zlib.adler32(memoryview(data)[end:], zlib.adler32(head))
    return b"".join((pooling.ZLIB_HEADER, pooling.stored_block(head),
                     stream[start:-4], _CHECKSUM.pack(checksum)))  # fmt: skip


def _unmark_last(raw: bytes) -> bytes:
    """The blocks of a posting list (without its header) with its last block's length made
    positive: more blocks follow it."""
    at, end = 4, len(raw)
    while True:
        (length,) = _BLOCK_LENGTH.unpack_from(raw, at)
        if length < 0:
            break
        at += 4 + length
    if at + 4 - length != end:
        raise Unmergeable("a posting list's last block does not end it")
    return raw[4:at] + _BLOCK_LENGTH.pack(-length) + raw[at + 4 :]


def _block_info(raw: bytes, at: int) -> tuple[int, int, int, int, int]:
    """Where the docnum in a block's info pickle is, its value, the block's compression
    and where its data starts: the info is Whoosh's protocol-2 pickle of (count, last id,
    top weight, compression, min and max length bytes), parsed here (it is read for every
    block, and only the last id changes)."""
    if raw[at : at + 3] != _INFO_START:
        raise Unmergeable(f"a posting block's info starts {raw[at : at + 3]!r}")
    _count, maxid_at = _pickled_int_at(raw, at + 3)
    maxid, maxid_end = _pickled_int_at(raw, maxid_at)
    top_end = maxid_end + 9 if raw[maxid_end] == _BINFLOAT else _pickled_int_at(raw, maxid_end)[1]
    comp, pos = _pickled_int_at(raw, top_end)
    pos = _pickled_int_at(raw, _pickled_int_at(raw, pos)[1])[1]  # the two length bytes
    if raw[pos : pos + 2] != _INFO_END or raw[pos + 3] != _STOP:
        raise Unmergeable(f"a posting block's info ends {raw[pos : pos + 4]!r}")
    return maxid_at, maxid, maxid_end, comp, pos + 4


def _pickled_int_at(data: bytes, at: int) -> tuple[int, int]:
    """The int pickled at `at` (as pickle writes one under 2**31) and where it ends."""
    op = data[at]
    if op == _BININT1:
        return data[at + 1], at + 2
    if op == _BININT2:
        return data[at + 1] | data[at + 2] << 8, at + 3
    if op == _BININT:
        return int.from_bytes(data[at + 1 : at + 5], "little", signed=True), at + 5
    raise Unmergeable(f"a posting block holds pickle opcode {op:#x} where an int should be")


def _shift_first_id(data: bytes, base: int) -> bytes:
    """A block's pickled (ids, weights, values) with its first id (the one absolute docnum
    of the delta-coded ids) raised by `base`, patched in place of unpickling the block.

    Pickles of protocol 2 (Whoosh's) and 3 (blogtui's) have no frames or offsets: only the
    int's own opcode changes. The ids tuple comes first: after a MARK if it has over three
    items, else at once.
    """
    if data[0] != _PROTO or data[1] not in (2, 3):
        raise Unmergeable(f"a posting block is pickled as {data[:2]!r}")
    at = 3 if data[2] == _MARK else 2
    first, after = _pickled_int_at(data, at)
    return data[:at] + _pickled_int(first + base) + data[after:]


def _pickled_int(n: int) -> bytes:
    """The pickle opcode and bytes of a docnum, as pickle writes it."""
    if n < 0x100:
        return bytes((_BININT1, n))
    if n < 0x10000:
        return bytes((_BININT2,)) + n.to_bytes(2, "little")
    if n < 0x80000000:
        return bytes((_BININT,)) + n.to_bytes(4, "little")
    raise Unmergeable(f"docnum {n} is too big for a posting block")


class _Rows:
    """The merged segment's posting lists and term-table rows, written as pooling's
    `_TermWriter` writes them (keys in order, buffered, offsets counted), with the term
    table's hash entries in arrays (pooling.HashSlots)."""

    def __init__(self, fieldwriter: Any) -> None:
        self.postfile = fieldwriter._postfile
        self.table = fieldwriter._tindex
        self.slots = pooling.HashSlots(self.table)

    def write(self, fieldid: int, terms: Iterator[tuple[bytes, bytes, bytes]]) -> None:
        """Write each (term bytes, posting list, packed term info) of a field in key order."""
        postfile, table, prefix = self.postfile, self.table, pooling.USHORT.pack(fieldid)
        offset, at = postfile.tell(), table.dbfile.tell()
        hashfn = pooling.md5_hash if table.hashfn is pooling.whoosh_md5_hash() else table.hashfn
        hashes, positions, lastkey = self.slots.hashes, self.slots.positions, table.lastkey
        lengths, row_size, extent = pooling.KEY_VALUE_LENGTHS, pooling.ROW_SIZE, _EXTENT
        head = lengths.pack(0, pooling.VALUE.size)[4:]  # every value is one size
        postings: list[bytes] = []
        rows: list[bytes] = []
        starts: list[int] = []
        for btext, data, info in terms:
            key = prefix + btext
            if key <= lastkey:
                raise ValueError(f"Keys must increase: {lastkey!r}..{key!r}")
            postings.append(data)
            rows += (_KEY_LENGTH.pack(len(key)), head, key, info, extent.pack(offset, len(data)))
            starts.append(at)
            h = hashfn(key)
            hashes[h & 255].append(h)
            positions[h & 255].append(at)
            offset += len(data)
            at += row_size + len(key)
            lastkey = key
            if len(postings) >= pooling.BUFFERED_TERMS:
                self._flush(postings, rows, starts)
        self._flush(postings, rows, starts)
        table.lastkey = lastkey

    def _flush(self, postings: list[bytes], rows: list[bytes], starts: list[int]) -> None:
        self.postfile.write(b"".join(postings))
        self.table.dbfile.write(b"".join(rows))
        pooling.extend_index(self.table.index, starts)
        postings.clear()
        rows.clear()
        starts.clear()


# ---- reading a segment ----------------------------------------------------------------------


class _Source:
    """One segment being merged, read through windows of its files (terms and postings are
    read in order, so each file is read about once), and its docnum base in the merge."""

    def __init__(self, storage: Any, segment: Any, base: int) -> None:
        from whoosh.filedb import compound, filetables

        compounds: Any = compound  # whoosh's modules are untyped
        tables: Any = filetables
        self.segment, self.base = segment, base
        self._compound: Any = None
        self.files: Any = storage
        if segment.is_compound():
            cfile = segment.open_file(storage, segment.COMPOUND_EXT)
            self._compound = self.files = compounds.CompoundStorage(cfile, use_mmap=False)
        terms_name = segment.make_filename(".trm")
        self._trm = self.files.open_file(terms_name)
        self._table: Any = tables.OrderedHashReader(self._trm, self.files.file_length(terms_name))
        self.fieldmap: dict[str, int] = self._table.extras["fieldmap"]
        posts_name = segment.make_filename(".pst")
        self._pst = _Window(self.files.open_file(posts_name))

    def terms(self, name: str, i: int) -> Iterator[tuple[bytes, int, bytes]]:
        """The field's rows in key order, each as (term bytes, `i`, its term-table value)."""
        prefix = pooling.USHORT.pack(self.fieldmap[name])
        pos = self._table.closest_key_pos(prefix)
        if pos is None:
            return
        file, end, size = self._table.dbfile, self._table.endofdata, pooling.VALUE.size
        lengths, chunk, start = pooling.KEY_VALUE_LENGTHS, b"", pos
        while pos < end:
            at = pos - start
            if at + _ROW_ROOM > len(chunk):
                start, at, chunk = pos, 0, file.get(pos, _WINDOW)
            keylen, datalen = lengths.unpack_from(chunk, at)
            keyend = at + lengths.size + keylen
            if keyend + size > len(chunk):  # a key longer than _ROW_ROOM
                start, at, chunk = pos, 0, file.get(pos, lengths.size + keylen + size)
                keyend = lengths.size + keylen
            if chunk[at + lengths.size : at + lengths.size + 2] != prefix:
                return
            if datalen != size or chunk[keyend] != 0:
                raise Unmergeable(f"a term of {name!r} has its postings inlined")
            yield chunk[at + lengths.size + 2 : keyend], i, chunk[keyend : keyend + size]
            pos += lengths.size + keylen + size

    def postings(self, offset: int, length: int) -> bytes:
        return self._pst.get(offset, length)

    def close(self) -> None:
        self._table.close()
        self._pst.file.close()
        if self._compound is not None:
            self._compound.close()


class _Window:
    """Reads of a Whoosh file through a window of it held in memory."""

    def __init__(self, file: Any) -> None:
        self.file = file
        self._start, self._data = 0, b""

    def get(self, pos: int, length: int) -> bytes:
        at = pos - self._start
        if at < 0 or at + length > len(self._data):
            self._start, self._data = pos, self.file.get(pos, max(length, _WINDOW))
            at = 0
        return self._data[at : at + length]
