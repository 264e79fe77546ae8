"""A Post as plain text or as Rich renderables: sanitising, shortcodes, headers, markdown.

The plain functions import nothing heavy, so piped `blogtui cat` stays fast; the `rich_*`
functions import rich when called. The TUI uses the same functions, so a post reads the
same everywhere and untrusted text is made safe in one place.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from blogtui.model import Post, header_rows

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

# --- terminal safety -----------------------------------------------------------------------

# Escape sequences first (so their parameters go with them), then any control left over.
# String sequences (OSC, DCS, SOS, PM, APC) end at BEL or ST; an unterminated one is cut at
# the end of its line, so a stray introducer cannot swallow the rest of a post.
_ESCAPES = re.compile(
    r"""
      \x1b\[[0-?]*[\x20-/]*[@-~]?                       # CSI (7-bit)
    | \x9b[0-?]*[\x20-/]*[@-~]?                         # CSI (8-bit)
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])           # OSC, DCS, SOS, PM, APC
      [^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?
    | \x1b[\x20-/]*[\x30-~]?                            # any other escape (RIS, charset...)
    """,
    re.VERBOSE,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def sanitize(text: str) -> str:
    """`text` with terminal escape sequences and control characters removed.

    Keeps newlines and tabs. Strips CSI, OSC (OSC 52 clipboard writes, title changes), DCS
    and the other string sequences, C0 and C1 controls and DEL. Lone surrogates (from
    undecodable file names) become U+FFFD so the text can always be encoded.
    """
    if text.isprintable():  # the common case, checked in C
        return text
    text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub("", text)
    return _SURROGATES.sub("\ufffd", text)


def sanitize_marked(
    text: str, marks: Iterable[tuple[int, int]]
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Sanitise `text` and move the `[start, end)` marks so they cover the same words."""
    out: list[str] = []
    new_marks: list[tuple[int, int]] = []
    position = 0
    length = 0
    for start, end in sorted(marks):
        if start < position or end <= start:
            continue  # overlapping or empty marks cannot be kept apart
        before, inside = sanitize(text[position:start]), sanitize(text[start:end])
        out += (before, inside)
        length += len(before)
        new_marks.append((length, length + len(inside)))
        length += len(inside)
        position = end
    out.append(sanitize(text[position:]))
    return "".join(out), tuple(new_marks)


def escape_controls(data: bytes) -> str:
    """Bytes shown as `cat -v` shows them: ^X for controls, M- for high bytes, ^? for DEL.

    Newlines and tabs pass through; UTF-8 text stays readable where it decodes.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    return "".join(_escape_char(char) for char in text)


def _escape_char(char: str) -> str:
    code = ord(char)
    if char in "\n\t":
        return char
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    if 0x80 <= code <= 0x9F:
        return "M-^" + chr(code - 0x80 + 0x40)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as surrogateescape keeps it
        byte = code - 0xDC00
        low = byte - 0x80
        return "M-" + (_escape_char(chr(low)) if low < 0x20 or low == 0x7F else chr(low))
    return char


# --- shortcodes ----------------------------------------------------------------------------

_HUGO_ESCAPED = r"\{\{(?P<eo>[<%])/\*(?P<escaped>.*?)\*/(?P<ec>[>%])\}\}"
_HUGO_TAG = (
    r"\{\{(?P<ho>[<%])\s*(?P<close>/)?\s*(?P<name>[\w.-]+(?:/[\w.-]+)*)"
    r"(?P<args>(?:[^>%\"`]|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|[>%](?!\}\}))*?)"
    r"\s*/?\s*(?P<hc>[>%])\}\}"
)
_LIQUID_TAG = r"\{%-?\s*(?P<lname>\w+)(?P<largs>(?:[^%]|%(?!\}))*?)\s*-?%\}"
_TAGS = re.compile(f"{_HUGO_ESCAPED}|{_HUGO_TAG}|{_LIQUID_TAG}", re.DOTALL)

# Blocks whose inside must not be interpreted: Liquid raw (kept) and comment (dropped).
_LIQUID_RAW = re.compile(
    r"\{%-?\s*raw\s*-?%\}(.*?)(?:\{%-?\s*endraw\s*-?%\}|\Z)|"
    r"\{%-?\s*comment\s*-?%\}.*?(?:\{%-?\s*endcomment\s*-?%\}|\Z)",
    re.DOTALL,
)
_ARG = re.compile(r"""(?:([\w-]+)=)?("(?:[^"\\]|\\.)*"|`[^`]*`|'[^']*'|\S+)""")

#: Paired Hugo shortcodes whose inside is code: shown as a fenced block.
_CODE_SHORTCODES = frozenset({"highlight", "code-toggle", "code", "syntax"})


