"""Plain-word queries answered from the index's files without Whoosh.

A warm `blogtui search WORD` at 10,000 posts spent about a fifth of its time in Whoosh:
importing it (about 35 ms), opening a searcher (the table of contents and schema unpickled,
each segment's readers set up: about 15 ms) and running the query. A query of plain words
(each one indexed term; no field, prefix, phrase, OR or NOT: `simple_terms`) needs none of
it. Per segment, each word's term is looked up in the term table, its posting list read, and
the documents scored by BM25F with the statistics Whoosh's searcher uses: the term's document
frequency, the document count and the field's average length over all segments, deleted
documents included; each document's field length from its length byte.
A word's score is the sum over the fields it is looked up in (as compile.py's OR of Terms),
and words AND together, their scores added. Only the order of those additions can differ
from Whoosh's (its matcher tree is built by estimated sizes), so scores agree to the last
bits of a float, not always in them (tests/test_lookup.py compares the two).

The files are Whoosh's W3 format: the table of contents (`_MAIN_<generation>.toc`, its
segment list a pickle read here with stand-ins for Whoosh's classes, nothing of Whoosh
imported), compound segment files (`<segment>.seg`: a directory of sub-files), the term table
(`.trm`: Whoosh's hash file, keyed by field number and term bytes), posting lists (`.pst`,
as pooling.py writes them) and columns (`._<field>_len.col`, one length byte a document;
`._stored.col`, the stored path). Anything else, or anything that does not parse, raises
`Unreadable`, and the caller asks Whoosh, which also knows how to mend a damaged index.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import struct
import sys
import zlib
from array import array
from collections.abc import Sequence
from itertools import accumulate
from math import log
from pathlib import Path
from typing import Any, ClassVar

from blogtui.model import term_key
from blogtui.search import store
from blogtui.search.analysis import query_terms
from blogtui.search.pooling import INT, KEY_VALUE_LENGTHS, MAGIC, VALUE, md5_hash
from blogtui.search.syntax import And, Node, Word

#: BM25F's parameters, as Whoosh's searcher's default weighting has them.
K1, B = 1.2, 0.75
#: The fields a plain word is looked up in: the analysed text, then the taxonomy keys
#: (compile.py's `_word`).
TEXT_FIELDS = ("title", "body", "authors")
TERM_FIELDS = ("tags", "categories")
_TOC = re.compile(r"_MAIN_(\d+)\.toc\Z")
_DIRECTORY = struct.Struct("!qi")  # a hash table's position and slot count
_POINTER = struct.Struct("!Iq")  # a slot: the key's hash and its position
#: A term info's fixed part (W3TermInfo: flags, weight, doc frequency, lengths, top weight,
#: first and last docnum); pooling.VALUE is it with the posting list's offset and length.
_TERM_INFO = struct.Struct(VALUE.format[:-2])
#: Above this many documents of one segment, its stored values are read at once.
_FEW_PATHS = 64
#: Whoosh's length byte -> length table (whoosh.util.numeric's, from the formula it was
#: made with: importing that module costs 25 ms).
LENGTHS = tuple(round((pow(1.033, n) - 1) * 27) for n in range(256))


class Unreadable(Exception):
    """The index's files are not as this module reads them: ask Whoosh."""


def simple_terms(node: Node | None) -> list[tuple[str, str]] | None:
    """(indexed term, taxonomy key) of each word of a plain-word query; None for any other
    query (or a word that analyses to no term, or to several: a phrase)."""
    words = node.nodes if isinstance(node, And) else (node,)
    found = []
    for word in words:
        if not isinstance(word, Word) or word.prefix:
            return None
        terms = query_terms(word.text)
        if len(terms) != 1:
            return None
        found.append((terms[0], term_key(word.text)))
    return found


