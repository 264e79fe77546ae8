"""Line breaking that suits the script: CJK between characters, Latin at spaces.

A simplified UAX #14: a line may break after spaces and on either side of an ideograph,
kana, hangul syllable or emoji, but never before closing punctuation (`。`, `」`, `)`) or
after opening punctuation (`「`, `(`), the usual kinsoku rules. A word longer than the line
is folded. Widths come from the caller, so the reader can measure cells as Rich does.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

#: Characters a line may not start with (closing punctuation, small kana, prolonged sound).
NO_START = frozenset(
    "、。，．,.:;!?%)]}｝〕〉》」』】〙〗〟’”｠»・：；！？／‐゠–〜～ーヽヾゝゞ々〻"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ）］"
)
#: Characters a line may not end with (opening punctuation).
NO_END = frozenset("([{｛〔〈《「『【〘〖〝‘“｟«（［")
_SPACES = frozenset(" \t")

#: Ranges of characters with a break opportunity on either side (UAX #14 class ID and kin).
_IDEOGRAPHIC = (
    (0x1100, 0x115F),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x31FF),  # Bopomofo, Katakana extensions
    (0x3200, 0x4DBF),  # enclosed CJK, compatibility, extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # fullwidth forms
    (0x1F000, 0x1FAFF),  # emoji and pictographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


@lru_cache(maxsize=8192)
def ideographic(char: str) -> bool:
    """True for a character that lines may break on either side of."""
    code = ord(char)
    return any(low <= code <= high for low, high in _IDEOGRAPHIC) and not (
        0xFF01 <= code <= 0xFF5E and char.isalnum()  # fullwidth Latin letters and digits
    )


def may_break_before(previous: str, char: str) -> bool:
    """True if a line may end between `previous` and `char`."""
    if char in _SPACES:
        return False
    if previous in _SPACES:
        return True
    if char in NO_START or previous in NO_END:
        return False
    return ideographic(previous) or ideographic(char)


def cells(char: str) -> int:
    """Terminal columns of one character: wide (CJK, fullwidth, emoji) two, combining none."""
    if char < "\u0300":
        return 1
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def text_cells(text: str) -> int:
    """Terminal columns of a string."""
    return len(text) if text.isascii() else sum(cells(char) for char in text)


def wrap(text: str, width: int, measure: Callable[[str], int] = cells) -> list[tuple[int, int]]:
    """(start, end) offsets of the lines `text` (one paragraph, no newlines) fills at `width`.

    Spaces at a break are dropped; a run longer than `width` with no break in it is folded.
    """
    lines: list[tuple[int, int]] = []
    start, column, last_break, index = 0, 0, -1, 0
    size = len(text)
    while index < size:
        char = text[index]
        if index > start and may_break_before(text[index - 1], char):
            last_break = index
        step = measure(char)
        if char in _SPACES or column + step <= width or index == start:
            column += step
            index += 1
            continue
        end = last_break if last_break > start else index
        lines.append((start, _trim_end(text, start, end)))
        start = end
        while start < size and text[start] in _SPACES:
            start += 1
        index = max(index, start) if end != index else start
        column = sum(measure(c) for c in text[start:index])
        last_break = -1
    lines.append((start, _trim_end(text, start, size)))
    return lines


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in _SPACES:
        end -= 1
    return end


def unbreakable(text: str) -> list[tuple[int, int]]:
    """(start, end) of the runs of `text` that no line break may split (spaces left out)."""
    runs: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if (
            index == len(text)
            or text[index] == "\n"
            or may_break_before(text[index - 1], text[index])
        ):
            end = _trim_end(text, start, index)
            if end > start:
                runs.append((start, end))
            start = index + (index < len(text) and text[index] == "\n")
    return runs
