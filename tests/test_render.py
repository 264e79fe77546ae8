"""Rendering: sanitising untrusted text (emoji widths too), headers, plain and Rich output."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from rich.console import Console

from blogtui.model import Post, PostDate
from blogtui.render import (
    escape_controls,
    plain_body,
    plain_post,
    post_header_lines,
    rich_markdown,
    rich_post,
    sanitize,
    sanitize_marked,
)

# Each hostile payload with the part that must never survive.
HOSTILE = [
    ("OSC 52 clipboard", "a\x1b]52;c;cm0gLXJmIH4K\x07b", "ab"),
    ("OSC 52 with ST", "a\x1b]52;c;cm0gLXJmIH4K\x1b\\b", "ab"),
    ("title change", "a\x1b]0;owned\x07b", "ab"),
    ("screen clear", "a\x1b[2J\x1b[Hb", "ab"),
    ("colour", "a\x1b[31;1mb\x1b[0m", "ab"),
    ("BEL", "a\x07b", "ab"),
    ("DCS", "a\x1bP1$qm\x1b\\b", "ab"),
    ("8-bit CSI", "a\x9b2Jb", "ab"),
    ("8-bit OSC", "a\x9d0;x\x9cb", "ab"),
    ("reset", "a\x1bcb", "ab"),
    ("backspace and CR", "ab\x08\rc", "abc"),
    ("DEL", "a\x7fb", "ab"),
    ("NUL", "a\x00b", "ab"),
    ("unterminated OSC stops at the line end", "a\x1b]0;x\nnext", "a\nnext"),
]


@pytest.mark.parametrize(("name", "text", "expected"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_sanitize_strips_escape_sequences_and_controls(name: str, text: str, expected: str) -> None:
    assert sanitize(text) == expected


def test_sanitize_keeps_newlines_tabs_and_unicode() -> None:
    text = "line one\n\tindented 分布式 café 🎉"
    assert sanitize(text) == text


def test_sanitize_replaces_lone_surrogates() -> None:
    assert sanitize("bad\udcffname") == "bad\ufffdname"


def test_sanitize_marked_moves_marks_with_the_text() -> None:
    text, marks = sanitize_marked("x\x1b[31m hello \x07world", [(7, 12), (14, 19)])
    assert text == "x hello world"
    assert [text[a:b] for a, b in marks] == ["hello", "world"]


def test_escape_controls_shows_bytes_as_cat_v() -> None:
    shown = escape_controls(b"a\x1b[2Jb\x07\x7f\x9b\xff\tc\n\xc3\xa9")
    assert shown == "a^[[2Jb^G^?M-^[M-^?\tc\né"


# (text, what reaches the screen): where terminals disagree on a width, the agreed form.
EMOJI_FORMS = [
    ("Hiking Catbells 🏞️", "Hiking Catbells 🏞"),  # VS16 widens a text-style emoji only on some
    ("Love ❤️ it", "Love ❤ it"),
    ("keycap 1️⃣", "keycap 1⃣"),
    ("thumbs 👍🏽", "thumbs 👍"),  # a skin-tone modifier: joined on some terminals, not others
    ("family 👨‍👩‍👧", "family 👨👩👧"),  # ZWJ between emoji: one glyph on some, three on others
    ("runner 🏃‍♀️", "runner 🏃♀"),
    ("Malayalam ന്‍ keeps its ZWJ", "Malayalam ന്‍ keeps its ZWJ"),
    ("plain 🎉 party", "plain 🎉 party"),
]


@pytest.mark.parametrize(("text", "shown"), EMOJI_FORMS)
def test_sanitize_shows_emoji_in_the_form_terminals_agree_on(text: str, shown: str) -> None:
    assert sanitize(text) == shown


def test_emoji_widths_agree_with_rich_after_sanitising() -> None:
    from rich.cells import cell_len

    # The widths tmux 3.3a gives these (measured with cursor_x): Rich must say the same.
    for text, width in [("🏞️", 1), ("❤️", 1), ("👍🏽", 2), ("✅", 2), ("时光", 4), ("🏃‍♀️", 3)]:
        assert cell_len(sanitize(text)) == width, text


def _post(**fields: object) -> Post:
    day = date(2025, 6, 29)
    base: dict[str, object] = {
        "path": "posts/new.md",
        "title": "A new chapter",
        "slug": "new",
        "date": PostDate(datetime(2025, 6, 29, tzinfo=UTC), day),
        "tags": ("2025", "Life"),
        "categories": ("Work",),
        "body": "# Big news\n\nText {{< youtube abc >}}\n",
    }
    base.update(fields)
    return Post(**base)  # type: ignore[arg-type]


def test_header_lines_name_title_date_tags_categories_path() -> None:
    lines = post_header_lines(_post(draft=True))
    assert lines[0] == "A new chapter"
    assert "Date:       2025-06-29" in lines
    assert "Tags:       2025, Life" in lines
    assert "Categories: Work" in lines
    assert "Status:     draft" in lines
    assert lines[-1] == "Path:       posts/new.md"


def test_header_of_undated_post_says_undated() -> None:
    assert "Date:       undated" in post_header_lines(_post(date=None, tags=(), categories=()))


def test_plain_post_is_header_then_body_without_escapes() -> None:
    hostile = _post(title="Evil\x1b]52;c;eA==\x07", body="x\x1b[2Jy {{< youtube abc >}}")
    text = plain_post(hostile)
    assert text.startswith("Evil\n====\n")
    assert "xy [video: https://www.youtube.com/watch?v=abc]" in text
    assert "\x1b" not in text and "\x07" not in text


def test_plain_body_renders_markdown_and_says_shortcodes_in_words() -> None:
    assert (
        plain_body(_post()) == "# Big news\n\nText [video: https://www.youtube.com/watch?v=abc]\n"
    )


def _rendered(post: Post, width: int = 60) -> str:
    out = io.StringIO()
    Console(file=out, force_terminal=True, width=width, color_system="truecolor").print(
        rich_post(post)
    )
    return out.getvalue()


def test_rich_post_renders_markdown_with_style() -> None:
    text = _rendered(_post(body="# Big news\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"))
    assert "\x1b[" in text
    assert "Big news" in text and "# Big news" not in text  # the heading is rendered
    assert "────" in text  # the table is drawn
    assert "\x1b[1;36mA new chapter\x1b[0m\n" in text  # the title alone is bold cyan


def _plain_lines(body: str, width: int = 40) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(rich_markdown(_post(body=body)))
    return out.getvalue().rstrip("\n").split("\n")


def test_rich_callout_is_a_box_labelled_with_its_kind_and_title() -> None:
    lines = _plain_lines("> [!warning] Mind the step\n> It is *steep*.\n")
    assert lines[0].startswith("╭─ Warning: Mind the step ─")
    assert lines[1].startswith("│ It is steep.") and lines[1].endswith("│")
    assert lines[2].startswith("╰─")


def test_rich_code_is_verbatim_under_its_language() -> None:
    lines = _plain_lines("```mermaid\ngraph TD;\n  A-->B;\n```\n")
    assert lines[0] == "mermaid"
    assert [line.strip() for line in lines[1:]] == ["graph TD;", "A-->B;"]


def test_rich_paragraphs_break_cjk_between_characters() -> None:
    lines = _plain_lines("时光匆匆又是一年。2024年我们一起见证了很多事情，社区也在不断成长。", 30)
    assert lines[0] == "时光匆匆又是一年。2024年我们一"  # full: 30 cells, not cut at a space
    assert all(not line.startswith(("。", "，")) for line in lines)


def test_rich_soft_breaks_join_cjk_lines_without_a_space_and_latin_with_one() -> None:
    assert _plain_lines("中文\n继续\n\nLatin\nwords", 40) == ["中文继续", "", "Latin words"]


def test_rich_footnotes_are_listed_under_a_rule_at_the_end() -> None:
    lines = _plain_lines("Claim[^n].\n\n[^n]: The source.\n\nMore text.\n")
    assert lines[0] == "Claim[1]." and lines[2] == "More text."
    assert lines[-2].startswith("Notes ─") and lines[-1] == "[1] The source."


def test_rich_post_never_passes_hostile_sequences() -> None:
    text = _rendered(
        _post(title="T\x1b]0;owned\x07", tags=("x\x1b[2J",), body="b\x1b]52;c;eA==\x07")
    )
    for payload in ("\x1b]0;", "\x1b]52;", "\x1b[2J", "\x07"):
        assert payload not in text


@pytest.mark.parametrize("divider", ["<!--more-->", "<!-- more -->", "  <!--more-->  "])
def test_plain_body_drops_the_summary_divider(divider: str) -> None:
    post = _post(body=f"The summary.\n\n{divider}\n\nThe rest.\n")
    assert plain_body(post) == "The summary.\n\nThe rest.\n"


def test_html_comments_show_nothing() -> None:
    post = _post(body="Text <!-- a note --> more.\n\n<!--\n{{< figure src=me.jpg >}}\n-->\n")
    assert plain_body(post) == "Text  more.\n"


def test_plain_header_names_the_authors_and_underlines_wide_titles_fully() -> None:
    lines = post_header_lines(_post(title="骑车环岛", authors=("Lin Wei", "Maren Holt")))
    assert lines[1] == "=" * 8  # four CJK characters take eight columns
    assert "By:         Lin Wei, Maren Holt" in lines
