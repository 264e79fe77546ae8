"""Whoosh's side of the index: the schema, a lean segment writer, documents and merging.

Everything here touches Whoosh, and the few private Whoosh methods blogtui relies on are
called in one place only (the "Whoosh internals" section at the end), so a Whoosh upgrade
has one section to check, besides the modules that read or write Whoosh's files themselves:
pooling.py (posting blocks), merging.py (a build's segments merged block by block, and
committed through Whoosh's table of contents), postings.py and related.py (reading), and
blogtui/search/__init__.py, which defers one Whoosh import.
Whoosh is imported inside the functions: opening an index that needs no writing never
loads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from blogtui.folding import same_name
from blogtui.model import Post, term_key
from blogtui.search import fm, pooling, store
from blogtui.search.analysis import position_map, tokens

#: Memory each Whoosh writer may use for its posting pool before spilling to disk.
LIMIT_MB = 64
#: The positional text fields and their boosts: their postings skip Whoosh's per-posting
#: path (postings.py); the others go through it.
POSITIONAL = {"title": 3.0, "body": 1.0, "authors": 1.5}
#: Segments under this many documents count as small; this many small ones get merged.
SMALL_SEGMENT_DOCS = 200
SMALL_SEGMENTS_TO_MERGE = 8


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
    """A Whoosh Positions format whose word_values skips the per-token generator chain and
    whose values are pooling's (positions as 32-bit words, no pickle)."""
    from whoosh.formats import Positions

    class _FastPositions(Positions):
        def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
            boost = self.field_boost
            for word, poslist in position_map(value).items():
                yield word, len(poslist), len(poslist) * boost, self.encode(poslist)

        def encode(self, poslist: Any) -> bytes:
            return pooling.encode_positions(poslist)

        def decode_positions(self, valuestring: bytes) -> list[int]:
            return pooling.decode_positions(valuestring)

        def decode_frequency(self, valuestring: bytes) -> int:
            return len(valuestring) // 4

        def decode_weight(self, valuestring: bytes) -> float:
            return len(valuestring) // 4 * self.field_boost

    _FastPositions.__qualname__ = _FastPositions.__name__
    _FastPositions.__module__ = __name__
    return _FastPositions


def __getattr__(name: str) -> Any:
    """Build whoosh-derived classes on first use, so importing this module stays cheap.

    Pickled schemas name `blogtui.search.segments._FastPositions`; this makes unpickling
    find it.
    """
    if name == "_FastPositions":
        cls = _define_fast_positions()
        globals()[name] = cls
        return cls
    raise AttributeError(name)


def schema() -> Any:
    """The Whoosh schema of a new index."""
    from whoosh import fields
    from whoosh.analysis.tokenizers import RegexTokenizer

    analyzer = Analyzer()
    fast = globals().get("_FastPositions") or __getattr__("_FastPositions")
    lines = RegexTokenizer(r"[^\n]+")

    def text(name: str) -> Any:
        spec = fields.TEXT(analyzer=analyzer, field_boost=POSITIONAL[name])
        spec.format = fast(field_boost=POSITIONAL[name])
        return spec

    return fields.Schema(
        path=fields.ID(stored=True, unique=True),
        pathkey=fields.ID(),
        title=text("title"),
        body=text("body"),
        authors=text("authors"),
        tags=fields.TEXT(analyzer=lines, phrase=False, field_boost=2.0),
        categories=fields.TEXT(analyzer=lines, phrase=False, field_boost=1.5),
        lang=fields.ID(),
        draft=fields.ID(),
        day=fields.NUMERIC(int, bits=32),
        fm=fields.TEXT(analyzer=lines, phrase=False),  # front-matter values (search/fm.py)
    )


def document(post: Post) -> dict[str, Any]:
    """The Whoosh document of a post (its fields as `schema` names them)."""
    doc: dict[str, Any] = {
        "path": post.path,
        "pathkey": same_name(post.path),
        "title": post.title,
        "body": f"{post.body}\n\n{post.prose}" if post.prose else post.body,
        "authors": " ".join(post.authors),
        "tags": "\n".join(term_key(t) for t in post.tags),
        "categories": "\n".join(term_key(c) for c in post.categories),
        "lang": (post.lang or "").lower(),
        "draft": "yes" if post.draft else "no",
        "fm": fm.document_terms(post.params),
    }
    if post.date is not None:
        day = post.date.day
        doc["day"] = day.year * 10000 + day.month * 100 + day.day
    return doc


