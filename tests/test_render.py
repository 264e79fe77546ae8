"""Rendering: sanitising untrusted text, shortcodes as readable text, headers, rich output."""

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
    resolve_shortcodes,
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


SHORTCODES = [
    ('{{< figure src="x.jpg" caption="A cat" >}}', "[figure: A cat (x.jpg)]"),
    (
        '{{< figure src="/img/a.png" alt="session" class="center" >}}',
        "[figure: session (/img/a.png)]",
    ),
    ("{{< youtube 1GpTE9L9oBM >}}", "[video: https://www.youtube.com/watch?v=1GpTE9L9oBM]"),
    ('{{< youtube id="abc" >}}', "[video: https://www.youtube.com/watch?v=abc]"),
    ("{{< vimeo 19899678 >}}", "[video: https://vimeo.com/19899678]"),
    ('{{% include "path/to/file.md" %}}', "[include: path/to/file.md]"),
    ("{{< new-in 0.123.0 >}}", "[new in 0.123.0]"),
    ("{{< math >}}x^2{{< /math >}}", "x^2"),
    ("{{% note %}}Be **careful**.{{% /note %}}", "Be **careful**."),
    ("{{< highlight go >}}\nfmt.Println()\n{{< /highlight >}}", "```go\nfmt.Println()\n```"),
    ("{{</* highlight go */>}}", "{{< highlight go >}}"),
    ("{{%/* include x */%}}", "{{% include x %}}"),
    ("{{< code-toggle config=privacy.x />}}", "[code-toggle config=privacy.x]"),
    ("{{ .Title }} stays", "{{ .Title }} stays"),
    ("{% raw %}{{ page.title }} {% post_url x %}{% endraw %}", "{{ page.title }} {% post_url x %}"),
    ("[link]({% post_url 2010-07-05-hello %})", "[link](2010-07-05-hello)"),
    ("[doc]({% link _docs/install.md %})", "[doc](_docs/install.md)"),
    ("{% highlight ruby %}\nputs 1\n{% endhighlight %}", "```ruby\nputs 1\n```"),
    ("{% assign x = 1 %}kept", "kept"),
    ("{% comment %}hidden{% endcomment %}kept", "kept"),
]


@pytest.mark.parametrize(("source", "expected"), SHORTCODES)
def test_shortcodes_become_readable_text(source: str, expected: str) -> None:
    assert resolve_shortcodes(source) == expected


def test_multiline_shortcode_arguments() -> None:
    source = '{{< img\n  src="a.jpg"\n  alt="A sunset"\n  filter="Grayscale"\n>}}'
    assert resolve_shortcodes(source) == "[image: A sunset (a.jpg)]"


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


def test_plain_body_resolves_shortcodes() -> None:
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


def test_plain_body_keeps_other_html_comments() -> None:
    post = _post(body="Text <!-- a note --> more.\n")
    assert plain_body(post) == "Text <!-- a note --> more.\n"


def test_plain_header_names_the_authors_and_underlines_wide_titles_fully() -> None:
    lines = post_header_lines(_post(title="骑车环岛", authors=("Lin Wei", "Maren Holt")))
    assert lines[1] == "=" * 8  # four CJK characters take eight columns
    assert "By:         Lin Wei, Maren Holt" in lines
