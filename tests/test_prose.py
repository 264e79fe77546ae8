"""Plain prose: the quick "has it any text" test answers as the whole tidied text would."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from blogtui.prose import has_plain_text, plain_text

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
_PIECES = st.sampled_from(
    ["word", " ", "  ", "\n", "\t", "\u00a0", "\u3000", "\u2028", "\u200b", "\u200c", "\u200d",
     "\u2060", "\ufeff", "\u00ad", "\ufe0f", "\u0301", "\U0001f469", "\U0001f4bb", "![x](y.png)",
     "[t](u)", "[t][r]", "<!-- c -->", "{{< s >}}", "{% raw %}", "{{ v }}", "<b>", "**", "__",
     "`", "~~", "# ", "> ", "- ", "1. ", "\x85", "\x1c", "é", "分"]
)  # fmt: skip
TEXTS = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=12).map("".join)


@settings(max_examples=500, deadline=None)
@given(TEXTS)
@example("\u200d\U0001f4bb")  # a joiner tidying keeps, beside the pictograph it joins
@example("\u200b \u200d\n\u00ad")  # only invisible characters and spaces: no text
@example("![only an image](a.png) <br> **")
def test_has_plain_text_is_whether_plain_text_is_empty(text: str) -> None:
    assert has_plain_text(text) == bool(plain_text(text))


def test_has_plain_text_agrees_on_the_real_archives() -> None:
    files = sorted(p for p in CORPORA.rglob("*.md") if p.is_file())
    if not files:
        pytest.skip(f"no corpora at {CORPORA}")
    for path in files:
        text = path.read_text("utf-8", "replace")
        for part in (text, text[-200:], text[:100]):
            assert has_plain_text(part) == bool(plain_text(part)), path
