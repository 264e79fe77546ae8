"""The benchmark corpus generator: deterministic, realistic, and read in full by the loader."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from blogtui.archive import load
from blogtui.model import Post, term_key
from tests.conftest import NOW, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from gen_corpus import Manifest, PostRecord, generate

POSTS = 600


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """One generated archive shared by the module's tests (it is never written to)."""
    return generate(tmp_path_factory.mktemp("gen") / "blog", POSTS, seed=7)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 80, seed=3)
    generate(tmp_path / "b", 80, seed=3)
    generate(tmp_path / "c", 80, seed=4)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")
    assert len(first.posts) == 80


def test_every_layout_and_quirk_is_present(generated: Manifest) -> None:
    kinds = Counter(p.kind for p in generated.posts)
    assert set(kinds) == {"hugo-yaml", "hugo-toml", "hugo-json", "bundle", "jekyll",
                          "jekyll-draft", "page"}  # fmt: skip
    assert any(p.draft for p in generated.posts)
    assert any(p.date is None for p in generated.posts)
    assert any(p.cjk for p in generated.posts)
    assert any(p.path.endswith(".markdown") for p in generated.posts)
    assert any(r.endswith(".md") for r in generated.resources), "bundles have .md resources"
    assert any(" " in t for p in generated.posts for t in p.tags), "multi-word tags"


def test_sizes_are_long_tailed_around_8_5_kb(generated: Manifest) -> None:
    sizes = sorted(p.size for p in generated.posts)
    mean = sum(sizes) / len(sizes)
    assert 6_500 < mean < 11_000
    assert sizes[len(sizes) // 2] < mean, "the median sits below the mean (a long tail)"
    assert sizes[-1] > 40_000


def test_tags_follow_a_zipf_like_curve(generated: Manifest) -> None:
    ranked = [n for _, n in generated.counts("tags").most_common()]
    assert ranked[0] > 4 * ranked[9] > 0
    assert ranked[-1] <= 2, "a long tail of rare tags"


def test_rare_words_occur_exactly_where_the_manifest_says(generated: Manifest) -> None:
    root = generated.root
    for word, paths in list(generated.rare_words().items())[:5]:
        holders = {p.path for p in generated.posts if word in (root / p.path).read_text("utf-8")}
        assert holders == paths


def _expected(record: PostRecord) -> dict[str, object]:
    return {
        "title": record.title, "slug": record.slug, "date": record.date, "day": record.day,
        "tags": sorted(map(term_key, record.tags)),
        "categories": sorted(map(term_key, record.categories)),
        "authors": list(record.authors), "draft": record.draft, "lang": record.lang,
    }  # fmt: skip


def _actual(post: Post) -> dict[str, object]:
    return {
        "title": post.title, "slug": post.slug,
        "date": post.date.iso() if post.date else None,
        "day": post.date.day.isoformat() if post.date else None,
        "tags": sorted(map(term_key, post.tags)),
        "categories": sorted(map(term_key, post.categories)),
        "authors": list(post.authors), "draft": post.draft, "lang": post.lang,
    }  # fmt: skip


def test_the_loader_reads_every_generated_post_as_written(generated: Manifest) -> None:
    archive = load(generated.root, now=NOW)
    assert archive.problems == []
    loaded = {post.path: post for post in archive.posts}
    assert sorted(loaded) == [record.path for record in generated.posts]
    wrong = {
        record.path: (_expected(record), _actual(loaded[record.path]))
        for record in generated.posts
        if _expected(record) != _actual(loaded[record.path])
    }
    assert wrong == {}
