"""The posting pool of a segment being built, and its write in Whoosh's W3 format, per term.

Whoosh adds a document by asking each field for (term, frequency, weight, value) tuples and
pooling one 5-tuple per posting, then writes the pool through its codec one posting at a
time: on 100,000 posts that is about 70 million postings at ~10 us of Python each. Here the
positional fields (title, body, authors) go from `position_map` into one packed array per
term, `docnum, frequency, positions...` for each document, and at the end each term's list
is written as whole blocks of the bytes Whoosh's W3 codec writes (so its reader reads them
unchanged: same block layout, pickles, compression and term info). The other fields (ids,
tags, dates, front-matter values: a few postings a post) keep Whoosh's own path.

Everything here reaches into Whoosh's writer and codec internals; segments.py is the only
caller.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from collections.abc import Iterator, Mapping
from operator import itemgetter, sub
from pickle import dumps
from typing import Any

#: Whoosh's W3 codec: block header tag, uncompressed size below which zlib is skipped.
_MAGIC = b"W3Bl"
_COMPRESSION_MIN_SIZE = 80
#: Block data is pickled with protocol 3 (Whoosh writes 2): its values are bytes, which
#: protocol 2 spells as a call to codecs.encode each; the reader's `loads` takes either,
#: and the blocks come out 28% smaller and quicker to compress and to read.
_BLOCK_PROTOCOL = 3
_TERM_INFO = struct.Struct("!BfIBBfII")
_INT = struct.Struct("!i")
_UINT = struct.Struct("!I")
_LONG = struct.Struct("!q")
_USHORT = struct.Struct("!H")
_KEY_VALUE_LENGTHS = struct.Struct("!ii")
_ONE_POSITION: dict[int, bytes] = {}
#: Positions whose one-position value is remembered (most postings are one position).
_ONE_POSITION_MEMO = 1 << 16


def encode_positions(positions: Any) -> bytes:
    """The value Whoosh's Positions format stores for `positions` (sorted): the count, then
    a protocol-2 pickle of the list of deltas."""
    if len(positions) == 1:
        return _one_position(positions[0])
    deltas = [positions[0], *map(sub, positions[1:], positions)]
    return _UINT.pack(len(deltas)) + dumps(deltas, 2)


def _one_position(pos: int) -> bytes:
    value = _ONE_POSITION.get(pos)
    if value is None:
        value = _UINT.pack(1) + dumps([pos], 2)
        if pos < _ONE_POSITION_MEMO:
            _ONE_POSITION[pos] = value
    return value


def decode_positions(value: bytes) -> list[int]:
    """The positions of a Positions value (what `encode_positions` wrote)."""
    from pickle import loads

    position, out = 0, []
    for delta in loads(value[_UINT.size :] if value.endswith(b".") else value[4:] + b"."):
        position += delta
        out.append(position)
    return out


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
        self._rows: dict[str, dict[bytes, list[tuple[int, float, bytes | None]]]] = {}
        #: Positional fields fed through `add` too (a merge): their lists may need sorting.
        self._mixed: set[str] = set()

    def add_positions(self, fieldname: str, docnum: int, poses: Mapping[str, list[int]]) -> int:
        """Add one document's terms of a positional field (term -> its positions, sorted);
        the field's length in the document (its number of positions)."""
        terms = self._packed[fieldname]
        length = 0
        for term, where in poses.items():
            n = len(where)
            length += n
            packed = terms.get(term)
            if packed is None:
                packed = terms[term] = array("I")
            packed.append(docnum)
            packed.append(n)
            packed.extend(where)
        if length:
            self.fieldnames.add(fieldname)
        return length

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one (fieldname, term bytes, docnum, weight, value) posting (Whoosh's call)."""
        fieldname, btext, docnum, weight, value = item
        self.fieldnames.add(fieldname)
        if fieldname in self._packed:
            assert value is not None
            where = decode_positions(value)
            packed = self._packed[fieldname].setdefault(btext.decode("utf-8"), array("I"))
            packed.extend((docnum, len(where), *where))
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
            packed = sorted((t.encode("utf-8"), p) for t, p in self._packed[fieldname].items())
            for btext, postings in packed:
                ids, weights, values = unpack(postings, boost)
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
        for terms in self._packed.values():
            terms.clear()
        self._rows.clear()
        self.fieldnames.clear()


#: One term's postings as columns: its bytes, then docnums, weights and values.
Columns = tuple[bytes, list[int], list[float], list[Any]]


def _by_docnum(rows: list[tuple[int, float, Any]]) -> tuple[list[int], list[float], list[Any]]:
    rows.sort(key=itemgetter(0))
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def unpack(packed: array[int], boost: float) -> tuple[list[int], list[float], list[bytes]]:
    """The docnums, weights and values of one term's packed array."""
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    i, end = 0, len(packed)
    while i < end:
        n = packed[i + 1]
        ids.append(packed[i])
        if n == 1:
            weights.append(boost)
            values.append(_one_position(packed[i + 2]))
        else:
            weights.append(n * boost)
            values.append(encode_positions(packed[i + 2 : i + 2 + n]))
        i += 2 + n
    return ids, weights, values


# ---- the write ------------------------------------------------------------------------------


def write_postings(writer: Any) -> None:
    """Write the pool of a Whoosh SegmentWriter (the work of its `_flush_segment`)."""
    writer.perdocwriter.close()
    pool: PostingPool = writer.pool
    fieldwriter = writer.fieldwriter
    for fieldname in sorted(pool.fieldnames):
        fieldobj = writer.schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        _TermWriter(fieldwriter, fieldobj.format).write(pool.terms(fieldname))
        fieldwriter.finish_field()
    fieldwriter.close()


class _TermWriter:
    """One field's posting lists and term-table rows, as W3FieldWriter and W3PostingsWriter
    write them (no length statistics: blogtui's codec keeps none)."""

    def __init__(self, fieldwriter: Any, fmt: Any) -> None:
        codec = fieldwriter._codec
        self.blocklimit: int = codec._blocklimit
        self.compression: int = codec._compression
        self.fixed: int | None = fmt.fixed_value_size()
        self.postfile = fieldwriter._postfile
        self.table = fieldwriter._tindex
        self.prefix = _USHORT.pack(fieldwriter._fieldid)
        from whoosh.util.numeric import length_to_byte

        self.no_length = (length_to_byte(None), length_to_byte(0))

    def write(self, terms: Iterator[Columns]) -> None:
        postfile, table = self.postfile, self.table
        offset = postfile.tell()
        for btext, ids, weights, values in terms:
            data, info = self._postings(ids, weights, values)
            postfile.write(data)
            _add_row(table, self.prefix + btext, info + _LONG.pack(offset) + _INT.pack(len(data)))
            offset += len(data)

    def _postings(
        self, ids: list[int], weights: list[float], values: list[Any]
    ) -> tuple[bytes, bytes]:
        """A term's posting-list bytes and the start of its term info (without the extent)."""
        limit, count = self.blocklimit, len(ids)
        if count <= limit:
            blocks = [self._block(ids, array("f", weights), values, True)]
        else:
            blocks = [
                self._block(ids[at : at + limit], array("f", weights[at : at + limit]),
                            values[at : at + limit], at + limit >= count)
                for at in range(0, count, limit)
            ]  # fmt: skip
        total = sum(block[1] for block in blocks)
        top = max(block[2] for block in blocks)
        # no lengths: the minimum is written as 0, the maximum as the byte of length 0
        info = _TERM_INFO.pack(0, total, count, 0, self.no_length[1], top, ids[0], ids[-1])
        return b"".join([_MAGIC, *(block[0] for block in blocks)]), info

    def _block(
        self, ids: list[int], weights: array[float], values: list[Any], last: bool
    ) -> tuple[bytes, float, float]:
        """One block's bytes, the sum of its weights and the largest."""
        deltas = (ids[0], *map(sub, ids[1:], ids))
        data = dumps((deltas, _mini_weights(weights), self._values(values)), _BLOCK_PROTOCOL)
        comp = self.compression if len(data) >= _COMPRESSION_MIN_SIZE else 0
        if comp:
            data = zlib.compress(data, comp)
        top = max(weights)
        minlen, maxlen = self.no_length
        info = dumps((len(ids), ids[-1], top, comp, minlen, maxlen), 2)
        length = len(info) + len(data)
        return _INT.pack(-length if last else length) + info + data, sum(weights), top

    def _values(self, values: list[Any]) -> Any:
        fixed = self.fixed
        if fixed is None or fixed < 0:
            return tuple(filter(None, values))
        if fixed == 0:
            return None
        return b"".join(filter(None, values))


def _mini_weights(weights: array[float]) -> Any:
    """Whoosh's minified block weights: None when all 1.0, one float when all equal."""
    count = len(weights)
    if weights.count(1.0) == count:
        return None
    if weights.count(weights[0]) == count:
        return weights[0]
    return tuple(weights)


def _add_row(table: Any, key: bytes, value: bytes) -> None:
    """OrderedHashWriter.add: one term-table row (keys must increase)."""
    if key <= table.lastkey:
        raise ValueError(f"Keys must increase: {table.lastkey!r}..{key!r}")
    dbfile = table.dbfile
    pos = dbfile.tell()
    table.index.append(pos)
    dbfile.write(_KEY_VALUE_LENGTHS.pack(len(key), len(value)) + key + value)
    h = table.hashfn(key)
    table.buckets[h & 255].append((h, pos))
    table.lastkey = key
