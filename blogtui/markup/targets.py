"""The links of a document, in reading order: what the links picker offers.

A link around an image (a badge) is one link, labelled by the image's text; an image on
its own is an image; wiki-links, figures and embeds are there too. HTML comments were never
parsed into the document, so they contribute nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from blogtui.markup import nodes
from blogtui.markup.plain import spans_text
from blogtui.safe import sanitize


@dataclass(frozen=True, slots=True)
class Target:
    """A link or image found in a post: what it says and where it points."""

    label: str
    target: str
    image: bool = False


def targets(document: nodes.Document) -> list[Target]:
    """Every link and image of the document, each target once, in reading order."""
    seen: set[str] = set()
    found: list[Target] = []
    for target in _blocks(document.blocks):
        if target.target and target.target not in seen:
            seen.add(target.target)
            found.append(Target(sanitize(target.label), target.target, target.image))
    return found


def _blocks(blocks: list[nodes.Block]) -> Iterator[Target]:
    for block in blocks:
        yield from _block(block)


def _block(block: nodes.Block) -> Iterator[Target]:
    if isinstance(block, nodes.Paragraph | nodes.Heading):
        yield from _spans(block.spans)
    elif isinstance(block, nodes.Quote):
        yield from _blocks(block.blocks)
    elif isinstance(block, nodes.Callout):
        yield from _spans(block.title)
        yield from _blocks(block.blocks)
    elif isinstance(block, nodes.ListBlock):
        for item in block.items:
            yield from _blocks(item)
    elif isinstance(block, nodes.Definitions):
        for term, definitions in block.items:
            yield from _spans(term)
            for definition in definitions:
                yield from _blocks(definition)
    elif isinstance(block, nodes.Table):
        for cell in [*block.head, *(cell for row in block.rows for cell in row)]:
            yield from _spans(cell)
    elif isinstance(block, nodes.Media):
        yield from _media(block)
    elif isinstance(block, nodes.Footnotes):
        for _, note in block.notes:
            yield from _blocks(note)


def _spans(spans: list[nodes.Span]) -> Iterator[Target]:
    for span in spans:
        if isinstance(span, nodes.Link):
            yield Target(_label(span), span.target)
        elif isinstance(span, nodes.Image):
            yield Target(span.alt or span.src, span.src, image=True)
        elif isinstance(span, nodes.WikiLink):
            yield Target(span.label, span.target, image=span.embed)
        elif isinstance(span, nodes.Media):
            yield from _media(span)
        elif isinstance(span, nodes.Styled):
            yield from _spans(span.children)


def _label(link: nodes.Link) -> str:
    """A link's words; for a link around an image (a badge), the image's text."""
    text = spans_text(link.children).strip()
    images = [span for span in link.children if isinstance(span, nodes.Image)]
    if images and len(images) == len([s for s in link.children if not _blank(s)]):
        return images[0].alt or link.target
    return text.replace("\n", " ") or link.target


def _blank(span: nodes.Span) -> bool:
    return isinstance(span, nodes.Text) and not span.text.strip()


def _media(media: nodes.Media) -> Iterator[Target]:
    if media.url:
        yield Target(media.text or media.url, media.url, image=media.kind in ("figure", "image"))
