"""The block-level merge of a build's segments: the merged index answers every search as the
unmerged one did, keeps deleted documents deleted, and an interrupted merge changes nothing."""

from __future__ import annotations

import pickle
import re
import shutil
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import query as whoosh_query

from blogtui.search import index as index_module
from blogtui.search import merging, pooling, segments, store, workers
from blogtui.search.index import PostIndex
from blogtui.search.search import search
from tests.conftest import NOW, ROOT, corpus

sys.path.insert(0, str(ROOT / "benchmarks"))
from gen_corpus import generate

#: Queries a reader types, in blogtui's syntax: words, phrases, fields, dates, NOT, OR.
WORDS = ["the", "data", "and", "title:the", "NOT the", "date:2020..2024", "date:>=2023-01-01"]
#: Prefixes are compared as sets of posts: Whoosh scores a constant-score prefix query
#: differently once one segment holds 1024 terms matching it (its Or turns "preloaded"),
#: so its ranking follows the segment sizes, merged or not.
PREFIXES = ["a*", "da*", "title:s*", "t*"]


def built(root: Path, cache: Path, *, merge: bool, background: bool = False) -> PostIndex:
    """`root` indexed by the build workers into several small segments, merged (before
    the refresh returns, or by a process of its own: `background`) or not."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        patch.setattr(index_module, "PARALLEL_MIN", 10)
        patch.setattr(index_module, "BACKGROUND_MERGE", background)
        patch.setattr(workers, "SEGMENT_BYTES", 60_000)  # many segments a worker
        patch.setattr(merging, "MERGE_ABOVE", merging.MERGE_ABOVE if merge else 10**6)
        return PostIndex.open(root, now=NOW)


def whoosh_segments(index: PostIndex) -> list[object]:
    searcher, _paths = index.searcher()
    return [reader.segment() for reader, _base in searcher.reader().leaf_readers()]


def ranked(index: PostIndex, query: str, **filters: object) -> list[tuple[str, float | None]]:
    hits = search(index, query, include_hidden=True, facets=False, **filters).hits  # type: ignore[arg-type]
    return [(hit.post.path, hit.score) for hit in hits]


def assert_same_answers(plain: PostIndex, merged: PostIndex, words: list[str]) -> None:
    for query in words:
        before, after = ranked(plain, query), ranked(merged, query)
        assert [p for p, _ in after] == [p for p, _ in before], query
        assert [s for _, s in after] == pytest.approx([s for _, s in before], rel=1e-6), query
    for query in PREFIXES:
        assert {p for p, _ in ranked(merged, query)} == {p for p, _ in ranked(plain, query)}, query


@pytest.fixture(scope="module")
def generated_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PostIndex, ...]]:
    """A generated archive indexed twice: the segments left as built, and merged."""
    base = tmp_path_factory.mktemp("merging")
    root = generate(base / "blog", 400, seed=5).root
    plain = built(root, base / "plain", merge=False)
    merged = built(root, base / "merged", merge=True)
    yield plain, merged
    plain.close()
    merged.close()


def test_a_build_of_many_segments_is_merged_into_two(generated_pair: tuple[PostIndex, ...]) -> None:
    """One segment from each of the merge's two processes."""
    plain, merged = generated_pair
    assert len(whoosh_segments(plain)) > merging.MERGE_ABOVE
    assert len(whoosh_segments(merged)) == merging.PROCESSES == 2
    assert merged.searcher()[0].doc_count() == plain.searcher()[0].doc_count() == 400


def test_the_merged_index_answers_as_the_unmerged_one(
    generated_pair: tuple[PostIndex, ...],
) -> None:
    plain, merged = generated_pair
    rare = [word for word, _paths in ranked_words(plain)]
    phrases = [phrase_in(full.body) for p in plain.posts()[::50] if (full := plain.post(p.path))]
    assert len(phrases) >= 5 and all(ranked(plain, phrase) for phrase in phrases)
    assert_same_answers(plain, merged, WORDS + rare + phrases)
    for tag in ["python", "rust", "travel"]:
        assert ranked(merged, "", tags=[tag]) == ranked(plain, "", tags=[tag]), tag
    assert ranked(merged, "", sort="date") == ranked(plain, "", sort="date")


