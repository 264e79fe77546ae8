"""One markdown file (bytes + archive path) -> a normalised Post and the problems met reading it.

Front matter is split and loaded by the handlers in blogtui.front_matter; the table READERS
says which front-matter keys each Post field is read from, and how.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from operator import attrgetter
from typing import Any

from blogtui.fences import decoded
from blogtui.front_matter import Handler, JSONHandler, TOMLHandler, YAMLHandler, params_of
from blogtui.front_matter import split_front_matter as _split
from blogtui.model import MARKDOWN_SUFFIXES, Post, PostDate, Problem, term_key, tidy_term
from blogtui.prose import has_plain_text, plain_text
from blogtui.prose import tidy as _tidy
from blogtui.site import BUILT_IN_TAXONOMIES, NO_SITE, Site, build_options, unlisted_reason

#: Summaries made from the body are cut to about this many characters.
SUMMARY_CHARS = 300
#: How far into the body to look for the first paragraph.
PARAGRAPH_SCAN = 6000
#: Front-matter prose that the body's first paragraph opens with, in at least this many
#: letters and digits, is not shown again above the body.
OPENING_CHARS = 16

_STRICT_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ]+(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"[ \t]*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?"
)
_NAME_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:-|$)")
#: A date inside a URL-ish value: `2014/12/12`, `2019-03-04` or `2019/03/` (the 1st).
_URL_DATE = re.compile(r"(?<![\d])(\d{4})([/-])(\d{1,2})(?:\2(\d{1,2}))?(?=/|-|$|\.)")
_YEAR, _MONTH, _DAY = re.compile(r"\d{4}"), re.compile(r"\d{1,2}"), re.compile(r"\d{1,2}")
#: Years a date in a name or folder may have (so `1024/` or `9999/` is not taken for one).
_YEARS = range(1900, 2200)
_JEKYLL_NAME = re.compile(r"\d{4}-\d{2}-\d{2}-(.+)")
_LANG_SUFFIX = re.compile(r"(.+)\.([a-z]{2}(?:-[a-zA-Z]{2,4})?)")
_LANG_CODE = re.compile(r"[a-z]{2}(?:-[a-zA-Z]{2,4})?")
_MORE = re.compile(r"<!--\s*more\s*-->")
_HEADING = re.compile(r"#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*")
_NOT_PROSE = ("#", "|", "---", "***", "<", "{{", "{%", "![")
_FENCE = re.compile(r"[ \t]{0,3}(```|~~~)")
_WORD = re.compile(r"\w+")

# Word counting on UTF-8 bytes at C speed. Continuation bytes are deleted, so each character
# leaves one byte: 1 for a character that belongs to a word, 0 for ASCII whitespace and for
# a 3-byte CJK/Hangul/fullwidth character (lead bytes E3-ED, EF), which Hugo counts as a word
# of its own. As one big integer, the word starts are the 1-bytes whose left neighbour is 0.
_SPACE_BYTES = b" \t\n\r\v\f\x1c\x1d\x1e\x1f"
_CJK_LEADS = frozenset([*range(0xE3, 0xEE), 0xEF])
_IN_WORD = bytes(0 if b in _SPACE_BYTES or b in _CJK_LEADS else 1 for b in range(256))
_IS_CJK = bytes(1 if b in _CJK_LEADS else 0 for b in range(256))
_CONTINUATION = bytes(range(0x80, 0xC0))
_UNICODE_SPACES = tuple((space, space.encode()) for space in "\u00a0\u3000\u2009\u202f")


@dataclass(frozen=True, slots=True)
class Layout:
    """What the path says about a file: Jekyll post or not, bundle folder, language."""

    jekyll: bool
    stem: str  # file name without suffix(es) and language
    bundle: str  # the leaf bundle's folder name, or ""
    lang: str | None
    section: str
    file_date: date | None  # a `YYYY-MM-DD` leading the file (or leaf bundle) name
    folder_date: date | None  # folders `YYYY/MM/DD/`, `YYYY/MM/` or `YYYY-MM-DD-slug/`
    drafts_folder: bool
    folder_categories: tuple[str, ...]


def parse_post(
    data: bytes,
    path: str,
    *,
    now: datetime | None = None,
    content_path: str | None = None,
    site: Site = NO_SITE,
) -> tuple[Post, list[Problem]]:
    """Parse one file's bytes into a Post and its problems.

    `path` is the archive-relative POSIX path stored in the Post; `content_path` is the same
    file relative to the site's content folder (for section and language), default `path`.
    `site` holds what the site's own files say (custom taxonomies, author names, cascades).
    """
    problems: list[str] = []
    text = decoded(data, problems)
    meta, body = split_front_matter(text, problems, site.taxonomies)
    content = content_path if content_path is not None else path
    layout = read_layout(content)
    words = _count_body_words(data, text, body)
    source = _Source(meta, body, words, layout, now or datetime.now(UTC), problems, site, content)
    post = Post(path=path, body=body, **{name: read(source) for name, read in _READ})
    return post, [Problem(path, reason) for reason in problems]


def split_front_matter(
    text: str, problems: list[str], keys: tuple[str, ...] = ()
) -> tuple[dict[str, Any], str]:
    """Split YAML `---`, TOML `+++` or JSON `{` front matter from the body (text has LF ends);
    `keys`: more keys for YAML to construct than the readers' (a site's custom taxonomies)."""
    return _split(text, _handlers(keys), problems)


def _count_body_words(data: bytes, text: str, body: str) -> int:
    """count_words(body), from the file's own bytes when they map one-to-one onto the text
    (nothing replaced, no CR removed): saves encoding the body a second time."""
    if b"\r" in data or "\ufffd" in text:
        return count_words(body)
    head = len(text[: len(text) - len(body)].encode())
    head += 3 if data.startswith(b"\xef\xbb\xbf") else 0
    return _count_utf8_words(data[head:] if head else data, body)


# --- what the path says -------------------------------------------------------------------


def read_layout(path: str) -> Layout:
    """Facts from a content-relative POSIX path: Jekyll-ness, stem, bundle, language, section."""
    parts = path.split("/")
    name = parts[-1]
    stem = _strip_suffix(name)
    lang = None
    if (match := _LANG_SUFFIX.fullmatch(stem)) and "." not in match.group(1):
        stem, lang = match.group(1), match.group(2)
    folders = parts[:-1]
    if lang is None and len(folders) > 1 and _LANG_CODE.fullmatch(folders[0]):
        lang, folders = folders[0], folders[1:]
    elif lang is not None and folders and folders[0] == lang:
        folders = folders[1:]
    jekyll = "_posts" in folders or "_drafts" in folders or bool(_JEKYLL_NAME.fullmatch(stem))
    bundle = folders[-1] if stem == "index" and folders else ""
    return Layout(
        jekyll=jekyll,
        stem=stem,
        bundle=bundle,
        lang=lang,
        section=folders[0] if len(folders) > (1 if bundle else 0) else "",
        file_date=_name_date(bundle or stem, []),
        folder_date=_folder_date(folders[:-1] if bundle else folders),
        drafts_folder="_drafts" in folders,
        folder_categories=_jekyll_folder_categories(folders),
    )


def _strip_suffix(name: str) -> str:
    lower = name.lower()
    for suffix in MARKDOWN_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name.rpartition(".")[0] or name


def _name_date(stem: str, folders: list[str]) -> date | None:
    """A `YYYY-MM-DD` leading the file name or, failing that, the nearest folder name."""
    for name in (stem, *reversed(folders)):
        if match := _NAME_DATE.match(name):
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                continue
    return None


def _folder_date(folders: list[str]) -> date | None:
    """The date the nearest folders spell: `YYYY/MM/DD/`, `YYYY/MM/` (the 1st), or a
    `YYYY-MM-DD-slug/` folder."""
    for end in range(len(folders), 0, -1):
        if found := _name_date("", [folders[end - 1]]):
            return found
        if found := _ymd_folders(folders[max(0, end - 3) : end]):
            return found
    return None


def _ymd_folders(run: list[str]) -> date | None:
    """A date from folder names ending `YYYY/MM/DD` or `YYYY/MM` (which run ends the list)."""
    for start in range(len(run) - 1):
        parts = run[start:]
        if _YEAR.fullmatch(parts[0]) and all(_MONTH.fullmatch(p) for p in parts[1:]):
            day = parts[2] if len(parts) == 3 else "1"
            if (found := _checked_date(parts[0], parts[1], day)) is not None:
                return found
    return None


def _checked_date(year: str, month: str, day: str) -> date | None:
    """The date, if it is a real one within _YEARS."""
    if int(year) not in _YEARS:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _jekyll_folder_categories(folders: list[str]) -> tuple[str, ...]:
    """Jekyll makes the folders above `_posts` a post's categories."""
    if "_posts" not in folders:
        return ()
    return tuple(folders[: folders.index("_posts")])


