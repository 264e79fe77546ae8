"""Raw HTML (and MDX's JSX) in a post, read as a reader would see it.

Links stay links, images read as their alternative text, `<details>` as a section under its
summary, `<table>` as a table, `<pre>` as code, `<figure>` as a figure with its caption;
comments, scripts and styles show nothing. A JSX component with a `title` or `label`
becomes a labelled section; any other shows its children.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import cast

from blogtui.markup import nodes
from blogtui.markup.builder import (
    Builder,
    Frame,
    _close_until,
    _merge,
    _SpanFrame,
    _trim,
    bare_text,
    clean,
    link_maker,
    styled_maker,
)
from blogtui.markup.templates import Meaning, Tag, callout_kind, meaning

_SKIP = frozenset(
    {
        "script",
        "style",
        "template",
        "noscript",
        "svg",
        "math",
        "head",
        "title",
        "select",
        "textarea",
        "button",
        "object",
    }
)
_INLINE_STYLES: dict[str, nodes.Emphasis] = {
    "strong": "strong",
    "b": "strong",
    "em": "em",
    "i": "em",
    "cite": "em",
    "var": "em",
    "del": "strike",
    "s": "strike",
    "strike": "strike",
    "mark": "mark",
    "sup": "sup",
    "sub": "sub",
    "kbd": "kbd",
    "u": "em",
    "ins": "em",
    "dfn": "em",
}
_CONTAINERS = frozenset(
    {
        "div",
        "section",
        "article",
        "aside",
        "header",
        "footer",
        "main",
        "nav",
        "center",
        "blockquote",
        "details",
        "figure",
        "ul",
        "ol",
        "li",
        "dl",
        "dd",
        "dt",
        "form",
        "fieldset",
        "address",
        "hgroup",
        "picture",
        "body",
        "html",
    }
)
_BREAKS = frozenset({"p", "br", "hr", "tr", "table", "thead", "tbody", "tfoot"})
_MEDIA = {"iframe": "embed", "video": "video", "audio": "audio", "embed": "embed"}
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_SPACE = re.compile(r"[ \t\r\n\f]+")


class HtmlReader(HTMLParser):
    """Feeds HTML to a Builder: blocks open and close its frames, text joins its spans."""

    def __init__(self, builder: Builder) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = builder
        self.spans: list[_SpanFrame] = [_SpanFrame("root", builder.loose)]
        self.skipping: list[str] = []
        self.pre: list[str] | None = None
        self.pre_lang = ""
        self.capture: list[tuple[str, _SpanFrame]] = []  # heading, summary, caption, cell

    # --- entry points ------------------------------------------------------------------
    def block(self, html: str) -> None:
        """An HTML block: its elements are blocks and spans of the post."""
        self.spans = [_SpanFrame("root", self.builder.loose)]
        self.reset()
        self.feed(html)
        self.goahead(True)
        if self.pre is None and not self.capture:
            self.builder.flush()

    def inline(self, html: str, stack: list[_SpanFrame]) -> None:
        """An HTML tag inside a paragraph: it opens or closes spans of `stack`."""
        saved = self.spans
        self.spans = stack
        self.reset()
        self.feed(html)
        self.goahead(True)
        self.spans = saved

    def close_spans(self) -> None:
        """Close inline elements left open at a block boundary."""
        while len(self.spans) > 1 and self.spans[0].spans is self.builder.loose:
            _close_until(self.spans, self.spans[-1].key)

    @property
    def out(self) -> list[nodes.Span]:
        return self.spans[-1].spans

    # --- the parser's callbacks ----------------------------------------------------------
    def handle_comment(self, data: str) -> None:
        """Comments show nothing and contribute no links."""

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.pre is not None:
            self.pre.append(data)
            return
        text = _SPACE.sub(" ", data)
        if text:
            self.out.append(nodes.Text(clean(text)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs, closed=True)

    def handle_starttag(
        self, tag: str, attrs: list[tuple[str, str | None]], closed: bool = False
    ) -> None:
        raw = self.get_starttag_text() or ""
        name = _element_name(raw) or tag
        values = {key.lower(): clean(value or "") for key, value in attrs}
        if self.skipping:
            if tag == self.skipping[-1] and not closed:
                self.skipping.append(tag)
            return
        if self.pre is not None:
            if tag == "code" and not self.pre_lang:
                self.pre_lang = _lang(values)
            return
        if tag in _SKIP and not closed:
            self.skipping.append(tag)
            return
        self._start(tag, name, values, closed)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if self.pre is not None:
            if tag == "pre":
                self._end_pre()
            return
        self._end(tag)

    # --- elements --------------------------------------------------------------------------
    def _start(self, tag: str, name: str, attrs: dict[str, str], closed: bool) -> None:
        if tag in ("video", "audio") and not attrs.get("src") and not closed:
            self._open_container(tag, name, attrs)
        elif tag in ("img", "source") or tag in _MEDIA:
            self._media(tag, attrs)
        elif tag == "br":
            self.out.append(nodes.Break(hard=True))
        elif tag == "hr":
            self.builder.add(nodes.Rule())
        elif tag == "a":
            self.spans.append(_SpanFrame("a", make=link_maker(attrs.get("href", ""))))
        elif tag in _INLINE_STYLES:
            self.spans.append(_SpanFrame(tag, make=styled_maker(_INLINE_STYLES[tag])))
        elif tag == "code":
            self.spans.append(_SpanFrame("code", make=lambda s: [nodes.Code(bare_text(s))]))
        elif tag == "input" and attrs.get("type") == "checkbox":
            self.out.append(nodes.Text("☑ " if "checked" in attrs else "☐ "))
        elif tag == "pre":
            self.builder.flush()
            self.pre, self.pre_lang = [], _lang(attrs)
        elif self._in_inline():
            return  # a block element inside a paragraph: its text flows on
        elif tag in _HEADINGS or tag in ("summary", "figcaption", "caption", "td", "th", "dt"):
            self._start_capture(tag)
        elif tag in ("p", "tr", "table", "thead", "tbody", "tfoot"):
            self._block_break(tag, attrs)
        elif not closed and (tag in _CONTAINERS or name[:1].isupper()):
            self._open_container(tag, name, attrs)

    def _end(self, tag: str) -> None:
        if tag in ("a", "code") or tag in _INLINE_STYLES:
            _close_until(self.spans, tag)
        elif self.capture and self.capture[-1][0] == tag:
            self._end_capture()
        elif tag in ("p", "table", "tr"):
            self._end_cell()
            if tag == "table":
                self._end_table()
            if tag != "tr":
                self.builder.flush()
        elif tag in _CONTAINERS or tag not in _BREAKS:
            self.builder.close_html(tag)

    def _in_inline(self) -> bool:
        """True while reading an HTML tag inside a paragraph (not an HTML block)."""
        return self.spans[0].spans is not self.builder.loose

    def _media(self, tag: str, attrs: dict[str, str]) -> None:
        src = attrs.get("src", "") or attrs.get("data-src", "") or attrs.get("srcset", "")
        if tag == "img":
            self.out.append(nodes.Image(attrs.get("alt", "") or attrs.get("title", ""), src))
        elif tag == "source":
            frame = self._html_frame()
            if frame is not None and frame.tag in ("video", "audio") and src:
                frame.data.setdefault("src", src)
        elif src:
            kind = _MEDIA[tag]
            self.out.append(nodes.Media(kind, src, attrs.get("title", "")))

    def _html_frame(self) -> Frame | None:
        top = self.builder.top
        return top if top.kind == "html" else None

    def _block_break(self, tag: str, attrs: dict[str, str]) -> None:
        self._end_cell()
        self.builder.flush()
        frame = self._table_frame()
        if tag == "table":
            self.builder.push(Frame("html", tag="table-rows", data={"rows": [], "head": []}))
        elif tag == "tr" and frame is not None:
            cast(list[list[list[nodes.Span]]], frame.data["rows"]).append([])

    def _table_frame(self) -> Frame | None:
        for frame in reversed(self.builder.stack):
            if frame.tag == "table-rows":
                return frame
        return None

    def _end_table(self) -> None:
        frame = self._table_frame()
        if frame is not None:
            self.builder.close_html("table-rows")

    def _end_cell(self) -> None:
        """Close a table cell left open (`<td>a<td>b`, `<tr>` without `</td>`)."""
        if self.capture and self.capture[-1][0] in ("td", "th"):
            self._end_capture()

    def _start_capture(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._end_cell()
        if tag in _HEADINGS or tag in ("dt",):
            self.builder.flush()
        span = _SpanFrame(tag, make=lambda spans: [])
        self.capture.append((tag, span))
        self.spans.append(span)

    def _end_capture(self) -> None:
        tag, frame = self.capture.pop()
        _close_until(self.spans, frame.key)
        spans = _trim(frame.spans)
        if tag in _HEADINGS:
            self.builder.add(nodes.Heading(_HEADINGS[tag], spans))
        elif tag in ("td", "th"):
            self._cell(tag, spans)
        elif tag == "dt":
            self.builder.add(nodes.Paragraph([nodes.Styled("strong", spans)]))
        else:
            self._title(tag, spans)

    def _cell(self, tag: str, spans: list[nodes.Span]) -> None:
        frame = self._table_frame()
        if frame is None:
            self.out.extend(spans)
            return
        rows = cast(list[list[list[nodes.Span]]], frame.data["rows"])
        if not rows:
            rows.append([])
        rows[-1].append(spans)
        if tag == "th" and len(rows) == 1:
            frame.data["head"] = rows[0]

    def _title(self, tag: str, spans: list[nodes.Span]) -> None:
        for frame in reversed(self.builder.stack):
            if frame.kind != "html":
                break
            if (tag, frame.tag) in (("summary", "details"), ("figcaption", "figure")):
                frame.title = spans
                return
            if tag == "caption" and frame.tag == "table-rows":
                frame.data["caption"] = bare_text(spans)
                return
        if spans:
            self.builder.add(nodes.Paragraph(spans))

    def _end_pre(self) -> None:
        text = "".join(self.pre or [])
        self.pre = None
        self.builder.add(nodes.CodeBlock(clean(text.removeprefix("\n")), self.pre_lang))

    def _open_container(self, tag: str, name: str, attrs: dict[str, str]) -> None:
        if tag == "li" and self.builder.top.tag == "li":
            self.builder.close_html("li")  # `<li>a<li>b`: the first item ends at the second
        frame = Frame("html", tag=tag, meaning=element_meaning(name, attrs))
        if tag in ("video", "audio"):
            frame.data["src"] = attrs.get("src", "")
        self.builder.push(frame)


_NAME = re.compile(r"</?([A-Za-z][\w.:-]*)")


def _element_name(raw: str) -> str:
    """The element's name as written (HTMLParser lowers it; JSX components are capitalised)."""
    match = _NAME.match(raw)
    return match[1] if match else ""


