"""One tokenizer: what indexing stores, what a query looks for and what a snippet marks agree."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from blogtui.folding import MARKS, fold
from blogtui.model import term_key
from blogtui.search.analysis import (
    TOKEN,
    heads_of,
    lone_compound,
    pool_positions,
    position_map,
    query_terms,
    term_spans,
    tokens,
)
from blogtui.search.segments import Analyzer
from blogtui.search.syntax import parse

_WORDS = st.sampled_from(
    ["try", "trying", "Using", "dying", "lies", "skies", "the", "A", "I", "running", "runs",
     "Café", "naïve", "x86", "e2e", "go", "news", "GENTLY", "ugly", "owing", "ties", "aed",
     "3.7.2", "1.94.1", "k8s.io/api", "jekyll-4-4-1", "snake_case", "e.g", "C", "R",
     "re\u0301sume\u0301", "हिन्दी", "pass\u200bword", "\U0001f469\u200d\U0001f4bb", "İstanbul",
     "Straße", "ΟΔΟΣ", "שָׁלוֹם", "\u200b", "\u0301", "a" * 70 + ".b"]
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
@example("Rust 1.94.1 and k8s.io/api, jekyll-4-4-1; re\u0301sume\u0301 pass\u200bword C R")
@example("Plain latin: Café naïve 3.7.2, e.g. snake_case x86--a. The end.")
def test_indexing_stores_the_tokens_analysis_gives(text: str) -> None:
    expected: dict[str, list[int]] = {}
    for token in tokens(text):
        expected.setdefault(token.term, []).append(token.pos)
    assert position_map(text) == {term: sorted(p) for term, p in expected.items()}


@SETTINGS
@given(st.lists(TEXTS, min_size=1, max_size=4))
@example(["k8s.io/api 3.7.2 the the", "分布式 and the"])
def test_a_build_pools_what_position_map_gives(texts: list[str]) -> None:
    """Documents pooled straight into a segment's term arrays (`docnum << 32 | position`
    keys) hold each document's `position_map`, and the field length counts its entries."""
    from array import array

    pool: dict[str, array[int]] = {}
    arrays: dict[str, array[int]] = {}
    for docnum, text in enumerate(texts):
        length = pool_positions(text, pool, docnum << 32, arrays)
        assert length == sum(map(len, position_map(text).values()))
    for docnum, text in enumerate(texts):
        mine = {term: [key & 0xFFFFFFFF for key in keys if key >> 32 == docnum]
                for term, keys in pool.items()}  # fmt: skip
        assert {term: where for term, where in mine.items() if where} == position_map(text)
    assert all(list(keys) == sorted(keys) for keys in pool.values())


@SETTINGS
@given(st.one_of(TEXTS, st.text(alphabet=st.characters(max_codepoint=127)), st.text()))
@example("a.b_c-d/e f..g --h 3.7.2 _x_ e.g. k8s.io/api")
@example("Café — naïve “quotes” Straße ΟΔΟΣ İstanbul 3.7.2")
def test_text_is_tokenised_as_the_full_rules_do(text: str) -> None:
    """The pattern picked for a text (the quick one when it holds none of TOKEN's special
    characters: ASCII, most latin prose) finds TOKEN's matches, groups and all."""
    from blogtui.search.analysis import _token

    fast = [(m.span(), m.groups()) for m in _token(text).finditer(text)]
    assert fast == [(m.span(), m.groups()) for m in TOKEN.finditer(text)]
    whole, quick = TOKEN.fullmatch(text.strip()), _token(text).fullmatch(text.strip())
    assert (whole and whole.groups()) == (quick and quick.groups())


@SETTINGS
@given(st.one_of(TEXTS, st.text()))
@example("naïve e\u0301te\u0301 हिन्दी k8s.io/api " + "a" * 40 + " 分布式")
def test_the_tokenizer_matches_as_the_pattern_its_fingerprint_names(text: str) -> None:
    """TOKEN takes each run of a word atomically; the pattern the index fingerprint was
    made from (nested quantifiers: a failing fullmatch took exponential time) finds the
    same tokens, so no index needs rebuilding."""
    import re

    from blogtui.search.analysis import _WORD, _WORD_AS_FINGERPRINTED

    first = re.compile(TOKEN.pattern.replace(_WORD, _WORD_AS_FINGERPRINTED))
    groups = [(m.span(), m.groups()) for m in TOKEN.finditer(text)]
    assert groups == [(m.span(), m.groups()) for m in first.finditer(text)]


