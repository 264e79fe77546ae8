"""A query tree (syntax.py) compiled to a Whoosh query over the index's fields.

A word or value with nothing to search for (punctuation alone) matches nothing, and the
compiler says so in its notices; `show:` matches everything (it is an option).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from blogtui.folding import fold, same_name
from blogtui.model import term_key
from blogtui.search import fm
from blogtui.search.analysis import lone_compound, prefix_forms, query_terms
from blogtui.search.syntax import And, DateRange, Field, Node, Not, Or, Param, Show, Word

#: The analysed text fields a bare word looks in.
_TEXT_FIELDS = ("title", "body", "authors")
#: Query fields matched as whole taxonomy terms, and the index field holding their keys.
_TERM_FIELDS = {"tag": "tags", "category": "categories"}
#: Query fields matched as analysed text, and their index field.
_ANALYSED_FIELDS = {"title": "title", "author": "authors"}


def whoosh_query(node: Node, notices: list[str] | None = None) -> Any:
    """The Whoosh query object of a parsed tree (None: no constraint, match everything).

    Why a part of the query matches nothing is appended to `notices`, when given.
    """
    from whoosh import query as q

    return _Compiler(q, [] if notices is None else notices).compile(node)


class _Compiler:
    """One compilation: Whoosh's query module and the notices it collects."""

    def __init__(self, q: Any, notices: list[str]) -> None:
        self.q, self.notices = q, notices

    def compile(self, node: Node) -> Any:
        """A Whoosh query for `node`; None when it constrains nothing (`show:all`)."""
        q = self.q
        if isinstance(node, Word):
            return self.vanished(_word(q, node), node.text)
        if isinstance(node, Field):
            return self.vanished(_field(q, node), f"{node.name}:{node.value}")
        if isinstance(node, Param):
            return _param(q, node)
        if isinstance(node, Show):
            return None
        if isinstance(node, DateRange):
            return q.NumericRange("day", node.low, node.high)
        if isinstance(node, Not):
            inner = self.compile(node.node)
            return q.AndNot(q.Every(), inner) if inner is not None else None
        if isinstance(node, Or):
            parts = [self.compile(n) for n in node.nodes]
            return None if any(p is None for p in parts) else q.Or(parts)
        return _and(q, [self.compile(n) for n in node.nodes], node)

    def vanished(self, compiled: Any, text: str) -> Any:
        """`compiled`, or a query matching nothing (with a notice) when there was none."""
        if compiled is not None:
            return compiled
        self.notices.append(
            f"'{text}' has no letters or digits to search for, so it matches nothing"
        )
        return self.q.NullQuery


def _and(q: Any, compiled: list[Any], node: And) -> Any:
    """AND, with negated parts subtracted from the positive ones (cheaper than Every)."""
    pairs = list(zip(node.nodes, compiled, strict=True))
    positive = [c for n, c in pairs if not isinstance(n, Not) and c is not None]
    negative = [c.b for n, c in pairs if isinstance(n, Not) and c is not None]
    base = q.And(positive) if positive else q.Every()
    return q.AndNot(base, q.Or(negative)) if negative else (base if positive else None)


def _text_query(q: Any, fields: Sequence[str], text: str) -> list[Any] | None:
    """One word or phrase over `fields`: a Term, or a Phrase when it analyses to several; a
    lone compound (`3.7.2`) also matches its whole term."""
    terms = query_terms(text)
    if not terms:
        return None
    if len(terms) == 1:
        return [q.Term(f, terms[0]) for f in fields]
    phrases = [q.Phrase(f, terms) for f in fields]
    whole = lone_compound(text)
    return phrases + [q.Term(f, whole) for f in fields] if whole else phrases


def _prefix_query(q: Any, fields: Sequence[str], text: str) -> list[Any]:
    """`text*` over `fields` (see analysis.prefix_forms)."""
    prefixes, whole = prefix_forms(text)
    parts: list[Any] = []
    for f in fields:
        parts.extend(q.Prefix(f, prefix) for prefix in prefixes)
        parts.extend(q.Term(f, term) for term in whole)
    return parts


def _word(q: Any, node: Word) -> Any:
    if node.prefix and not node.text:
        return q.Every()
    if node.prefix:
        parts = _prefix_query(q, _TEXT_FIELDS, node.text)
        parts.append(q.Prefix("tags", term_key(node.text)))
        return q.Or(parts)
    parts = _text_query(q, _TEXT_FIELDS, node.text) or []
    if not parts:
        return None
    key = term_key(node.text)
    if key:
        parts += [q.Term(fname, key) for fname in _TERM_FIELDS.values()]
    return q.Or(parts) if parts else None


def _field(q: Any, node: Field) -> Any:
    name, value = node.name, node.value
    prefix = value.endswith("*") and not node.quoted
    bare = value.rstrip("*") if prefix else value
    if name in _TERM_FIELDS:
        key = term_key(bare)
        return q.Prefix(_TERM_FIELDS[name], key) if prefix else q.Term(_TERM_FIELDS[name], key)
    if name in _ANALYSED_FIELDS:
        fname = _ANALYSED_FIELDS[name]
        if prefix:
            return q.Or(_prefix_query(q, [fname], bare))
        parts = _text_query(q, [fname], bare)
        return q.Or(parts) if parts else None
    if name == "path":
        key = same_name(value)
        return q.Wildcard("pathkey", key if any(c in key for c in "*?") else f"*{key}*")
    if name == "pathis":  # one exact path (links.expand gives these)
        return q.Term("pathkey", same_name(value))
    if name == "lang":
        return q.Term("lang", value.lower())
    return q.Term("draft", value)  # syntax.py gives "yes" or "no"


def _param(q: Any, node: Param) -> Any:
    """`key:value` on the front matter: the whole value, or every word of it, or (`key:*`)
    the key itself; `value*` matches values and words starting so."""
    key, value = node.key, node.value
    if value == "*" and not node.quoted:
        return q.Term(fm.FIELD, fm.key_term(key))
    if value.endswith("*") and not node.quoted:
        bare = value.rstrip("*")
        return q.Or(
            [
                q.Prefix(fm.FIELD, fm.value_term(key, bare)),
                q.Prefix(fm.FIELD, fm.word_term(key, fold(bare))),
            ]
        )
    whole = q.Term(fm.FIELD, fm.value_term(key, value))
    words = [q.Term(fm.FIELD, term) for term in fm.value_words(key, value)]
    return q.Or([whole, q.And(words)]) if words else whole
