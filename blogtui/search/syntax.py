"""Our query syntax turned into a typed tree; no whoosh here (compile.py does that).

Words AND together; "a phrase"; OR; NOT word or -word; (groups); prefix*; `name:value` for
each of QUERY_FIELDS (with "quoted values"); dates as date:2024, date:2024-06,
date:2024-06-15, date:2023..2024 or date:>=2024-01-01 (also >, <, <=).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class QueryField:
    """A field a query may name: its canonical name, its aliases and its value in help text."""

    name: str
    aliases: tuple[str, ...] = ()
    value: str = ""  # how the help shows its value ("" for any text)


#: The one list of query fields (compile.py maps each to the index; help and errors list them).
QUERY_FIELDS = (
    QueryField("tag", ("tags",)),
    QueryField("category", ("categories",)),
    QueryField("title"),
    QueryField("author", ("authors",)),
    QueryField("path"),
    QueryField("lang"),
    QueryField("draft", value="yes|no"),
    QueryField("date"),
    QueryField("linksto", value="PATH"),
    QueryField("linkedfrom", value="PATH"),
)
#: Every name a query may use for a field -> its canonical name.
FIELD_NAMES = {alias: f.name for f in QUERY_FIELDS for alias in (f.name, *f.aliases)}
_FIELD_LIST = ", ".join(f.name for f in QUERY_FIELDS)
#: The query syntax at a glance, for `blogtui search --help`.
SYNTAX_HELP = (
    'query syntax: words are ANDed; "a phrase"; OR, NOT, -word; (groups); prefix*;\n  '
    + " ".join(f"{f.name}:{f.value}" for f in QUERY_FIELDS if f.name != "date")
    + ";\n  date:2024  date:2024-06  date:2023..2024  date:>=2024-01-01"
)


class QueryError(ValueError):
    """A malformed query; the message is one short line saying what is wrong."""


@dataclass(frozen=True, slots=True)
class Word:
    """A bare word (`prefix` when it ended in `*`); `phrase` when it was quoted."""

    text: str
    prefix: bool = False
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """`name:value`, name already resolved to its canonical field."""

    name: str
    value: str
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class DateRange:
    """Calendar days as YYYYMMDD integers, either end open (None)."""

    low: int | None
    high: int | None


@dataclass(frozen=True, slots=True)
class Not:
    node: Node


@dataclass(frozen=True, slots=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    nodes: tuple[Node, ...]


Node = Word | Field | DateRange | Not | And | Or

_LEXEME = re.compile(
    r"""\s*(?:
      (?P<open>\() | (?P<close>\)) |
      (?P<minus>-)(?=[^\s)]) |
      (?P<field>[A-Za-z]+):(?:"(?P<fquoted>[^"]*)(?P<fend>")?|(?P<fvalue>[^\s)]*)) |
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
    canonical = FIELD_NAMES.get(name.lower())
    if canonical is None:
        raise QueryError(f"unknown field '{name}:' (fields: {_FIELD_LIST})")
    if not value:
        raise QueryError(f"'{name}:' needs a value")
    if canonical == "date":
        return _date_range(value)
    if canonical == "draft":
        return Field(canonical, _yes_or_no(value), quoted)
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
