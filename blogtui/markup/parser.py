"""The markdown parser blogtui reads posts with: CommonMark, GFM tables and strikethrough,
footnotes, definition lists and autolinks, plus our rules (blogtui.markup.rules).

Before parsing, what the generator itself does to the text first is done here too:
Liquid's `{% raw %}` and the Go blog's ``{{raw `…`}}`` show their inside as written (in
Jekyll and on go.dev they are how authors keep template syntax from running).
"""

from __future__ import annotations

import re
from functools import cache

import mdurl
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from blogtui.markup import nodes, rules
from blogtui.markup.builder import PROTECT, Builder
from blogtui.markup.templates import meaning, tag_at
from blogtui.model import Post

# mdurl fills its lookup tables on first use, publishing each table before it is full, so
# two threads parsing their first links at once (the reader renders in workers) can index a
# half-built table. Filling them here, under the import lock, leaves nothing to race on.
mdurl.encode("")
mdurl.decode("", mdurl.DECODE_DEFAULT_CHARS + "%")

_LIQUID_RAW = re.compile(
    r"\{%-?\s*raw\s*-?%\}(.*?)(?:\{%-?\s*endraw\s*-?%\}|\Z)|"
    r"\{%-?\s*comment\s*-?%\}.*?(?:\{%-?\s*endcomment\s*-?%\}|\Z)",
    re.DOTALL,
)
_GO_RAW = re.compile(r"\{\{raw\s+(?:`([^`]*)`|\"((?:[^\"\\]|\\.)*)\")\s*\}\}")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
# A tag that makes a link target, where markdown or HTML expects one: `]({{< ref "x" >}})`,
# `[a]: {% post_url x %}`, `href="{{< relref x >}}"`.
_TARGET_TAG = re.compile(
    r"(\]\(\s*<?|^\[[^\]\n]+\]:[ \t]*|href=[\"'])"  # where a target is expected
    r"(\{\{[<%].*?[>%]\}\}|\{%.*?%\})",  # a Hugo shortcode or a Liquid tag
    re.MULTILINE,
)


@cache
def markdown(mdx: bool = False) -> MarkdownIt:
    """The configured parser (built once; parsing keeps no state in it).

    MDX has no indented code blocks (indentation there is JSX layout), so `mdx` turns
    them off; fences may then be indented like the components around them.
    """
    options = {"html": True, "linkify": True, "typographer": False, "mdx": mdx}
    md = MarkdownIt("commonmark", options)
    md.enable(["table", "strikethrough", "linkify"])
    if mdx:
        md.disable("code")
    # Autolinks as GFM and Goldmark find them: with a scheme or `www.`, never a bare
    # domain (`a.en.md` is a file name, not a site in Moldova).
    if md.linkify is not None:  # linkify-it-py, which markdown-it-py[linkify] brings
        md.linkify.set({"fuzzy_link": False})
    md.use(footnote_plugin)
    md.use(deflist_plugin)
    rules.use_all(md)
    return md


def _protect(text: str) -> str:
    """Template syntax in `text` made inert for our rules (the mark is removed later)."""
    return text.replace("{{", "{" + PROTECT + "{").replace("{%", "{" + PROTECT + "%")


def _liquid_raw(match: re.Match[str]) -> str:
    return _protect(match[1]) if match[1] is not None else ""


def _outside_fences(text: str) -> list[tuple[int, int]]:
    """Spans of `text` outside fenced code (a quick scan: fences at most 3 spaces in)."""
    spans, position, opened = [], 0, ""
    for match in _FENCE.finditer(text):
        marker = match[1]
        if not opened:
            spans.append((position, match.start()))
            opened = marker
        elif marker[0] == opened[0] and len(marker) >= len(opened):
            line_end = text.find("\n", match.end())
            if not text[match.end() : line_end if line_end >= 0 else len(text)].strip():
                opened, position = "", match.end()
    if not opened:
        spans.append((position, len(text)))
    return spans


def _go_raw(text: str) -> str:
    out, position = [], 0
    for start, end in _outside_fences(text):
        out.append(text[position:start])
        out.append(
            _GO_RAW.sub(lambda m: _protect(m[1] if m[1] is not None else m[2]), text[start:end])
        )
        position = end
    out.append(text[position:])
    return "".join(out)


def _target_tag(match: re.Match[str]) -> str:
    tag = tag_at(match[2], 0)
    if tag is None or tag.end != len(match[2]):
        return match[0]
    found = meaning(tag, paired=False)
    return match[1] + found.url if found.kind == "link" else match[0]


def prepare(body: str) -> str:
    """The body as the generator hands it to its markdown renderer: raw regions kept as
    written, link targets made by a tag (`{{< ref >}}`, `{% post_url %}`) resolved."""
    if "{%" in body:
        body = _LIQUID_RAW.sub(_liquid_raw, body)
    if "{{raw" in body:
        body = _go_raw(body)
    if "{{" in body or "{%" in body:
        body = _TARGET_TAG.sub(_target_tag, body)
    return body


def parse(body: str, *, mdx: bool = False) -> nodes.Document:
    """The Document of a post's markdown body (`mdx` for an `.mdx` file)."""
    md = markdown(mdx)
    env: dict[str, object] = {}
    tokens = md.parse(prepare(body), env)
    builder = Builder(lambda text: _inline_children(md, text, env))
    builder.feed(tokens)
    return builder.document()


def parse_post(post: Post, text: str | None = None) -> nodes.Document:
    """The Document of a post's body (or of `text`, a part of it), read in its file's dialect.

    A post whose body is empty shows its front-matter prose (`intro:`...) as its body.
    """
    return parse(body_text(post) if text is None else text, mdx=post.path.endswith(".mdx"))


def body_text(post: Post) -> str:
    """The markdown a post shows as its body: the body, or its front-matter prose if the
    body is blank."""
    return post.body if post.body.strip() or not post.prose else post.prose


def header_prose(post: Post) -> str:
    """The front-matter prose shown under the header ("" when it stands in for the body)."""
    return post.prose if post.body.strip() else ""


def _inline_children(md: MarkdownIt, text: str, env: dict[str, object]) -> list[Token]:
    tokens = md.parseInline(text, env)
    return (tokens[0].children or []) if tokens else []
