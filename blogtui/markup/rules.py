"""markdown-it rules for what CommonMark does not know: template tags, callouts, MDX, wiki-links.

Each rule runs where markdown-it would look for a construct, after code blocks and code
spans have been recognised, so nothing written inside code is ever interpreted. The rules
emit `blog_*` tokens whose `meta` carries a Meaning or a ready node for the builder.
"""

from __future__ import annotations

import re
import textwrap
from bisect import bisect_right

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from blogtui.markup import nodes
from blogtui.markup.templates import (
    CALLOUT_TONES,
    Meaning,
    Tag,
    callout_label,
    find_closer,
    meaning,
    tag_at,
)

_BLOCK_SINGLES = frozenset({"media", "include", "drop"})
_CODE_KINDS = frozenset({"code", "math"})


def use_all(md: MarkdownIt) -> None:
    """Add every rule of this module to `md`."""
    alt = ["paragraph", "reference", "blockquote", "list"]
    md.block.ruler.after("fence", "mdx_esm", mdx_esm, {"alt": []})
    md.block.ruler.after("fence", "mdx_comment_block", mdx_comment_block, {"alt": alt})
    md.block.ruler.after("fence", "template_block", template_block, {"alt": alt})
    md.block.ruler.after("fence", "admonition", admonition, {"alt": alt})
    md.block.ruler.before("html_block", "jsx_block", jsx_block, {"alt": alt})
    md.block.ruler.before("table", "lenient_table", lenient_table, {"alt": ["paragraph"]})
    md.inline.ruler.after("text", "mdx_comment", mdx_comment_inline)
    md.inline.ruler.after("mdx_comment", "template_inline", template_inline)
    md.inline.ruler.before("link", "wikilink", wikilink)
    md.inline.ruler.before("html_inline", "jsx_inline", jsx_inline)
    md.core.ruler.after("block", "alerts", alerts)
    md.core.ruler.after("alerts", "attributes", attributes)


# --- helpers -------------------------------------------------------------------------------


def _line_of(state: StateBlock, pos: int, first: int) -> int:
    """The line (at or after `first`) whose text holds offset `pos`."""
    return max(first, bisect_right(state.bMarks, pos, lo=first, hi=state.lineMax) - 1)


def _lines_between(state: StateBlock, start: int, end: int, first: int, last: int) -> str:
    """The source from offset `start` (on line `first`) to `end` (on line `last`); the lines
    after the first are dedented together (a list item's indentation goes), and inside a
    block quote they start after its `>` markers (markdown-it moved their beginnings)."""
    if first == last:
        return state.src[start:end]
    head = state.src[start : state.eMarks[first]]
    rest = [
        state.src[state.bMarks[line] : end if line == last else state.eMarks[line]]
        for line in range(first + 1, last + 1)
    ]
    return head + "\n" + textwrap.dedent("\n".join(rest))


def tokenize_text(state: StateBlock, text: str) -> None:
    """Parse `text` as markdown blocks into the current token stream (a shortcode's body)."""
    if not text.strip():
        return
    sub = StateBlock(text, state.md, state.env, state.tokens)
    sub.level = state.level
    state.md.block.tokenize(sub, 0, sub.lineMax)


def _push_node(state: StateBlock | StateInline, kind: str, node: object) -> None:
    token = state.push(kind, "", 0)
    token.meta = {"node": node}


# --- template tags -------------------------------------------------------------------------


