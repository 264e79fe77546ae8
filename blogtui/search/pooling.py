"""The posting pool of a segment being built, and its write in Whoosh's W3 format, per term.

Whoosh adds a document by asking each field for (term, frequency, weight, value) tuples and
pooling one 5-tuple per posting, then writes the pool through its codec one posting at a
time: on 100,000 posts that is about 70 million postings at ~10 us of Python each. Here the
positional fields (title, body, authors) are tokenised straight into one array per term of
`docnum << 32 | position` keys (`analysis.pool_positions`: one append a token, no map of the
document's own; 5% of a build's CPU), split into postings at the write, and each term's list
is written as whole blocks of the bytes Whoosh's W3 codec writes (so its reader reads them
unchanged: same block layout, pickles, compression and term info). The other fields (ids,
tags, dates, front-matter values: a few postings a post) keep Whoosh's own path.

Everything here reaches into Whoosh's writer and codec internals; segments.py is the only
caller.
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from hashlib import md5
from operator import itemgetter, sub
from pickle import dumps
from typing import Any, Literal

from blogtui.search.analysis import pool_positions

#: Whoosh's W3 codec: block header tag, uncompressed size below which zlib is skipped.
MAGIC = b"W3Bl"
COMPRESSION_MIN_SIZE = 80
#: Block data is pickled with protocol 3 (Whoosh writes 2): its values are bytes, which
#: protocol 2 spells as a call to codecs.encode each; the reader's `loads` takes either,
#: and the blocks come out 28% smaller and quicker to compress and to read.
_BLOCK_PROTOCOL = 3
INT = struct.Struct("!i")
_UINT = struct.Struct("!I")
USHORT = struct.Struct("!H")
KEY_VALUE_LENGTHS = struct.Struct("!ii")
#: Positions whose one-position value is remembered (most postings are one position).
_ONE_POSITION_MEMO = 1 << 16
#: A posting's value in the positional fields (segments' `_FastPositions` format): its
#: positions as little-endian 32-bit words, no count (4 bytes each; Whoosh's Positions
#: pickles the deltas after a count, 14 bytes for one position). It is written from the
#: pool's 64-bit keys without a Python step per position (`unpack`).
_WORD: Literal["I", "L"] = "I" if array("I").itemsize == 4 else "L"
_LITTLE = sys.byteorder == "little"


def encode_positions(positions: Iterable[int]) -> bytes:
    """The value of a posting at `positions` (ascending)."""
    words = array(_WORD, positions)
    if not _LITTLE:
        words.byteswap()
    return words.tobytes()


def decode_positions(value: bytes) -> list[int]:
    """The positions of a posting's value (`encode_positions`)."""
    words = array(_WORD, value)
    if not _LITTLE:
        words.byteswap()
    return words.tolist()


class _OnePositions(dict[int, bytes]):
    """position -> the value of a posting at that one position, made on first use (a dict
    subclass: a remembered one costs one subscript, no function call)."""

    def __missing__(self, pos: int) -> bytes:
        value = encode_positions((pos,))
        if pos < _ONE_POSITION_MEMO:
            self[pos] = value
        return value


_ONE_POSITION = _OnePositions()