def merge_small(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy: drop segments whose every document is deleted, rewrite those that are
    mostly deletions, and fold the small segments that edits leave behind into the new one
    once there are several; never touch the big, live ones. Whoosh's own policy once merged
    a whole 50,000-post index during a one-post refresh (1.4 GB, a minute), and no policy
    at all let rewrites of a whole archive grow its index fivefold with deleted documents.

    A segment is rewritten once over a third of it is deleted, so deleted documents never
    make up more than a third of any segment: the index stays within 1.5x of a fresh build.
    """
    from whoosh import reading

    readers: Any = reading  # whoosh's functions are untyped
    live = [s for s in segments if s.doc_count() > 0]
    small = [s for s in live if s.doc_count_all() < SMALL_SEGMENT_DOCS]
    stale = [s for s in live if s not in small and _mostly_deleted(s)]
    merging = (small if len(small) >= SMALL_SEGMENTS_TO_MERGE else []) + stale
    for segment in merging:
        reader = readers.SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in live if s not in merging]


def _mostly_deleted(segment: Any) -> bool:
    """Over a third of the segment's documents are deleted."""
    total: int = segment.doc_count_all()
    deleted: int = total - segment.doc_count()
    return 3 * deleted > total


def clean_leftovers(storage: Any, *, spare_merge: bool = True) -> list[str]:
    """Delete the files the index's current table of contents does not name (what a write
    that failed midway, say on a full disk, left behind); the names deleted. While a merge
    runs in the background (`store.merging`) the segment files are spared, the ones it is
    writing among them, unless `spare_merge` is false (the merge cleaning up after itself)."""
    from whoosh import index

    toc: Any = index.TOC  # whoosh's classes are untyped
    try:
        ix = storage.open_index()
        current = toc._filename(ix.indexname, ix.latest_generation())
        names = {s.segment_id() for s in ix._segments()}
    except Exception:  # whoosh raises many kinds; no readable TOC: the next open rebuilds the index
        return []
    pattern = toc._segment_pattern(ix.indexname)
    spared = spare_merge and _merge_running(storage)
    removed = []
    for filename in storage.list():
        match = pattern.match(filename)
        if filename == current or (match is not None and (spared or match.group(1) in names)):
            continue
        storage.delete_file(filename)
        removed.append(filename)
    return removed


# --------------------------------------------------------------------------------------------
# Whoosh internals: the only code that calls Whoosh's private writer methods. Build workers
# write segments without the index lock and hand them to the parent, which commits them
# together with its own deletions (Whoosh has no public API for either).


def open_writer(ix: Any, *, lock: bool = True, spare_merge: bool = True, **kwargs: Any) -> Any:
    """A segment writer with a leaner codec and blogtui's posting pool (postings.py).

    The codec keeps no per-block length statistics (they only tighten score bounds for top-N
    pruning, which blogtui never uses: it ranks every hit) and compresses blocks cheaply.
    `lock=False` is for build workers, whose parent holds Whoosh's write lock for them.
    Its commit deletes the files its table of contents does not name, as Whoosh's does,
    but spares the segment files while a merge runs in the background (the merge's own
    writer, `spare_merge=False`, does not).
    """
    from whoosh import writing
    from whoosh.codec import whoosh3

    codecs: Any = whoosh3  # whoosh's functions are untyped
    codec = codecs.W3Codec(compression=1)
    codec.length_stats = False
    if lock:
        writer = ix.writer(limitmb=LIMIT_MB, codec=codec, **kwargs)
    else:
        writers: Any = writing  # whoosh's functions are untyped
        writer = writers.SegmentWriter(ix, _lk=False, limitmb=LIMIT_MB, codec=codec, **kwargs)
    writer.pool.cleanup()
    writer.pool = pooling.PostingPool(POSITIONAL)
    writer._flush_segment = lambda: pooling.write_postings(writer)
    writer._commit_toc = lambda final: _commit_toc(writer, final, spare_merge)
    return writer


def _commit_toc(writer: Any, final: list[Any], spare_merge: bool) -> None:
    """SegmentWriter._commit_toc: write the table of contents naming `final`, then delete
    the older ones and the files of segments it does not name (but see `open_writer`)."""
    from whoosh import index

    whoosh_index: Any = index  # whoosh's functions are untyped
    whoosh_index.TOC(writer.schema, final, writer.generation).write(
        writer.storage, writer.indexname
    )
    kept = final
    if spare_merge and _merge_running(writer.storage):
        pattern = whoosh_index.TOC._segment_pattern(writer.indexname)
        names = {m.group(1) for n in writer.storage.list() if (m := pattern.match(n))}
        kept = [*final, *map(_Named, names)]
    whoosh_index.clean_files(writer.storage, writer.indexname, writer.generation, kept)


class _Named:
    """A segment by its id alone, for whoosh.index.clean_files, which asks no more."""

    def __init__(self, segment_id: str) -> None:
        self._id = segment_id

    def segment_id(self) -> str:
        return self._id


def _merge_running(storage: Any) -> bool:
    """Whether a merge runs in the background on the index whose Whoosh folder `storage`
    is (the index's location is its parent)."""
    folder = getattr(storage, "folder", None)
    return folder is not None and store.merging(Path(folder).parent)


def add_post(writer: Any, post: Post) -> None:
    """Add `post` to a writer from `open_writer`: Whoosh's SegmentWriter.add_document, with
    the positional fields analysed once and pooled per term (no per-posting tuples)."""
    doc = document(post)
    writer._check_state()
    perdoc, schema, docnum, pool = writer.perdocwriter, writer.schema, writer.docnum, writer.pool
    perdoc.start_doc(docnum)
    for name in sorted(doc):
        value, field = doc[name], schema[name]
        if name in POSITIONAL:
            length = pool.add_positions(name, docnum, value)
        else:
            length = 0
            for btext, freq, weight, vbytes in field.index(value):
                length += freq if field.scorable else 0
                pool.add((name, btext, docnum, weight, vbytes))
        perdoc.add_field(name, field, value if field.stored else None, length)
    perdoc.finish_doc()
    writer._added = True
    writer.docnum += 1


def finish_segment(writer: Any) -> Any | None:
    """Write out an unlocked writer's segment and return it (None when it holds nothing)."""
    if writer._added:
        return writer._finalize_segment()
    writer._close_segment()
    return None


def commit_with(writer: Any, segments: list[Any]) -> None:
    """Commit `writer`'s deletions and documents together with segments built by workers."""
    final = writer._merge_segments(merge_small, False, False)
    segment = finish_segment(writer)
    if segment is not None:
        final.append(segment)
    writer._commit_toc(final + segments)
    writer._finish()
