"""blogtui's posting writer makes the index Whoosh's own writer would: same postings, same ranks."""

from __future__ import annotations

from typing import Any

import pytest
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import QueryParser

from blogtui.model import Post
from blogtui.search import segments

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


def _index(posts: list[Post], ours: bool) -> Any:
    ix = RamStorage().create_index(segments.schema())
    writer = segments.open_writer(ix) if ours else ix.writer()
    for post in posts:
        if ours:
            segments.add_post(writer, post)
        else:
            writer.add_document(**segments.document(post))
    writer.commit()
    return ix


def _contents(ix: Any) -> tuple[list[Any], list[Any]]:
    with ix.reader() as reader:
        paths = {docnum: fields["path"] for docnum, fields in reader.iter_docs()}
        postings = []
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            rows = []
            while matcher.is_active():
                rows.append((paths[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            info = reader.term_info(fieldname, text)
            postings.append((fieldname, text, info.weight(), info.doc_frequency(), rows))
        lengths = [
            (paths[d], name, reader.doc_field_length(d, name))
            for d in paths
            for name in segments.POSITIONAL
        ]
    return postings, lengths


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