def template_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A template tag that starts a line: a paired one with its body, or a single one alone."""
    if state.is_code_block(start_line):
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[start : start + 1] != "{":
        return False
    tag = tag_at(state.src, start)
    if tag is None or tag.closing or tag.literal is not None:
        return False
    limit = state.eMarks[end_line - 1]
    closer = None if tag.self_closing else find_closer(state.src, tag, limit)
    if closer is None:
        return _single_block(state, tag, start_line, silent)
    if silent:
        return True
    last = _line_of(state, closer.start, start_line)
    inner = _lines_between(state, tag.end, closer.start, start_line, last)
    _emit_paired(state, meaning(tag, paired=True), inner)
    tail = state.src[closer.end : state.eMarks[last]]
    tokenize_text(state, tail)
    state.line = last + 1
    return True


def _single_block(state: StateBlock, tag: Tag, line: int, silent: bool) -> bool:
    last = _line_of(state, tag.end - 1, line)  # a tag's arguments may run over lines
    if last >= state.lineMax or state.src[tag.end : state.eMarks[last]].strip():
        return False
    found = meaning(tag, paired=False)
    if found.kind not in _BLOCK_SINGLES:
        return False
    if not silent:
        if found.kind == "media":
            _push_node(state, "blog_block", nodes.Media(found.label, found.url, found.text))
        elif found.kind == "include":
            _push_node(state, "blog_block", nodes.Paragraph([_include_label(found)]))
        state.line = last + 1
    return True


def _include_label(found: Meaning) -> nodes.Label:
    return nodes.Label(f"[{found.label}: {found.text}]" if found.text else f"[{found.label}]")


def _emit_paired(state: StateBlock, found: Meaning, inner: str) -> None:
    if found.kind in _CODE_KINDS:
        code = textwrap.dedent(inner.strip("\n").rstrip() if inner.strip() else "")
        token = state.push("fence", "code", 0)
        token.info = "math" if found.kind == "math" else found.label
        token.content = code + "\n" if code else ""
        token.meta = {"title": found.text}
        return
    if found.kind in {"tabs", "transparent"}:
        tokenize_text(state, textwrap.dedent(inner))
        return
    token = state.push("blog_open", "", 1)
    token.meta = {"meaning": found}
    tokenize_text(state, textwrap.dedent(inner))
    state.push("blog_close", "", -1)


def template_inline(state: StateInline, silent: bool) -> bool:
    """A template tag inside text: said in words, its body kept, or dropped."""
    if state.src[state.pos] != "{":
        return False
    tag = tag_at(state.src, state.pos)
    if tag is None:
        return False
    if silent:
        state.pos = tag.end
        return True
    closers: set[int] = state.env.setdefault("blog_closers", set())
    if tag.literal is not None:
        state.push("text", "", 0).content = tag.literal
    elif tag.closing:
        if tag.start in closers:
            state.push("blog_span_close", "", -1)
    else:
        closer = None if tag.self_closing else find_closer(state.src, tag)
        found = meaning(tag, paired=closer is not None)
        if closer is not None and found.kind in _CODE_KINDS:
            _push_node(state, "blog_span", nodes.Code(state.src[tag.end : closer.start].strip()))
            state.pos = closer.end
            return True
        if closer is not None:
            closers.add(closer.start)
            state.push("blog_span_open", "", 1).meta = {"meaning": found}
        else:
            _single_span(state, found)
    state.pos = tag.end
    return True


def _single_span(state: StateInline, found: Meaning) -> None:
    node: nodes.Span | None = None
    if found.kind == "media":
        node = nodes.Media(found.label, found.url, found.text)
    elif found.kind == "link":
        node = nodes.Link([nodes.Text(found.text)], found.url)
    elif found.kind == "text":
        node = nodes.Text(found.text)
    elif found.kind == "include":
        node = _include_label(found)
    elif found.kind == "label":
        node = nodes.Label(f"[{found.label}]")
    if node is not None:
        _push_node(state, "blog_span", node)


# --- callouts: GitHub alerts, Obsidian callouts, Docusaurus/VitePress admonitions ----------

_ALERT = re.compile(r"^\[!([\w-]+)\]([+-]?)[ \t]*(.*)$")


def alerts(state: StateCore) -> None:
    """`> [!NOTE]` (GitHub) and `> [!tip]- Title` (Obsidian) blockquotes become callouts."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "blockquote_open" or index + 2 >= len(tokens):
            continue
        para, inline = tokens[index + 1], tokens[index + 2]
        if para.type != "paragraph_open" or inline.type != "inline":
            continue
        first, _, rest = inline.content.partition("\n")
        match = _ALERT.match(first.strip())
        if match is None:
            continue
        kind = match[1].lower()
        label = callout_label(kind)
        tone = CALLOUT_TONES.get(kind, "note")
        title = match[3].strip()
        token.type = "blog_open"
        token.meta = {"meaning": Meaning("callout", label=label, tone=tone, text=title)}
        _close_of(tokens, index).type = "blog_close"
        inline.content = rest
        if not rest.strip():
            inline.content = ""


def _close_of(tokens: list[Token], index: int) -> Token:
    depth = 0
    for token in tokens[index:]:
        depth += token.nesting
        if depth == 0:
            return token
    return tokens[-1]


_ADMONITION = re.compile(
    r"^(?P<fence>:{3,})[ \t]*(?P<kind>[\w-]+)?[ \t]*(?:\[(?P<bracket>.*)\])?[ \t]*"
    r"(?P<title>.*?)[ \t]*(?:\{[^}]*\})?[ \t]*$"
)


