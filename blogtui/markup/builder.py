"""markdown-it tokens (and the raw HTML among them) turned into a Document of nodes.

One stack of open containers serves markdown and HTML alike, so a `<details>` opened in
one HTML block holds the markdown that follows it until its `</details>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from markdown_it.token import Token

from blogtui.markup import nodes
from blogtui.markup.templates import Meaning, unescape_code
from blogtui.safe import sanitize

if TYPE_CHECKING:
    from blogtui.markup.html import HtmlReader

#: Marks text that a Liquid `{% raw %}` (or the Go blog's `{{raw}}`) protects from the
#: template rules; removed when the text becomes a node.
PROTECT = "\ue000"

InlineParser = Callable[[str], list[Token]]
_ATTRIBUTE = re.compile(r"\{[.#:][^{}]*\}")


def clean(text: str) -> str:
    """Text as it may reach a node: protection marks gone, terminal controls stripped."""
    return sanitize(text.replace(PROTECT, "")) if PROTECT in text else sanitize(text)


@dataclass(slots=True)
class Frame:
    """An open container: what it is, the blocks gathered so far and how it closes."""

    kind: str
    blocks: list[nodes.Block] = field(default_factory=list)
    meaning: Meaning | None = None
    tag: str = ""  # the HTML element name, for HTML frames
    ordered: bool = False
    start: int = 1
    items: list[list[nodes.Block]] = field(default_factory=list)
    checked: list[bool | None] = field(default_factory=list)
    title: list[nodes.Span] = field(default_factory=list)
    number: int = 0
    notes: list[tuple[int, list[nodes.Block]]] = field(default_factory=list)
    data: dict[str, object] = field(default_factory=dict)  # what an HTML element gathers


@dataclass(slots=True)
class _SpanFrame:
    """An open inline container (emphasis, a link, an inline shortcode's body)."""

    key: str
    spans: list[nodes.Span] = field(default_factory=list)
    make: Callable[[list[nodes.Span]], list[nodes.Span]] = lambda spans: spans


class Builder:
    """Consumes a token stream; `document()` returns what it built."""

    def __init__(self, inline_parser: InlineParser) -> None:
        self.stack: list[Frame] = [Frame("root")]
        self.parse_inline = inline_parser
        self.loose: list[nodes.Span] = []  # text of HTML blocks not yet in a paragraph
        self.html = _html_reader(self)

    # --- the stack ---------------------------------------------------------------------
    @property
    def top(self) -> Frame:
        return self.stack[-1]

    def add(self, block: nodes.Block | None) -> None:
        """Append a finished block to the innermost open container."""
        if block is None:
            return
        self.flush()
        self.top.blocks.append(block)

    def flush(self) -> None:
        """Close the paragraph of loose HTML text, if any."""
        self.html.close_spans()
        spans = _trim(list(self.loose))
        self.loose.clear()
        if spans:
            self.top.blocks.append(nodes.Paragraph(spans))

    def push(self, frame: Frame) -> None:
        self.flush()
        self.stack.append(frame)

    def pop(self, kind: str) -> Frame:
        """Close the innermost `kind` frame (and any HTML frame left open inside it)."""
        self.flush()
        while len(self.stack) > 1:
            frame = self.stack.pop()
            if frame.kind == kind:
                return frame
            self._finish(frame)
        return Frame(kind)

    def close_html(self, tag: str) -> bool:
        """Close the innermost open HTML `tag` if it is open above the markdown frames."""
        for index in range(len(self.stack) - 1, 0, -1):
            frame = self.stack[index]
            if frame.kind != "html":
                return False
            if frame.tag == tag:
                self.flush()
                while len(self.stack) > index:
                    self._finish(self.stack.pop())
                return True
        return False

    def _finish(self, frame: Frame) -> None:
        """Turn a closed frame into blocks of its parent."""
        from blogtui.markup.html import finish_html

        if frame.kind == "html" and frame.tag == "li" and self.top.tag in ("ul", "ol"):
            self.top.items.append(frame.blocks)
        elif frame.kind == "html":
            for block in finish_html(frame):
                self.add(block)
        elif frame.kind == "blog":
            self.add(_container(frame))
        else:  # a markdown frame closed implicitly: keep what it held
            for block in frame.blocks:
                self.add(block)

    def document(self) -> nodes.Document:
        """Close everything still open and return the blocks."""
        self.flush()
        while len(self.stack) > 1:
            self._finish(self.stack.pop())
        self.flush()
        return nodes.Document(self.stack[0].blocks)

    # --- tokens ------------------------------------------------------------------------
    def feed(self, tokens: list[Token]) -> None:
        """Build from a whole token stream."""
        index = 0
        while index < len(tokens):
            index = self._token(tokens, index)

    def _token(self, tokens: list[Token], index: int) -> int:
        token = tokens[index]
        handler = _BLOCK_HANDLERS.get(token.type)
        if handler is not None:
            return handler(self, tokens, index)
        return index + 1

    def spans(self, token: Token) -> list[nodes.Span]:
        """The spans of an inline token."""
        return inline_spans(token.children or [], self)


# --- block tokens ----------------------------------------------------------------------------

_Handler = Callable[[Builder, list[Token], int], int]


def _paragraph(builder: Builder, tokens: list[Token], index: int) -> int:
    inline = tokens[index + 1]
    spans = _trim(builder.spans(inline))
    if spans:
        builder.add(nodes.Paragraph(spans))
    return index + 3


def _heading(builder: Builder, tokens: list[Token], index: int) -> int:
    opener, inline = tokens[index], tokens[index + 1]
    anchor = (opener.meta or {}).get("anchor", "")
    builder.add(nodes.Heading(int(opener.tag[1:]), _trim(builder.spans(inline)), anchor))
    return index + 3


def _code(builder: Builder, tokens: list[Token], index: int) -> int:
    token = tokens[index]
    info = clean(token.info.strip())
    lang, _, rest = info.partition(" ")
    lang = lang.strip("{}.").split(",")[0]
    title = (token.meta or {}).get("title", "") or _fence_title(rest)
    builder.add(nodes.CodeBlock(clean(unescape_code(token.content)), lang, clean(title)))
    return index + 1


def _fence_title(rest: str) -> str:
    """A file name in a fence's info string: `title="a.js"` (Docusaurus) or `lang a.yml` (Hexo)."""
    for quote in ('title="', "title='", "title=”", "title=“"):
        if quote in rest:
            value = rest.split(quote, 1)[1]
            return value.split(quote[-1] if quote[-1] in "\"'" else "”", 1)[0]
    word = rest.strip().split(" ")[0] if rest.strip() else ""
    return word if "." in word and "=" not in word and "{" not in word else ""


def _open(kind: str, **extra: object) -> _Handler:
    def handler(builder: Builder, tokens: list[Token], index: int) -> int:
        frame = Frame(kind, **extra)  # type: ignore[arg-type]
        token = tokens[index]
        if kind == "list":
            frame.ordered = token.type == "ordered_list_open"
            frame.start = int(token.attrGet("start") or 1)
        if kind == "note":
            frame.number = int((token.meta or {}).get("id", 0)) + 1
        if kind == "blog":
            frame.meaning = (token.meta or {}).get("meaning")
            if frame.meaning is not None and frame.meaning.text:
                frame.title = inline_spans(builder.parse_inline(frame.meaning.text), builder)
        builder.push(frame)
        return index + 1

    return handler


def _close(kind: str, make: Callable[[Frame], nodes.Block | None]) -> _Handler:
    def handler(builder: Builder, tokens: list[Token], index: int) -> int:
        frame = builder.pop(kind)
        if kind == "item":
            builder.top.items.append(_unchecked(frame, builder.top))
            return index + 1
        if kind == "note":
            builder.top.notes.append((frame.number, frame.blocks))
            return index + 1
        builder.add(make(frame))
        return index + 1

    return handler


def _unchecked(frame: Frame, parent: Frame) -> list[nodes.Block]:
    """The item's blocks, its task box (`[ ]`, `[x]`) taken off into the list's `checked`."""
    blocks = frame.blocks
    state: bool | None = None
    if blocks and isinstance(blocks[0], nodes.Paragraph) and blocks[0].spans:
        first = blocks[0].spans[0]
        if isinstance(first, nodes.Text) and first.text[:4] in ("[ ] ", "[x] ", "[X] "):
            state = first.text[1] != " "
            first.text = first.text[4:]
    parent.checked.append(state)
    return blocks


def _footnotes(frame: Frame) -> nodes.Block:
    return nodes.Footnotes(frame.notes)


def _container(frame: Frame) -> nodes.Block | None:
    found = frame.meaning
    if found is None:
        return nodes.Quote(frame.blocks)
    if found.kind == "table":
        for block in frame.blocks:
            if isinstance(block, nodes.Table) and not block.caption:
                block.caption = found.text
                return nodes.Callout("", "quiet", frame.blocks) if len(frame.blocks) > 1 else block
        return nodes.Callout("table", "quiet", frame.blocks, frame.title)
    tone = found.tone if found.kind == "callout" else "quiet"
    label = found.label or ("details" if found.kind == "details" else "")
    title = frame.title
    if title and bare_text(title).strip().casefold() == label.casefold():
        title = []
    return nodes.Callout(label, tone, frame.blocks, title)  # type: ignore[arg-type]


def bare_text(spans: list[nodes.Span]) -> str:
    """The words of `spans` without any markup: link text, code as is, images as their alt."""
    out = []
    for span in spans:
        if isinstance(span, nodes.Text | nodes.Code):
            out.append(span.text)
        elif isinstance(span, nodes.Styled | nodes.Link):
            out.append(bare_text(span.children))
        elif isinstance(span, nodes.Image):
            out.append(span.alt)
    return "".join(out)


def _table(builder: Builder, tokens: list[Token], index: int) -> int:
    head: list[list[nodes.Span]] = []
    rows: list[list[list[nodes.Span]]] = []
    align: list[nodes.Align] = []
    in_head = False
    row: list[list[nodes.Span]] = []
    while index < len(tokens) and tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            (head.extend(row) if in_head else rows.append(row))
        elif token.type in ("th_open", "td_open"):
            if in_head:
                align.append(_align(token))
            row.append(_trim(builder.spans(tokens[index + 1])))
            index += 1
        index += 1
    if rows and _attribute_row(rows[-1]):
        rows.pop()  # `{.class}` under a table: a block attribute, markup for the site
    builder.add(nodes.Table(head, rows, align))
    return index + 1


def _attribute_row(row: list[list[nodes.Span]]) -> bool:
    filled = [bare_text(cell).strip() for cell in row if bare_text(cell).strip()]
    return len(filled) == 1 and bool(_ATTRIBUTE.fullmatch(filled[0]))


def _align(token: Token) -> nodes.Align:
    style = str(token.attrGet("style") or "")
    for word in ("left", "center", "right"):
        if word in style:
            return word
    return ""


def _rule(builder: Builder, tokens: list[Token], index: int) -> int:
    builder.add(nodes.Rule())
    return index + 1


def _node(builder: Builder, tokens: list[Token], index: int) -> int:
    builder.add(tokens[index].meta["node"])
    return index + 1


def _html_block(builder: Builder, tokens: list[Token], index: int) -> int:
    builder.html.block(tokens[index].content)
    return index + 1


def _definitions(builder: Builder, tokens: list[Token], index: int) -> int:
    items: list[tuple[list[nodes.Span], list[list[nodes.Block]]]] = []
    depth = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "dl_open":
            depth += 1
        elif token.type == "dl_close":
            depth -= 1
            if depth == 0:
                break
        elif token.type == "dt_open" and depth == 1:
            items.append((_trim(builder.spans(tokens[index + 1])), []))
            index += 2
        elif token.type == "dd_open" and depth == 1:
            index = _definition(builder, tokens, index, items)
            continue
        index += 1
    builder.add(nodes.Definitions(items))
    return index + 1


def _definition(
    builder: Builder,
    tokens: list[Token],
    index: int,
    items: list[tuple[list[nodes.Span], list[list[nodes.Block]]]],
) -> int:
    builder.push(Frame("dd"))
    index += 1
    while tokens[index].type != "dd_close":
        index = builder._token(tokens, index)
    frame = builder.pop("dd")
    if items:
        items[-1][1].append(frame.blocks)
    return index + 1


_BLOCK_HANDLERS: dict[str, _Handler] = {
    "paragraph_open": _paragraph,
    "heading_open": _heading,
    "fence": _code,
    "code_block": _code,
    "hr": _rule,
    "table_open": _table,
    "html_block": _html_block,
    "blog_block": _node,
    "dl_open": _definitions,
    "blockquote_open": _open("quote"),
    "blockquote_close": _close("quote", lambda frame: nodes.Quote(frame.blocks)),
    "bullet_list_open": _open("list"),
    "ordered_list_open": _open("list"),
    "bullet_list_close": _close(
        "list", lambda f: nodes.ListBlock(f.ordered, f.items, f.start, f.checked)
    ),
    "ordered_list_close": _close(
        "list", lambda f: nodes.ListBlock(f.ordered, f.items, f.start, f.checked)
    ),
    "list_item_open": _open("item"),
    "list_item_close": _close("item", lambda frame: None),
    "blog_open": _open("blog"),
    "blog_close": _close("blog", _container),
    "footnote_block_open": _open("footnotes"),
    "footnote_block_close": _close("footnotes", _footnotes),
    "footnote_open": _open("note"),
    "footnote_close": _close("note", lambda frame: None),
}


# --- inline tokens ---------------------------------------------------------------------------


def inline_spans(tokens: list[Token], builder: Builder) -> list[nodes.Span]:
    """The spans of an inline token's children."""
    stack = [_SpanFrame("root")]
    for token in tokens:
        _inline_token(token, stack, builder)
    while len(stack) > 1:
        _close_span(stack)
    return _merge(stack[0].spans)


_STYLES: dict[str, nodes.Emphasis] = {"em": "em", "strong": "strong", "s": "strike"}


def _inline_token(token: Token, stack: list[_SpanFrame], builder: Builder) -> None:
    out = stack[-1].spans
    kind = token.type
    if kind == "text":
        out.append(nodes.Text(clean(token.content)))
    elif kind == "code_inline":
        out.append(nodes.Code(clean(unescape_code(token.content))))
    elif kind in ("softbreak", "hardbreak"):
        out.append(nodes.Break(hard=kind == "hardbreak"))
    elif kind.endswith("_open") and kind[:-5] in _STYLES:
        stack.append(_SpanFrame(kind[:-5], make=styled_maker(_STYLES[kind[:-5]])))
    elif kind == "link_open":
        target = clean(str(token.attrGet("href") or ""))
        stack.append(_SpanFrame("link", make=link_maker(target)))
    elif kind.endswith("_close") and kind[:-6] in (*_STYLES, "link"):
        _close_until(stack, kind[:-6])
    elif kind == "image":
        alt = clean(_alt(token))
        out.append(nodes.Image(alt, clean(str(token.attrGet("src") or ""))))
    elif kind == "footnote_ref":
        out.append(nodes.FootnoteRef(int(token.meta["id"]) + 1))
    elif kind == "blog_span":
        out.append(token.meta["node"])
    elif kind == "blog_span_open":
        stack.append(_SpanFrame("blog", make=_inline_meaning(token.meta["meaning"])))
    elif kind == "blog_span_close":
        _close_until(stack, "blog")
    elif kind == "html_inline":
        builder.html.inline(token.content, stack)


SpanMaker = Callable[[list[nodes.Span]], list[nodes.Span]]


def styled_maker(style: nodes.Emphasis) -> SpanMaker:
    """What closing an emphasis span makes of the spans inside it."""

    def make(spans: list[nodes.Span]) -> list[nodes.Span]:
        return [nodes.Styled(style, spans)]

    return make


def link_maker(target: str) -> SpanMaker:
    """What closing a link makes of the spans inside it."""

    def make(spans: list[nodes.Span]) -> list[nodes.Span]:
        return [nodes.Link(spans, target)]

    return make


def _alt(token: Token) -> str:
    return "".join(child.content for child in token.children or []) or token.content


def _inline_meaning(found: Meaning) -> Callable[[list[nodes.Span]], list[nodes.Span]]:
    def make(spans: list[nodes.Span]) -> list[nodes.Span]:
        if found.kind == "callout":
            return [nodes.Label(f"{found.label}: "), *spans]
        return spans

    return make


def _close_until(stack: list[_SpanFrame], key: str) -> None:
    """Close the innermost open `key` span (and whatever is open inside it)."""
    if not any(frame.key == key for frame in stack[1:]):
        return
    while len(stack) > 1:
        frame = _close_span(stack)
        if frame.key == key:
            return


def _close_span(stack: list[_SpanFrame]) -> _SpanFrame:
    frame = stack.pop()
    stack[-1].spans.extend(frame.make(frame.spans))
    return frame


def _merge(spans: list[nodes.Span]) -> list[nodes.Span]:
    """Adjacent text spans joined into one (the parser splits text at every `{` and `*`)."""
    out: list[nodes.Span] = []
    for span in spans:
        if isinstance(span, nodes.Text) and out and isinstance(out[-1], nodes.Text):
            out[-1] = nodes.Text(out[-1].text + span.text)
        elif not (isinstance(span, nodes.Text) and not span.text):
            out.append(span)
    return out


def _trim(spans: list[nodes.Span]) -> list[nodes.Span]:
    """Spans without leading and trailing breaks and blank text."""
    spans = _merge(spans)
    while spans and (_blank(spans[0])):
        spans.pop(0)
    while spans and (_blank(spans[-1])):
        spans.pop()
    if spans and isinstance(spans[0], nodes.Text):
        spans[0] = nodes.Text(spans[0].text.lstrip())
    if spans and isinstance(spans[-1], nodes.Text):
        spans[-1] = nodes.Text(spans[-1].text.rstrip())
    return spans


def _blank(span: nodes.Span) -> bool:
    return isinstance(span, nodes.Break) or (isinstance(span, nodes.Text) and not span.text.strip())


def _html_reader(builder: Builder) -> HtmlReader:
    from blogtui.markup.html import HtmlReader

    return HtmlReader(builder)
