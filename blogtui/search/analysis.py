"""Text analysis: the one tokenizer that indexing, querying and highlighting share.

One pass does tokenising, folding (blogtui.folding: case, optional accents, invisible
characters), stemming and CJK bigrams. Every word is indexed, one-letter words and stop words
too, so phrases and `title:the` mean what they say. A compound (`3.7.2`, `k8s.io/api`,
`jekyll-4-4-1`, `snake_case`: words joined by single `.`, `-`, `/` or `_`) is indexed whole
at the position of its first part and by its parts at their own positions, so the whole
matches exactly and a phrase through its parts lines up. Emoji sequences are words of their
own, joiners kept. Whoosh never analyses text itself: the index is fed `position_map`,
queries are built from `tokens(..., query=True)` and snippets are marked with `term_spans`,
so all three agree.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate, repeat
from operator import add

from blogtui.folding import EMOJI_MODIFIERS, INVISIBLE, MARKS, PICTOGRAPHS, fold
from blogtui.patterns import LazyPattern

_CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
#: A word: letters and digits of any non-CJK script, with the combining marks and the
#: invisible characters inside it (NFD accents, Indic vowel signs and viramas do not split it).
#: Each run is taken whole (an atomic group): written `(?:A+|B+)+`, a failing fullmatch
#: tried every way to split a run, 2^n of them (a phrase query of a 30-letter word and a
#: CJK one took minutes). The same matches, so indexes made before need no rebuilding:
#: `FINGERPRINT` keeps the pattern as it was first written (`_WORD_AS_FINGERPRINTED`).
_WORD = rf"(?:(?>[^\W_{_CJK}]+|[{MARKS}{INVISIBLE}]+))+"
_WORD_AS_FINGERPRINTED = rf"(?:[^\W_{_CJK}]+|[{MARKS}{INVISIBLE}]+)+"
_EMOJI = (
    rf"[\U0001f1e6-\U0001f1ff]{{2}}"  # a flag: two regional indicators
    rf"|[{PICTOGRAPHS}][{EMOJI_MODIFIERS}]*(?:\u200d[{PICTOGRAPHS}][{EMOJI_MODIFIERS}]*)*"
)
#: A run of CJK characters (group 1), an emoji sequence (group 2), or a word (group 3) and
#: the rest of its compound (group 4: more words, each after one connector). Compiled on
#: first use (about 9 ms): listing and reading never tokenise.
TOKEN = LazyPattern(rf"([{_CJK}]+)|({_EMOJI})|({_WORD})((?:[./_-]{_WORD})*)")
#: `TOKEN` for text that holds none of its CJK, emoji, mark or invisible characters (all
#: ASCII text, most latin prose): the same matches and groups (the first two never match),
#: compiled in a fraction of a millisecond instead of about 9 (a query, a snippet: what
#: every search tokenises first).
_PLAIN_GROUPS = re.compile(r"((?!))?((?!))?([^\W_]+)((?:[./_-][^\W_]+)*)")
_CONNECTOR = re.compile(r"[./_-]")


def _token(text: str) -> re.Pattern[str]:
    """The pattern that finds `TOKEN`'s matches in `text`."""
    return TOKEN.compiled if _needs_full_rules(text) else _PLAIN_GROUPS


#: A compound longer than this (a long URL, most likely) is indexed by its parts only.
MAX_COMPOUND = 64
_TERMS: dict[str, str] = {}
_STEM: Callable[[str], str] | None = None
#: How many distinct words `term_of` (and `position_map`'s plans) remember before starting
#: again: bounds a build worker's memory. Zipf-distributed words repeat from a few thousand;
#: 400,000 let each worker grow by about 20 MB a segment at 100,000 posts (the memos and the
#: heap they fragment), 50,000 by about 7, at the same CPU (benchmarks/README.md).
MAX_TERM_MEMO = 50_000


def _stemmer() -> Callable[[str], str]:
    global _STEM
    if _STEM is None:
        from whoosh.lang.porter2 import stem

        _STEM = stem
    return _STEM


#: What the indexed terms depend on: folded into the index's schema version.
FINGERPRINT = (
    f"{TOKEN.pattern.replace(_WORD, _WORD_AS_FINGERPRINTED)}|{MAX_COMPOUND}|fold-1|porter2"
)


def _indexed_form(word: str) -> str:
    """Fold, then stem a latin-script word: the indexed form of one word ("" for none)."""
    folded = fold(word)
    if folded.isascii() and folded.isalpha():
        folded = _stemmer()(folded)
    return folded