# --- building the Post --------------------------------------------------------------------


class _Source:
    """What one Post is built from: front matter, body, path facts, and the problems so far.

    The date, the expiry date and the taxonomies are worked out once, up front, in this
    order (so are their problems): several readers share each of them.
    """

    __slots__ = ("body", "content_path", "date", "date_source", "expiry", "layout", "meta", "now",
                 "problems", "site", "terms", "words")  # fmt: skip

    def __init__(
        self,
        meta: dict[str, Any],
        body: str,
        words: int,
        layout: Layout,
        now: datetime,
        problems: list[str],
        site: Site = NO_SITE,
        content_path: str = "",
    ) -> None:
        self.meta, self.body, self.words, self.layout = meta, body, words, layout
        self.now, self.problems, self.site, self.content_path = now, problems, site, content_path
        self.date, self.date_source = _post_date(meta, layout, problems)
        self.expiry = _expiry(meta, problems)
        self.terms = _taxonomies(meta, layout, site)


def _future(source: _Source) -> bool:
    return source.date is not None and source.date.instant > source.now


def _expired(source: _Source) -> bool:
    return source.expiry is not None and source.expiry.instant <= source.now


def _slug(source: _Source) -> str:
    layout = source.layout
    return _text(source.meta.get("slug")) or layout.bundle or _jekyll_slug(layout.stem)