class PostingPool:
    """A drop-in for Whoosh's PostingPool: positional fields packed per term, others as rows.

    `positional` maps each positional field to its boost (a posting's weight is its
    frequency times that). Everything stays in memory; the caller bounds a segment's size.
    """

    def __init__(self, positional: Mapping[str, float]) -> None:
        self.fieldnames: set[str] = set()
        self.runs: list[str] = []
        self.boosts = dict(positional)
        self._packed: dict[str, dict[str, array[int]]] = {name: {} for name in positional}
        #: Per positional field, each plain token's array in `_packed` (pool_positions').
        self._arrays: dict[str, dict[str, array[int]]] = {name: {} for name in positional}
        self._rows: dict[str, dict[bytes, list[tuple[int, float, bytes | None]]]] = {}
        #: Positional fields fed through `add` too (a merge): their lists may need sorting.
        self._mixed: set[str] = set()

    def add_positions(self, fieldname: str, docnum: int, text: str) -> int:
        """Add one document's text of a positional field; the field's length in the
        document (its number of positions)."""
        length = pool_positions(text, self._packed[fieldname], docnum << 32,
                                self._arrays[fieldname])  # fmt: skip
        if length:
            self.fieldnames.add(fieldname)
        return length

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one (fieldname, term bytes, docnum, weight, value) posting (Whoosh's call)."""
        fieldname, btext, docnum, weight, value = item
        self.fieldnames.add(fieldname)
        if fieldname in self._packed:
            assert value is not None
            base = docnum << 32
            packed = self._packed[fieldname].setdefault(btext.decode("utf-8"), array("q"))
            packed.extend([base + pos for pos in decode_positions(value)])
            self._mixed.add(fieldname)
            return
        rows = self._rows.setdefault(fieldname, {}).setdefault(btext, [])
        rows.append((docnum, float(weight), value))

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """Every posting, by field, term and docnum (for Whoosh code that wants them)."""
        for fieldname in sorted(self.fieldnames):
            for btext, ids, weights, values in self.terms(fieldname):
                for docnum, weight, value in zip(ids, weights, values, strict=True):
                    yield fieldname, btext, docnum, weight, value

    def terms(self, fieldname: str) -> Iterator[Columns]:
        """A field's terms in order, each as (term bytes, docnums, weights, values) of its
        postings in docnum order."""
        if fieldname in self._packed:
            boost = self.boosts[fieldname]
            terms = self._packed[fieldname]
            for term in sorted(terms):  # code point order is the UTF-8 bytes' order
                ids, weights, values = unpack(terms[term], boost)
                btext = term.encode("utf-8")
                if fieldname in self._mixed:
                    ids, weights, values = _by_docnum(list(zip(ids, weights, values, strict=True)))
                yield btext, ids, weights, values
            return
        rows_of = self._rows.get(fieldname, {})
        for btext in sorted(rows_of):
            yield (btext, *_by_docnum(rows_of[btext]))

    def save(self) -> None:
        """Whoosh calls this to spill a run to disk; everything stays in memory here."""

    def cleanup(self) -> None:
        """Forget every posting."""
        for terms in (*self._packed.values(), *self._arrays.values()):
            terms.clear()
        self._rows.clear()
        self.fieldnames.clear()


#: One term's postings as columns: its bytes, then docnums, weights and values.
Columns = tuple[bytes, list[int], list[float], list[Any]]


def _by_docnum(rows: list[tuple[int, float, Any]]) -> tuple[list[int], list[float], list[Any]]:
    rows.sort(key=itemgetter(0))
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def unpack(packed: array[int], boost: float) -> tuple[list[int], list[float], list[bytes]]:
    """The docnums, weights and values of one term's packed keys (`docnum << 32 | position`
    each, in order): split at C speed (`map`, `dict.fromkeys`, `Counter`), a loop per
    posting only where a document holds the term more than once."""
    one = _ONE_POSITION
    if len(packed) == 1:  # most terms: one position in one document
        key = packed[0]
        return [key >> 32], [boost], [one[key & _POSITION]]
    items = packed.tolist()  # list items are quicker to index than an array's
    # The keys as 32-bit words: on a little-endian machine each key's position is its first
    # word, so a posting's value is every other word of its keys, copied at C speed.
    words = memoryview(packed).cast("B").cast(_WORD) if _LITTLE else None
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    mask, at, end = _POSITION, 0, len(items)
    while at < end:
        key = items[at]
        doc = key >> 32
        after = (doc + 1) << 32  # the next document's first key
        ids.append(doc)
        if at + 1 == end or items[at + 1] >= after:
            weights.append(boost)
            values.append(one[key & mask])
            at += 1
            continue
        stop = bisect_left(items, after, at + 2)
        weights.append((stop - at) * boost)
        if words is not None:
            values.append(words[2 * at : 2 * stop : 2].tobytes())
        else:
            values.append(encode_positions([key & mask for key in items[at:stop]]))
        at = stop
    return ids, weights, values


#: The position bits of a packed key.
_POSITION = (1 << 32) - 1


# ---- the write ------------------------------------------------------------------------------


def write_postings(writer: Any) -> None:
    """Write the pool of a Whoosh SegmentWriter (the work of its `_flush_segment`)."""
    writer.perdocwriter.close()
    pool: PostingPool = writer.pool
    for arrays in pool._arrays.values():  # the tokens' memo: not wanted by the write
        arrays.clear()
    fieldwriter = writer.fieldwriter
    slots = HashSlots(fieldwriter._tindex)
    for fieldname in sorted(pool.fieldnames):
        fieldobj = writer.schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        _TermWriter(fieldwriter, fieldobj.format, slots).write(pool.terms(fieldname))
        fieldwriter.finish_field()
    fieldwriter.close()


class _TermWriter:
    """One field's posting lists and term-table rows, as W3FieldWriter and W3PostingsWriter
    write them (no length statistics: blogtui's codec keeps none)."""

    def __init__(self, fieldwriter: Any, fmt: Any, slots: HashSlots) -> None:
        self.slots = slots
        codec = fieldwriter._codec
        self.blocklimit: int = codec._blocklimit
        self.compression: int = codec._compression
        self.fixed: int | None = fmt.fixed_value_size()
        self.postfile = fieldwriter._postfile
        self.table = fieldwriter._tindex
        self.prefix = USHORT.pack(fieldwriter._fieldid)
        from whoosh.util.numeric import length_to_byte

        self.no_length = (length_to_byte(None), length_to_byte(0))

    def write(self, terms: Iterator[Columns]) -> None:
        """Write each term's posting list and its term-table row (OrderedHashWriter.add's
        work: keys must increase), buffered and with file offsets counted, not asked for."""
        postfile, table, prefix = self.postfile, self.table, self.prefix
        offset, at = postfile.tell(), table.dbfile.tell()
        hashfn = md5_hash if table.hashfn is whoosh_md5_hash() else table.hashfn
        hashes, places = self.slots.hashes, self.slots.positions
        lastkey, no_length = table.lastkey, self.no_length[1]
        postings: list[bytes] = []
        rows: list[bytes] = []  # three parts a row: its lengths, key and value
        starts: list[int] = []
        for btext, ids, weights, values in terms:
            data, total, top = self._postings(ids, weights, values)
            key = prefix + btext
            if key <= lastkey:
                raise ValueError(f"Keys must increase: {lastkey!r}..{key!r}")
            value = VALUE.pack(0, total, len(ids), 0, no_length, top, ids[0], ids[-1],
                                offset, len(data))  # fmt: skip
            postings.append(data)
            rows += (KEY_VALUE_LENGTHS.pack(len(key), VALUE.size), key, value)
            starts.append(at)
            h = hashfn(key)
            hashes[h & 255].append(h)
            places[h & 255].append(at)
            offset += len(data)
            at += ROW_SIZE + len(key)
            lastkey = key
            if len(postings) >= BUFFERED_TERMS:
                postfile.write(b"".join(postings))
                table.dbfile.write(b"".join(rows))
                postings.clear()
                rows.clear()
        postfile.write(b"".join(postings))
        table.dbfile.write(b"".join(rows))
        table.lastkey = lastkey
        extend_index(table.index, starts)

    def _postings(
        self, ids: list[int], weights: list[float], values: list[Any]
    ) -> tuple[bytes, float, float]:
        """A term's posting-list bytes, the sum of its weights and the largest."""
        limit, count = self.blocklimit, len(ids)
        if count == 1:  # most terms: one block of one posting
            return self._lone(ids[0], array("f", weights)[0], values[0])
        if count <= limit:
            block, total, top = self._block(ids, array("f", weights), values, True)
            return MAGIC + block, total, top
        blocks = [
            self._block(ids[at : at + limit], array("f", weights[at : at + limit]),
                        values[at : at + limit], at + limit >= count)
            for at in range(0, count, limit)
        ]  # fmt: skip
        total = sum(block[1] for block in blocks)
        top = max(block[2] for block in blocks)
        return b"".join([MAGIC, *(block[0] for block in blocks)]), total, top

    def _block(
        self, ids: list[int], weights: array[float], values: list[Any], last: bool
    ) -> tuple[bytes, float, float]:
        """One block's bytes, the sum of its weights and the largest."""
        deltas = (ids[0], *map(sub, ids[1:], ids))
        data = dumps((deltas, _mini_weights(weights), self._values(values)), _BLOCK_PROTOCOL)
        comp = self.compression if len(data) >= COMPRESSION_MIN_SIZE else 0
        if comp:
            data = compressed(data, comp)
        top = max(weights)
        minlen, maxlen = self.no_length
        info = dumps((len(ids), ids[-1], top, comp, minlen, maxlen), 2)
        length = len(info) + len(data)
        return INT.pack(-length if last else length) + info + data, sum(weights), top

    def _lone(self, docnum: int, weight: float, value: Any) -> tuple[bytes, float, float]:
        """`_postings` of a term in one document: `_block` with each step's one answer."""
        data = dumps(((docnum,), None if weight == 1.0 else weight, self._values([value])),
                     _BLOCK_PROTOCOL)  # fmt: skip
        comp = self.compression if len(data) >= COMPRESSION_MIN_SIZE else 0
        if comp:
            data = compressed(data, comp)
        minlen, maxlen = self.no_length
        info = dumps((1, docnum, weight, comp, minlen, maxlen), 2)
        length = len(info) + len(data)
        return MAGIC + INT.pack(-length) + info + data, weight, weight

    def _values(self, values: list[Any]) -> Any:
        fixed = self.fixed
        if fixed is None or fixed < 0:
            return tuple(filter(None, values))
        if fixed == 0:
            return None
        return b"".join(filter(None, values))


#: A term-table row's value: the term info (W3's "!BfIBBfII": flags, total weight, doc
#: frequency, min and max length bytes, top weight, first and last docnum), then the
#: posting list's offset and length.
VALUE = struct.Struct("!BfIBBfIIqi")
#: A row's bytes besides its key: the key and value lengths, and the value.
ROW_SIZE = 8 + VALUE.size
#: Terms whose posting lists and rows are joined before they are written.
BUFFERED_TERMS = 512


def compressed(data: bytes, level: int) -> bytes:
    """`zlib.compress(data, level)` in a form a merge can shift docnums in without
    compressing again (merging.py): the block pickle's head up to its first id (the one
    absolute docnum) in a stored deflate block of its own, then the rest compressed on its
    own (no back-reference reaches the head). Any zlib reader reads it; it is 1% bigger."""
    head = first_id_end(data)
    rest = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return b"".join((ZLIB_HEADER, stored_block(data[:head]), rest.compress(data[head:]),
                     rest.flush(), _UINT.pack(zlib.adler32(data))))  # fmt: skip


def stored_block(data: bytes) -> bytes:
    """A non-final stored deflate block holding `data` (under 64 KB)."""
    return STORED + _STORED_LENGTHS.pack(len(data), len(data) ^ 0xFFFF) + data


def first_id_end(data: bytes) -> int:
    """Where the first id of a block's pickled (ids, weights, values) ends: the ids tuple
    comes first, after a MARK if it has over three items; an id is pickled as a 1-, 2- or
    4-byte int."""
    at = 3 if data[2] == _MARK else 2
    return at + _INT_SIZES[data[at]]


#: A zlib stream's header (deflate, 32 KB window; its level field is only advisory) and a
#: stored block's first byte (not final, type 0, padded), then its length and complement.
ZLIB_HEADER, STORED = b"\x78\x01", b"\x00"
_STORED_LENGTHS = struct.Struct("<HH")
#: Pickle's MARK, and the length of its BININT1, BININT2 and BININT opcodes with their ints.
_MARK = 0x28
_INT_SIZES = {0x4B: 2, 0x4D: 3, 0x4A: 5}


def _mini_weights(weights: array[float]) -> Any:
    """Whoosh's minified block weights: None when all 1.0, one float when all equal."""
    count = len(weights)
    if weights.count(1.0) == count:
        return None
    if weights.count(weights[0]) == count:
        return weights[0]
    return tuple(weights)


def md5_hash(key: bytes) -> int:
    """whoosh.filedb.filetables.md5_hash (the low 32 bits of the MD5 digest), without the
    detour through hex."""
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")


def whoosh_md5_hash() -> Any:
    from whoosh.filedb.filetables import md5_hash

    return md5_hash


#: A hash-table slot of a term table: the key's hash and its row's position.
POINTER = struct.Struct("!Iq")


class HashSlots:
    """A term table's hash entries in arrays, by bucket (Whoosh keeps a (hash, position)
    tuple a term: 240 MB at 100,000 posts merged, 2 million terms), and its 256 hash
    tables written from them as HashWriter._write_hashes writes them: installed as the
    table's `_write_hashes`, which its close() calls. Entries Whoosh added itself are
    written too."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.hashes = [array("I") for _ in range(256)]
        self.positions = [array("q") for _ in range(256)]
        table._write_hashes = self.write

    def write(self) -> None:
        """Each table twice as many slots as entries, linear probing from (hash >> 8) %
        slots, (0, 0) empty; one write a table."""
        dbfile, pointer = self.table.dbfile, POINTER
        for hashes, positions, theirs in zip(self.hashes, self.positions, self.table.buckets,
                                             strict=True):  # fmt: skip
            for h, position in theirs:
                hashes.append(h)
                positions.append(position)
            slots = 2 * len(hashes)
            self.table.directory.append((dbfile.tell(), slots))
            slot_hashes, slot_positions = array("I", bytes(4 * slots)), array("q", bytes(8 * slots))
            for h, position in zip(hashes, positions, strict=True):
                slot = (h >> 8) % slots
                while slot_positions[slot]:  # no row starts at 0 (the file's header is there)
                    slot = (slot + 1) % slots
                slot_hashes[slot], slot_positions[slot] = h, position
            dbfile.write(b"".join(map(pointer.pack, slot_hashes, slot_positions)))


def extend_index(index: Any, starts: list[int]) -> None:
    """GrowableArray.extend (the term table's key positions) at once: retyped for the
    largest, as appending them one by one would."""
    if starts:
        index.append(starts[-1])
        index.array.pop()
        index.array.extend(starts)