def _fold(word: str) -> str:
    """`_indexed_form`, remembered in `term_of`'s memo."""
    folded = _indexed_form(word)
    if len(_TERMS) > MAX_TERM_MEMO:
        _TERMS.clear()
    _TERMS[word] = folded
    return folded


def term_of(word: str) -> str:
    """The indexed term of one word (cached: most words repeat); "" if it is not indexed."""
    term = _TERMS.get(word)
    return _fold(word) if term is None else term


def compound_term(compound: str) -> str:
    """The whole-compound term of `3.7.2` or `k8s.io/api`: folded, never stemmed ("" if it
    is too long to index whole or folds to nothing)."""
    if len(compound) > MAX_COMPOUND:
        return ""
    folded = fold(compound)
    return folded if _CONNECTOR.search(folded) else ""


def is_compound(term: str) -> bool:
    """Whether an indexed term is a whole compound (only those hold a connector)."""
    return _CONNECTOR.search(term) is not None


def _parts(compound: str) -> Iterator[tuple[str, int, int]]:
    """(term, start, end) of each part of a compound that is indexed, offsets within it."""
    at = 0
    for part in _CONNECTOR.split(compound):
        term = term_of(part) if part else ""
        if term:
            yield term, at, at + len(part)
        at += len(part) + 1


def position_map(text: str) -> dict[str, list[int]]:
    """Every indexed term of `text` with its positions: `pool_positions` for one document
    (the build pools them itself)."""
    pool: dict[str, array[int]] = {}
    pool_positions(text, pool, 0, {})
    return {term: keys.tolist() for term, keys in pool.items()}


def pool_positions(
    text: str, pool: dict[str, array[int]], base: int, arrays: dict[str, array[int]]
) -> int:
    """Every indexed term of `text` with its positions (the hot path of indexing), added
    straight to a segment's pool: each position goes to its term's array as `base +
    position` (a build gives `docnum << 32`, so each entry is one 64-bit key, docnum then
    position), with no dict of the document's own; the field's length (its number of
    entries, a whole compound's among them).

    `arrays` remembers, for the pool's life, each plain token's array in it (a word seen
    before in the segment costs one lookup and one append); a compound or a token that is
    not indexed takes the longer way each time. Pooling the document's map term by term
    after it was made cost as much again as making it.

    Text with no CJK, emoji, combining mark or invisible character (most latin prose, and
    `_needs_full_rules` finds out from its non-ASCII characters alone) takes a simpler
    regex that finds the same tokens five times faster; each token's term, or how its
    compound splits, comes from a memo (`_plan`), so a word seen before costs one lookup.
    """
    if _needs_full_rules(text):
        length = 0
        for term, where in _full_position_map(text).items():
            keys = pool.get(term)
            if keys is None:
                keys = pool[term] = array("q")
            keys.extend(map(add, where, repeat(base)))
            length += len(where)
        return length
    plans = _PLANS
    pos = base
    wholes = 0
    for token in _PLAIN_TOKEN.findall(text):
        keys = arrays.get(token)
        if keys is not None:
            keys.append(pos)
            pos += 1
            continue
        plan = plans.get(token)
        if plan is None:
            plan = _plan(token)
        if isinstance(plan, str):
            if plan:
                keys = pool.get(plan)
                if keys is None:
                    keys = pool[plan] = array("q")
                arrays[token] = keys
                keys.append(pos)
                pos += 1
            continue
        whole, parts = plan
        if whole:
            keys = pool.get(whole)
            if keys is None:
                keys = pool[whole] = array("q")
            keys.append(pos)
            wholes += 1
        for term in parts:
            keys = pool.get(term)
            if keys is None:
                keys = pool[term] = array("q")
            keys.append(pos)
            pos += 1
    return pos - base + wholes


#: `TOKEN` where none of its CJK, emoji, mark or invisible characters occur: a word and the
#: rest of its compound, as one string. Possessive: the same matches (a word's characters
#: and the connectors are apart, so nothing is worth trying again), found 8% quicker.
_PLAIN_TOKEN = re.compile(r"[^\W_]++(?:[./_-][^\W_]++)*+")
#: The characters only `TOKEN`'s full rules handle, as a character class's contents.
_SPECIAL = rf"{_CJK}{MARKS}{INVISIBLE}{PICTOGRAPHS}{EMOJI_MODIFIERS}\U0001f1e6-\U0001f1ff"
#: token -> its term ("" for none) or (whole-compound term, part terms), for `_PLAIN_TOKEN`.
_PLANS: dict[str, str | tuple[str, tuple[str, ...]]] = {}