def _lang(source: _Source) -> str | None:
    meta = source.meta
    return _text(meta.get("lang")) or _text(meta.get("language")) or source.layout.lang


#: Keys whose values may hold a `YYYY-MM-DD` for an undated post (see `_key_date`).
_PATH_KEYS = ("url", "slug", "path", "permalink")
#: Front-matter keys that hold prose about the post, in the order they are shown.
PROSE_KEYS = ("intro", "subtitle", "description", "summary", "abstract", "lead", "excerpt")
#: Keys (lower-cased) that send a page's readers elsewhere: go.dev's `redirect`, Zola's and
#: jekyll-redirect-from's `redirect_to`, Eleventy's and Nuxt's `redirect`/`redirectTo`.
REDIRECT_TO_KEYS = ("redirect", "redirect_to", "redirectto", "redirect_url", "redirecturl")
#: Keys that name the old addresses a page answers to: jekyll-redirect-from's `redirect_from`,
#: Gatsby's `redirectFrom`, Hugo's and Zola's `aliases`, Hexo's `alias`.
REDIRECT_FROM_KEYS = ("redirect_from", "redirectfrom", "aliases", "alias")
_HIDING_KEYS = ("headless", "build", "_build", *REDIRECT_TO_KEYS, *REDIRECT_FROM_KEYS)

Reader = Callable[[_Source], Any]
#: Each Post field but path and body: the front-matter keys (lower-cased) it is read from,
#: and its reader. A reader reads no key but its own: YAML front matter constructs only
#: these keys (META_KEYS), so a key missing here would be dropped for YAML posts alone.
#: Problems are reported in this order (the date's before the expiry date's).
READERS: tuple[tuple[str, tuple[str, ...], Reader], ...] = (
    ("title", ("title",), lambda s: _title(s.meta, s.body, s.layout)),
    ("slug", ("slug",), _slug),
    ("date", ("date", "publishdate", "pubdate", *_PATH_KEYS), attrgetter("date")),
    ("date_source", (), attrgetter("date_source")),
    ("authors", ("authors", "author", "by", "taxonomies"), lambda s: _authors(s)),
    ("tags", ("tags", "tag", "taxonomies"), lambda s: s.terms[0]),
    ("categories", ("categories", "category", "taxonomies"), lambda s: s.terms[1]),
    ("taxonomies", ("taxonomies",), lambda s: s.terms[2]),
    ("series", ("series", "taxonomies"), lambda s: s.terms[3]),
    ("draft", ("draft", "published"), lambda s: _draft(s.meta, s.layout)),
    ("future", (), _future),
    ("expired", ("expirydate",), _expired),
    ("summary", ("summary", "description"), lambda s: summarise(s.meta, s.body)),
    ("words", (), attrgetter("words")),
    ("lang", ("lang", "language"), _lang),
    ("section", ("section",), lambda s: _text(s.meta.get("section")) or s.layout.section),
    ("expiry", ("expirydate",), attrgetter("expiry")),
    ("prose", PROSE_KEYS, lambda s: front_matter_prose(s.meta, s.body)),
    ("hidden", _HIDING_KEYS, lambda s: _hidden(s)),
    ("params", (), lambda s: params_of(s.meta)),  # every key: YAML gives the rest as text
)
_READ = tuple((name, read) for name, _keys, read in READERS)
#: Every front-matter key some reader reads.
META_KEYS = frozenset(key for _name, keys, _read in READERS for key in keys)
_HANDLERS: tuple[Handler, ...] = (YAMLHandler(META_KEYS), TOMLHandler(), JSONHandler())


