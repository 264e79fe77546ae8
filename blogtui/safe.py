"""The one boundary untrusted text crosses to reach a terminal or a widget.

`sanitize` strips terminal control sequences and puts emoji in the form every terminal
gives the same width; `escape_controls` shows raw bytes as `cat -v` does. `Safe` is the type
of text that crossed: widget and notice helpers (blogtui/tui/shown.py) accept only `Safe`, so
mypy stops a raw `str` from a post reaching the screen, and tests/test_safety_lint.py stops a
call to Textual or Rich that goes around them. Nothing here imports more than the standard
library, so the CLI and the core can use it freely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NewType

#: Text fit for a terminal or a widget: sanitised (no control sequence) and never markup.
#: Only this module makes one; everything else calls `safe`, `safe_or` or `visible`.
Safe = NewType("Safe", str)

# Escape sequences first (so their parameters go with them), then any control left over.
# String sequences (OSC, DCS, SOS, PM, APC) end at BEL or ST; an unterminated one is cut at
# the end of its line, so a stray introducer cannot swallow the rest of a post.
_ESCAPES = re.compile(
    r"""
      \x1b\[[0-?]*[\x20-/]*[@-~]?                       # CSI (7-bit)
    | \x9b[0-?]*[\x20-/]*[@-~]?                         # CSI (8-bit)
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])           # OSC, DCS, SOS, PM, APC
      [^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?
    | \x1b[\x20-/]*[\x30-~]?                            # any other escape (RIS, charset...)
    """,
    re.VERBOSE,
)
# C0 and C1 controls and DEL, and the bidi embeddings, overrides and isolates (U+202A-202E,
# U+2066-2069): a terminal that reorders text would let a title or a file name show what it
# is not (Trojan Source). The marks LRM and RLM only nudge neutral characters and stay.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


# Emoji sequences whose width terminals disagree on (tmux 3.3a, xterm and VTE against
# kitty, WezTerm and Rich): an emoji made wide by VS16 (U+FE0F), a skin-tone modifier, a
# ZWJ joining two emoji, tag characters of subdivision flags. Each is shown in the form
# whose width all of them agree on: the text form without VS16, the emoji without its
# modifier, the joined emoji side by side, the flag without its tags.
_EMOJI = r"\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2190-\u21FF\u2300-\u23FF"
_WIDTH_DISPUTED = re.compile(
    rf"\ufe0f|[\U0001F3FB-\U0001F3FF]|[\U000E0020-\U000E007F]"
    rf"|(?<=[{_EMOJI}])\u200d|\u200d(?=[{_EMOJI}])"
)
_DISPUTED_CHARS = frozenset("\ufe0f\u200d")


def sanitize(text: str) -> str:
    """`text` with terminal escape sequences and control characters removed.

    Keeps newlines and tabs. Strips CSI, OSC (OSC 52 clipboard writes, title changes), DCS
    and the other string sequences, C0 and C1 controls and DEL. Lone surrogates (from
    undecodable file names) become U+FFFD so the text can always be encoded. Emoji whose
    width terminals disagree on are shown in the form they agree on (see _WIDTH_DISPUTED).
    """
    if text.isprintable():  # the common case, checked in C
        if text.isascii() or not (_DISPUTED_CHARS.intersection(text) or _has_modifier(text)):
            return text
        return _WIDTH_DISPUTED.sub("", text)
    text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub("", text)
    text = _WIDTH_DISPUTED.sub("", text)
    return _SURROGATES.sub("\ufffd", text)


def safe(text: str) -> Safe:
    """`text` as it may be shown: sanitised (see `sanitize`)."""
    return Safe(sanitize(text))


def safe_or(text: str, fallback: str) -> Safe:
    """`text` sanitised, or `fallback` shown visibly (`visible`) when nothing of `text` is left.

    A title made only of escape sequences falls back to the post's path, and the path itself
    crosses the boundary: never `sanitize(title) or path`.
    """
    shown = sanitize(text)
    return Safe(shown) if shown.strip() else visible(fallback)


def visible(text: str) -> Safe:
    """`text` with each control character shown as `cat -v` shows it (ESC as ^[): for names
    of files and folders, where what is there matters more than how it reads."""
    out = []
    for char in text:
        if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
            out.append(f"<U+{ord(char):04X}>")
        elif char in "\n\t":
            out.append(" ")
        else:
            out.append(_escape_char(char))
    return Safe(sanitize("".join(out)))


def joined(parts: Iterable[Safe], separator: str = "") -> Safe:
    """Safe parts joined by one of our own separators (it must be plain text)."""
    return Safe(sanitize(separator).join(parts))


_MODIFIER = re.compile("[\U0001f3fb-\U0001f3ff]")


def _has_modifier(text: str) -> bool:
    """True if `text` holds a skin-tone modifier (the only disputed printable astral chars)."""
    return _MODIFIER.search(text) is not None


def sanitize_marked(
    text: str, marks: Iterable[tuple[int, int]]
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Sanitise `text` and move the `[start, end)` marks so they cover the same words."""
    out: list[str] = []
    new_marks: list[tuple[int, int]] = []
    position = 0
    length = 0
    for start, end in sorted(marks):
        if start < position or end <= start:
            continue  # overlapping or empty marks cannot be kept apart
        before, inside = sanitize(text[position:start]), sanitize(text[start:end])
        out += (before, inside)
        length += len(before)
        new_marks.append((length, length + len(inside)))
        length += len(inside)
        position = end
    out.append(sanitize(text[position:]))
    return "".join(out), tuple(new_marks)


def escape_controls(data: bytes) -> str:
    """Bytes shown as `cat -v` shows them: ^X for controls, M- for high bytes, ^? for DEL.

    Newlines and tabs pass through; UTF-8 text stays readable where it decodes.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    return "".join(_escape_char(char) for char in text)


def _escape_char(char: str) -> str:
    code = ord(char)
    if char in "\n\t":
        return char
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    if 0x80 <= code <= 0x9F:
        return "M-^" + chr(code - 0x80 + 0x40)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as surrogateescape keeps it
        byte = code - 0xDC00
        low = byte - 0x80
        return "M-" + (_escape_char(chr(low)) if low < 0x20 or low == 0x7F else chr(low))
    return char