def _needs_full_rules(text: str) -> bool:
    """Whether `text` holds a character only `TOKEN`'s full rules handle: each distinct
    non-ASCII character looked up among `_SPECIAL`'s ranges (compiling the class as a
    pattern costs about 4 ms, and matching it is slow on every character)."""
    if text.isascii():
        return False
    starts, ends = _special_ranges()
    for char in set(text):
        code = ord(char)
        if code > 0x7F and code <= ends[bisect_right(starts, code) - 1]:
            return True
    return False


@cache
def _special_ranges() -> tuple[list[int], list[int]]:
    """`_SPECIAL`'s ranges, sorted: their first and last code points (a start of -1 first,
    so a code point below every range finds an end it is not under)."""
    ranges = [(-1, -1)]
    at = 0
    while at < len(_SPECIAL):
        low = high = ord(_SPECIAL[at])
        if at + 2 < len(_SPECIAL) and _SPECIAL[at + 1] == "-":
            high = ord(_SPECIAL[at + 2])
            at += 2
        ranges.append((low, high))
        at += 1
    ranges.sort()
    return [low for low, _high in ranges], list(accumulate((h for _l, h in ranges), max))


def _plan(token: str) -> str | tuple[str, tuple[str, ...]]:
    """How `position_map` indexes one token of `_PLAIN_TOKEN` (remembered)."""
    plan: str | tuple[str, tuple[str, ...]]
    if _CONNECTOR.search(token):
        plan = (compound_term(token), tuple(term for term, _a, _b in _parts(token)))
    else:  # not through term_of: its memo would hold the same words a second time
        plan = _TERMS.get(token) or _indexed_form(token)
    if len(_PLANS) > MAX_TERM_MEMO:
        _PLANS.clear()
    _PLANS[token] = plan
    return plan


def _full_position_map(text: str) -> dict[str, list[int]]:
    """`position_map` by `TOKEN`'s every rule (CJK runs, emoji, marks, invisibles)."""
    poses: dict[str, list[int]] = {}
    cache = _TERMS
    pos = 0
    for run, emoji, word, tail in TOKEN.findall(text):
        if tail:
            whole = compound_term(word + tail)
            if whole:
                poses.setdefault(whole, []).append(pos)
            for term, _start, _end in _parts(word + tail):
                poses.setdefault(term, []).append(pos)
                pos += 1
            continue
        if word or emoji:
            word = word or emoji
            found = cache.get(word)
            term = _fold(word) if found is None else found
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
    """Analyse `text`; with `query`, CJK runs give bigrams only (a phrase), not characters,
    and compounds their parts only (a phrase through them; see `lone_compound`)."""
    pos = 0
    for match in _token(text).finditer(text):
        run, emoji, word, tail = match.groups()
        start = match.start()
        if tail:
            if not query and (whole := compound_term(word + tail)):
                yield Token(whole, pos, start, match.end())
            for term, a, b in _parts(word + tail):
                yield Token(term, pos, start + a, start + b)
                pos += 1
        elif word or emoji:
            term = term_of(word or emoji)
            if term:
                yield Token(term, pos, start, match.end())
                pos += 1
        else:
            yield from _cjk_tokens(run, pos, start, query)
            pos += len(run)


def _cjk_tokens(run: str, pos: int, start: int, query: bool) -> Iterator[Token]:
    if len(run) == 1 or not query:
        for i, char in enumerate(run):
            yield Token(char, pos + i, start + i, start + i + 1)
    if len(run) > 1:
        for i in range(len(run) - 1):
            yield Token(run[i : i + 2], pos + i, start + i, start + i + 2)


def query_terms(text: str) -> list[str]:
    """The terms a word or phrase of a query looks for, in order (a phrase when several)."""
    return [token.term for token in tokens(text, query=True)]


def lone_compound(text: str) -> str:
    """The whole term of `text` when it is one compound (`3.7.2`), else "": a query for it
    matches the whole as well as the phrase of its parts."""
    text = text.strip()
    match = _token(text).fullmatch(text)
    return compound_term(match.group(0)) if match is not None and match.group(4) else ""


