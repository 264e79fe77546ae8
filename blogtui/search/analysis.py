"""Text analysis: the one tokenizer that indexing, querying and highlighting share.

One pass does tokenising, lowercasing, accent folding, stop words, stemming and CJK bigrams.
Whoosh never analyses text itself: the index is fed `position_map`, queries are built from
`tokens(..., query=True)` and snippets are marked with `term_spans`, so all three agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

_CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
#: A run of CJK characters (group 1) or a word of letters and digits in any other script.
TOKEN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
_TERMS: dict[str, str] = {}
_STEM: Callable[[str], str] | None = None
#: How many distinct words `term_of` remembers before starting again (bounds memory).
MAX_TERM_MEMO = 400_000


def _stemmer() -> Callable[[str], str]:
    global _STEM
    if _STEM is None:
        from whoosh.lang.porter2 import stem

        _STEM = stem
    return _STEM


#: Words too common to be worth a posting list (whoosh's English list); they are skipped
#: at index and query time alike, so phrases around them still line up.
_STOP_TEXT = (
    "a an and are as at be by can for from have if in is it may not of on or tbd that the "
    "this to us we when will with yet you your was were he his her him she they them their "
    "there been has had would which but its into than then these those so do does did my "
    "our me i"
)
STOP_WORDS = frozenset(_STOP_TEXT.split())
#: What the indexed terms depend on: folded into the index's schema version.
FINGERPRINT = f"{TOKEN.pattern}|{_STOP_TEXT}|porter2"


def _fold(word: str) -> str:
    """Lowercase, strip accents, stem: the indexed form of one latin-script word.

    Stop words and single letters come out as "" (not indexed).
    """
    folded = word.lower()
    if folded in STOP_WORDS or len(folded) < 2:
        _TERMS[word] = ""
        return ""
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    if folded.isascii() and folded.isalpha():
        folded = _stemmer()(folded)
    if len(_TERMS) > MAX_TERM_MEMO:
        _TERMS.clear()
    _TERMS[word] = folded
    return folded


def term_of(word: str) -> str:
    """The indexed term of one word (cached: most words repeat); "" if it is not indexed."""
    term = _TERMS.get(word)
    return _fold(word) if term is None else term


def position_map(text: str) -> dict[str, list[int]]:
    """Every indexed term of `text` with its positions (the hot path of indexing)."""
    poses: dict[str, list[int]] = {}
    cache = _TERMS
    pos = 0
    for run, word in TOKEN.findall(text):
        if word:
            term = cache.get(word)
            if term is None:
                term = _fold(word)
            if not term:
                continue
            if term in poses:
                poses[term].append(pos)
            else:
                poses[term] = [pos]
            pos += 1
            continue
        # A CJK run: each character at its own position, plus the bigram starting there,
        # so one-character queries match characters and longer ones match bigram phrases.
        for i, char in enumerate(run):
            poses.setdefault(char, []).append(pos + i)
            if i + 1 < len(run):
                poses.setdefault(run[i : i + 2], []).append(pos + i)
        pos += len(run)
    return poses


@dataclass(frozen=True, slots=True)
class Token:
    """One analysed token: its term, position and [start, end) characters in the text."""

    term: str
    pos: int
    start: int
    end: int


def tokens(text: str, *, query: bool = False) -> Iterator[Token]:
    """Analyse `text`; with `query`, CJK runs give bigrams only (a phrase), not characters."""
    pos = 0
    for match in TOKEN.finditer(text):
        run, word = match.groups()
        start = match.start()
        if word:
            term = term_of(word)
            if term:
                yield Token(term, pos, start, match.end())
                pos += 1
            continue
        if len(run) == 1 or not query:
            for i, char in enumerate(run):
                yield Token(char, pos + i, start + i, start + i + 1)
        if len(run) > 1:
            for i in range(len(run) - 1):
                yield Token(run[i : i + 2], pos + i, start + i, start + i + 2)
        pos += len(run)


def query_terms(text: str) -> list[str]:
    """The terms a word or phrase of a query looks for, in order (a phrase when several)."""
    return [token.term for token in tokens(text, query=True)]


def prefix_forms(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the query `text*` matches: (prefixes of indexed terms, whole indexed terms).

    Indexed terms are stems, and a stem may be shorter than the word typed so far
    (`runnin*` must find `run`, the stem of "running"): so besides the lowercased text and
    its own stem as prefixes, the text cut down by up to four letters (not below three)
    matches as whole terms.
    """
    folded = text.lower()
    stem = term_of(text)
    prefixes = (folded,) if stem == folded else (folded, stem)
    whole = tuple(folded[:n] for n in range(max(3, len(folded) - 4), len(folded)))
    return prefixes, whole


#: Porter2 respells a word's start only in its exceptional forms dying, lying and tying.
_RESPELLED_HEADS = {"di": "dy", "li": "ly", "ti": "ty"}


def heads_of(terms: Iterable[str]) -> frozenset[str] | None:
    """The word heads that can stem to `terms` (or to terms starting with them), for
    `term_spans`; None when any word may (a term shorter than two letters).

    A stem keeps its word's first three letters but in a few ways: a `y` or `i` third
    letter swaps (try -> tri, skies -> sky), a two-letter remainder gains an `e` (using ->
    use) or stays two letters (ebbing -> eb), and the exceptions above. Three-letter heads
    are kept where they are safe, two-letter ones elsewhere. The property tests check this
    against every word they make up.
    """
    heads: set[str] = set()
    for term in terms:
        if len(term) < 2:
            return None
        if len(term) < 3 or (len(term) == 3 and term[2] == "e"):
            heads.add(term[:2])
        else:
            heads.add(term[:3])
            if term[2] in "iy":
                heads.add(term[:2] + ("y" if term[2] == "i" else "i"))
        if respelled := _RESPELLED_HEADS.get(term[:2]):
            heads.add(respelled)
    return frozenset(heads)


def term_spans(text: str, heads: frozenset[str] | None = None) -> Iterator[tuple[str, int, int]]:
    """(term, start, end) of every indexed term of `text`: `tokens` without the objects,
    for marking matches in snippets (a few ms a post instead of tens).

    `heads` (from `heads_of`): when given, latin words whose first three (or two) letters,
    lowercased, are not in it are skipped unstemmed, since they cannot stem to a wanted
    term: stemming every new word of a body is most of the cost in a fresh process.
    """
    cache = _TERMS
    for match in TOKEN.finditer(text):
        run, word = match.groups()
        start = match.start()
        if word:
            if heads is not None and word.isascii():
                head = word[:3].lower()
                if head not in heads and head[:2] not in heads:
                    continue
            term = cache.get(word)
            if term is None:
                term = _fold(word)
            if term:
                yield term, start, match.end()
            continue
        for i, char in enumerate(run):
            yield char, start + i, start + i + 1
            if i + 1 < len(run):
                yield run[i : i + 2], start + i, start + i + 2
