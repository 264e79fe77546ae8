"""Our query syntax turned into Whoosh queries; hits, facets and snippets for CLI and TUI.

Syntax: words AND together; "a phrase"; OR; NOT word or -word; (groups); prefix*;
fields tag:, category:, title:, author:, path:, lang:, draft:yes|no, with "quoted values";
dates date:2024, date:2024-06, date:2024-06-15, date:2023..2024, date:>=2024-01-01 (>, <, <=).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import Any, Literal

from blogtui.index import FacetRow, IndexDamaged, PostIndex, term_of, term_spans, tokens
from blogtui.model import Post, term_key

Sort = Literal["relevance", "date", "title"]

#: Fields a query may name, with the aliases users reach for.
FIELDS = {
    "tag": "tag",
    "tags": "tag",
    "category": "category",
    "categories": "category",
    "title": "title",
    "author": "author",
    "authors": "author",
    "path": "path",
    "lang": "lang",
    "draft": "draft",
    "date": "date",
}
_FIELD_LIST = "tag, category, title, author, path, lang, draft, date"
#: Characters of snippet text around the best cluster of matches.
SNIPPET_CHARS = 220


class QueryError(ValueError):
    """A malformed query; the message is one short line saying what is wrong."""


@dataclass(slots=True)
class Facets:
    """Counts over the current result set, biggest first (years: newest first)."""

    tags: list[tuple[str, int]] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)
    years: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class Hit:
    """One matching post; score is None when no text query ranked it."""

    post: Post
    score: float | None = None


@dataclass(slots=True)
class Results:
    """Every matching post in order (all of them, `limit` aside) and the facet counts."""

    hits: list[Hit]
    facets: Facets

    @property
    def total(self) -> int:
        return len(self.hits)


@dataclass(frozen=True, slots=True)
class Snippet:
    """Plain text around the matched words and the [start, end) offsets of each match."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()


# --------------------------------------------------------------------------------------------
# Parsing: text -> a small tree of nodes.


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
    canonical = FIELDS.get(name.lower())
    if canonical is None:
        raise QueryError(f"unknown field '{name}:' (fields: {_FIELD_LIST})")
    if not value:
        raise QueryError(f"'{name}:' needs a value")
    if canonical == "date":
        return _date_range(value)
    if canonical == "draft" and value.lower() not in _YES | _NO:
        raise QueryError(f"draft: takes yes or no, not '{value}'")
    return Field(canonical, value, quoted)


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


# --------------------------------------------------------------------------------------------
# Compiling the tree to Whoosh queries.

_TEXT_FIELDS = ("title", "body", "authors")


def _terms(text: str) -> list[str]:
    return [t.term for t in tokens(text, query=True)]


def _text_query(q: Any, fields: Sequence[str], text: str) -> Any:
    """One word or phrase over `fields`: a Term, or a Phrase when it analyses to several."""
    terms = _terms(text)
    if not terms:
        return None
    if len(terms) == 1:
        return [q.Term(f, terms[0]) for f in fields]
    return [q.Phrase(f, terms) for f in fields]


def _prefix_query(q: Any, fields: Sequence[str], text: str) -> list[Any]:
    """`text*`: indexed terms are stems, so also accept stems a few letters shorter than it."""
    folded = text.lower()
    stem = term_of(text)
    parts = []
    for f in fields:
        parts.append(q.Prefix(f, folded))
        if stem != folded:
            parts.append(q.Prefix(f, stem))
        parts.extend(q.Term(f, folded[:n]) for n in range(max(3, len(folded) - 4), len(folded)))
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
        parts += [q.Term("tags", key), q.Term("categories", key)]
    return q.Or(parts) if parts else None


def _field_query(q: Any, node: Field) -> Any:
    name, value = node.name, node.value
    prefix = value.endswith("*") and not node.quoted
    bare = value.rstrip("*") if prefix else value
    if name in ("tag", "category"):
        fname = "tags" if name == "tag" else "categories"
        key = term_key(bare)
        return q.Prefix(fname, key) if prefix else q.Term(fname, key)
    if name in ("title", "author"):
        fname = "title" if name == "title" else "authors"
        if prefix:
            return q.Or(_prefix_query(q, [fname], bare))
        parts = _text_query(q, [fname], bare)
        return parts[0] if parts else None
    if name == "path":
        pattern = value.lower() if any(c in value for c in "*?") else f"*{value.lower()}*"
        return q.Wildcard("pathkey", pattern)
    if name == "lang":
        return q.Term("lang", value.lower())
    return q.Term("draft", "yes" if value.lower() in _YES else "no")


