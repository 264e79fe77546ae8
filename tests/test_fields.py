"""The one table of Post fields: catalogue records, JSON, headers and the schema version."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from blogtui.model import FIELDS, Post, PostDate, check_fields, header_rows, json_record
from blogtui.render import format_day
from blogtui.search import catalogue
from blogtui.search.index import PostIndex
from blogtui.search.store import SCHEMA_VERSION

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _full_post(**changes: object) -> Post:
    """A post with every field set to something other than its default."""
    values: dict[str, object] = {
        "path": "posts/full.md",
        "title": "Full",
        "slug": "full",
        "date": PostDate(datetime(2024, 2, 3, 4, 5, 6, 7, tzinfo=UTC), date(2024, 2, 3)),
        "tags": ("t1", "T2"),
        "categories": ("c1",),
        "series": ("Walks",),
        "authors": ("Ada",),
        "taxonomies": {"series": ("S",)},
        "draft": True,
        "summary": "Sum.",
        "words": 500,
        "lang": "fr",
        "section": "posts",
        "expiry": PostDate(datetime(2026, 1, 1, tzinfo=UTC), date(2026, 1, 1)),
    }
    values.update(changes)
    return Post(**values)  # type: ignore[arg-type]


def test_the_table_names_every_post_field() -> None:
    assert check_fields() == []


def test_a_catalogue_record_gives_back_the_post() -> None:
    post = _full_post()
    again = catalogue.post_of(catalogue.record_of(post), now=NOW)
    assert again == replace(post, expired=True)  # judged against `now`, not stored
    for f in FIELDS:
        if f.stored:
            assert getattr(again, f.name) == getattr(post, f.name), f.name


def test_json_records_hold_the_json_fields() -> None:
    record = json.loads(json.dumps(json_record(_full_post())))
    assert list(record) == [f.name for f in FIELDS if f.json]
    assert record["date"] == "2024-02-03T04:05:06Z"
    assert record["tags"] == ["t1", "T2"]
    assert record["taxonomies"] == {"series": ["S"]}
    assert record["reading_minutes"] == 3


def test_header_rows_follow_the_table_and_end_with_the_path() -> None:
    post = _full_post(future=True)
    assert header_rows(post, format_day, extra=[("Reading", "3 min")]) == [
        ("Date", "2024-02-03"),
        ("By", "Ada"),
        ("Tags", "t1, T2"),
        ("Categories", "c1"),
        ("Series", "Walks"),
        ("Status", "draft, future"),
        ("Reading", "3 min"),
        ("Path", "posts/full.md"),
    ]
    bare = Post(path="a.md", title="", slug="a")
    assert header_rows(bare, format_day) == [("Date", "undated"), ("Path", "a.md")]


def test_the_schema_version_follows_the_field_table() -> None:
    """Changing the table changes the version, so old indexes rebuild without a manual bump."""
    code = (
        "import blogtui.model as m; m.FIELDS_FINGERPRINT += 'x';"
        "from blogtui.search.store import SCHEMA_VERSION; print(SCHEMA_VERSION)"
    )
    changed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert changed != SCHEMA_VERSION
    assert changed.split("-")[0] == SCHEMA_VERSION.split("-")[0]


def test_a_new_field_flows_from_front_matter_to_every_output(tmp_path: Path) -> None:
    """`series`, added as three edits (Post, FIELDS, READERS), reaches the index's catalogue
    (spellings merged archive-wide), `list --json` and the `cat` header."""
    root = tmp_path / "blog"
    (root / "posts").mkdir(parents=True)
    (root / "posts/a.md").write_text("---\ntitle: A\nseries: harbour walks\n---\nOne.\n")
    (root / "posts/b.md").write_text('+++\ntitle = "B"\nseries = ["Harbour Walks"]\n+++\nTwo.\n')
    (root / "posts/c.md").write_text('{"title": "C", "series": "Harbour Walks"}\nThree.\n')
    index = PostIndex.open(root, now=NOW)
    assert {p.path: p.series for p in index.posts()} == {
        "posts/a.md": ("Harbour Walks",),
        "posts/b.md": ("Harbour Walks",),
        "posts/c.md": ("Harbour Walks",),
    }
    index.close()
    listed = subprocess.run(
        [sys.executable, "-m", "blogtui", "list", "-a", str(root), "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert {post["series"][0] for post in json.loads(listed)} == {"Harbour Walks"}
    shown = subprocess.run(
        [sys.executable, "-m", "blogtui", "cat", "-a", str(root), "posts/a.md"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Series:     harbour walks" in shown.splitlines()  # one file read as it is
