"""A post's markdown, in any generator's dialect, parsed into a Document of plain nodes.

`parse(body)` is the entry point. The package imports neither rich nor textual: `blogtui
cat` renders the Document as plain text (blogtui.markup.plain) and the reader as Rich
renderables (blogtui.styled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from blogtui.markup.parser import parse, parse_post

__all__ = ["parse", "parse_post"]


def __getattr__(name: str) -> Any:
    """`parse` and `parse_post`, the parser (and markdown-it, 25 ms) imported on first use:
    the nodes and the modules over them (images, outline, wikilinks) need neither."""
    if name in __all__:
        from blogtui.markup import parser

        return getattr(parser, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