def prefix_forms(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the query `text*` matches: (prefixes of indexed terms, whole indexed terms).

    Indexed terms are stems, and a stem may be shorter than the word typed so far
    (`runnin*` must find `run`, the stem of "running"): so besides the folded text and
    its own stem as prefixes, the text cut down by up to four letters (not below three)
    matches as whole terms.
    """
    folded = fold(text)
    stem = term_of(text)
    prefixes = (folded,) if stem == folded or not stem else (folded, stem)
    whole = tuple(folded[:n] for n in range(max(3, len(folded) - 4), len(folded)))
    return prefixes, whole


#: Porter2 respells a word's start only in its exceptional forms dying, lying and tying.
_RESPELLED_HEADS = {"di": "dy", "li": "ly", "ti": "ty"}


def heads_of(terms: Iterable[str]) -> frozenset[str]:
    """The word heads (first two letters, lowercased) that can stem to one of `terms`, for
    `term_spans`; a one-letter term is a one-letter head, standing for every word that
    starts with it (aed -> a)."""
    heads: set[str] = set()
    for term in terms:
        heads.add(term[:2])
        if respelled := _RESPELLED_HEADS.get(term[:2]):
            heads.add(respelled)
    return frozenset(heads)


def term_spans(text: str, heads: frozenset[str] | None = None) -> Iterator[tuple[str, int, int]]:
    """(term, start, end) of every indexed term of `text`: `tokens` without the objects,
    for marking matches in snippets (a few ms a post instead of tens).

    `heads` (from `heads_of`): when given, only terms that may start with one of them are
    sure to be given. Latin words whose first two letters, lowercased, are not in it are
    skipped unstemmed, since they cannot stem to a wanted term (stemming every new word of
    a body is most of the cost in a fresh process); and in text that needs none of TOKEN's
    full rules only the stretches between whitespace that hold a word starting with a head
    (or a non-ASCII character) are tokenised at all, found by one regex: a 1,500-word body
    took 10 ms word by word.
    """
    if _needs_full_rules(text):
        yield from _spans(text, heads, 0, TOKEN.compiled)
    elif heads:
        for stretch in _stretches_with(heads).finditer(text):
            yield from _spans(stretch.group(), heads, stretch.start(), _PLAIN_GROUPS)
    else:
        yield from _spans(text, heads, 0, _PLAIN_GROUPS)


@lru_cache(maxsize=64)
def _stretches_with(heads: frozenset[str]) -> re.Pattern[str]:
    """Whole whitespace-free stretches (no token crosses whitespace) that hold a word, or a
    part of a compound, starting with one of `heads` in any case, or a non-ASCII character
    (whose words `_may_stem_to` always keeps)."""
    starts = "|".join(sorted(map(re.escape, heads), key=len, reverse=True))
    return re.compile(rf"(?<!\S)\S*?(?:(?<![^\W_])(?:{starts})|[^\x00-\x7f])\S*", re.IGNORECASE)


def _spans(
    text: str, heads: frozenset[str] | None, at: int, pattern: re.Pattern[str]
) -> Iterator[tuple[str, int, int]]:
    """`term_spans` of `text` by `pattern` (`_token`'s choice for it), offsets moved by `at`."""
    cache = _TERMS
    for match in pattern.finditer(text):
        run, emoji, word, tail = match.groups()
        start = at + match.start()
        if tail:
            yield from _compound_spans(word + tail, start, heads)
        elif word or emoji:
            word = word or emoji
            if heads is not None and not _may_stem_to(word, heads):
                continue
            term = cache.get(word)
            if term is None:
                term = _fold(word)
            if term:
                yield term, start, at + match.end()
        else:
            for i, char in enumerate(run):
                yield char, start + i, start + i + 1
                if i + 1 < len(run):
                    yield run[i : i + 2], start + i, start + i + 2


def _compound_spans(
    compound: str, start: int, heads: frozenset[str] | None
) -> Iterator[tuple[str, int, int]]:
    if whole := compound_term(compound):
        yield whole, start, start + len(compound)
    for term, a, b in _parts(compound):
        if heads is None or _may_stem_to(compound[a:b], heads):
            yield term, start + a, start + b


def _may_stem_to(word: str, heads: frozenset[str]) -> bool:
    """Whether `word` may give a term with one of `heads` (non-latin words always may)."""
    if not word.isascii():
        return True
    head = word[:2].lower()
    return head in heads or head[:1] in heads
