"""A post's markdown, in any generator's dialect, parsed into a Document of plain nodes.

`parse(body)` is the entry point. The package imports neither rich nor textual: `blogtui
cat` renders the Document as plain text (blogtui.markup.plain) and the reader as Rich
renderables (blogtui.styled).
"""

from __future__ import annotations

from blogtui.markup.parser import parse, parse_post

__all__ = ["parse", "parse_post"]
