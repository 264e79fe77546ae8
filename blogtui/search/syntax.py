"""Our query syntax turned into a typed tree; no whoosh here (compile.py does that).

Words AND together; "a phrase"; OR; NOT word or -word; (groups); prefix*; `name:value` for
each of keys.QUERY_FIELDS (with "quoted values"); dates as date:2024, date:2024-06,
date:2024-06-15, date:2023..2024 or date:>=2024-01-01 (also >, <, <=). Any other
`KEY:VALUE` asks the front matter (case-insensitive on the key, as Hugo is), and
`fm.KEY:VALUE` always does, even for a built-in name (`fm.extra.team:` for nested tables).
`show:all` is an option, not a match: it lists the pages left out by default too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any, NamedTuple

from blogtui.search.keys import FIELD_NAMES, FM_PREFIX, SHOW_VALUES

# The nodes are named tuples, not dataclasses: making the eight frozen dataclasses took
# 2.9 ms of every search's start. Compare them by type as well (`type(a) is type(b)`) where
# two kinds could hold the same values (a Field and a Param are both three strings).


class QueryError(ValueError):
    """A malformed query; the message is one short line saying what is wrong."""


class Word(NamedTuple):
    """A bare word (`prefix` when it ended in `*`); `phrase` when it was quoted."""

    text: str
    prefix: bool = False
    phrase: bool = False


class Field(NamedTuple):
    """`name:value`, name already resolved to its canonical field."""

    name: str
    value: str
    quoted: bool = False


class Param(NamedTuple):
    """`key:value` on a front-matter key (dotted, lower-cased); value "*" asks for the key."""

    key: str
    value: str
    quoted: bool = False


class Show(NamedTuple):
    """`show:all`: an option for the search (which pages to list), matching everything."""

    value: str


class DateRange(NamedTuple):
    """Calendar days as YYYYMMDD integers, either end open (None)."""

    low: int | None
    high: int | None


class Not(NamedTuple):
    node: Node


class And(NamedTuple):
    nodes: tuple[Node, ...]


class Or(NamedTuple):
    nodes: tuple[Node, ...]


Node = Word | Field | Param | Show | DateRange | Not | And | Or

_LEXEME = re.compile(
    r"""\s*(?:
      (?P<open>\() | (?P<close>\)) |
      (?P<minus>-)(?=[^\s)]) |
      (?P<field>[^\W\d][\w.-]*):(?:"(?P<fquoted>[^"]*)(?P<fend>")?|(?P<fvalue>[^\s)]*)) |
      "(?P<phrase>[^"]*)(?P<pend>")? |
      (?P<word>[^\s()"]+)
    )""",
    re.VERBOSE,
)


def _lex(text: str) -> Iterator[tuple[str, Any]]:
    """Yield (kind, value) lexemes; raise QueryError on an unclosed quote."""
    pos, end = 0, len(text.rstrip())
    while pos < end:
        match = _LEXEME.match(text, pos)
        if match is None:  # only stray quotes can get here
            raise QueryError("unclosed quote")
        pos = match.end()
        kind = match.lastgroup
        if match.group("field") is not None:
            yield _field_lexeme(match)
        elif match.group("phrase") is not None:
            if match.group("pend") is None:
                raise QueryError("unclosed quote")
            yield "phrase", match.group("phrase")
        elif kind == "word":
            yield "word", match.group("word")
        else:
            yield str(kind), None


def _field_lexeme(match: re.Match[str]) -> tuple[str, Any]:
    name = match.group("field")
    if match.group("fquoted") is not None:
        if match.group("fend") is None:
            raise QueryError("unclosed quote")
        return "field", (name, match.group("fquoted"), True)
    value = match.group("fvalue")
    if value.startswith("//"):  # a URL such as https://example.org is a word, not a field
        return "word", f"{name}:{value}"
    return "field", (name, value, False)


#: Deepest nesting of groups and NOTs a query may have (recursion must stay bounded).
MAX_DEPTH = 64


class _Parser:
    """Recursive descent over the lexemes: or := and (OR and)*; and := unary+."""

    def __init__(self, text: str) -> None:
        self.items = list(_lex(text))
        self.at = 0
        self.depth = 0

    def nest(self) -> None:
        """Count one more level of nesting; refuse absurdly deep queries with a message."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"query nested too deeply (more than {MAX_DEPTH} levels)")

    def peek(self) -> tuple[str, Any] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self) -> tuple[str, Any]:
        item = self.items[self.at]
        self.at += 1
        return item

    def parse(self) -> Node | None:
        if not self.items:
            return None
        node = self.or_expr()
        if self.peek() is not None:
            raise QueryError("unmatched ')'")
        return node

    def or_expr(self) -> Node:
        nodes = [self.and_expr()]
        while self.peek() == ("word", "OR"):
            self.take()
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def and_expr(self) -> Node:
        nodes: list[Node] = []
        while (item := self.peek()) is not None and item[0] != "close":
            if item == ("word", "OR"):
                break
            if item == ("word", "AND"):
                self.take()
                continue
            nodes.append(self.unary())
        if not nodes:
            after = self.items[self.at - 1] if self.at else None
            if item == ("word", "OR") or after == ("word", "OR"):
                raise QueryError("OR needs a term on each side")
            raise QueryError("empty group '()'" if after == ("open", None) else "unmatched ')'")
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def unary(self) -> Node:
        kind, value = self.peek() or ("", None)
        if kind == "minus" or (kind, value) == ("word", "NOT"):
            self.take()
            if self.peek() is None:
                raise QueryError("NOT needs a term after it")
            self.nest()
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "open":
            self.nest()
            node = self.or_expr()
            if self.peek() is None or self.take()[0] != "close":
                raise QueryError("unclosed '('")
            self.depth -= 1
            return node
        if kind == "close":
            raise QueryError("unmatched ')'")
        if kind == "phrase":
            return Word(value, phrase=True)
        if kind == "field":
            return _field(*value)
        text: str = value
        return (
            Word(text.rstrip("*"), prefix=text.endswith("*") and len(text) > 1)
            if (text != "*")
            else Word("", prefix=True)
        )


def _field(name: str, value: str, quoted: bool) -> Node:
    lowered = name.lower()
    canonical = None if lowered.startswith(FM_PREFIX) else FIELD_NAMES.get(lowered)
    if not value:
        raise QueryError(f"'{name}:' needs a value")
    if canonical is None:
        key = lowered.removeprefix(FM_PREFIX) if lowered != FM_PREFIX else ""
        if not key.strip("."):
            raise QueryError(f"'{name}:' names no front-matter key (fm.KEY:VALUE)")
        return Param(key.strip("."), value, quoted)
    if canonical == "date":
        return _date_range(value)
    if canonical == "draft":
        return Field(canonical, _yes_or_no(value), quoted)
    if canonical == "show":
        if value.lower() not in SHOW_VALUES:
            raise QueryError(f"show: takes {' or '.join(SHOW_VALUES)}, not '{value}'")
        return Show(value.lower())
    return Field(canonical, value, quoted)


def _yes_or_no(value: str) -> str:
    """`draft:`'s value as "yes" or "no" (it takes true/false, y/n and 1/0 too)."""
    if value.lower() in _YES:
        return "yes"
    if value.lower() in _NO:
        return "no"
    raise QueryError(f"draft: takes yes or no, not '{value}'")


_YES = {"yes", "true", "1", "y"}
_NO = {"no", "false", "0", "n"}
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _period(text: str, whole: str) -> tuple[int, int]:
    """The first and last day (YYYYMMDD) of a year, month or day written as text."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise QueryError(f"bad date '{whole}'")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        if month is None:
            return year * 10000 + 101, year * 10000 + 1231
        date(year, month, day or 1)
    except ValueError:
        raise QueryError(f"bad date '{whole}'") from None
    base = year * 10000 + month * 100
    return (base + day, base + day) if day else (base + 1, base + 31)


def _date_range(value: str) -> DateRange:
    for op in (">=", "<=", ">", "<"):
        if value.startswith(op):
            first, last = _period(value[len(op) :], value)
            return {
                ">=": DateRange(first, None),
                ">": DateRange(last + 1, None),
                "<=": DateRange(None, last),
                "<": DateRange(None, first - 1),
            }[op]
    if ".." in value:
        low, _, high = value.partition("..")
        if not low and not high:
            raise QueryError(f"bad date '{value}'")
        start = _period(low, value)[0] if low else None
        end = _period(high, value)[1] if high else None
        if start is not None and end is not None and start > end:
            raise QueryError(f"date range '{value}' ends before it starts")
        return DateRange(start, end)
    first, last = _period(value, value)
    return DateRange(first, last)


def parse(text: str) -> Node | None:
    """The query tree of `text` (None for an empty query). Raises QueryError."""
    return _Parser(text).parse()


def check(text: str) -> None:
    """Raise QueryError if `text` is not a valid query."""
    parse(text)


def shows_all(node: Node | None) -> bool:
    """Whether the query asks for every page (`show:all` outside a NOT)."""
    if isinstance(node, Show):
        return node.value == "all"
    if isinstance(node, And | Or):
        return any(shows_all(child) for child in node.nodes)
    return False