@lru_cache(maxsize=8)
def _handlers(taxonomies: tuple[str, ...]) -> tuple[Handler, ...]:
    """The front-matter handlers, YAML also constructing a site's custom taxonomy keys."""
    if not taxonomies:
        return _HANDLERS
    return (YAMLHandler(META_KEYS | frozenset(taxonomies)), *_HANDLERS[1:])


def _text(value: object) -> str:
    """A scalar as tidy text; anything else (lists, maps, None, booleans) as ""."""
    if isinstance(value, str):
        return _tidy(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _title(meta: Mapping[str, Any], body: str, layout: Layout) -> str:
    return _text(meta.get("title")) or first_heading(body) or readable_name(layout)


def first_heading(body: str) -> str:
    """The text of the first `# ` heading outside code fences, or ""."""
    if "#" not in body:
        return ""
    fence = ""
    for line in body.split("\n"):
        if match := _FENCE.match(line):
            marker = match.group(1)
            fence = "" if fence == marker else fence or marker
            continue
        if not fence and (heading := _HEADING.fullmatch(line)):
            return tidy_term(heading.group(1))
    return ""


def readable_name(layout: Layout) -> str:
    """A title made from the file (or bundle folder) name: dashes to spaces, capitalised."""
    name = _jekyll_slug(layout.bundle or layout.stem)
    words = tidy_term(name.replace("-", " ").replace("_", " "))
    return words[:1].upper() + words[1:]


def _jekyll_slug(stem: str) -> str:
    match = _JEKYLL_NAME.fullmatch(stem)
    return match.group(1) if match else stem


def front_matter_prose(meta: Mapping[str, Any], body: str = "") -> str:
    """The PROSE_KEYS values that have text, each once, as paragraphs of one markdown text;
    without those the body opens with (go.dev's `summary:` is often its first sentence), so
    the header above the body does not say them twice."""
    found = [text for key in PROSE_KEYS if (text := _prose_text(meta.get(key)))]
    if found and body.strip():
        opening = _words(first_paragraph(body))
        found = [text for text in found if not _opens_with(opening, _words(text))]
    return "\n\n".join(dict.fromkeys(found))


def _words(markdown: str) -> list[str]:
    """The words of markdown as plain text, case-folded (markup and punctuation dropped)."""
    return _WORD.findall(plain_text(markdown).casefold())


def _opens_with(opening: list[str], prose: list[str]) -> bool:
    """Whether a paragraph's words begin with the prose's: all of them, or a run long
    enough (OPENING_CHARS) not to be a chance match of a few words."""
    if not prose or opening[: len(prose)] != prose:
        return False
    return len(prose) == len(opening) or sum(map(len, prose)) >= OPENING_CHARS


def _prose_text(value: object) -> str:
    """A prose value: its lines kept (it is markdown), ends stripped; "" if not text."""
    return value.strip() if isinstance(value, str) else ""


def _hidden(source: _Source) -> str:
    """Why the page is not one to list, or "" (see `hidden_reason`)."""
    return hidden_reason(source.meta, source.body, source.date is not None, source.site,
                         source.content_path, source.layout.lang)  # fmt: skip


def hidden_reason(
    meta: Mapping[str, Any],
    body: str,
    dated: bool,
    site: Site = NO_SITE,
    content_path: str = "",
    lang: str | None = None,
) -> str:
    """Why a page is not a post to list, or "" for a post.

    Hugo's headless bundles and `build` options (`list: never`, `render: never`; the page's
    own, else the nearest cascade whose target matches it); redirect stubs: a redirect key
    and neither body nor front-matter prose, whatever other keys it has (a title, a layout,
    a date), or nothing but the old addresses (`redirect_from`, `aliases`) a page answers
    to; and pages with no title (front matter or first heading), date, body or prose.
    """
    if _truthy(meta.get("headless")):
        return "headless"
    if reason := _build_reason(meta, site, content_path, lang):
        return reason
    # The body is checked only where it decides (a redirect key, or nothing else to show):
    # the check strips the body's markup, 7% of a cold index's CPU when made for every post.
    prose = bool(front_matter_prose(meta))
    if any(_names(meta.get(key)) for key in REDIRECT_TO_KEYS) and not prose:
        return "" if _has_text(body) else "redirect"
    if prose or dated or _text(meta.get("title")) or _has_text(body):
        return ""
    if any(_names(meta.get(key)) for key in REDIRECT_FROM_KEYS):
        return "redirect"
    return "empty (no title, date, body or prose)"


def _build_reason(meta: Mapping[str, Any], site: Site, content_path: str, lang: str | None) -> str:
    """The page's own `build` options decide; without them, the cascade that reaches it."""
    own = build_options(meta)
    if own is not None:
        return unlisted_reason(own)
    options, source = site.cascaded_build(content_path, lang)
    return unlisted_reason(options, source)


def _names(value: object) -> bool:
    """Whether a redirect key's value names an address: text, or a list holding some."""
    if isinstance(value, list):
        return any(_text(item) for item in value)
    return bool(_text(value))


def _has_text(body: str) -> bool:
    """Whether the body has something to read: a heading or text left once markup goes."""
    return bool(body.strip()) and bool(first_heading(body) or has_plain_text(body))


def _draft(meta: Mapping[str, Any], layout: Layout) -> bool:
    return (
        _truthy(meta.get("draft"))
        or meta.get("published") is False
        or str(meta.get("published")).lower() == "false"
        or layout.drafts_folder
    )


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


# --- dates ------------------------------------------------------------------------------------


def _post_date(
    meta: Mapping[str, Any], layout: Layout, problems: list[str]
) -> tuple[PostDate | None, str]:
    """The date and where it came from (model.DATE_SOURCES): the front matter's date keys
    (strict), else the file or bundle name, a URL-ish key, the folder names; else none."""
    for key in ("date", "publishdate", "pubdate"):
        value = meta.get(key)
        if value is None or value == "":
            continue
        parsed = to_post_date(value)
        if parsed is not None:
            return parsed, "front-matter"
        fallback, source = _fallback_date(meta, layout)
        use = f"using the {source} date {fallback}" if fallback else "post left undated"
        problems.append(f"{key}: {str(value)!r} is not a date; {use}")
        return (_midnight(fallback) if fallback else None), source
    fallback, source = _fallback_date(meta, layout)
    return (_midnight(fallback) if fallback else None), source


def _fallback_date(meta: Mapping[str, Any], layout: Layout) -> tuple[date | None, str]:
    """A date from outside the front matter's date keys, and its source."""
    if layout.file_date:
        return layout.file_date, "file-name"
    if found := _key_date(meta):
        return found, "url-key"
    if layout.folder_date:
        return layout.folder_date, "folders"
    return None, "none"


def _key_date(meta: Mapping[str, Any]) -> date | None:
    """A date inside a url/slug/path/permalink value: `/2019-03-04-title/`,
    `2014/12/12/slug`, `/blog/2019/03/slug/` (the 1st of the month)."""
    for key in _PATH_KEYS:
        value = meta.get(key)
        if isinstance(value, str) and any(c.isdigit() for c in value):
            for match in _URL_DATE.finditer(value):
                year, _sep, month, day = match.groups()
                if found := _checked_date(year, month, day or "1"):
                    return found
    return None


def _expiry(meta: Mapping[str, Any], problems: list[str]) -> PostDate | None:
    value = meta.get("expirydate")
    if value is None or value == "":
        return None
    parsed = to_post_date(value)
    if parsed is None:
        problems.append(f"expiryDate: {str(value)!r} is not a date; ignored")
    return parsed


def to_post_date(value: object) -> PostDate | None:
    """A front-matter date value (date, datetime, or strict string) as a PostDate, or None."""
    if isinstance(value, datetime):
        return _from_datetime(value)
    if isinstance(value, date):
        return _midnight(value)
    if isinstance(value, str):
        return parse_date_text(value)
    return None


def parse_date_text(text: str) -> PostDate | None:
    """Strict ISO 8601 / RFC 3339 and `YYYY-MM-DD HH:MM:SS +HHMM`; None for anything else."""
    match = _STRICT_DATE.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    try:
        tz = UTC if zulu else _offset(sign, off_h, off_m)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
            tzinfo=tz,
        )
    except ValueError:
        return None
    return _from_datetime(local)


