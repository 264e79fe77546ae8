"""Where a post's front matter starts and ends, found without loading it: a file's text
(decoded as the parser decodes it) and its body, with no YAML parser imported.

The delimiters are the ones blogtui.front_matter's handlers split on (they take them from
here): YAML between `---` lines (or longer dash lines), TOML between `+++` lines, one JSON
object at the start; leading blank lines may come first. A search's snippets want only the
bodies of its hits, and importing PyYAML (and python-frontmatter, which imports it) costs a
command about 15 ms before it reads a byte.
"""

from __future__ import annotations

import json
import re

LEADING_BLANKS = re.compile(r"(?:[ \t]*\n)*")
YAML_OPENING = re.compile(r"-{3,}[ \t]*\n")
YAML_BOUNDARY = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)
TOML_OPENING = re.compile(r"\+{3}[ \t]*\n")
TOML_BOUNDARY = re.compile(r"^\+{3}[ \t]*$", re.MULTILINE)
JSON_OPENING = re.compile(r"\{(?!\{)")  # `{{` opens a shortcode or template, not JSON
_JSON = json.JSONDecoder()


def decoded(data: bytes, problems: list[str]) -> str:
    """Bytes to text: BOM dropped, invalid UTF-8 replaced (and reported), CRLF to LF."""
    if not data:
        problems.append("empty file")
        return ""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(f"not valid UTF-8 (byte {error.start}); invalid bytes replaced")
        text = data.decode("utf-8-sig", errors="replace")
    if "\0" in text:
        problems.append("contains NUL bytes (a binary file?); they were replaced")
        text = text.replace("\0", "\ufffd")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def fenced(
    text: str, opening: re.Pattern[str], boundary: re.Pattern[str]
) -> tuple[str, str] | None:
    """(front matter, body) of `text`, which opens with `opening`: the body exactly as
    written, after the `boundary` line; None when no boundary closes it."""
    start = opening.match(text)
    assert start is not None
    end = boundary.search(text, start.end())
    if end is None:
        return None
    return text[start.end() : end.start()], text[end.end() + 1 :]


def json_object(text: str) -> tuple[str, str]:
    """(front matter, body) of `text`, which opens with a JSON object: the object, and the
    body from the line after its end. ValueError (or RecursionError) if it is not one."""
    _raw, end = _JSON.raw_decode(text)
    newline = text.find("\n", end)
    return text[:end], "" if newline < 0 else text[newline + 1 :]


def body_of(text: str) -> str:
    """The body of a decoded text, as blogtui.front_matter.split_front_matter gives it (front
    matter that never ends, or JSON that does not decode, is all body)."""
    start = LEADING_BLANKS.match(text).end()  # type: ignore[union-attr]  # always matches
    rest = text[start:] if start else text
    for opening, boundary in ((YAML_OPENING, YAML_BOUNDARY), (TOML_OPENING, TOML_BOUNDARY)):
        if opening.match(rest):
            split = fenced(rest, opening, boundary)
            return text if split is None else split[1]
    if JSON_OPENING.match(rest):
        try:
            return json_object(rest)[1]
        except (ValueError, RecursionError):
            return text
    return text
