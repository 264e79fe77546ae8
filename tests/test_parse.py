"""One file -> Post: each front-matter, date, taxonomy and bad-input quirk in its own fixture."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blogtui.parse import count_words, parse_date_text, parse_post
from tests.conftest import FIXTURES, NOW

QUIRKS = FIXTURES / "quirks"


def parse(name: str, path: str | None = None) -> tuple[Any, list[str]]:
    """Parse a quirk fixture; return the Post and its problem reasons."""
    post, problems = parse_post((QUIRKS / name).read_bytes(), path or name, now=NOW)
    assert all(problem.path == (path or name) for problem in problems)
    return post, [problem.reason for problem in problems]


# file -> the fields that quirk is about (checked exactly); every case also checks problems.
CASES: dict[str, dict[str, Any]] = {
    "yaml-basic.md": {
        "title": "Walking the Harbour Wall",
        "iso": "2025-06-29T00:00:00Z",
        "day": date(2025, 6, 29),
        "tags": ("2025", "harbour", "Long Walks"),
        "categories": ("Travel",),
        "authors": ("Ines Varga",),
        "summary": "We set out before the tide turned and reached the lighthouse by noon.",
    },
    "toml-zola.md": {
        "title": "Lantern theme",
        "iso": "2025-08-18T06:52:13Z",
        "day": date(2025, 8, 18),
        "tags": ("lamps", "Night"),
        "taxonomies": {"theme-tags": ("minimal", "Responsive")},
        "summary": "A theme for reading at night.",
    },
    "json-front-matter.md": {
        "title": "Sourdough in a Cold Kitchen",
        "iso": "2021-11-03T13:15:00Z",
        "day": date(2021, 11, 3),
        "tags": ("bread", "winter"),
        "draft": False,
    },
    "no-front-matter.md": {"title": "Notes From the Allotment", "iso": None},
    "heading-in-code-only.md": {"title": "Heading in code only"},
    "long-dash-delimiter.md": {
        "title": "Longer Dashes",
        "body": "Body after a longer dash line.\n",
    },
    "trailing-space-delimiter.md": {"title": "Spaces After Dashes", "body": "Body.\n"},
    "leading-blank-lines.md": {"title": "Blank Lines First", "body": "Body.\n"},
    "offset-without-colon.md": {"iso": "2019-02-28T23:30:00Z", "day": date(2019, 3, 1)},
    "quoted-iso-fraction.md": {"iso": "2018-04-19T14:22:19Z", "day": date(2018, 4, 19)},
    "naive-datetime.md": {"iso": "2020-05-05T10:00:00Z"},
    "malformed-date.md": {
        "iso": None,
        "problems": ["date: '2023-01-29 18:30:22 2023 -0800' is not a date"],
    },
    "impossible-date.md": {"iso": None, "tags": ("kept",), "problems": ["'2023-02-30' is not"]},
    "publishdate-only.md": {"iso": "2022-02-02T12:00:00Z"},
    "future.md": {"future": True, "expired": False},
    "expired.md": {"future": False, "expired": True},
    "draft.md": {"draft": True},
    "published-false.md": {"draft": True},
    "string-terms.md": {"categories": ("Weekly Digest",), "tags": ("red, green",)},
    "2021-04-05-jekyll-named.md": {
        "slug": "jekyll-named",
        "iso": "2021-04-05T00:00:00Z",
        "categories": ("news", "releases"),
        "tags": ("alpha", "beta"),
    },
    "2021-04-06-jekyll-category.md": {"categories": ("point release",)},
    "mixed-case-keys.md": {
        "title": "Capital Keys",
        "tags": ("Upper",),
        "categories": ("Spaced Colon",),
        "iso": "2024-02-03T00:00:00Z",
    },
    "more-marker.md": {"summary": "The opening lines, with a link."},
    "more-marker-spaced.md": {"summary": "Before the fold."},
    "description-summary.md": {"summary": "What this post is about, in one line."},
    "summary-skips-markup.md": {"summary": "Real prose starts here and runs on."},
    "cjk-words.md": {"title": "中文字数", "words": 9},
    "not-a-mapping.md": {
        "title": "Not a mapping",
        "body": "Body of a list-front-matter file.\n",
        "problems": ["YAML front matter is a list, not a mapping"],
    },
    "comment-only.md": {"title": "Comment only", "body": "Body.\n"},
    "malformed-yaml.md": {"body": "Body survives.\n", "problems": ["YAML front matter: "]},
    "malformed-toml.md": {"body": "Body survives.\n", "problems": ["TOML front matter: "]},
    "malformed-json.md": {"problems": ["JSON front matter: "]},
    "unclosed-front-matter.md": {"problems": ["YAML front matter is never closed"]},
    "alias-bomb.md": {"tags": (), "problems": ["aliases expand to more than"]},
    "authors.md": {"authors": ("Ada Moss", "Bo Lind")},
    "notes.fr.md": {"lang": "fr", "slug": "notes", "title": "Carnet"},
    "numeric-and-empty-terms.md": {"tags": ("2025", "3.5", "ZeroWidth", "a b"), "categories": ()},
    "title-number.md": {"title": "1984", "slug": "custom-slug"},
    "series.md": {"series": ("Harbour Walks", "Tides")},
}


def test_every_quirk_fixture_has_a_case() -> None:
    assert sorted(CASES) == sorted(path.name for path in QUIRKS.iterdir())


@pytest.mark.parametrize("name", sorted(CASES))
def test_quirk(name: str) -> None:
    post, problems = parse(name)
    expected = dict(CASES[name])
    wanted_problems = expected.pop("problems", [])
    assert len(problems) == len(wanted_problems), problems
    for reason, fragment in zip(problems, wanted_problems, strict=True):
        assert fragment in reason
    for field, value in expected.items():
        if field == "iso":
            assert (post.date.iso() if post.date else None) == value
        elif field == "day":
            assert post.date is not None and post.date.day == value
        else:
            assert getattr(post, field) == value, field


def test_jekyll_malformed_date_falls_back_to_the_file_name() -> None:
    post, problems = parse("malformed-date.md", "_posts/2023-01-29-malformed-date.md")
    assert post.date is not None and post.date.iso() == "2023-01-29T00:00:00Z"
    assert problems == [
        "date: '2023-01-29 18:30:22 2023 -0800' is not a date; using the file-name date 2023-01-29"
    ]


def test_front_matter_date_beats_the_file_name_date() -> None:
    post, _ = parse("offset-without-colon.md", "_posts/2019-01-15-offset-without-colon.md")
    assert post.date is not None and post.date.day == date(2019, 3, 1)
    assert post.slug == "offset-without-colon"


def test_leaf_bundle_takes_its_folder_name() -> None:
    post, _ = parse("comment-only.md", "posts/harbour-lights/index.md")
    assert (post.title, post.slug, post.section) == ("Harbour lights", "harbour-lights", "posts")


def test_language_folder_and_section() -> None:
    post, _ = parse("draft.md", "de/posts/entwurf.md")
    assert (post.lang, post.section) == ("de", "posts")


def test_drafts_folder_marks_a_draft() -> None:
    post, _ = parse("yaml-basic.md", "_drafts/walking.md")
    assert post.draft


def test_jekyll_folders_above_posts_are_categories() -> None:
    post, _ = parse("2021-04-05-jekyll-named.md", "travel/_posts/2021-04-05-jekyll-named.md")
    assert post.categories == ("travel", "news", "releases")


# --- byte-level quirks: built here because editors and git would normalise them in a file ---


def test_bom_and_crlf() -> None:
    data = "\ufeff---\r\ntitle: Windows Notes\r\ntags: [crlf]\r\n---\r\nLine one.\r\n".encode()
    post, problems = parse_post(data, "windows.md", now=NOW)
    assert (post.title, post.tags, post.body, problems) == (
        "Windows Notes",
        ("crlf",),
        "Line one.\n",
        [],
    )


def test_invalid_utf8_is_replaced_and_reported() -> None:
    data = b"---\ntitle: Caf\xe9 Latin-1\n---\nna\xefve body\n"
    post, problems = parse_post(data, "latin1.md", now=NOW)
    assert post.title == "Caf\ufffd Latin-1"
    assert [p.reason for p in problems] == ["not valid UTF-8 (byte 14); invalid bytes replaced"]


def test_nul_bytes_are_replaced_and_reported() -> None:
    post, problems = parse_post(b"---\ntitle: Nul\n---\nA\x00B\n", "nul.md", now=NOW)
    assert post.body == "A\ufffdB\n"
    assert "NUL" in problems[0].reason


def test_empty_file_is_a_post_and_a_problem() -> None:
    post, problems = parse_post(b"", "2020-01-02-empty-thoughts.md", now=NOW)
    assert (post.title, post.words, post.date is not None) == ("Empty thoughts", 0, True)
    assert [p.reason for p in problems] == ["empty file"]


@pytest.mark.parametrize(
    "front",
    [
        "title: Deep\nx: " + "[" * 20000 + "]" * 20000,
        "title: Deep\nx:\n" + "".join(" " * i + f"k{i}:\n" for i in range(2000)),
        "title: Deep\nx:\n" + "- " * 50000 + "a",
        "title: Deep\nx: " + "{a: " * 50000 + "1" + "}" * 50000,
    ],
    ids=["flow", "block", "dashes", "maps"],
)
def test_deeply_nested_yaml_is_bounded(front: str) -> None:
    started = time.monotonic()
    post, problems = parse_post(f"---\n{front}\n---\nBody.\n".encode(), "deep.md", now=NOW)
    assert post.body == "Body.\n"
    assert time.monotonic() - started < 5  # generous: only guards against a hang
    # The deep key is not one a Post reads, so it is skipped or reported, never a crash.
    assert post.title == "Deep" or problems


def test_deep_yaml_in_a_key_we_read_is_a_problem() -> None:
    front = "title: Deep\ntags: " + "[" * 50000 + "]" * 50000
    post, problems = parse_post(f"---\n{front}\n---\nBody.\n".encode(), "deep.md", now=NOW)
    assert post.body == "Body.\n"
    assert problems and "YAML front matter" in problems[0].reason


def test_deep_json_is_a_problem() -> None:
    data = ('{"title": "x", "a": ' + "[" * 100000 + "]" * 100000 + "}\nBody\n").encode()
    _, problems = parse_post(data, "deep.json.md", now=NOW)
    assert problems and "JSON front matter" in problems[0].reason


def test_shortcode_at_the_start_is_not_json() -> None:
    post, problems = parse_post(b"{{< note >}}Hello{{< /note >}}\n", "note.md", now=NOW)
    assert (post.body, problems) == ("{{< note >}}Hello{{< /note >}}\n", [])


@pytest.mark.parametrize(
    ("text", "iso", "day"),
    [
        ("2013-05-06 02:12:52 +0200", "2013-05-06T00:12:52Z", date(2013, 5, 6)),
        ("2021-06-11T15:00:00+08:00", "2021-06-11T07:00:00Z", date(2021, 6, 11)),
        ("2018-04-19T14:22:19.000Z", "2018-04-19T14:22:19Z", date(2018, 4, 19)),
        ("2020-12-31T23:30:00-01:00", "2021-01-01T00:30:00Z", date(2020, 12, 31)),
        ("2024-02-29", "2024-02-29T00:00:00Z", date(2024, 2, 29)),
        ("2024-02-29 08:05", "2024-02-29T08:05:00Z", date(2024, 2, 29)),
    ],
)
def test_strict_dates(text: str, iso: str, day: date) -> None:
    parsed = parse_date_text(text)
    assert parsed is not None and (parsed.iso(), parsed.day) == (iso, day)


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31 23:59:59 -1200",
        "0001-01-01T00:00:00+14:00",
        "2023-01-29 18:30:22 2023 -0800",
        "yesterday",
        "2023-13-01",
        "29/01/2023",
        "2023-01-29x",
    ],
)
def test_loose_dates_are_refused(text: str) -> None:
    assert parse_date_text(text) is None


def test_word_count_follows_hugo_for_cjk() -> None:
    assert count_words("hello world") == 2
    assert count_words("分布式 系统") == 5
    assert count_words("Service Mesh 落地实践 v1.0") == 7
    assert count_words("café au lait") == 3
    # long texts take fast paths chosen by the widest character: same answers
    assert count_words("naïve\u00a0café " * 50) == 100
    assert count_words("naïve 分布式 " * 50) == 200
    assert count_words("word " * 50 + "😀 emoji") == 52


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_a_post(data: bytes) -> None:
    post, _ = parse_post(b"---\n" + data, "fuzz.md", now=NOW)
    assert post.path == "fuzz.md" and isinstance(post.title, str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_front_matter_gives_a_post(text: str) -> None:
    for opening, closing in (("---", "---"), ("+++", "+++")):
        data = f"{opening}\n{text}\n{closing}\nbody\n".encode()
        post, _ = parse_post(data, "fuzz.md", now=NOW)
        assert post.path == "fuzz.md"


def test_fixture_files_are_small_and_ours() -> None:
    # fixtures are written for the project: a guard against copying corpus files in
    assert all(path.stat().st_size < 2000 for path in Path(QUIRKS).iterdir())
