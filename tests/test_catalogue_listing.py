"""The catalogue's listing keys, JSON fragments and spelling counts agree with the Posts."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from blogtui.archive import load
from blogtui.model import Post, json_record
from blogtui.search import catalogue, listing, store
from blogtui.search.index import PostIndex
from blogtui.search.store import index_location
from tests.conftest import NOW

_POSTS = {
    "posts/a.md": "---\ntitle: Alpha\ndate: 2026-10-01T10:00:00+02:00\ntags: [Go, web]\n---\nA\n",
    "posts/b.md": "---\ntitle: beta \u2764\ufe0f\ndate: 2027-01-01\ntags: [go]\n---\nB\n",
    "posts/c.md": "---\ntitle: Gamma\ndate: 2020-05-05\nexpiryDate: 2021-01-01\n---\nC\n",
    "posts/d.md": "---\ntitle: Delta\ndraft: true\ndate: 2020-05-06\ncategories: [X]\n---\nD\n",
    "posts/e.md": "---\ntitle: Epsilon\n---\nUndated.\n",
    "posts/f.md": "---\ntitle: Zeta\nheadless: true\ndate: 2019-01-01\n---\nF\n",
    "+g.md": '+++\ntitle = "Eta"\ndate = 2020-05-06\n[taxonomies]\ntopics = ["T", "t"]\n+++\nG\n',
}


def _archive(root: Path, posts: dict[str, str] = _POSTS) -> Path:
    for rel, text in posts.items():
        (root / rel.lstrip("+")).parent.mkdir(parents=True, exist_ok=True)
        (root / rel.lstrip("+")).write_text(text, encoding="utf-8")
    return root


def _expected(posts: list[Post], drafts: bool, hidden: bool, years: list[int], sort: str) -> str:
    kept = [
        p
        for p in posts
        if (drafts or not p.draft) and (hidden or not p.hidden) and (not years or p.year in years)
    ]
    if sort == "title":
        kept.sort(key=lambda p: (p.title.casefold(), p.path))
    return json.dumps([json_record(p) for p in kept], ensure_ascii=False)


@pytest.mark.parametrize(
    ("drafts", "hidden", "years", "sort"),
    [
        (True, False, [], "date"),
        (True, True, [], "date"),
        (False, False, [], "title"),
        (True, True, [2020], "date"),
        (False, True, [2020, 2027], "title"),
    ],
)
def test_listing_from_keys_and_fragments_is_the_posts_json(
    tmp_path: Path, drafts: bool, hidden: bool, years: list[int], sort: Any
) -> None:
    root = _archive(tmp_path / "blog")
    PostIndex.open(root, now=NOW).close()
    for reopened in (False, True):  # fresh entries, then entries loaded from the file
        index = PostIndex.open(root, now=NOW)
        rows = listing.kept_in_order(index.table(), sort, drafts=drafts, hidden=hidden, years=years)
        assert rows is not None
        text = listing.json_text(rows, NOW)
        assert text == _expected(index.posts(), drafts, hidden, years, sort), reopened
        index.close()


def test_a_listing_reads_the_loaded_columns_and_shows_a_change(tmp_path: Path) -> None:
    """Straight from the loaded columns (no Entry made): the posts' JSON, and after an edit
    the edit in it."""
    root = _archive(tmp_path / "blog")
    PostIndex.open(root, now=NOW).close()
    index = PostIndex.open(root, now=NOW)
    table = index.table()
    assert table is not None and table._body is not None, "read from the columns"
    assert not any(index._entries._made), "no entry made"
    listed = listing.kept_in_order(table, "date", drafts=True, hidden=True, years=[])
    assert listed is not None
    assert listing.json_text(listed, NOW) == _expected(index.posts(), True, True, [], "date")
    index.close()
    post = root / "posts" / "c.md"
    post.write_text(post.read_text(encoding="utf-8").replace("Gamma", "Gamma 2"), "utf-8")
    index = PostIndex.open(root, now=NOW)
    listed = listing.kept_in_order(index.table(), "date", drafts=True, hidden=True, years=[])
    assert listed is not None
    text = listing.json_text(listed, NOW)
    assert text == _expected(index.posts(), True, True, [], "date") and "Gamma 2" in text
    index.close()


def test_the_order_and_a_slice_of_posts_need_no_other_post(tmp_path: Path) -> None:
    root = _archive(tmp_path / "blog")
    PostIndex.open(root, now=NOW).close()
    index = PostIndex.open(root, now=NOW)
    order = index.order()
    assert index.count() == len(order) == len(_POSTS)
    first = index.posts_of(order[:2])
    assert len(index._by_path) == 2, "only the slice was built"
    assert order == [p.path for p in index.posts()] and first == index.posts()[:2]


def test_a_planted_fragment_is_never_printed(tmp_path: Path) -> None:
    """A resealed catalogue whose fragment holds an escape: list --json takes the Post
    path, which sanitises, and still lists every post."""
    root = _archive(tmp_path / "blog")
    PostIndex.open(root).close()
    path = index_location(root) / store.CATALOGUE
    loaded = catalogue.load_all(
        path.read_bytes(), store.SCHEMA_VERSION, catalogue.opener_in(path.parent)
    )
    entry = loaded.entries["posts/a.md"]
    entry._shown = bytes(entry.shown()).replace(b'"Alpha"', b'"\x1b]52;c;AAAA\x07Alpha"')
    path.write_bytes(catalogue.dump(loaded.entries, store.SCHEMA_VERSION, loaded.site,
                                    loaded.spellings))  # fmt: skip
    rows = listing.kept_in_order(
        PostIndex.open(root).table(), "date", drafts=True, hidden=False, years=[]
    )
    assert rows is not None and listing.json_text(rows, None) is None
    proc = subprocess.run(
        [sys.executable, "-m", "blogtui", "list", "-a", str(root), "--json"],
        capture_output=True,
        check=False,
        env=os.environ,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"\x1b" not in proc.stdout and b"\x07" not in proc.stdout
    assert len(json.loads(proc.stdout)) == len(_POSTS) - 1  # the headless page is not listed


def _legacy(path: Path) -> bytes:
    """The same catalogue as the format before wrote it (catalogue 2)."""
    opener = catalogue.opener_in(path.parent)
    loaded = catalogue.load_all(path.read_bytes(), store.SCHEMA_VERSION, opener)
    blobs = [e.blob() for e in loaded.entries.values()]
    rows = [
        [p, e.mtime_ns, e.size, list(e.problems), len(b)]
        for (p, e), b in zip(loaded.entries.items(), blobs, strict=True)
    ]
    head = json.dumps({"schema": store.SCHEMA_VERSION, "site": loaded.site, "entries": rows})
    body = head.encode() + b"\n" + b"".join(blobs)
    return catalogue.seal(body).replace(catalogue.MAGIC, b"blogtui-catalogue 2\n", 1)


def test_an_older_catalogue_is_read_and_rewritten_without_a_rebuild(tmp_path: Path) -> None:
    root = _archive(tmp_path / "blog")
    PostIndex.open(root, now=NOW).close()
    path = index_location(root) / store.CATALOGUE
    before = PostIndex.open(root, now=NOW).posts()
    path.write_bytes(_legacy(path))
    notices: list[str] = []
    index = PostIndex.open(root, now=NOW, notice=notices.append)
    assert index.posts() == before and notices == []
    assert path.read_bytes().startswith(catalogue.MAGIC), "rewritten in this format"
    assert PostIndex.open(root, now=NOW).posts() == before


_SPELLINGS = ["Go", "go", "GO", "Rust", "rust", "Go ", "café", "cafe\u0301"]


def _random_post(rng: random.Random, day: int) -> str:
    tags = rng.sample(_SPELLINGS, rng.randint(0, 3))
    topics = rng.sample(_SPELLINGS, rng.randint(0, 2))
    return (
        f'+++\ntitle = "P{day}"\ndate = 2024-01-{day:02d}\ntags = {json.dumps(tags)}\n'
        f"authors = {json.dumps(rng.sample(['Ann', 'ann', 'Bo'], 1))}\n"
        f"[taxonomies]\ntopics = {json.dumps(topics)}\n+++\nBody.\n"
    )


def test_spellings_after_each_edit_are_those_of_a_fresh_count(tmp_path: Path) -> None:
    """Random edits, additions and deletions, a refresh after each: every post's terms are
    spelled as `archive.load` spells them from scratch (ties to the first path included)."""
    rng = random.Random(7)
    root = tmp_path / "blog"
    _archive(root, {f"posts/p{i:02d}.md": _random_post(rng, i + 1) for i in range(12)})
    index = PostIndex.open(root, now=NOW)
    for step in range(40):
        name = root / "posts" / f"p{rng.randrange(14):02d}.md"
        if name.exists() and rng.random() < 0.2:
            name.unlink()
        else:
            name.write_text(_random_post(rng, rng.randint(1, 28)), encoding="utf-8")
            os.utime(name, ns=(step * 10**9, step * 10**9))  # a new stat, even in one tick
        index.refresh()
        fresh = PostIndex.open(root, now=NOW)  # the counts as written, read back
        wanted = {p.path: p for p in load(root, now=NOW).posts}
        for got in (index.posts(), fresh.posts()):
            spelled = {p.path: (p.tags, p.authors, dict(p.taxonomies)) for p in got}
            assert spelled == {
                p.path: (p.tags, p.authors, dict(p.taxonomies)) for p in wanted.values()
            }, step
        fresh.close()
    index.close()


@pytest.mark.parametrize("paths_in_order", [True, False])
def test_the_date_order_is_post_sort_key_order(paths_in_order: bool) -> None:
    """Newest day, then newest instant, undated last, equal ones by path: whether the rows
    come in path order (a stable sort keeps it) or not (runs of equal keys sorted)."""
    chance = random.Random(7)
    count = 400
    paths = sorted(f"posts/{chance.randrange(10**6):06}-{n}.md" for n in range(count))
    days = [chance.choice([None, 738000, 738001, 738002]) for _ in range(count)]
    micros = [None if d is None else d * 86_400_000_000 + chance.choice([0, 5]) for d in days]
    rows = list(range(count))
    if not paths_in_order:
        chance.shuffle(rows)
    expected = sorted(
        rows,
        key=lambda r: (1, 0, 0, paths[r]) if days[r] is None
        else (0, -days[r], -micros[r], paths[r]),  # type: ignore[operator]
    )  # fmt: skip
    assert listing.date_order(rows, paths, days, micros) == expected
