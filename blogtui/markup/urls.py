"""URLs as a reader wants to see them: percent-encoded UTF-8 decoded, nothing unsafe."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote_to_bytes

from blogtui.safe import sanitize

# Escapes that must stay escaped to keep the URL's meaning: spaces and the delimiters.
_KEEP = {b"%": "%25", b" ": "%20", b"/": "%2F", b"?": "%3F", b"#": "%23", b"&": "%26",
         b"=": "%3D", b"+": "%2B"}  # fmt: skip
_ESCAPE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


@lru_cache(maxsize=4096)
def display_url(url: str) -> str:
    """`url` with runs of percent-escapes that spell UTF-8 text shown as that text.

    `https://x.io/blog/koupleless-%E5%86%85` reads `https://x.io/blog/koupleless-内`.
    Escaped delimiters (`%2F`, `%20`...) and bytes that are not text stay escaped.
    """
    if "%" not in url:
        return sanitize(url)
    return sanitize(_ESCAPE.sub(_decode_run, url))


def _decode_run(match: re.Match[str]) -> str:
    data = unquote_to_bytes(match[0])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return match[0]
    return "".join(_KEEP.get(char.encode(), char) if char.isascii() else char for char in text
                   if char.isprintable() or not char.isascii()) if text.isprintable() else match[0]  # fmt: skip