def _compile(q: Any, node: Node) -> Any:
    """A Whoosh query for `node`, or None when it can match nothing analysable."""
    if isinstance(node, Word):
        return _word(q, node)
    if isinstance(node, Field):
        return _field_query(q, node)
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


def whoosh_query(node: Node) -> Any:
    """The Whoosh query object of a parsed tree (None: nothing to match on)."""
    from whoosh import query as q

    return _compile(q, node)


# --------------------------------------------------------------------------------------------
# Searching.


def search(
    index: PostIndex,
    text: str,
    *,
    tags: Iterable[str] = (),
    categories: Iterable[str] = (),
    years: Iterable[int] = (),
    drafts: bool = True,
    sort: Sort = "relevance",
    limit: int | None = None,
    facets: bool = True,
) -> Results:
    """Posts matching `text` (empty: all) and every filter (terms AND together).

    Relevance sort with an empty query falls back to date. `facets=False` skips the facet
    counts (left empty) for callers that only list. Raises QueryError.
    """
    node = parse(text)
    compiled = whoosh_query(node) if node is not None else None
    wanted = _Filter(tags, categories, years, drafts)
    for attempt in range(3):
        if compiled is not None:
            index.searcher()  # opened (or rebuilt) before taking the lock a refresh needs
        try:
            hits, counts = _locked_search(index, compiled, sort, wanted, facets)
            break
        except IndexDamaged:
            if attempt == 2:  # damaged again and again after rebuilding: give up loudly
                raise

    hits = _sorted(
        hits, sort if compiled is not None else ("date" if sort == "relevance" else sort)
    )
    if limit:
        hits = hits[:limit]
    return Results(hits, counts)


def _locked_search(
    index: PostIndex, compiled: Any, sort: Sort, wanted: _Filter, counting: bool
) -> tuple[list[Hit], Facets]:
    with index._lock:  # a refresh in another thread swaps the searcher and catalogue
        if compiled is None and wanted.everything and not counting:
            return [Hit(post) for post in index.posts()], Facets()  # a plain listing
        if compiled is None:
            ranked: list[tuple[str, float | None]] = [(p.path, None) for p in index.posts()]
        else:
            ranked = _whoosh_ranked(index, compiled, sort == "relevance")
        scores = [score for _path, score in ranked]
        rows = index.rows(path for path, _score in ranked)
        if len(rows) != len(ranked):  # a path the catalogue no longer reads: keep them aligned
            known = {post.path for post, _row in rows}
            scores = [score for path, score in ranked if path in known]
        kept = [
            (Hit(post, score), row)
            for (post, row), score in zip(rows, scores, strict=True)
            if wanted.keep(row)
        ]
        counts = _facets(index, [row for _hit, row in kept]) if counting else Facets()
        return [hit for hit, _row in kept], counts


@dataclass(slots=True)
class _Filter:
    """The AND of the sidebar's filters, over the facet table's rows."""

    tags: set[str]
    categories: set[str]
    years: set[int]
    drafts: bool

    def __init__(
        self, tags: Iterable[str], categories: Iterable[str], years: Iterable[int], drafts: bool
    ) -> None:
        self.tags = {term_key(t) for t in tags}
        self.categories = {term_key(c) for c in categories}
        self.years = set(years)
        self.drafts = drafts

    def keep(self, row: FacetRow | None) -> bool:
        if row is None:
            return False
        if self.everything:
            return True
        tag_keys, cat_keys, year, draft = row
        return (
            (self.drafts or not draft)
            and self.tags.issubset(tag_keys)
            and self.categories.issubset(cat_keys)
            and (not self.years or year in self.years)
        )

    @property
    def everything(self) -> bool:
        """True when no filter is set (the common case: skip the checks)."""
        return self.drafts and not (self.tags or self.categories or self.years)


def _whoosh_ranked(index: PostIndex, compiled: Any, scored: bool) -> list[tuple[str, float | None]]:
    """(path, score) of every match, best first when scored."""
    searcher, docpaths = index.searcher(recover=False)
    if scored:
        results = searcher.search(compiled, limit=None)
        return [(docpaths[d], s) for s, d in results.top_n]
    return [(docpaths[d], None) for d in searcher.docs_for_query(compiled)]


def _sorted(hits: list[Hit], sort: Sort) -> list[Hit]:
    if sort == "date":
        return sorted(hits, key=lambda h: h.post.sort_key())
    if sort == "title":
        return sorted(hits, key=lambda h: (h.post.title.casefold(), h.post.path))
    # Whoosh ranks by score; equal scores fall back to newest first.
    return sorted(hits, key=lambda h: (-(h.score or 0.0), *h.post.sort_key()))