def phrase_in(text: str) -> str:
    """A phrase query for three words in a row of `text`."""
    return '"' + " ".join(re.findall(r"[^\W\d_]+", text)[20:23]) + '"'


def ranked_words(index: PostIndex) -> list[tuple[str, int]]:
    """Some body words of the index, from rare to common (each its document frequency)."""
    reader = index.searcher()[0].reader()
    terms = [(t.decode(), reader.doc_frequency("body", t)) for t in reader.lexicon("body")]
    terms = [(t, n) for t, n in terms if t.isalpha()]
    terms.sort(key=lambda item: (item[1], item[0]))
    return terms[:: max(1, len(terms) // 40)]


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        ("hugo-docs", ["template", '"front matter"', "shortcode", "tag:templates", "date:2023"]),
        ("sofastack-blog-zh", ["服务", "注册中心", '"sofa rpc"', "sofa", "date:2019"]),
    ],
)
def test_a_real_corpus_answers_the_same_merged(
    name: str, queries: list[str], tmp_path: Path
) -> None:
    root = corpus(name)
    plain = built(root, tmp_path / "plain", merge=False)
    merged = built(root, tmp_path / "merged", merge=True)
    try:
        assert len(whoosh_segments(plain)) > merging.MERGE_ABOVE
        assert len(whoosh_segments(merged)) == 2
        assert any(ranked(plain, query) for query in queries)
        assert_same_answers(plain, merged, queries + WORDS)
    finally:
        plain.close()
        merged.close()


def test_a_big_build_is_merged_in_the_background(
    generated_pair: tuple[PostIndex, ...], tmp_path: Path
) -> None:
    """The build returns with its segments committed (searchable at once) and a process of
    its own merges them; once it is done the index holds two segments and answers the same."""
    plain, _merged = generated_pair
    root = plain.root
    background = built(root, tmp_path / "cache", merge=True, background=True)
    try:
        assert background.merging is not None
        assert ranked(background, "the") == ranked(plain, "the")  # while it merges, or after
        assert background.merging.wait(timeout=120) == 0
        background.close()
        assert len(whoosh_segments(background)) == 2
        assert_same_answers(plain, background, WORDS)
        assert segments.clean_leftovers(background._storage) == []
    finally:
        background.close()