class Lookup:
    """The segments of one generation of a Whoosh index folder, read as plain-word queries
    need them (each segment's files opened on first use). Raises Unreadable."""

    def __init__(self, folder: Path) -> None:
        try:  # read only behind the checks Whoosh's storage makes (store.whoosh_storage)
            store.check_private(folder, folder=True)
        except OSError as exc:
            raise Unreadable(str(exc)) from exc
        generations = [int(m.group(1)) for n in _listing(folder) if (m := _TOC.match(n))]
        if not generations:
            raise Unreadable("no table of contents")
        self.toc = folder / f"_MAIN_{max(generations)}.toc"
        self.segments = [_Segment(folder, info) for info in _segments(self.toc)]
        self.doc_count_all = sum(s.doc_count for s in self.segments)

    def rank(self, words: Sequence[tuple[str, str]]) -> list[tuple[str, float]]:
        """(path, score) of every live document holding every word, best first (ties by
        the order Whoosh reports them: by document number)."""
        try:
            scored: dict[tuple[int, int], float] | None = None
            for term, key in words:
                fields = [(f, term) for f in TEXT_FIELDS]
                fields += [(f, key) for f in TERM_FIELDS] if key else []
                found = self._word(fields)
                if scored is None:
                    scored = found
                else:
                    scored = {doc: s + found[doc] for doc, s in scored.items() if doc in found}
            ranked = sorted((scored or {}).items(), key=lambda item: (-item[1], item[0]))
            wanted: dict[int, list[int]] = {}
            for seg, doc in scored or ():
                wanted.setdefault(seg, []).append(doc)
            paths = {
                (seg, doc): path
                for seg, docs in wanted.items()
                for doc, path in zip(docs, self.segments[seg].paths(docs), strict=True)
            }
            return [(paths[doc], score) for doc, score in ranked]
        except (OSError, ValueError, KeyError, IndexError, EOFError, struct.error,
                zlib.error, pickle.UnpicklingError, TypeError) as exc:  # fmt: skip
            raise Unreadable(f"{type(exc).__name__}: {exc}") from exc

    def _word(self, fields: list[tuple[str, str]]) -> dict[tuple[int, int], float]:
        """(segment, docnum) -> the summed BM25F score of one word over its fields."""
        scores: dict[tuple[int, int], float] = {}
        for fieldname, text in fields:
            btext = text.encode("utf-8")
            infos = [segment.term_info(fieldname, btext) for segment in self.segments]
            frequency = sum(info[0] for info in infos if info is not None)
            if not frequency:
                continue
            idf = log(self.doc_count_all / (frequency + 1)) + 1
            total = sum(s.field_lengths.get(fieldname, 0) for s in self.segments)
            average = total / (self.doc_count_all or 1) or 1
            for number, (segment, info) in enumerate(zip(self.segments, infos, strict=True)):
                if info is None:
                    continue
                lengths = segment.lengths(fieldname)
                deleted = segment.deleted
                for docnum, weight in zip(*segment.postings(info), strict=True):
                    if docnum in deleted:
                        continue
                    # (Whoosh: 1 for a segment with no such column)
                    fl = 1 if lengths is None else LENGTHS[lengths[docnum]]
                    score = idf * (weight * (K1 + 1)) / (weight + K1 * (1 - B + B * fl / average))
                    doc = (number, docnum)
                    scores[doc] = scores.get(doc, 0.0) + score
        return scores

    def close(self) -> None:
        for segment in self.segments:
            segment.close()


