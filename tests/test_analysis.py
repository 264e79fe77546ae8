"""One tokenizer: what indexing stores, what a query looks for and what a snippet marks agree."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from blogtui.search.analysis import (
    TOKEN,
    heads_of,
    position_map,
    query_terms,
    term_spans,
    tokens,
)
from blogtui.search.segments import Analyzer
from blogtui.search.syntax import parse

_WORDS = st.sampled_from(
    ["try", "trying", "Using", "dying", "lies", "skies", "the", "A", "I", "running", "runs",
     "Café", "naïve", "x86", "e2e", "go", "news", "GENTLY", "ugly", "owing", "ties", "aed"]
)  # fmt: skip
_CJK = st.text(alphabet="分布式数据库系统한국어カタカナ", min_size=1, max_size=6)
_GAPS = st.sampled_from([" ", "  ", "\n", ", ", ". ", "-", "_", "'", "—", "\t", "(", ")"])
#: Text shaped like prose: words, CJK runs and odd characters between gaps.
TEXTS = st.lists(
    st.one_of(_WORDS, _CJK, st.text(max_size=6), st.from_regex(r"[a-z]{2,9}", fullmatch=True)),
    max_size=20,
).flatmap(lambda parts: st.lists(_GAPS, min_size=len(parts), max_size=len(parts)).map(
    lambda gaps: "".join(p + g for p, g in zip(parts, gaps, strict=True))
))  # fmt: skip
SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(TEXTS)
@example("I try hard, trying again; dying and tying. 分布式数据库")
def test_indexing_stores_the_tokens_analysis_gives(text: str) -> None:
    expected: dict[str, list[int]] = {}
    for token in tokens(text):
        expected.setdefault(token.term, []).append(token.pos)
    assert position_map(text) == {term: sorted(p) for term, p in expected.items()}


@SETTINGS
@given(TEXTS)
def test_the_whoosh_analyzer_yields_the_same_tokens(text: str) -> None:
    ours = [(t.term, t.pos, t.start, t.end) for t in tokens(text)]
    analysed = Analyzer()(text, positions=True, chars=True)
    assert [(t.text, t.pos, t.startchar, t.endchar) for t in analysed] == ours


@SETTINGS
@given(TEXTS)
def test_highlighting_sees_every_indexed_term_where_it_is(text: str) -> None:
    ours = sorted((t.term, t.start, t.end) for t in tokens(text))
    assert sorted(term_spans(text)) == ours
    for term, start, end in ours:  # the unstemmed-word shortcut never drops a wanted term
        kept = set(term_spans(text, heads_of([term])))
        assert (term, start, end) in kept, (term, text[start:end])


@SETTINGS
@given(TEXTS, st.data())
def test_a_phrase_copied_from_a_text_matches_it(text: str, data: st.DataObject) -> None:
    """The terms a query looks for sit at the positions the index gave them, in order."""
    bounds = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
    if not bounds:
        return
    first = data.draw(st.integers(0, len(bounds) - 1))
    last = data.draw(st.integers(first, len(bounds) - 1))
    phrase = text[bounds[first][0] : bounds[last][1]]
    wanted = [(t.term, t.pos) for t in tokens(phrase, query=True)]
    assert [term for term, _pos in wanted] == query_terms(phrase)
    if not wanted:
        return
    indexed = position_map(text)
    starts = {p - wanted[0][1] for p in indexed.get(wanted[0][0], [])}
    assert any(all(o + pos in indexed.get(term, []) for term, pos in wanted) for o in starts)


@given(st.sampled_from(["try", "using", "dying", "skies", "Café", "running", "tr*", "new*"]))
def test_snippets_mark_what_a_query_matches(word: str) -> None:
    from blogtui.search.search import _marks, _wanted

    text = "We try, trying; using it. Dying skies. Café runners running. New news."
    wanted = _wanted(parse(word), title_only=False)
    marked = [text[a:b].lower() for a, b in _marks(text, wanted)]
    assert marked, word
    if not word.endswith("*"):
        assert all(query_terms(m) == query_terms(word) for m in marked)