def _lang(attrs: dict[str, str]) -> str:
    for word in attrs.get("class", "").split():
        if word.startswith(("language-", "lang-")):
            return word.split("-", 1)[1]
    return attrs.get("data-lang", "") or attrs.get("lang", "")


_CALLOUT_CLASSES = (
    "admonition",
    "alert",
    "callout",
    "notice",
    "note",
    "warning",
    "tip",
    "hint",
    "caution",
    "danger",
    "important",
    "info",
)


def element_meaning(name: str, attrs: dict[str, str]) -> Meaning:
    """What an HTML element or JSX component means as a container."""
    lower = name.lower()
    if name[:1].isupper():  # a JSX component: the one general rule
        tag = Tag("html", lower.replace("_", "-"), 0, 0, named=attrs)
        found = meaning(tag, paired=True)
        if found.kind == "section":
            title = attrs.get("title") or attrs.get("label") or attrs.get("heading", "")
            return Meaning("section", label=title) if title else Meaning("transparent")
        return found
    if lower == "details":
        return Meaning("details", label="details")
    if lower == "blockquote":
        return Meaning("quote")
    classes = attrs.get("class", "").lower().replace("-", " ").split()
    if lower in ("div", "aside", "section") and any(c in _CALLOUT_CLASSES for c in classes):
        words = [word for word in classes if word not in ("admonition", "alert", "callout")]
        for word in [*words, *classes]:
            kind = callout_kind(Tag("html", word, 0, 0))
            if kind is not None:
                return Meaning("callout", label=kind[0], tone=kind[1])
    return Meaning("transparent")


