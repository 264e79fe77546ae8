"""A Document as plain text: what piped `blogtui cat` prints.

Markdown-like, so it reads well in a pager and greps well: `#` headings, `-` lists,
`>` quotes, fenced code exactly as written (its language named), pipe tables, links as
`text (url)` with the URL percent-decoded, footnote references as `[1]` and the notes
listed at the end, callouts and labelled sections as boxes headed by their label.
Paragraph lines are kept as the author broke them (no reflow: the pager wraps).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from blogtui.markup import nodes
from blogtui.markup.breaks import text_cells
from blogtui.markup.urls import display_url


def document_text(document: nodes.Document) -> str:
    """The whole document as text, blocks separated by blank lines."""
    return "\n\n".join(block_text(block) for block in document.blocks if block is not None)


def block_text(block: nodes.Block) -> str:
    """One block as text (no trailing newline)."""
    return _BLOCKS[type(block)](block)


def blocks_text(blocks: Iterable[nodes.Block]) -> str:
    """Several blocks, separated by blank lines."""
    return "\n\n".join(text for text in (block_text(b) for b in blocks) if text)


def spans_text(spans: Iterable[nodes.Span]) -> str:
    """Spans as text on as many lines as the author wrote."""
    return "".join(span_text(span) for span in spans)


def span_text(span: nodes.Span) -> str:
    """One span as text."""
    return _SPANS[type(span)](span)


def code_span(text: str) -> str:
    """Inline code in backticks, more of them than the code holds in a row."""
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _link(link: nodes.Link) -> str:
    text = spans_text(link.children)
    url = display_url(link.target)
    if not url or same_as_url(text, url):
        return text or url
    return f"{text} ({url})"


def same_as_url(text: str, url: str) -> bool:
    """True when a link's text says its URL already (`www.x.io` for `http://www.x.io`)."""
    text = text.strip()
    bare = url.removeprefix("mailto:").removeprefix("https://").removeprefix("http://")
    return text in (url, bare, bare.removesuffix("/"))


def media_text(media: nodes.Media) -> str:
    """`[figure: caption (src)]`, `[video: https://…]`: what a figure or an embed is."""
    url = display_url(media.url)
    if media.text and url:
        return f"[{media.kind}: {media.text} ({url})]"
    return f"[{media.kind}: {media.text or url}]"


def image_text(image: nodes.Image) -> str:
    """`[image: alt]` (the source when there is no alternative text)."""
    return f"[image: {image.alt or display_url(image.src)}]"


def wikilink_text(link: nodes.WikiLink) -> str:
    """A wiki-link reads as its alias or page; an embed says what it embeds."""
    return f"[embed: {link.label}]" if link.embed else link.label


_SPANS: dict[type, Callable[..., str]] = {
    nodes.Text: lambda span: span.text,
    nodes.Code: lambda span: code_span(span.text),
    nodes.Styled: lambda span: spans_text(span.children),
    nodes.Link: _link,
    nodes.Image: image_text,
    nodes.WikiLink: wikilink_text,
    nodes.FootnoteRef: lambda span: f"[{span.number}]",
    nodes.Label: lambda span: span.text,
    nodes.Break: lambda span: "\n",
    nodes.Media: media_text,
}

# --- blocks ----------------------------------------------------------------------------------


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    return "\n".join(
        (first if number == 0 else rest) + line if line or number == 0 else line
        for number, line in enumerate(lines)
    )


def _heading(block: nodes.Heading) -> str:
    return "#" * block.level + " " + spans_text(block.spans).replace("\n", " ")


def code_fence(text: str) -> str:
    """A fence longer than any run of backticks at the start of a line of `text`."""
    fence = "```"
    while any(line.lstrip().startswith(fence) for line in text.split("\n")):
        fence += "`"
    return fence


def _code(block: nodes.CodeBlock) -> str:
    text = block.text.removesuffix("\n")
    fence = code_fence(text)
    info = " ".join(part for part in (block.lang, block.title and f"({block.title})") if part)
    return f"{fence}{info}\n{text}\n{fence}" if text else f"{fence}{info}\n{fence}"


def _quote(block: nodes.Quote) -> str:
    return "\n".join(("> " + line).rstrip() for line in blocks_text(block.blocks).split("\n"))


def callout_heading(block: nodes.Callout) -> str:
    """`Note: Title`, `Warning`, `details: Summary`: the label, then the author's title."""
    title = spans_text(block.title).replace("\n", " ").strip()
    if block.label and title:
        return f"{block.label}: {title}"
    return block.label or title


def _callout(block: nodes.Callout) -> str:
    body = blocks_text(block.blocks)
    head = callout_heading(block)
    lines = [f"╭─ {head}" if head else "╭─"]
    lines += [("│ " + line).rstrip() for line in body.split("\n")] if body else []
    lines.append("╰─")
    return "\n".join(lines)


def _list(block: nodes.ListBlock) -> str:
    out = []
    for number, item in enumerate(block.items):
        marker = f"{block.start + number}. " if block.ordered else "- "
        checked = block.checked[number] if number < len(block.checked) else None
        if checked is not None:
            marker += "[x] " if checked else "[ ] "
        body = "\n".join(text for text in map(block_text, item) if text)
        out.append(_indent(body, marker, " " * len(marker)))
    return "\n".join(out)


def _definitions(block: nodes.Definitions) -> str:
    out = []
    for term, definitions in block.items:
        out.append(spans_text(term))
        out.extend(_indent(blocks_text(d), ": ", "  ") for d in definitions)
    return "\n".join(out)


def _cell(spans: list[nodes.Span]) -> str:
    return spans_text(spans).replace("\n", " ").replace("|", "\\|").strip()


def _table(block: nodes.Table) -> str:
    rows = [
        [_cell(cell) for cell in row] for row in ([block.head] if block.head else []) + block.rows
    ]
    columns = max((len(row) for row in rows), default=0)
    widths = [
        max((text_cells(row[i]) for row in rows if i < len(row)), default=0) for i in range(columns)
    ]
    widths = [max(3, width) for width in widths]
    lines = [f"Table: {block.caption}"] if block.caption else []
    for number, row in enumerate(rows):
        cells = [row[i] if i < len(row) else "" for i in range(columns)]
        padded = [text + " " * (widths[i] - text_cells(text)) for i, text in enumerate(cells)]
        lines.append(("| " + " | ".join(padded) + " |").rstrip())
        if number == 0 and block.head:
            lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def _footnotes(block: nodes.Footnotes) -> str:
    notes = [_indent(blocks_text(blocks), f"[{number}] ", "    ") for number, blocks in block.notes]
    return "---\n" + "\n".join(notes)


_BLOCKS: dict[type, Callable[..., str]] = {
    nodes.Paragraph: lambda block: spans_text(block.spans),
    nodes.Heading: _heading,
    nodes.CodeBlock: _code,
    nodes.Quote: _quote,
    nodes.Callout: _callout,
    nodes.ListBlock: _list,
    nodes.Definitions: _definitions,
    nodes.Table: _table,
    nodes.Rule: lambda block: "---",
    nodes.Media: media_text,
    nodes.Footnotes: _footnotes,
}