def _facets(index: PostIndex, rows: list[FacetRow]) -> Facets:
    # One C-level Counter over all terms: per-row Counter.update was most of the facet cost.
    tag_counts = Counter(chain.from_iterable([row[0] for row in rows]))
    cat_counts = Counter(chain.from_iterable([row[1] for row in rows]))
    year_counts = Counter([row[2] for row in rows])

    def ranked(counts: Counter[str], taxonomy: str) -> list[tuple[str, int]]:
        named = [(index.spelling(k, taxonomy), n) for k, n in counts.items()]
        return sorted(named, key=lambda pair: (-pair[1], pair[0].casefold()))

    years = sorted(((y, n) for y, n in year_counts.items() if y is not None), reverse=True)
    return Facets(ranked(tag_counts, "tags"), ranked(cat_counts, "categories"), years)


# --------------------------------------------------------------------------------------------
# Marking matched words in snippets and titles.


@dataclass(slots=True)
class _Wanted:
    """The terms and prefixes a query looks for (outside NOT), per field group."""

    terms: set[str] = field(default_factory=set)
    prefixes: list[str] = field(default_factory=list)

    def matches(self, term: str) -> bool:
        return term in self.terms or any(term.startswith(p) for p in self.prefixes)


def _wanted(node: Node | None, title_only: bool) -> _Wanted:
    out = _Wanted()

    def visit(n: Node) -> None:
        if isinstance(n, And | Or):
            for child in n.nodes:
                visit(child)
        elif isinstance(n, Word) and n.text:
            _want(out, n.text, n.prefix)
        elif isinstance(n, Field) and (
            n.name == "title" or (n.name == "author" and not title_only)
        ):
            prefix = n.value.endswith("*") and not n.quoted
            _want(out, n.value.rstrip("*") if prefix else n.value, prefix)

    if node is not None:
        visit(node)
    return out


def _want(out: _Wanted, text: str, prefix: bool) -> None:
    if prefix:
        folded = text.lower()
        out.prefixes.append(folded)
        out.prefixes.append(term_of(text))
        out.terms.update(folded[:n] for n in range(max(3, len(folded) - 4), len(folded)))
    else:
        out.terms.update(_terms(text))


def _marks(text: str, wanted: _Wanted) -> list[tuple[int, int]]:
    """Merged [start, end) spans of the tokens of `text` that the query wants."""
    terms, prefixes = wanted.terms, tuple(wanted.prefixes)
    heads = frozenset(t[:3] for t in (*terms, *prefixes))
    spans = sorted(
        (start, end)
        for term, start, end in term_spans(text, heads)
        if term in terms or (prefixes and term.startswith(prefixes))
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def title_marks(text: str, title: str) -> tuple[tuple[int, int], ...]:
    """Offsets in `title` of the words the query matches, for marking titles in lists."""
    try:
        node = parse(text)
    except QueryError:
        return ()  # the user is mid-typing; the search bar shows the error
    wanted = _wanted(node, title_only=True)
    if not wanted.terms and not wanted.prefixes:
        return ()
    return tuple(_marks(title, wanted))


_SPACE = re.compile(r"\s+")


def _best_window(marks: list[tuple[int, int]], width: int) -> int:
    """Start of the `width`-character window holding the most marks."""
    best, best_start, j = 0, marks[0][0], 0
    for i, (start, _end) in enumerate(marks):
        while j < len(marks) and marks[j][0] < start:
            j += 1
        j = max(j, i)
        while j < len(marks) and marks[j][1] <= start + width:
            j += 1
        if j - i > best:
            best, best_start = j - i, start
    return best_start


def _snippet(body: str, wanted: _Wanted) -> Snippet:
    from blogtui.parse import plain_text  # PyYAML comes with it: only when snippets are made

    # Plain prose: link targets, markup, HTML and shortcodes are noise in a one-line snippet.
    text = _SPACE.sub(" ", plain_text(body)).strip()
    marks = _marks(text, wanted)
    if not marks:
        return Snippet(text[:SNIPPET_CHARS].rstrip())
    start = max(0, _best_window(marks, SNIPPET_CHARS) - SNIPPET_CHARS // 4)
    if start:
        space = text.rfind(" ", 0, start + 1)  # begin on a word boundary
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + SNIPPET_CHARS // 2 else end
    window = tuple((a - start, b - start) for a, b in marks if a >= start and b <= end)
    return Snippet(text[start:end], window)


def snippets(index: PostIndex, text: str, posts: Sequence[Post]) -> dict[str, Snippet]:
    """Snippets with marks for just these posts (highlighting is costly: only what is shown)."""
    wanted = _wanted(parse(text), title_only=False)
    out: dict[str, Snippet] = {}
    for post in posts:
        full = index.post(post.path)
        body = full.body if full is not None else ""
        out[post.path] = _snippet(body or post.summary, wanted)
    return out
