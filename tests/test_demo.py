"""The bundled demo blog: it loads cleanly, shows every feature, and its links all resolve."""

from __future__ import annotations

import csv
import io
import json
import posixpath
import re
import shutil
import subprocess
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from blogtui.archive import Archive, load
from blogtui.demo import ROOT
from blogtui.model import Post, term_key
from tests.conftest import NOW

#: A markdown link or image target: `[text](target)` or `![alt](target "title")`.
MD_LINK = re.compile(r"\]\(\s*([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
#: Hugo's cross-reference shortcodes: `{{< ref "posts/x.md" >}}`, also relref and `{{% %}}`.
REF = re.compile(r"\{\{[<%]\s*(?:rel)?ref\s+\"([^\"]+)\"\s*[>%]\}\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def demo() -> Archive:
    """The demo archive, loaded once, judged against the tests' fixed 'now' (2026-11-01)."""
    return load(ROOT, now=NOW)


def by_path(archive: Archive, path: str) -> Post:
    """The post at `path`, failing the test with the known paths if there is none."""
    posts = {post.path: post for post in archive.posts}
    assert path in posts, f"{path} not among {sorted(posts)}"
    return posts[path]


def url_of(post: Post) -> str:
    """The post's Hugo URL: its folder (a bundle's parent) plus its slug, e.g. `/posts/x/`."""
    folder = posixpath.dirname(post.path)
    if posixpath.basename(post.path) in ("index.md", "_index.md"):
        folder = posixpath.dirname(folder)
    return posixpath.join("/", folder, post.slug) + "/"


def test_demo_loads_without_problems(demo: Archive) -> None:
    assert demo.problems == []
    assert len(demo.posts) == 36


def test_demo_is_small_enough_to_ship() -> None:
    size = sum(path.stat().st_size for path in ROOT.rglob("*") if path.is_file())
    assert size < 400_000


def test_demo_spans_several_years_with_one_future_post(demo: Archive) -> None:
    years = Counter(post.year for post in demo.posts)
    assert set(range(2019, 2027)) <= set(years)
    future = [post.path for post in demo.posts if post.future]
    assert future == ["posts/paris-brest-paris-2027.md"]
    assert by_path(demo, future[0]).date.day.year == 2027  # type: ignore[union-attr]
    # The about page is the one undated page, and undated posts sort last.
    assert [post.path for post in demo.posts if post.date is None] == ["about.md"]
    assert demo.posts[-1].path == "about.md"


def test_demo_has_exactly_one_draft(demo: Archive) -> None:
    assert [post.path for post in demo.posts if post.draft] == [
        "posts/code-review-half-thoughts.md"
    ]


def test_leaf_bundle_is_one_post_with_resources(demo: Archive) -> None:
    bundle = by_path(demo, "posts/around-the-algarve-by-bike/index.md")
    assert bundle.slug == "around-the-algarve-by-bike"
    assert bundle.authors == ("Maren Holt", "Lin Wei")
    paths = {post.path for post in demo.posts}
    assert "posts/around-the-algarve-by-bike/packing-list.md" not in paths
    assert (ROOT / "posts/around-the-algarve-by-bike/route-map.png").is_file()
    assert "route-map.png" in bundle.body


def test_section_pages_are_not_posts(demo: Archive) -> None:
    assert not [post.path for post in demo.posts if post.path.endswith("_index.md")]
    assert {post.section for post in demo.posts} == {"posts", "notes", ""}


def test_chinese_post_is_read_as_chinese(demo: Archive) -> None:
    post = by_path(demo, "posts/taiwan-round-the-island.md")
    assert post.lang == "zh"
    assert CJK.search(post.title)
    assert {"骑行", "台湾"} <= set(post.tags)
    # Hugo counts each CJK character as a word, so ~600 characters read as ~600 words.
    assert post.words > 500


def test_every_front_matter_format_is_represented(demo: Archive) -> None:
    toml_post = by_path(demo, "posts/cpp-move-semantics-finally.md")
    json_post = by_path(demo, "posts/pasteis-de-nata-at-home.md")
    assert (ROOT / toml_post.path).read_text(encoding="utf-8").startswith("+++\n")
    assert (ROOT / json_post.path).read_text(encoding="utf-8").startswith("{\n")
    assert "c++" in toml_post.tags
    assert json_post.title == "Pastéis de nata at home"
    assert "lisbon" in json_post.tags


def test_taxonomies_have_a_realistic_spread(demo: Archive) -> None:
    tags = Counter(term_key(tag) for post in demo.posts for tag in post.tags)
    categories = {term_key(c) for post in demo.posts for c in post.categories}
    authors = {author for post in demo.posts for author in post.authors}
    assert 4 <= len(categories) <= 6
    assert authors == {"Maren Holt", "Lin Wei"}
    assert {"open source", "bike fit", "c++"} <= set(tags)
    # Zipf-ish: a few common tags, many used once.
    assert tags.most_common(1)[0][1] >= 6
    assert sum(1 for count in tags.values() if count == 1) >= 15


@pytest.mark.parametrize("word", ["sourdough", "rust", "lisbon", "bike fit", "sqlite"])
def test_demo_search_words_recur(demo: Archive, word: str) -> None:
    # The README's demo searches need several hits each, not one.
    hits = [post.path for post in demo.posts if word in post.body.lower()]
    assert 3 <= len(hits) <= 15, hits


def test_long_post_for_scrolling(demo: Archive) -> None:
    long_post = by_path(demo, "posts/building-a-kv-store-in-rust.md")
    assert 15_000 <= len(long_post.body.encode("utf-8")) <= 20_000
    assert long_post.reading_minutes >= 10


def test_bodies_show_off_markdown_features(demo: Archive) -> None:
    bodies = "\n".join(post.body for post in demo.posts)
    fences = set(re.findall(r"^```(\w[\w+]*)", bodies, flags=re.MULTILINE))
    assert {"python", "go", "rust", "bash", "sql", "cpp"} <= fences
    assert "{{< figure " in bodies
    assert "{{< youtube " in bodies
    assert bodies.count("<!--more-->") >= 20
    assert re.search(r"^\|---", bodies, flags=re.MULTILINE)  # tables
    assert re.search(r"^> ", bodies, flags=re.MULTILINE)  # block quotes
    assert re.search(r"^  - ", bodies, flags=re.MULTILINE)  # nested lists


def links_of(post: Post) -> list[tuple[str, str]]:
    """The post's internal links as (kind, target): `ref` paths and relative markdown links."""
    refs = [("ref", target) for target in REF.findall(post.body)]
    relative = [
        ("relative", target)
        for target in MD_LINK.findall(post.body)
        if not re.match(r"[a-z]+:|/|#|\{\{", target)
    ]
    return refs + relative


def test_every_internal_link_resolves(demo: Archive) -> None:
    urls = {url_of(post): post.path for post in demo.posts}
    paths = {post.path for post in demo.posts}
    checked = 0
    for post in demo.posts:
        for kind, target in links_of(post):
            checked += 1
            if kind == "ref":
                assert target in paths, f"{post.path}: ref {target!r} is not a post"
                continue
            resolved = posixpath.normpath(posixpath.join(url_of(post), target))
            as_url = resolved.rstrip("/") + "/"
            # A relative link is a post's URL, or a resource file of this post's bundle.
            resource = ROOT / posixpath.dirname(post.path) / target
            assert as_url in urls or resource.is_file(), f"{post.path}: {target!r} is broken"
    assert checked >= 30


HUGO_CONFIG = """\
baseURL = "https://example.org/"
contentDir = {content}
cacheDir = {cache}
buildDrafts = true
buildFuture = true
buildExpired = true
refLinksErrorLevel = "ERROR"
disableKinds = ["RSS", "sitemap", "robotsTXT", "404", "taxonomy", "term"]
"""


def hugo_site(tmp_path: Path) -> Path:
    """A throwaway Hugo site whose content folder is the demo, with one-line templates."""
    site = tmp_path / "site"
    (site / "layouts" / "_default").mkdir(parents=True)
    for name in ("single.html", "list.html"):
        (site / "layouts" / "_default" / name).write_text("{{ .Content }}\n")
    # JSON strings are valid TOML basic strings, so paths are quoted safely.
    config = HUGO_CONFIG.format(
        content=json.dumps(str(ROOT)), cache=json.dumps(str(tmp_path / "hugo-cache"))
    )
    (site / "config.toml").write_text(config)
    return site


def run_hugo(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run hugo on `site` (its cache dir is set in the site's config, under tmp_path)."""
    command = ["hugo", "--source", str(site), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.oracle
@pytest.mark.skipif(shutil.which("hugo") is None, reason="hugo is not installed")
def test_hugo_agrees_on_pages_and_resolves_every_ref(demo: Archive, tmp_path: Path) -> None:
    site = hugo_site(tmp_path)
    listed = run_hugo(site, "list", "all")
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    hugo_pages = {Path(row["path"]).relative_to(ROOT).as_posix(): row for row in rows}
    ours = {post.path: post for post in demo.posts}
    assert set(hugo_pages) == set(ours)
    for path, row in hugo_pages.items():
        assert row["title"] == ours[path].title
        assert (row["draft"] == "true") == ours[path].draft
        post_date = ours[path].date
        hugo_date = datetime.fromisoformat(row["date"].replace("Z", "+00:00"))
        if post_date is None:
            assert hugo_date.year == 1  # Hugo's zero time: undated
        else:
            assert hugo_date == post_date.instant
    # A ref to a missing page is an error at refLinksErrorLevel = "ERROR".
    built = run_hugo(site, "--destination", str(tmp_path / "public"))
    assert built.returncode == 0, built.stderr
    assert "REF_NOT_FOUND" not in built.stdout + built.stderr