def test_a_failing_whole_match_takes_no_time() -> None:
    """`lone_compound` fullmatches a query: a long word before one that fails it."""
    import time

    started = time.perf_counter()
    assert lone_compound("a" * 200 + " 分布式") == ""
    assert TOKEN.fullmatch("e\u0301" * 100 + "b" * 100 + "!") is None
    assert time.perf_counter() - started < 10.0  # (2^200 steps, were it exponential)


@SETTINGS
@given(st.one_of(TEXTS, st.text()))
@example("\u2e80")
@example("\u2e7f\u2fe0 \U0001f1e5\U0001f1e6 \U0001fb00 \u00a9")
def test_special_characters_are_found_by_their_ranges(text: str) -> None:
    """The range lookup that picks the full rules agrees with the character class itself."""
    import re

    from blogtui.search.analysis import _SPECIAL, _needs_full_rules

    assert _needs_full_rules(text) == (re.search(f"[{_SPECIAL}]", text) is not None)


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
        prefix = term[: max(1, len(term) // 2)]  # nor a term a prefix query wants
        wanted = {span for span in ours if span[0].startswith(prefix)}
        assert wanted <= set(term_spans(text, heads_of([prefix]))), prefix


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


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Jekyll 3.7.2", [("jekyl", 0), ("3.7.2", 1), ("3", 1), ("7", 2), ("2", 3)]),
        ("k8s.io/api", [("k8s.io/api", 0), ("k8s", 0), ("io", 1), ("api", 2)]),
        ("C and R, Go 1", [("c", 0), ("and", 1), ("r", 2), ("go", 3), ("1", 4)]),
        ("the end.", [("the", 0), ("end", 1)]),
    ],
)
def test_compounds_one_letter_and_stop_words_are_indexed(
    text: str, terms: list[tuple[str, int]]
) -> None:
    assert [(t.term, t.pos) for t in tokens(text)] == terms


def test_a_query_phrase_goes_through_a_compound_by_its_parts() -> None:
    assert query_terms("Rust 1.94.1") == ["rust", "1", "94", "1"]
    assert lone_compound("1.94.1") == "1.94.1"
    assert lone_compound("rust 1.94.1") == ""


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("re\u0301sume\u0301", "résumé"),  # finding 15: NFD accents do not split the word
        ("re\u0301sume\u0301", "resume"),
        ("हिन्दी", "हिन्दी"),  # marks that spell the letters stay inside the word
        ("שָׁלוֹם", "שלום"),  # vowel points are optional
        ("مَرْحَبًا", "مرحبا"),
        ("pass\u200bword", "password"),  # finding 16: zero-width characters ignored
        ("İstanbul", "istanbul"),  # one folding: Turkish dotted capital I, ß, final sigma
        ("Straße", "strasse"),
        ("ὁδός", "ΟΔΟΣ"),
    ],
)
def test_words_match_across_unicode_forms(written: str, typed: str) -> None:
    assert query_terms(written) == query_terms(typed) != []
    assert len(query_terms(written)) == 1


def test_a_zwj_sequence_is_one_symbol_not_its_parts() -> None:
    joined, apart = "\U0001f469\u200d\U0001f4bb", "\U0001f469\U0001f4bb"
    assert query_terms(joined) == [joined]
    assert query_terms(apart) == ["\U0001f469", "\U0001f4bb"]
    assert fold(joined) == joined and fold("pass\u200dword") == "password"


def test_taxonomy_terms_fold_as_words_do() -> None:
    assert term_key("İstanbul") == term_key("istanbul") == "istanbul"
    assert term_key("Émoji") == term_key("emoji")
    assert term_key("\U0001f469\u200d\U0001f4bb") != term_key("\U0001f469\U0001f4bb")


def test_the_mark_class_holds_every_combining_mark_of_this_python() -> None:
    """MARKS is generated; if a newer Unicode adds marks, regenerate it (folding.py says how)."""
    import re
    import sys
    import unicodedata

    marks = re.compile(f"[{MARKS}]")
    missing = [
        hex(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me") and not marks.match(chr(c))
    ]
    assert not missing, f"Unicode {unicodedata.unidata_version} marks missing: {missing[:10]}"