def _offset(sign: str | None, hours: str | None, minutes: str | None) -> timezone:
    if sign is None or hours is None or minutes is None:
        return UTC
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


def _from_datetime(value: datetime) -> PostDate | None:
    """The calendar day as written; the instant in UTC (naive counts as UTC)."""
    try:
        instant = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None  # at the edge of datetime's range (year 1 or 9999 with an offset)
    return PostDate(instant=instant, day=value.date())


def _midnight(day: date) -> PostDate:
    return PostDate(instant=datetime(day.year, day.month, day.day, tzinfo=UTC), day=day)


# --- taxonomies and authors -------------------------------------------------------------------


Terms = tuple[str, ...]


def _taxonomies(
    meta: Mapping[str, Any], layout: Layout, site: Site = NO_SITE
) -> tuple[Terms, Terms, dict[str, Terms], Terms, Terms]:
    """Tags, categories, other taxonomies, series and the authors Zola's `[taxonomies]`
    table names, as term tuples. Other taxonomies come from that table and from the
    site's custom ones (Hugo `[taxonomies]`), each under its name."""
    split = layout.jekyll
    tags = _terms_either(meta, "tag", "tags", split)
    categories = layout.folder_categories + _terms_either(meta, "category", "categories", split)
    built_in: dict[str, Terms] = {"tags": tags, "categories": categories, "authors": ()}
    built_in["series"] = terms(meta.get("series"), split_strings=False)
    others: dict[str, Terms] = {}
    for name in site.taxonomies:
        if found := terms(meta.get(name), split_strings=False):
            others[name] = found
    table = meta.get("taxonomies")
    if isinstance(table, dict):
        for name, value in table.items():
            field = BUILT_IN_TAXONOMIES.get(str(name).strip().lower())
            if field is not None:
                built_in[field] += terms(value, split_strings=False)
            elif found := terms(value, split_strings=False):
                others[str(name)] = _dedupe(others.get(str(name), ()) + found)
    tags, categories, series, authors = (
        _dedupe(built_in[f]) for f in ("tags", "categories", "series", "authors")
    )
    return tags, categories, others, series, authors


