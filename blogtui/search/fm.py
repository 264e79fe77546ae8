"""Front-matter values in the index: the terms of the `fm` field, for documents and queries.

Each (key, value) pair of `Post.params` gives three kinds of term, so that `KEY:VALUE`
matches a whole value or the words in it and `blogtui fields` can count the keys:
the key alone (`k`), the whole value folded as taxonomy terms are (`v`), and each indexed
word of the value (`w`), as the body's analysis gives them.
"""

from __future__ import annotations

from collections.abc import Iterable

from blogtui.model import term_key
from blogtui.search.analysis import lone_compound, query_terms, tokens

FIELD = "fm"
_SEP = "\x1f"
#: Whole values longer than this are matched by their words only.
MAX_WHOLE = 200


def key_term(key: str) -> str:
    """The term saying a post has front-matter `key` (dotted, lower-cased)."""
    return f"k{_SEP}{key}"


def value_term(key: str, value: str) -> str:
    """The term of `key`'s whole value (folded like a tag)."""
    return f"v{_SEP}{key}{_SEP}{term_key(value)}"


def word_term(key: str, term: str) -> str:
    """The term of one analysed word in one of `key`'s values."""
    return f"w{_SEP}{key}{_SEP}{term}"


def key_of(term: str) -> str | None:
    """The key a key term names (None for a value or word term)."""
    kind, _, key = term.partition(_SEP)
    return key if kind == "k" else None


def parents(key: str) -> list[str]:
    """`extra.team` -> [`extra`, `extra.team`]: a nested key also says its table is there."""
    parts = key.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def document_terms(params: Iterable[tuple[str, str]]) -> str:
    """The `fm` field's text: one term a line (the field's tokenizer splits on lines)."""
    terms: set[str] = set()
    for key, value in params:
        terms.update(key_term(k) for k in parents(key))
        if not value.strip():
            continue
        if len(value) <= MAX_WHOLE:
            terms.add(value_term(key, value))
        terms.update(word_term(key, t.term) for t in tokens(value))
    return "\n".join(sorted(t for t in terms if "\n" not in t))


def value_words(key: str, value: str) -> list[str]:
    """The word terms a query value looks for, all of them: a lone compound (`3.7.2`) as
    its whole, anything else as its words."""
    whole = lone_compound(value)
    if whole:
        return [word_term(key, whole)]
    return [word_term(key, term) for term in query_terms(value)]