def _hugo_args(raw: str) -> tuple[list[str], dict[str, str]]:
    """Positional and named arguments of a shortcode, quotes removed."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for key, value in _ARG.findall(raw):
        if value[:1] in "\"`'" and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1].replace('\\"', '"')
        if key:
            named[key] = value
        else:
            positional.append(value)
    return positional, named


def _first(named: dict[str, str], positional: list[str], *keys: str) -> str:
    for key in keys:
        if named.get(key):
            return named[key]
    return positional[0] if positional else ""


def _figure(pos: list[str], named: dict[str, str], label: str = "figure") -> str:
    src = _first(named, pos, "src", "link")
    text = _first(named, [], "caption", "title", "alt")
    if text and src:
        return f"[{label}: {text} ({src})]"
    return f"[{label}: {text or src}]"


def _video(pos: list[str], named: dict[str, str], url: str) -> str:
    return f"[video: {url}{_first(named, pos, 'id')}]"


def _x_post(pos: list[str], named: dict[str, str]) -> str:
    user, ident = named.get("user", ""), named.get("id", "")
    if not (user and ident) and len(pos) >= 2:
        user, ident = pos[0], pos[1]
    return f"[post: https://x.com/{user}/status/{ident}]"


def _gist(pos: list[str], named: dict[str, str]) -> str:
    return "[gist: https://gist.github.com/" + "/".join(pos[:2]) + "]"


def _labelled(label: str, pos: list[str]) -> str:
    return "[" + " ".join([label, *pos]) + "]"


_Renderer = Callable[[list[str], dict[str, str]], str]

#: How single (unpaired) Hugo shortcodes read as text.
_HUGO_RENDERERS: dict[str, _Renderer] = {
    "figure": _figure,
    "img": lambda pos, named: _figure(pos, named, "image"),
    "youtube": lambda pos, named: _video(pos, named, "https://www.youtube.com/watch?v="),
    "vimeo": lambda pos, named: _video(pos, named, "https://vimeo.com/"),
    "x": _x_post,
    "tweet": _x_post,
    "twitter": _x_post,
    "gist": _gist,
    "ref": lambda pos, named: _first(named, pos, "path"),
    "relref": lambda pos, named: _first(named, pos, "path"),
    "param": lambda pos, named: f"[param: {_first(named, pos, 'name')}]",
    "include": lambda pos, named: f"[include: {_first(named, pos, 'path', 'file')}]",
    "new-in": lambda pos, named: _labelled("new in", pos),
    "deprecated-in": lambda pos, named: _labelled("deprecated in", pos),
    "glossary-term": lambda pos, named: _first(named, pos, "term"),
}


_CLOSERS = {"<": ">", "%": "%"}


def _hugo_tag(match: re.Match[str], paired: set[str]) -> str:
    if _CLOSERS[match["ho"]] != match["hc"]:
        return match[0]  # mismatched delimiters: not a shortcode, show it as written
    name = match["name"]
    code = name in _CODE_SHORTCODES
    if match["close"]:
        return "```" if code else ""
    pos, named = _hugo_args(match["args"])
    if code and name in paired:
        return "```" + (_first(named, pos, "lang") if name != "code-toggle" else "")
    if name in paired and name not in _HUGO_RENDERERS:
        return ""  # a paired shortcode: its inner text carries the content
    renderer = _HUGO_RENDERERS.get(name)
    if renderer is not None:
        return renderer(pos, named)
    shown = " ".join([name, *pos, *(f"{k}={v}" for k, v in named.items())])
    return f"[{shown}]"


def _liquid_tag(match: re.Match[str]) -> str:
    name = match["lname"]
    args = match["largs"].split()
    if name == "highlight":
        return "```" + (args[0] if args else "")
    if name == "endhighlight":
        return "```"
    if name in {"post_url", "link"}:
        return args[0] if args else ""
    if name in {"include", "include_relative"}:
        return f"[include: {args[0]}]" if args else ""
    return ""  # control flow and assignments have no readable output


def _resolve_tags(text: str) -> str:
    paired = set(re.findall(r"\{\{[<%]\s*/\s*([\w.-]+(?:/[\w.-]+)*)", text))

    def replace(match: re.Match[str]) -> str:
        if match["escaped"] is not None:
            return "{{" + match["eo"] + match["escaped"] + match["ec"] + "}}"
        if match["name"] is not None:
            return _hugo_tag(match, paired)
        return _liquid_tag(match)

    return _TAGS.sub(replace, text)


def resolve_shortcodes(markdown: str) -> str:
    """Hugo shortcodes and Liquid tags turned into readable markdown text.

    `{{< figure src="x" caption="y" >}}` reads `[figure: y (x)]`, `{{< youtube ID >}}`
    `[video: https://www.youtube.com/watch?v=ID]`; paired shortcodes keep their inner text
    (code-like ones become fenced blocks); escaped `{{</* x */>}}` shows as `{{< x >}}`.
    Liquid: `{% raw %}` content is kept as written, `{% highlight lang %}` becomes a fence,
    `{% post_url x %}` and `{% link x %}` become their target, other tags are dropped.
    """
    if "{{" not in markdown and "{%" not in markdown:
        return markdown
    out: list[str] = []
    position = 0
    for block in _LIQUID_RAW.finditer(markdown):
        out.append(_resolve_tags(markdown[position : block.start()]))
        out.append(block[1] or "")  # raw content as written; comments vanish
        position = block.end()
    out.append(_resolve_tags(markdown[position:]))
    return "".join(out)


# --- plain text ----------------------------------------------------------------------------


#: What a post without a date shows where its date would be (one word: a TSV field).
UNDATED = "undated"


def format_day(post: Post) -> str:
    """The calendar date as written (`YYYY-MM-DD`), or `undated`."""
    return post.date.day.isoformat() if post.date else UNDATED


def status_marks(post: Post) -> list[str]:
    """The words that flag a post as not plainly published: draft, future, expired."""
    flags = (("draft", post.draft), ("future", post.future), ("expired", post.expired))
    return [word for word, on in flags if on]


def display_title(post: Post) -> str:
    """The sanitised title, or the path when a post has no title at all."""
    return sanitize(post.title) or sanitize(post.path)


def post_header_lines(post: Post) -> list[str]:
    """The plain header: the title underlined, then a labelled line for each header row
    (date, authors, tags, categories, status, path: model.header_rows)."""
    title = display_title(post)
    rule = "=" * min(_cells(title), 72)
    rows = header_rows(post, format_day)
    return [title, rule] + [f"{k + ':':<12}{sanitize(v)}" for k, v in rows]


def _cells(text: str) -> int:
    """Terminal columns of `text`: wide (CJK, fullwidth) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