def _terms_either(
    meta: Mapping[str, Any], singular: str, plural: str, jekyll: bool
) -> tuple[str, ...]:
    """Jekyll: a singular key wins and stays whole; the plural splits strings on whitespace."""
    if jekyll:
        if meta.get(singular) is not None:
            return terms(meta[singular], split_strings=False)
        return terms(meta.get(plural), split_strings=True)
    found = terms(meta.get(plural), split_strings=False)
    return found or (
        terms(meta.get(singular), split_strings=False) if plural == "categories" else ()
    )


def terms(value: object, *, split_strings: bool) -> tuple[str, ...]:
    """Taxonomy terms from a front-matter value: strings, numbers or (nested) lists of them."""
    if value is None or isinstance(value, dict | bool):
        return ()
    if isinstance(value, str):
        pieces: Iterable[str] = value.split() if split_strings else (value,)
        return tuple(term for piece in pieces if (term := _tidy(piece)))
    if isinstance(value, list | tuple):
        found: list[str] = []
        for item in value:
            found.extend(terms(item, split_strings=False))
        return tuple(found)
    text = _text(value) or (value.isoformat() if isinstance(value, date) else "")
    return (text,) if text else ()


def _dedupe(found: Iterable[str]) -> tuple[str, ...]:
    """Terms in order, dropping later ones that match an earlier one by term_key."""
    terms = tuple(found)
    if len({term.casefold() for term in terms}) == len(terms) and all(map(str.isascii, terms)):
        return terms  # ASCII terms that differ case-insensitively cannot share a term_key
    seen: set[str] = set()
    kept = []
    for term in terms:
        key = term_key(term)
        if key not in seen:
            seen.add(key)
            kept.append(term)
    return tuple(kept)


