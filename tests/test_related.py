"""Related posts: rare shared terms count more than common ones, similar bodies count, the
post itself never; shown after the post in the reader and by `blogtui related`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from blogtui.config import Config
from blogtui.search.index import PostIndex
from blogtui.search.related import related
from blogtui.tui.app import BlogApp
from tests._pilot import opened, settle, until
from tests.conftest import NOW

BREAD = "Sourdough starter, flour, water, a long cold proof and a hot oven make good bread. "
BIKES = "Gears, chains, saddles and a long climb: the bicycle wants oiling after rain. "


def _post(title: str, day: str, tags: list[str], body: str) -> str:
    return f"---\ntitle: {title}\ndate: {day}\ntags: [{', '.join(tags)}]\n---\n{body * 6}\n"


POSTS = {
    "posts/rye.md": _post("Rye Loaves", "2024-01-02", ["baking", "rye", "notes"], BREAD),
    "posts/spelt.md": _post("Spelt Loaves", "2024-02-02", ["baking", "rye", "notes"], BREAD),
    "posts/pizza.md": _post("Pizza Night", "2024-03-02", ["baking", "notes"], BREAD),
    "posts/climb.md": _post("A Long Climb", "2024-04-02", ["cycling", "notes"], BIKES),
    "posts/chain.md": _post("Chain Care", "2024-05-02", ["cycling", "notes"], BIKES),
}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "blog"
    for rel, text in POSTS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_rare_shared_terms_and_similar_bodies_rank_first(archive: Path) -> None:
    index = PostIndex.open(archive)
    rye = index.post("posts/rye.md")
    assert rye is not None
    found = related(index, rye)
    paths = [item.post.path for item in found]
    assert "posts/rye.md" not in paths
    assert paths[:2] == ["posts/spelt.md", "posts/pizza.md"]  # rye is rarer than baking
    assert found[0].shared == ("baking", "rye")  # "notes" is on every post: no weight
    assert set(paths[2:]) == {"posts/climb.md", "posts/chain.md"} or len(paths) == 2
    assert related(index, rye, limit=1)[0].post.path == "posts/spelt.md"


async def test_the_post_ends_with_related_posts(archive: Path) -> None:
    app = BlogApp(archive, config=Config(), now=NOW)
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        await pilot.press("end", "enter")  # oldest last: Rye Loaves
        reader = await opened(pilot)
        assert reader.post is not None and reader.post.title == "Rye Loaves"
        await until(pilot, lambda: "Related" in reader.text, "the related posts")
        tail = reader.text[reader.text.rindex("Related") :].splitlines()
        assert tail[1].split() == ["2024-02-02", "Spelt", "Loaves"]
        assert tail[2].split() == ["2024-03-02", "Pizza", "Night"]


def test_related_command(archive: Path) -> None:
    command = [sys.executable, "-m", "blogtui", "related", "-a", str(archive), "posts/chain.md"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split("\t")[1:] == [
        "2024-04-02",
        "A Long Climb",
        "posts/climb.md",
    ]
    done = subprocess.run([*command, "--json", "--limit", "2"], capture_output=True, text=True)
    records = json.loads(done.stdout)
    assert records[0]["path"] == "posts/climb.md" and records[0]["shared"] == ["cycling"]
    assert len(records) <= 2


def test_body_similarity_ranks_as_whoosh_more_like(archive: Path) -> None:
    from blogtui.search.related import _KEY_TERMS, _similar

    index = PostIndex.open(archive)
    post = index.post("posts/rye.md")
    assert post is not None
    ours = _similar(index, post)
    with index.snapshot() as snapshot:
        searcher, paths = snapshot.searcher()
        docnum = searcher.document_number(pathkey=post.path)
        hits = searcher.more_like(docnum, "body", text=post.body, top=30, numterms=_KEY_TERMS)
        theirs = {paths[hit.docnum]: hit.score for hit in hits}
    assert sorted(ours, key=ours.__getitem__) == sorted(theirs, key=theirs.__getitem__)
    scale = [ours[path] / theirs[path] for path in theirs]  # related() scales to the best
    assert max(scale) - min(scale) < 1e-6 * max(scale)
