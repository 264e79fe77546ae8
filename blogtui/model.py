"""The records every part of blogtui shares: Post and the one table of its fields, PostDate,
Problem, term matching, sort orders and the markdown file suffixes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from operator import attrgetter
from typing import Any, Literal, NamedTuple, TypeGuard, get_args

from blogtui.folding import collapse, fold, visible

#: Words a minute for the reading time, as Hugo uses (213 for most languages).
WORDS_PER_MINUTE = 213
#: The file suffixes (lower-cased) of markdown posts.
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdx")

#: The orders posts can be listed in, in the order the reader cycles through them.
Sort = Literal["date", "title", "relevance"]
SORTS: tuple[Sort, ...] = get_args(Sort)
#: The orders that need no query (relevance ranks the matches of one).
LIST_SORTS: tuple[Sort, ...] = tuple(sort for sort in SORTS if sort != "relevance")


def is_sort(value: object) -> TypeGuard[Sort]:
    """Whether `value` names one of SORTS."""
    return value in SORTS


@dataclass(frozen=True, slots=True)
class PostDate:
    """A post's date with its two faces.

    `instant` is an aware UTC datetime, used for sorting and JSON. `day` is the calendar
    date as the author wrote it (before any conversion to UTC), used for display,
    `--year`, `date:` queries and the Years facet.
    """

    instant: datetime
    day: date
    #: The instant as a POSIX timestamp, computed once: sorting thousands of hits needs it.
    stamp: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stamp", self.instant.timestamp())

    def iso(self) -> str:
        """The instant as ISO 8601 UTC with a `Z`, e.g. `2025-06-29T00:00:00Z`."""
        return self.instant.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one file: its archive-relative path and a readable reason."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Post:
    """One post of an archive, normalised from whatever layout and front matter it had.

    Taxonomy terms are kept as the author spelled them (whitespace tidied); compare them
    with `term_key`. `body` is the markdown without front matter; records loaded from the
    index's catalogue carry an empty body (read the file for it).
    """

    path: str  # relative to the archive root, POSIX separators
    title: str
    slug: str
    date: PostDate | None = None
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    #: The series (sequences of posts) the post belongs to, as the author named them.
    series: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    #: Other taxonomies (Zola `[taxonomies]` entries, Hugo custom ones), name -> terms.
    taxonomies: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    draft: bool = False
    future: bool = False
    expired: bool = False
    summary: str = ""
    words: int = 0
    lang: str | None = None
    section: str = ""
    body: str = field(default="", repr=False)
    #: Hugo's `expiryDate`: `expired` is judged against it (kept so a stored post can be
    #: judged again later, as time passes).
    expiry: PostDate | None = None
    #: Where the date came from: one of DATE_SOURCES ("none" for an undated post).
    date_source: str = "none"
    #: Prose the front matter holds (`intro`, `subtitle`, `description`...), as markdown.
    prose: str = ""
    #: Why this file is not a page to list (headless, never listed, a redirect, empty), or "".
    hidden: str = ""
    #: Every front-matter value by dotted, lower-cased key, for `KEY:VALUE` queries (not
    #: stored in the catalogue: the index holds them; records read from it carry none).
    params: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

    @property
    def reading_minutes(self) -> int:
        """Reading time in whole minutes, at least 1 for a non-empty post (Hugo's rounding)."""
        if self.words == 0:
            return 0
        return max(1, -(-self.words // WORDS_PER_MINUTE))

    @property
    def year(self) -> int | None:
        """The calendar year as written, or None for an undated post."""
        return self.date.day.year if self.date else None

    def sort_key(self) -> tuple[int, int, float, str]:
        """Newest day first (the day as shown), then newest instant, undated last, ties by
        path: use with `sorted(..., key=...)`."""
        if self.date is None:
            return (1, 0, 0.0, self.path)
        return (0, -self.date.day.toordinal(), -self.date.stamp, self.path)


# --- the field table --------------------------------------------------------------------------

#: How a field's value is kept: text, optional text, a tuple of terms, a name -> terms
#: mapping, a PostDate or None, a boolean flag, a count, or (key, value) pairs.
FieldKind = Literal["text", "maybe_text", "terms", "taxonomies", "date", "flag", "count", "pairs"]


class PostField(NamedTuple):
    """One field of a Post, and where it goes: the index's catalogue, JSON, post headers.

    The index stores `stored` fields (the rest are judged again when read, or read from the
    file); `list --json` and `search --json` print `json` fields; post headers show a row
    for each field with a `header` label (fields sharing a label share its row).
    """

    name: str
    kind: FieldKind
    stored: bool = True
    json: bool = True
    header: str = ""


#: The one table of Post fields, in the order JSON prints them and headers show them.
#: Adding a field: the attribute on Post, a row here, and its front-matter reader in parse.py.
FIELDS: tuple[PostField, ...] = (
    PostField("path", "text"),
    PostField("title", "text"),
    PostField("slug", "text"),
    PostField("date", "date", header="Date"),
    PostField("authors", "terms", header="By"),
    PostField("tags", "terms", header="Tags"),
    PostField("categories", "terms", header="Categories"),
    PostField("series", "terms", header="Series"),
    PostField("taxonomies", "taxonomies"),
    PostField("draft", "flag", header="Status"),
    PostField("future", "flag", stored=False, header="Status"),  # judged against "now"
    PostField("expired", "flag", stored=False, header="Status"),  # judged against "now"
    PostField("summary", "text"),
    PostField("words", "count"),
    PostField("reading_minutes", "count", stored=False),  # a property, from words
    PostField("lang", "maybe_text"),
    PostField("section", "text"),
    PostField("body", "text", stored=False, json=False),  # read from the file when shown
    PostField("expiry", "date", json=False),
    PostField("date_source", "text"),
    PostField("prose", "text"),
    PostField("hidden", "text"),
    PostField("params", "pairs", stored=False, json=False),  # the index's `fm` field has them
)
#: Where a date can come from, in the order they are tried (see parse.py).
DATE_SOURCES = ("front-matter", "file-name", "url-key", "folders", "none")
#: The fields whose terms take their archive-wide spellings (archive.canonicalise).
CANONICAL_FIELDS = tuple(f.name for f in FIELDS if f.kind in ("terms", "taxonomies"))
#: What the catalogue's layout depends on: folded into the index's schema version.
FIELDS_FINGERPRINT = repr([(f.name, f.kind) for f in FIELDS if f.stored])


def check_fields() -> list[str]:
    """What is wrong with FIELDS against the Post class (empty when they agree)."""
    declared = {f.name for f in fields(Post)}
    listed = {f.name for f in FIELDS}
    wrong = [f"Post.{name} has no row in FIELDS" for name in sorted(declared - listed)]
    for name in sorted(listed - declared):
        if not isinstance(getattr(Post, name, None), property):
            wrong.append(f"FIELDS names {name}, which Post does not have")
        elif any(f.stored for f in FIELDS if f.name == name):
            wrong.append(f"FIELDS stores {name}, a computed property")
    return wrong


def _json_date(value: PostDate | None) -> str | None:
    return value.iso() if value else None


#: What a field of each kind becomes in JSON, where its value is not JSON as it is (the
#: encoder writes tuples as arrays, so terms need nothing: `list --json` is a hot path).
_TO_JSON: dict[FieldKind, Callable[[Any], Any]] = {"date": _json_date, "taxonomies": dict}
_JSON_NAMES = tuple(f.name for f in FIELDS if f.json)
_JSON_VALUES = attrgetter(*_JSON_NAMES)
_JSON_CONVERT = tuple((f.name, _TO_JSON[f.kind]) for f in FIELDS if f.json and f.kind in _TO_JSON)


def json_record(post: Post) -> dict[str, Any]:
    """A post as `list --json` prints it: each JSON field of the table, by name (terms as
    tuples, which `json.dumps` writes as arrays)."""
    record = dict(zip(_JSON_NAMES, _JSON_VALUES(post), strict=True))
    for name, convert in _JSON_CONVERT:
        record[name] = convert(record[name])
    return record


_HEADER_FIELDS = tuple(f for f in FIELDS if f.header)


def header_rows(
    post: Post, day: Callable[[Post], str], extra: Iterable[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """The labelled rows of a post header, as text: the table's header fields in order (those
    with nothing to show left out), then `extra` rows, then the path.

    `day` writes the date (each front end has its own format); a flag shows its name.
    """
    rows: dict[str, list[str]] = {}
    for f in _HEADER_FIELDS:
        if text := _header_text(post, f, day):
            rows.setdefault(f.header, []).append(text)
    shown = [(label, ", ".join(texts)) for label, texts in rows.items()]
    return [*shown, *extra, ("Path", post.path)]


def _header_text(post: Post, f: PostField, day: Callable[[Post], str]) -> str:
    value = getattr(post, f.name)
    if f.kind == "date":
        return day(post) if f.name == "date" else (value.day.isoformat() if value else "")
    if f.kind == "flag":
        return f.name if value else ""
    if f.kind in ("terms", "taxonomies"):
        return ", ".join(value)
    return "" if value is None else str(value)


def tidy_term(term: str) -> str:
    """A term as displayed: invisible characters gone (a joiner inside an emoji sequence
    stays), runs of Unicode whitespace as one space, ends stripped."""
    return collapse(visible(term))


def term_key(term: str) -> str:
    """The matching key of a taxonomy term: `folding.fold` (the folding of indexed words,
    without stemming), whitespace runs as one space."""
    return collapse(fold(term))