def _listing(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError as exc:
        raise Unreadable(str(exc)) from exc


class _Stand:
    """What a class of Whoosh's unpickles as here: its instance's attributes, nothing more."""


class _TocUnpickler(pickle.Unpickler):
    """Whoosh's segment list, its classes stood in for (nothing else may be named)."""

    ALLOWED: ClassVar = {("builtins", "set"), ("builtins", "frozenset"), ("builtins", "int"),
               ("builtins", "object"), ("collections", "defaultdict"),
               ("copyreg", "_reconstructor")}  # fmt: skip

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        if module.startswith("whoosh."):
            return _Stand
        raise pickle.UnpicklingError(f"{module}.{name} is not expected in a segment list")


def _segments(toc: Path) -> list[dict[str, Any]]:
    """The attributes of each segment a Whoosh table of contents lists."""
    try:
        data = store.read_private(toc)
    except OSError as exc:
        raise Unreadable(str(exc)) from exc
    stream = io.BytesIO(data)
    try:
        sizes = [_varint(stream) for _ in range(3)]
        if sizes != [4, 8, 4] or INT.unpack(stream.read(4))[0] != -12345:
            raise Unreadable("a table of contents of another machine")
        if INT.unpack(stream.read(4))[0] != -111:  # TOC format version (whoosh.index)
            raise Unreadable("a table of contents of another format")
        for _ in range(3):
            _varint(stream)  # the Whoosh release that wrote it
        stream.seek(_varint(stream), io.SEEK_CUR)  # the pickled schema
        stream.read(8)  # generation, unused
        listed = _TocUnpickler(stream).load()
        found = [vars(segment) for segment in listed]
        if not all({"indexname", "segid", "_doccount"} <= info.keys() for info in found):
            raise KeyError("a segment without its name or document count")
    except (struct.error, EOFError, pickle.UnpicklingError, AttributeError, KeyError,
            TypeError, ValueError, IndexError) as exc:  # fmt: skip
        raise Unreadable(f"table of contents: {type(exc).__name__}: {exc}") from exc
    return found


def _varint(stream: Any) -> int:
    """Whoosh's variable-length unsigned int: 7 bits a byte, low first."""
    shift = value = 0
    while True:
        byte: bytes = stream.read(1)
        if not byte:
            raise EOFError("a short table of contents")
        value |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return value
        shift += 7


class _Segment:
    """One segment's files: term table, posting lists and columns, read with pread."""

    def __init__(self, folder: Path, info: dict[str, Any]) -> None:
        self.name = f"{info['indexname']}_{info['segid']}"
        self.folder = folder
        self.doc_count: int = info["_doccount"]
        self.deleted: frozenset[int] = frozenset(info.get("_deleted") or ())
        self.field_lengths: dict[str, int] = dict(info.get("_fieldlengths") or {})
        self.compound = bool(info.get("compound", False))
        self._fds: dict[str, int] = {}
        self._places: dict[str, tuple[int, int, int]] | None = None  # name -> fd, at, size
        self._terms: tuple[int, int, dict[str, int], list[tuple[int, int]]] | None = None
        self._lengths: dict[str, bytes | None] = {}
        self._stored: tuple[list[int], array[int]] | None = None

    # ---- files ------------------------------------------------------------------------------

    def _fd(self, filename: str) -> int:
        fd = self._fds.get(filename)
        if fd is None:
            fd = self._fds[filename] = store.open_private(self.folder / filename, os.O_RDONLY)
        return fd

    def _place(self, ext: str) -> tuple[int, int, int]:
        """Where a file of the segment is: (fd, offset, size); KeyError if it has none."""
        if self._places is None:
            self._places = {}
            if self.compound:
                fd = self._fd(f"{self.name}.seg")
                position, length = struct.unpack("!qi", os.pread(fd, 12, 0))
                directory = pickle.loads(os.pread(fd, length, position))
                for name, where in directory.items():
                    self._places[name] = (fd, where["offset"], where["length"])
        name = self.name + ext
        if name not in self._places:
            if self.compound:
                raise KeyError(name)
            fd = self._fd(name)
            self._places[name] = (fd, 0, os.fstat(fd).st_size)
        return self._places[name]

    def _read(self, ext: str, offset: int, length: int) -> bytes:
        fd, at, size = self._place(ext)
        if offset < 0 or length < 0 or offset + length > size:
            raise ValueError(f"{ext}: {length} bytes at {offset} of {size}")
        data = os.pread(fd, length, at + offset)
        if len(data) != length:
            raise EOFError(f"{ext} is short")
        return data

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
        self._places = None

    # ---- the term table ---------------------------------------------------------------------

    def _term_table(self) -> tuple[int, int, dict[str, int], list[tuple[int, int]]]:
        """The term table's hash type, size, field numbers and its 256 hash tables."""
        if self._terms is None:
            _fd, _at, size = self._place(".trm")
            head = self._read(".trm", 0, 5)
            if head[:4] != b"HSH3" or head[4] not in (0, 1):
                raise ValueError("not a term table of a known kind")
            (extras_length,) = INT.unpack(self._read(".trm", size - 4, 4))
            extras_at = size - 4 - extras_length
            extras = pickle.loads(self._read(".trm", extras_at, extras_length))
            tables_at = extras_at - 256 * _DIRECTORY.size
            raw = self._read(".trm", tables_at, 256 * _DIRECTORY.size)
            tables = list(_DIRECTORY.iter_unpack(raw))
            self._terms = (head[4], size, dict(extras["fieldmap"]), tables)
        return self._terms

    def term_info(self, fieldname: str, btext: bytes) -> tuple[int, bytes] | None:
        """(doc frequency, the rest of its term info) of a term; None if the segment lacks it."""
        hashtype, _size, fieldmap, tables = self._term_table()
        number = fieldmap.get(fieldname)
        if number is None:
            return None
        key = number.to_bytes(2, "big") + btext
        keyhash = md5_hash(key) if hashtype == 0 else zlib.crc32(key) & 0xFFFFFFFF
        start, slots = tables[keyhash & 255]
        if not slots:
            return None
        slot = (keyhash >> 8) % slots
        for _ in range(slots):
            found_hash, position = _POINTER.unpack(
                self._read(".trm", start + slot * _POINTER.size, _POINTER.size)
            )
            if not position:
                return None
            if found_hash == keyhash:
                key_length, value_length = KEY_VALUE_LENGTHS.unpack(self._read(".trm", position, 8))
                if key_length == len(key):
                    row = self._read(".trm", position + 8, key_length + value_length)
                    if row[:key_length] == key:
                        value = row[key_length:]
                        return _TERM_INFO.unpack_from(value)[2], value
            slot = (slot + 1) % slots
        return None

    # ---- posting lists and columns ----------------------------------------------------------

    def postings(self, info: tuple[int, bytes]) -> tuple[list[int], list[float]]:
        """The docnums and weights of a term's postings."""
        value = info[1]
        flags = value[0]
        if flags:  # inlined in the term table: a pickle of (ids, weights, values)
            inlined_ids, inlined_weights, _values = pickle.loads(value[_TERM_INFO.size :])
            return list(inlined_ids), [float(w) for w in inlined_weights]
        *_info, offset, length = VALUE.unpack(value)
        data = self._read(".pst", offset, length)
        if data[:4] != MAGIC:
            raise ValueError("not a posting list")
        ids: list[int] = []
        weights: list[float] = []
        at, last = 4, False
        while not last:
            (size,) = INT.unpack_from(data, at)
            last, size = size < 0, abs(size)
            block = data[at + 4 : at + 4 + size]
            if len(block) != size:
                raise EOFError("a short posting block")
            stream = io.BytesIO(block)
            count, _maxid, _maxweight, compression, _minlength, _maxlength = pickle.load(stream)
            body = block[stream.tell() :]
            if compression:
                body = zlib.decompress(body)
            deltas, minified, _values = pickle.loads(body)
            ids.extend(accumulate(deltas))
            if minified is None:
                weights.extend([1.0] * count)
            elif isinstance(minified, float):
                weights.extend([minified] * count)
            else:
                weights.extend(minified)
            at += 4 + size
        if len(ids) != len(weights):
            raise ValueError("a posting list's ids and weights differ in number")
        return ids, weights

    def lengths(self, fieldname: str) -> bytes | None:
        """The field's length byte of each document (None when no document has the field);
        the column is cut short when its last documents have none: padded with zeros."""
        if fieldname not in self._lengths:
            ext = f"._{fieldname}_len.col"
            try:
                _fd, _at, size = self._place(ext)
            except (KeyError, FileNotFoundError):
                self._lengths[fieldname] = None
            else:
                column = self._read(ext, 0, min(size, self.doc_count))
                self._lengths[fieldname] = column.ljust(self.doc_count, b"\0")
        return self._lengths[fieldname]

    def paths(self, docnums: list[int]) -> list[str]:
        """The stored paths of documents: each read on its own, or, for many, all of the
        column's values read at once (a word in most posts: one read, not thousands)."""
        ext = "._stored.col"
        if self._stored is None:
            self._stored = self._stored_places(ext)
        starts, lengths = self._stored
        if len(docnums) > _FEW_PATHS:
            end = starts[self.doc_count - 1] + lengths[self.doc_count - 1]
            values = self._read(ext, 0, end)
            pieces = [values[starts[d] : starts[d] + lengths[d]] for d in docnums]
        else:
            pieces = [self._read(ext, starts[d], lengths[d]) for d in docnums]
        paths = [pickle.loads(zlib.decompress(piece))["path"] for piece in pieces]
        if not all(isinstance(path, str) for path in paths):
            raise ValueError("a stored path that is not text")
        return paths

    def _stored_places(self, ext: str) -> tuple[list[int], array[int]]:
        """Where each document's stored fields are in their column (Whoosh's VarBytesColumn:
        the values, their lengths as an array, the offsets too for big segments, then the
        arrays' type codes; the arrays big-endian)."""
        _fd, _at, size = self._place(ext)
        tail = self._read(ext, size - 3, 3)
        offsets = None
        end = size - 1
        if tail[2:] == b"X":  # the offsets were written too
            code, offset_code = chr(tail[0]), chr(tail[1])
            offsets = array(offset_code)
            end = size - 3 - self.doc_count * offsets.itemsize
            offsets.frombytes(self._read(ext, end, size - 3 - end))
        else:
            code = chr(tail[2])
        lengths = array(code)
        start = end - self.doc_count * lengths.itemsize
        lengths.frombytes(self._read(ext, start, end - start))
        if sys.byteorder == "little":
            lengths.byteswap()
            if offsets is not None:
                offsets.byteswap()
        starts = list(offsets) if offsets is not None else [0, *accumulate(lengths)]
        return starts, lengths