def finish_html(frame: Frame) -> list[nodes.Block]:
    """The blocks a closed HTML element stands for."""
    if frame.tag == "table-rows":
        return [_table(frame)]
    if frame.tag in ("ul", "ol"):
        return [_list(frame)]
    if frame.tag == "figure":
        return _figure(frame)
    if frame.tag in ("video", "audio") and frame.data.get("src"):
        return [nodes.Media(frame.tag, str(frame.data["src"])), *frame.blocks]
    found = frame.meaning or Meaning("transparent")
    if found.kind == "quote":
        return [nodes.Quote(frame.blocks)]
    if found.kind in ("transparent", "tabs", "drop") or (not frame.blocks and not frame.title):
        return frame.blocks
    tone = found.tone if found.kind == "callout" else "quiet"
    title = frame.title or ([nodes.Text(found.text)] if found.text else [])
    return [nodes.Callout(found.label, tone, frame.blocks, title)]  # type: ignore[arg-type]


def _table(frame: Frame) -> nodes.Table:
    rows = [row for row in cast(list[list[list[nodes.Span]]], frame.data["rows"]) if row]
    head = cast(list[list[nodes.Span]], frame.data.get("head") or [])
    if head and rows and rows[0] is head:
        rows = rows[1:]
    caption = str(frame.data.get("caption", ""))
    return nodes.Table(head, rows, [], caption)


def _list(frame: Frame) -> nodes.ListBlock:
    items = list(frame.items)
    if frame.blocks:  # text outside any <li>
        items.insert(0, frame.blocks)
    return nodes.ListBlock(frame.tag == "ol", items)


def _figure(frame: Frame) -> list[nodes.Block]:
    caption = bare_text(frame.title).strip()
    out: list[nodes.Block] = []
    for block in frame.blocks:
        spans = block.spans if isinstance(block, nodes.Paragraph) else []
        images = [span for span in spans if isinstance(span, nodes.Image)]
        if images and len(images) == len(_merge([s for s in spans if not _blank(s)])):
            out.extend(nodes.Media("figure", image.src, caption or image.alt) for image in images)
            caption = ""
        else:
            out.append(block)
    if caption:
        out.append(nodes.Paragraph([nodes.Styled("em", [nodes.Text(caption)])]))
    return out


def _blank(span: nodes.Span) -> bool:
    return isinstance(span, nodes.Break) or (isinstance(span, nodes.Text) and not span.text.strip())