def admonition(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """`:::note Title` / `:::tip[Title]` … `:::` (Docusaurus, VitePress, markdown-it-container)."""
    if state.is_code_block(start_line):
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    line_text = state.src[start : state.eMarks[start_line]]
    match = _ADMONITION.match(line_text) if line_text.startswith(":::") else None
    if match is None or not match["kind"]:
        return False
    if silent:
        return True
    width = len(match["fence"])
    last = _admonition_end(state, start_line, end_line, width)
    kind = match["kind"].lower()
    title = (match["bracket"] or match["title"] or "").strip()
    token = state.push("blog_open", "", 1)
    token.meta = {"meaning": _admonition_meaning(kind, title)}
    old_max, old_parent = state.lineMax, state.parentType
    state.lineMax, state.parentType = last, "container"
    state.md.block.tokenize(state, start_line + 1, last)
    state.lineMax, state.parentType = old_max, old_parent
    state.push("blog_close", "", -1)
    state.line = min(last + 1, end_line)
    return True


def _admonition_meaning(kind: str, title: str) -> Meaning:
    if kind in {"details", "spoiler", "collapse"}:
        return Meaning("details", label="details", text=title)
    if kind in CALLOUT_TONES:
        return Meaning("callout", label=callout_label(kind), tone=CALLOUT_TONES[kind], text=title)
    if kind in {"code-group", "tabs"}:
        return Meaning("section", label=kind.replace("-", " "), text=title)
    return Meaning("callout", label=callout_label(kind), tone="quiet", text=title)


def _admonition_end(state: StateBlock, start_line: int, end_line: int, width: int) -> int:
    for line in range(start_line + 1, end_line):
        begin = state.bMarks[line] + state.tShift[line]
        text = state.src[begin : state.eMarks[line]].rstrip()
        if state.sCount[line] < state.blkIndent and text:
            return line
        if len(text) >= width and text == ":" * len(text):
            return line
    return end_line


# --- MDX -----------------------------------------------------------------------------------

_ESM = re.compile(
    r"^(?:import\s+(?:[\w*{}\s,$]+\s+from\s+)?['\"]|import\s*\{|export\s+(?:default\b|const\b|"
    r"let\b|var\b|function\b|class\b|async\b|\{|\*))"
)


def mdx_esm(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """MDX `import`/`export` statements at the top level: code for the site, not text."""
    if state.blkIndent or state.parentType not in {"root", "paragraph"} or state.level:
        return False
    start = state.bMarks[start_line]
    if state.sCount[start_line] or not _ESM.match(state.src[start : state.eMarks[start_line]]):
        return False
    if silent:
        return True
    line = start_line + 1
    while line < end_line and not state.isEmpty(line):
        line += 1
    state.line = line
    return True


def mdx_comment_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A `{/* comment */}` on lines of its own: nothing to read."""
    if state.is_code_block(start_line):
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("{/*", start):
        return False
    close = state.src.find("*/}", start)
    if close < 0 or state.src[close + 3 : state.eMarks[_line_of(state, close, start_line)]].strip():
        return False
    last = _line_of(state, close, start_line)
    if last >= end_line:
        return False
    if not silent:
        state.line = last + 1
    return True


def mdx_comment_inline(state: StateInline, silent: bool) -> bool:
    """`{/* comment */}` inside text (and the `{/* truncate */}` marker): dropped."""
    if not state.src.startswith("{/*", state.pos):
        return False
    close = state.src.find("*/}", state.pos + 3)
    if close < 0:
        return False
    state.pos = close + 3
    return True


# A JSX tag: `<Name attr="x" attr={expression} flag>`, `</Name>`, `<Name />`.
_JSX_TAG = re.compile(
    r"</?[A-Za-z][\w.:-]*(?:\s+[\w:.@-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`{}]+|"
    r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}))?)*\s*/?>"
)


def _jsx_at(text: str, pos: int, mdx: bool = False) -> re.Match[str] | None:
    """A JSX tag at `pos`: any tag in MDX, elsewhere a component or a tag with `{…}`."""
    match = _JSX_TAG.match(text, pos)
    if match is None:
        return None
    tag = match[0]
    name = tag.lstrip("</")[:1]
    return match if mdx or "{" in tag or name.isupper() else None


def _tags_only(text: str, pos: int, end: int, mdx: bool) -> bool:
    """True if `text[pos:end]` holds JSX tags and nothing else (spaces aside)."""
    while pos < end:
        match = _jsx_at(text, pos, mdx)
        if match is None:
            return False
        pos = match.end()
        while pos < end and text[pos] in " \t":
            pos += 1
    return True


def jsx_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A line of JSX tags (`<Tabs>`, `<TabItem label="npm">`, `<div style={{…}}>`): raw HTML
    for the builder, and only that line, since what follows it is markdown again (MDX)."""
    if state.is_code_block(start_line):
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    end = state.eMarks[start_line]
    mdx = bool(state.md.options.get("mdx"))
    if state.src[start : start + 1] != "<" or _jsx_at(state.src, start, mdx) is None:
        return False
    if not _tags_only(state.src, start, end, mdx):
        return False
    if silent:
        return True
    token = state.push("html_block", "", 0)
    token.content = state.src[start:end] + "\n"
    token.map = [start_line, start_line + 1]
    state.line = start_line + 1
    return True


def jsx_inline(state: StateInline, silent: bool) -> bool:
    """A JSX tag inside text (attributes in braces, a capitalised component): raw HTML."""
    if state.src[state.pos] != "<":
        return False
    match = _jsx_at(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        state.push("html_inline", "", 0).content = match[0]
    state.pos = match.end()
    return True


# --- wiki-links ----------------------------------------------------------------------------

_WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n|#^]*)(?:#\^?([^\[\]\n|]*))?(?:\|([^\[\]\n]*))?\]\]")


def wikilink(state: StateInline, silent: bool) -> bool:
    """`[[Page]]`, `[[Page|alias]]`, `[[Page#Heading]]`, `![[Page]]` (Obsidian)."""
    if state.src[state.pos] not in "[!":
        return False
    match = _WIKILINK.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        page, heading, alias = match[2].strip(), (match[3] or "").strip(), (match[4] or "")
        node = nodes.WikiLink(page, heading, alias.strip(), embed=bool(match[1]))
        _push_node(state, "blog_span", node)
    state.pos = match.end()
    return True


# --- tables ------------------------------------------------------------------------------

_DELIMITER_ROW = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?")


def _row_cells(line: str) -> list[str]:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return re.split(r"(?<!\\)\|", line)


def lenient_table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A table whose delimiter row has more columns than its header: Goldmark (Hugo) reads
    it as a table of the header's width, markdown-it would read text. Read as Goldmark does."""
    if start_line + 2 > end_line or state.is_code_block(start_line):
        return False

    def line_of(number: int) -> str:
        return state.src[state.bMarks[number] + state.tShift[number] : state.eMarks[number]]

    head, delimiter = line_of(start_line), line_of(start_line + 1).strip()
    if "|" not in head or not _DELIMITER_ROW.fullmatch(delimiter):
        return False
    width = len(_row_cells(head))
    if len(_row_cells(delimiter)) <= width:
        return False
    if silent:
        return True
    last = start_line + 2
    while last < end_line and not state.isEmpty(last) and "|" in line_of(last):
        last += 1
    rows = [line_of(number) for number in range(start_line + 2, last)]
    tokenize_text(state, "\n".join([head, "|".join(_row_cells(delimiter)[:width]), *rows]))
    state.line = last
    return True


# --- attributes ----------------------------------------------------------------------------

_HEADING_ATTRS = re.compile(r"[ \t]*\{:?[ \t]*(#[\w:.-]+|\.[\w-]+)[^{}\n]*\}[ \t]*$")
_IAL = re.compile(r"^\{[:.#][^}\n]*\}$")


def attributes(state: StateCore) -> None:
    """Heading `{#id .class}` attributes (Hugo, kramdown, Pandoc), kramdown `{: …}` lines and
    Goldmark block attributes (`{.class}` alone on a line) are markup for the generator:
    the heading's anchor is kept, nothing is shown."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "inline":
            continue
        opener = tokens[index - 1] if index else None
        if opener is not None and opener.type == "heading_open":
            match = _HEADING_ATTRS.search(token.content)
            if match:
                opener.meta = {"anchor": match[1][1:] if match[1][0] == "#" else ""}
                token.content = token.content[: match.start()]
        elif opener is not None and opener.type == "paragraph_open":
            kept = [line for line in token.content.split("\n") if not _IAL.match(line.strip())]
            if len(kept) != token.content.count("\n") + 1:
                token.content = "\n".join(kept)