@pytest.mark.parametrize("change", ["added", "edited"])
def test_a_refresh_during_a_background_merge(
    change: str,
    generated_pair: tuple[PostIndex, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A refresh commits while the merge writes (it holds the merge lock, not the refresh
    lock): its commit spares the files being written, so a new post is kept and the merge
    commits around it; an edit deletes the post's old document from a merged segment, and
    the merge deletes it in the merged one too. The refresh is kept either way, and the
    edited post is found once, at its new text."""
    plain, _merged = generated_pair
    root = tmp_path / "blog"
    shutil.copytree(plain.root, root)
    index = built(root, tmp_path / "cache", merge=False)
    assert index.location is not None
    storage = index._storage
    before = {s.segment_id() for s in storage.open_index()._segments()}
    path = "posts/zq-meanwhile.md" if change == "added" else plain.posts()[5].path
    write = merging._write

    def changed_meanwhile(writer: Any, chosen: list[Any]) -> Any:
        segment = write(writer, chosen)
        with (root / path).open("a", encoding="utf-8") as out:
            out.write("---\ntitle: Meanwhile\n---\n" if change == "added" else "")
            out.write("\nzqmeanwhile\n")
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
            PostIndex.open(root, now=NOW).close()  # another command's refresh commits
        return segment

    monkeypatch.setattr(merging, "_write", changed_meanwhile)
    monkeypatch.setattr(merging, "PROCESSES", 1)
    monkeypatch.setattr(segments, "SMALL_SEGMENT_DOCS", 0)  # (the refresh merges none)
    with store.merge_lock(index.location) as held:  # as background_main holds it
        assert held
        merged = merging.merge(storage.open_index(), before, location=index.location)
    now = {s.segment_id() for s in storage.open_index()._segments()}
    assert merged == len(before) and len(now) == 2  # the merged one and the refresh's
    assert not now & before
    biggest = max(storage.open_index()._segments(), key=lambda s: s.doc_count_all())
    assert biggest.deleted_count() == (change == "edited")  # the edited post's old document
    assert segments.clean_leftovers(storage) == []  # the merge left no files
    index.close()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    again = PostIndex.open(root, now=NOW)
    try:
        assert [hit.post.path for hit in search(again, "zqmeanwhile").hits] == [path]
        assert again.searcher()[0].doc_count() == 400 + (change == "added")
    finally:
        again.close()


def whoosh_folder(index: PostIndex) -> Path:
    assert index.location is not None
    return index.location / store.WHOOSH


def unmerged_copy(plain: PostIndex, tmp_path: Path) -> Path:
    """A copy of `plain`'s Whoosh folder to merge by hand."""
    folder = tmp_path / "whoosh"
    shutil.copytree(whoosh_folder(plain), folder)
    return folder


def unmerged_storage(plain: PostIndex, tmp_path: Path) -> tuple[Any, Any, list[str]]:
    """`unmerged_copy`'s Whoosh storage, its index, and the names of its files."""
    storage = store.whoosh_storage(unmerged_copy(plain, tmp_path))
    return storage, storage.open_index(), sorted(storage.list())


def test_deleted_documents_stay_deleted(
    generated_pair: tuple[PostIndex, ...], tmp_path: Path
) -> None:
    """A segment with deletions is left as it is; the others merge around it."""
    plain, _merged = generated_pair
    ix = store.whoosh_storage(unmerged_copy(plain, tmp_path)).open_index()
    searcher = ix.searcher()
    victims = [searcher.stored_fields(d)["path"] for d in (3, 4, 250)]
    searcher.close()
    writer = segments.open_writer(ix, lock=False)
    for path in victims:
        writer.delete_by_term("path", path)
    writer.commit(merge=False)
    before = ix._segments()
    merged = merging.merge(ix)
    after = ix._segments()
    assert merged == len(before) - sum(s.has_deletions() for s in before) > 1
    assert len(after) == len(before) - merged + 2
    searcher = ix.searcher()
    try:
        live = {searcher.stored_fields(d)["path"] for d in searcher.reader().all_doc_ids()}
        assert searcher.doc_count() == 400 - len(victims)
        assert live.isdisjoint(victims)
        for path in victims:
            assert not list(searcher.documents(path=path))
    finally:
        searcher.close()


def test_an_interrupted_merge_leaves_the_old_index(
    generated_pair: tuple[PostIndex, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage, ix, files = unmerged_storage(generated_pair[0], tmp_path)

    def crash(writer: object, final: object) -> None:
        raise RuntimeError("killed before the commit")

    monkeypatch.setattr(merging, "_commit", crash)
    with pytest.raises(RuntimeError, match="before the commit"):
        merging.merge(ix)
    assert sorted(storage.list()) == files  # the new segment's files are gone again
    assert segments.clean_leftovers(storage) == []
    searcher = storage.open_index().searcher()
    try:
        assert len(searcher.search(whoosh_query.Every(), limit=None)) == 400
    finally:
        searcher.close()


def test_a_full_disk_leaves_the_old_index(
    generated_pair: tuple[PostIndex, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage, ix, files = unmerged_storage(generated_pair[0], tmp_path)

    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(merging, "_copy_postings", full)
    assert merging.merge(ix) == 0
    assert sorted(storage.list()) == files
    assert storage.open_index().doc_count() == 400


def test_a_few_segments_are_left_alone(tmp_path: Path) -> None:
    assert merging.merge_built(object(), [object()] * merging.MERGE_ABOVE) == 0


@pytest.mark.parametrize("form", ["blogtui", "whoosh"])
def test_a_compressed_block_has_its_first_id_shifted(form: str) -> None:
    """Blocks in pooling's form change only in their stored head; Whoosh's own, compressed
    whole, are compressed again; both read back as the block with its ids raised."""
    ids = (40, *range(1, 200))
    data = pickle.dumps((ids, None, tuple(b"v%d" % i for i in ids)), 3)
    stream = pooling.compressed(data, 1) if form == "blogtui" else zlib.compress(data, 1)
    shifted = merging._shifted_stream(stream, 70_000, 1)
    out = pickle.loads(zlib.decompress(shifted))
    assert out[0] == (70_040, *ids[1:]) and out[2] == pickle.loads(data)[2]
    if form == "blogtui":
        assert shifted[-len(stream) + 40 : -4] == stream[-len(stream) + 40 : -4]


def test_segments_written_by_whooshs_own_writer_merge_too(tmp_path: Path) -> None:
    """Whoosh's writer pickles blocks with protocol 2 and compresses them whole."""
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.qparser import QueryParser

    storage = store.whoosh_storage(tmp_path / "whoosh")
    ix = storage.create_index(segments.schema())
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    for part in range(4):
        writer = ix.writer(codec=W3Codec(compression=1))
        for n in range(150):
            body = " ".join(words[(n + k) % len(words)] for k in range(n % 7 + 1))
            writer.add_document(
                path=f"p{part}/{n}.md", body=f"{body} w{part}x{n}", day=20200101 + n
            )
        writer.commit(merge=False)
    copy = tmp_path / "merged"
    shutil.copytree(tmp_path / "whoosh", copy)
    merged_ix = store.whoosh_storage(copy).open_index()
    assert merging.merge(merged_ix) == 4 and len(merged_ix._segments()) == 2
    for text in ["alpha", '"beta gamma"', "w2x17", "day:[20200110 TO 20200120]", "eps*"]:
        answers = []
        for index in (ix, merged_ix):
            with index.searcher() as searcher:
                found = searcher.search(QueryParser("body", ix.schema).parse(text), limit=None)
                answers.append(sorted((hit["path"], round(hit.score, 6)) for hit in found))
        assert answers[0] == answers[1] and answers[0], text


def test_the_two_processes_get_about_as_many_bytes_not_documents() -> None:
    """A build's first segments hold its biggest files (few documents, many bytes): the cut
    follows the bytes of each segment's files, so neither process merges most of them."""

    class Segment:
        def __init__(self, name: str, docs: int) -> None:
            self.name, self.docs = name, docs

        def segment_id(self) -> str:
            return self.name

        def doc_count_all(self) -> int:
            return self.docs

    class Storage:
        def __init__(self) -> None:
            self.sizes = {f"s{i}.seg": 27_000_000 for i in range(8)}

        def list(self) -> list[str]:
            return [*self.sizes, "s1x.seg", "_MAIN_1.toc"]

        def file_length(self, name: str) -> int:
            return self.sizes.get(name, 10**9)

    chosen = [Segment(f"s{i}", 200 * (i + 1) ** 2) for i in range(8)]  # docs grow, bytes do not
    first, second = merging._halves(chosen, Storage())  # type: ignore[arg-type]
    assert len(first) == len(second) == 4


def test_asking_whether_a_merge_runs_creates_nothing(tmp_path: Path) -> None:
    """Every commit asks; only the merge itself makes its lock file."""
    index = tmp_path / "index"
    index.mkdir()
    assert not store.merging(index) and list(index.iterdir()) == []
    with store.merge_lock(index) as held:
        assert held and store.merging(index)
    assert not store.merging(index)