def _authors(source: _Source) -> tuple[str, ...]:
    """`authors`, `author` and `by` (the Go blog's), strings or `{name: ...}` tables, keys
    into the site's authors file (Docusaurus `authors.yml`) given as their names; then
    those of a Zola `[taxonomies]` table."""
    names = source.site.authors
    found: list[str] = []
    for key in ("authors", "author", "by"):
        value = source.meta.get(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            name = _text(item.get("name")) if isinstance(item, dict) else _text(item)
            if name:
                found.append(names.get(name, name))
    return _dedupe([*found, *source.terms[4]])


# --- summary and words -----------------------------------------------------------------------


def summarise(meta: Mapping[str, Any], body: str) -> str:
    """`<!--more-->` text, else front matter summary/description, else the first paragraph."""
    # A one-character probe first: a multi-character `in` scans long bodies slowly.
    if "<" in body and (more := _MORE.search(body)):
        return _shorten(plain_text(body[: more.start()]))
    for key in ("summary", "description"):
        if text := _text(meta.get(key)):
            return text
    return _shorten(plain_text(first_paragraph(body)))


def first_paragraph(body: str) -> str:
    """The first block of prose lines (headings, fences, tables, rules and markup skipped)."""
    lines: list[str] = []
    fence = ""
    for line in _lines(body, PARAGRAPH_SCAN):
        if match := _FENCE.match(line):
            marker = match.group(1)
            fence = "" if fence == marker else fence or marker
            if lines:
                break
            continue
        stripped = line.strip()
        if fence:
            continue
        if not stripped or stripped.startswith(_NOT_PROSE):
            if lines:
                break
            continue
        lines.append(stripped)
        if len(lines) > 20:
            break
    return " ".join(lines)


def _lines(text: str, limit: int) -> Iterator[str]:
    """The lines of text up to about `limit` characters, without splitting all of it."""
    start = 0
    while start < min(len(text), limit):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        yield text[start:end]
        start = end + 1


def _shorten(text: str) -> str:
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text.rfind(" ", 0, SUMMARY_CHARS)
    return text[: cut if cut > SUMMARY_CHARS // 2 else SUMMARY_CHARS].rstrip() + "…"


def count_words(body: str) -> int:
    """Hugo's word count: whitespace-separated words, each CJK character a word of its own."""
    return _count_utf8_words(body.encode("utf-8", "replace"), body)


def _count_utf8_words(data: bytes, text: str) -> int:
    """Words in `data`, the UTF-8 bytes of `text` (which is used for quick checks only)."""
    if not text.isascii():
        if _one_byte_chars(text):  # accents but no CJK: only NBSP needs care
            if "\xa0" in text:
                data = data.replace(b"\xc2\xa0", b" ")
        else:
            return _count_wide_words(data, text)
    return _word_starts(data.translate(_IN_WORD))


def _one_byte_chars(text: str) -> bool:
    """No character above U+00FF, read in O(1) from CPython's compact string size (a wider
    string costs 2 or 4 bytes a character); other interpreters take the general path."""
    return sys.getsizeof(text) - len(text) <= 80 if len(text) > 64 else False


def _count_wide_words(data: bytes, text: str) -> int:
    for space, encoded in _UNICODE_SPACES:
        if space in text:
            data = data.replace(encoded, b" ")
    cjk = data.translate(_IS_CJK, _CONTINUATION).count(b"\x01")
    return _word_starts(data.translate(_IN_WORD, _CONTINUATION)) + cjk


def _word_starts(marks: bytes) -> int:
    """How many 1-bytes of `marks` (one byte per character, 1 in a word, 0 outside) follow a
    0-byte or begin the text. Little-endian puts each byte's left neighbour 8 bits lower;
    one XOR and one popcount (rather than two) save a third of the big-integer work."""
    bits = int.from_bytes(marks, "little")
    return (bits ^ (bits & (bits << 8))).bit_count()
