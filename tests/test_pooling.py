"""blogtui's posting writer makes the index Whoosh's own writer would: same postings, same ranks."""

from __future__ import annotations

from array import array
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import QueryParser

from blogtui.model import Post
from blogtui.search import pooling, segments

_WORDS = ["deploy", "deploying", "the", "a", "I", "Café", "3.7.2", "k8s.io/api", "snake_case"]
_CJK = ["分布式数据库", "系统", "한국어", "カタカナ"]


def _posts(count: int) -> list[Post]:
    """Posts whose words repeat across many of them (so some terms fill several blocks)."""
    posts = []
    for n in range(count):
        words = [_WORDS[(n * 7 + i) % len(_WORDS)] for i in range(n % 23 + 1)]
        body = " ".join(words) + f" unique{n} common common " + _CJK[n % len(_CJK)]
        if n % 5 == 0:
            body += " \U0001f469\u200d\U0001f4bb re\u0301sume\u0301"
        title, tags, authors = f"Post {n} {words[0]}", ("go", "rust")[: n % 3], ("Ann Lee",)
        posts.append(
            Post(path=f"p{n}.md", title=title, slug=f"p{n}", body=body, tags=tags, authors=authors)
        )
    return posts


def _index(posts: list[Post], ours: bool, batches: int = 1) -> Any:
    ix = RamStorage().create_index(segments.schema())
    for batch in range(batches):
        writer = segments.open_writer(ix) if ours else ix.writer()
        for post in posts[batch::batches]:
            if ours:
                segments.add_post(writer, post)
            else:
                writer.add_document(**segments.document(post))
        writer.commit(mergetype=segments.merge_small)
    return ix


def _contents(ix: Any, by_path: bool = False) -> tuple[list[Any], list[Any]]:
    """Every term's postings (path, weight, value bytes) and term info, and the field
    lengths; `by_path` sorts the postings by path (documents numbered in another order)."""
    with ix.reader() as reader:
        paths = {docnum: fields["path"] for docnum, fields in reader.iter_docs()}
        postings = []
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            rows = []
            while matcher.is_active():
                rows.append((paths[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            if by_path:
                rows.sort()
            info = reader.term_info(fieldname, text)
            postings.append((fieldname, text, info.weight(), info.doc_frequency(), rows))
        lengths = [
            (paths[d], name, reader.doc_field_length(d, name))
            for d in paths
            for name in segments.POSITIONAL
        ]
    return postings, sorted(lengths) if by_path else lengths


@pytest.fixture(scope="module")
def both() -> tuple[Any, Any]:
    posts = _posts(300)  # `common` is in every post: 3 blocks of 128
    return _index(posts, ours=False), _index(posts, ours=True)


def test_every_term_has_the_postings_whooshs_writer_gives(both: tuple[Any, Any]) -> None:
    theirs, ours = both
    assert _contents(ours) == _contents(theirs)


@pytest.mark.parametrize("query", ["common", '"deploy the"', "分布", '"3.7.2"', "title:post"])
def test_queries_find_and_rank_as_with_whooshs_writer(both: tuple[Any, Any], query: str) -> None:
    ranked = []
    for ix in both:
        with ix.searcher() as searcher:
            parsed = QueryParser("body", ix.schema).parse(query)
            ranked.append([(hit["path"], round(hit.score, 9)) for hit in searcher.search(parsed)])
    assert ranked[0] and ranked[0] == ranked[1]


def test_a_term_table_past_64_kb_is_whooshs(both: tuple[Any, Any]) -> None:
    """Thousands of terms: the table's key positions outgrow 16 bits (its index is retyped)."""
    posts = [
        Post(path=f"w{n}.md", title=f"W {n}", slug=f"w{n}", body=" ".join(
            f"word{n}x{i} shared{i % 7}" for i in range(120)))
        for n in range(60)
    ]  # fmt: skip
    ours = _index(posts, ours=True)
    assert _contents(ours) == _contents(_index(posts, ours=False))
    with ours.reader() as reader:
        assert len(list(reader.all_terms())) > 7000


def test_merged_segments_keep_every_posting(both: tuple[Any, Any]) -> None:
    """Small segments merged by blogtui's writer (postings fed back one by one, out of
    docnum order) hold what one Whoosh writer gives."""
    posts = _posts(120)
    merged = _index(posts, ours=True, batches=segments.SMALL_SEGMENTS_TO_MERGE + 1)
    assert len(merged._segments()) < segments.SMALL_SEGMENTS_TO_MERGE + 1
    assert _contents(merged, True) == _contents(_index(posts, ours=False), True)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6).flatmap(lambda most: st.lists(
        st.lists(st.integers(0, 70_000), min_size=1, max_size=most, unique=True), max_size=30)),
    st.sampled_from([1.0, 1.5, 3.0]),
)  # fmt: skip
@example([[5], [70_000], [0]], 1.5)  # every posting one position: the columns shortcut
def test_packed_postings_unpack_to_the_format_values(
    postings: list[list[int]], boost: float
) -> None:
    packed = array("q")  # `docnum << 32 | position` a position, as analysis.pool_positions adds
    for docnum, where in enumerate(postings):
        packed.extend((docnum * 3) << 32 | pos for pos in sorted(where))
    ids, weights, values = pooling.unpack(packed, boost)
    assert ids == [docnum * 3 for docnum in range(len(postings))]
    assert weights == [len(where) * boost for where in postings]
    fmt = segments.schema()["body"].format
    assert values == [fmt.encode(sorted(where)) for where in postings]
    assert [fmt.decode_positions(value) for value in values] == [sorted(w) for w in postings]
    assert [fmt.decode_frequency(value) for value in values] == [len(w) for w in postings]


def test_the_term_table_hash_is_whooshs() -> None:
    from whoosh.filedb.filetables import md5_hash

    for key in [b"", b"\x00\x01body", "分布".encode(), bytes(range(256))]:
        assert pooling.md5_hash(key) == md5_hash(key)
