"""URLs as a reader wants to see them: percent-encoded UTF-8 decoded, nothing unsafe."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote, unquote_to_bytes

from blogtui.safe import sanitize

# Escapes that must stay escaped to keep the URL's meaning: spaces and the delimiters.
_KEEP = {" ": "%20", "%": "%25", "/": "%2F", "?": "%3F", "#": "%23", "&": "%26", "=": "%3D"}
_KEEP.update({"+": "%2B"})
_ESCAPE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
#: A target that is a template tag the generator fills in (a Hugo shortcode or a Liquid tag
#: blogtui does not know, `<{{% eturl highlight %}}>`): not a URL, shown as written.
_TAG = re.compile(r"\{\{[<%].*[>%]\}\}|\{%.*%\}", re.DOTALL)


@lru_cache(maxsize=4096)
def display_url(url: str) -> str:
    """`url` with runs of percent-escapes that spell UTF-8 text shown as that text.

    `https://x.io/blog/koupleless-%E5%86%85` reads `https://x.io/blog/koupleless-内`.
    Escaped delimiters (`%2F`, `%20`...) and bytes that are not printable text stay escaped.
    A template tag in the place of a URL (`{{% eturl x %}}`, which the parser percent-encodes)
    reads as written.
    """
    if "%" not in url:
        return sanitize(url)
    if url[:1] == "{" or url[:3].upper() == "%7B":
        tag = unquote(url)
        if tag.isprintable() and _TAG.fullmatch(tag):
            return sanitize(tag)
    return sanitize(_ESCAPE.sub(_decode_run, url))


def _decode_run(match: re.Match[str]) -> str:
    try:
        text = unquote_to_bytes(match[0]).decode("utf-8")
    except UnicodeDecodeError:
        return match[0]
    if not text.isprintable():
        return match[0]
    return "".join(_KEEP.get(char, char) for char in text)
