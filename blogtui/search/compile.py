"""A query tree (syntax.py) compiled to a Whoosh query over the index's fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from blogtui.model import term_key
from blogtui.search.analysis import prefix_forms, query_terms
from blogtui.search.syntax import And, DateRange, Field, Node, Not, Or, Word

#: The analysed text fields a bare word looks in.
_TEXT_FIELDS = ("title", "body", "authors")
#: Query fields matched as whole taxonomy terms, and the index field holding their keys.
_TERM_FIELDS = {"tag": "tags", "category": "categories"}
#: Query fields matched as analysed text, and their index field.
_ANALYSED_FIELDS = {"title": "title", "author": "authors"}


def whoosh_query(node: Node) -> Any:
    """The Whoosh query object of a parsed tree (None: nothing to match on)."""
    from whoosh import query as q

    return _compile(q, node)


def _compile(q: Any, node: Node) -> Any:
    """A Whoosh query for `node`, or None when it can match nothing analysable."""
    if isinstance(node, Word):
        return _word(q, node)
    if isinstance(node, Field):
        return _field(q, node)
    if isinstance(node, DateRange):
        return q.NumericRange("day", node.low, node.high)
    if isinstance(node, Not):
        inner = _compile(q, node.node)
        return q.AndNot(q.Every(), inner) if inner is not None else None
    if isinstance(node, Or):
        parts = [p for p in (_compile(q, n) for n in node.nodes) if p is not None]
        return q.Or(parts) if parts else None
    return _and(q, node)


def _and(q: Any, node: And) -> Any:
    """AND, with negated parts subtracted from the positive ones (cheaper than Every)."""
    positive = [_compile(q, n) for n in node.nodes if not isinstance(n, Not)]
    negative = [_compile(q, n.node) for n in node.nodes if isinstance(n, Not)]
    positive = [p for p in positive if p is not None]
    negative = [p for p in negative if p is not None]
    base = q.And(positive) if positive else q.Every()
    return q.AndNot(base, q.Or(negative)) if negative else (base if positive else None)


def _text_query(q: Any, fields: Sequence[str], text: str) -> list[Any] | None:
    """One word or phrase over `fields`: a Term, or a Phrase when it analyses to several."""
    terms = query_terms(text)
    if not terms:
        return None
    if len(terms) == 1:
        return [q.Term(f, terms[0]) for f in fields]
    return [q.Phrase(f, terms) for f in fields]


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
        return parts[0] if parts else None
    if name == "path":
        pattern = value.lower() if any(c in value for c in "*?") else f"*{value.lower()}*"
        return q.Wildcard("pathkey", pattern)
    if name == "pathis":  # one exact path (links.expand gives these)
        return q.Term("pathkey", value.lower())
    if name == "lang":
        return q.Term("lang", value.lower())
    return q.Term("draft", value)  # syntax.py gives "yes" or "no"