#: The summary divider (`<!--more-->`): markup for the site generator, not text for readers.
_MORE_LINE = re.compile(r"^[ \t]*<!--\s*more\s*-->[ \t]*(?:\r?\n(?:[ \t]*\r?\n)?)?", re.MULTILINE)


def plain_body(post: Post) -> str:
    """The post's markdown with shortcodes resolved, the summary divider dropped and control
    characters removed."""
    body = _MORE_LINE.sub("", post.body) if "<!--" in post.body else post.body
    return sanitize(resolve_shortcodes(body))


def plain_post(post: Post) -> str:
    """Header, blank line, body: what piped `blogtui cat` prints for one post."""
    body = plain_body(post).strip("\n")
    lines = post_header_lines(post)
    return "\n".join(lines) + "\n\n" + (body + "\n" if body else "")


# --- rich ----------------------------------------------------------------------------------


#: Styles of the rich header's rows by label (the rest are plain).
_STYLES = {"Date": "green", "Status": "bold yellow", "Tags": "magenta", "Categories": "blue"}
#: Rows shown first and without their label: their values say what they are.
_BARE = ("Date", "Status")


def rich_header(post: Post) -> Text:
    """The header as styled Rich text (built from Text, never markup, so titles stay inert):
    the title; the date, the status and the other header rows on one line; the path."""
    from rich.text import Text

    header = Text()
    header.append(display_title(post), style="bold cyan")
    header.append("\n")
    *rows, (_path, path) = header_rows(post, format_day)
    bare = [(label, value) for label, value in rows if label in _BARE]
    for number, (label, value) in enumerate(bare):
        header.append(("  " if number else "") + value.replace(", ", "  "), style=_STYLES[label])
    for label, value in rows:
        if label not in _BARE:
            header.append(f"  {label.lower()}: ", style="dim")
            header.append(sanitize(value), style=_STYLES.get(label, ""))
    header.append("\n")
    header.append(sanitize(path), style="dim")
    return header


def rich_markdown(post: Post, *, code_theme: str = "monokai") -> RenderableType:
    """The body as a Rich Markdown renderable (shortcodes resolved, text sanitised)."""
    from rich.markdown import Markdown

    return Markdown(plain_body(post), code_theme=code_theme, hyperlinks=False)


def rich_post(post: Post) -> RenderableType:
    """Header, a rule and the rendered body of one post."""
    from rich.console import Group
    from rich.rule import Rule

    return Group(rich_header(post), Rule(style="dim"), rich_markdown(post))


def marked_text(text: str, marks: Sequence[tuple[int, int]], style: str = "bold reverse") -> Text:
    """Rich text with the `[start, end)` marks styled (text sanitised, marks kept aligned)."""
    from rich.text import Text

    clean, clean_marks = sanitize_marked(text, marks)
    result = Text(clean)
    for start, end in clean_marks:
        result.stylize(style, start, end)
    return result
