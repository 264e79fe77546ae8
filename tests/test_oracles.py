"""Hugo and Jekyll as oracles: the pages they find in an archive, and what they read, equal ours.

Hugo 0.111 (`hugo list all`) runs over the Hugo corpora in place, through a temporary site
whose contentDir points at the corpus; Jekyll 4.3 runs over copies of Jekyll posts (the real
jekyll-posts corpus and the Jekyll posts of a generated archive) with a plugin that dumps
site.posts as JSON (tests/oracle/). Each tool runs once per archive (module-scoped fixtures).
Where blogtui reads something differently on purpose, the difference is listed below with
its reason and its exact extent; everything else must agree exactly.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from blogtui.archive import load
from blogtui.model import Post, term_key, tidy_term
from tests.conftest import CORPORA, NOW, ROOT, corpus_archive

sys.path.insert(0, str(ROOT / "benchmarks"))
from gen_corpus import Manifest, generate

pytestmark = pytest.mark.oracle

ORACLE = Path(__file__).resolve().parent / "oracle"
HUGO_CORPORA = ("kerthcet-homepage", "sofastack-blog-zh", "hugo-docs")
GENERATED = "generated"  # an archive from benchmarks/gen_corpus.py, read by both tools
HUGO_HEADER = ["path", "slug", "title", "date", "expiryDate", "publishDate", "draft"]
#: A shortcode call, opening or closing; `{{</* x */>}}` is an escaped (literal) one.
SHORTCODE = re.compile(r"\{\{[<%]\s*(?!/\*)(/?)\s*([\w./-]+)")
TIMEOUT = 60

#: Titles blogtui tidies on purpose: runs of Unicode whitespace (U+3000, doubled spaces)
#: become one space and the ends are stripped, because a title is shown on one line of a
#: list and matched by search; Hugo keeps them as written. Corpus -> exactly how many.
TIDIED_TITLES = {"kerthcet-homepage": 0, "sofastack-blog-zh": 10, "hugo-docs": 0, GENERATED: 0}


@dataclass(frozen=True, slots=True)
class Listed:
    """One page or post as an oracle reads it."""

    title: str | None
    instant: datetime | None
    draft: bool
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


def need(tool: str) -> str:
    """The tool's path, or skip the test saying how to get it."""
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} is not on PATH (apt-get install {tool}; .ci/run installs it)")
    return found


def run_tool(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run hugo or jekyll in UTC with its home and caches inside the temporary site."""
    environment = {**os.environ, "TZ": "UTC", "HOME": str(cwd), **env}
    done = subprocess.run(argv, cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)  # fmt: skip
    assert done.returncode == 0, f"{argv[0]} failed:\n{done.stderr[-2000:]}"
    return done


def ours(root: Path, keep: Callable[[str], bool] = lambda path: True) -> dict[str, Post]:
    """Our posts by archive-relative path (only those `keep` accepts); a real corpus is
    loaded once per worker, shared with test_corpora."""
    archive = corpus_archive(root.name) if root.parent == CORPORA else load(root, now=NOW)
    return {post.path: post for post in archive.posts if keep(post.path)}


# --- Hugo -----------------------------------------------------------------------------------


def stub_shortcodes(content: Path, layouts: Path) -> set[str]:
    """Write a stub template for every shortcode the content calls (Hugo fails on a missing one).

    A shortcode ever used with a closing tag must mention .Inner (Hugo refuses a closing tag
    otherwise); one never closed must not (Hugo then requires every call to be closed).
    """
    used: dict[str, bool] = {}
    for path in content.rglob("*.md"):
        if path.is_file():
            for slash, name in SHORTCODE.findall(path.read_text("utf-8", "replace")):
                used[name] = used.get(name, False) or bool(slash)
    for name, closed in used.items():
        stub = layouts / "shortcodes" / f"{name}.html"
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("{{- if false }}{{ .Inner }}{{ end -}}" if closed else "")
    return set(used)


def hugo_pages(content: Path, site: Path) -> dict[str, Listed]:
    """`hugo list all` over `content`, by path relative to it (`_index.md` sections left out)."""
    hugo = need("hugo")
    config = (ORACLE / "hugo" / "config.toml").read_text()
    (site / "config.toml").write_text(f"contentDir = {json.dumps(str(content))}\n{config}")
    stub_shortcodes(content, site / "layouts")
    output = run_tool([hugo, "list", "all", "-s", str(site)], site, HUGO_CACHEDIR=str(site / "c"))
    rows = csv.reader(io.StringIO(output.stdout))
    header = next(rows)
    assert header[: len(HUGO_HEADER)] == HUGO_HEADER, f"unexpected hugo list header {header}"
    pages = {}
    for row in rows:
        record = dict(zip(header, row, strict=True))
        path = Path(record["path"]).relative_to(content).as_posix()
        if Path(path).name != "_index.md":
            pages[path] = Listed(record["title"] or None, hugo_instant(record["date"]),
                                 record["draft"] == "true")  # fmt: skip
    return pages


def hugo_instant(text: str) -> datetime | None:
    """Hugo's date as a UTC instant; its zero date (year 1) means none."""
    value = datetime.fromisoformat(text)
    return None if value.year == 1 else value.astimezone(UTC)


#: (archive name, Hugo's pages, our posts), by path relative to the archive.
HugoRun = tuple[str, dict[str, Listed], dict[str, Post]]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """A generated archive with every layout (Hugo sections, bundles, Jekyll posts and drafts)."""
    return generate(tmp_path_factory.mktemp("generated") / "archive", 600, seed=11)


@pytest.fixture(scope="module", params=[*HUGO_CORPORA, GENERATED])
def hugo_and_ours(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> HugoRun:
    """(archive name, Hugo's pages, our posts) for one Hugo corpus or the generated archive."""
    name: str = request.param
    if name == GENERATED:
        content = request.getfixturevalue("generated").root
    else:
        content = CORPORA / name
        if not content.is_dir():
            pytest.skip(f"corpus {name} not found at {content}")
    site = tmp_path_factory.mktemp(f"hugo-{name}")
    return name, hugo_pages(content, site), ours(content)


def test_hugo_lists_the_same_pages_as_we_do(hugo_and_ours: HugoRun) -> None:
    _, hugo, mine = hugo_and_ours
    assert hugo, "hugo listed no pages"
    assert sorted(set(hugo) - set(mine)) == [], "pages Hugo lists and we miss"
    assert sorted(set(mine) - set(hugo)) == [], "posts we list and Hugo does not"


# Jekyll's `_drafts/` folder makes a post a draft (Jekyll's rule, which blogtui follows);
# Hugo has no such convention and lists those files as published pages.
def jekyll_draft_folder(path: str, hugo_draft: bool, our_draft: bool) -> bool:
    """True for the one draft difference we accept: a `_drafts/` file Hugo calls published."""
    return path.startswith("_drafts/") and our_draft and not hugo_draft


def test_hugo_dates_and_drafts_agree_with_ours(hugo_and_ours: HugoRun) -> None:
    _, hugo, mine = hugo_and_ours
    wrong, excused = {}, 0
    for path, page in hugo.items():
        post = mine[path]
        our_instant = post.date.instant if post.date else None
        draft_agrees = page.draft == post.draft
        if not draft_agrees and jekyll_draft_folder(path, page.draft, post.draft):
            draft_agrees, excused = True, excused + 1
        if page.instant != our_instant or not draft_agrees:
            wrong[path] = (page.instant, page.draft, our_instant, post.draft)
    assert wrong == {}
    assert excused == sum(path.startswith("_drafts/") for path in hugo)


def test_hugo_titles_agree_with_ours_apart_from_tidied_whitespace(hugo_and_ours: HugoRun) -> None:
    name, hugo, mine = hugo_and_ours
    differ = {
        path: (page.title, mine[path].title)
        for path, page in hugo.items()
        if page.title is not None and path in mine and page.title != mine[path].title
    }
    tidied = {path for path, (theirs, our) in differ.items() if tidy_term(theirs) == our}
    assert {path: differ[path] for path in set(differ) - tidied} == {}
    assert len(tidied) == TIDIED_TITLES[name]


# --- Jekyll ---------------------------------------------------------------------------------

JEKYLL_FOLDERS = ("_posts/", "_drafts/")
#: `tags: 2024`, a bare YAML number: Jekyll keeps a plural key only when it is a string or a
#: list (Utils.pluralized_array_from_hash) and silently drops the tag; blogtui keeps it as
#: the term "2024", as Hugo does, since dropping it would lose what the author wrote.
BARE_NUMBER_TAGS = re.compile(r"^tags:[ \t]*(\d+)[ \t]*$", re.MULTILINE)


def jekyll_posts(site: Path) -> dict[str, Listed]:
    """Build `site` (Liquid off, drafts, future and unpublished posts in) and read the dump."""
    jekyll = need("jekyll")
    shutil.copytree(ORACLE / "jekyll", site, dirs_exist_ok=True)
    dump = site / "dump.json"
    argv = [jekyll, "build", "--future", "--unpublished", "--drafts", "--quiet",
            "-s", str(site), "-d", str(site / "_site")]  # fmt: skip
    run_tool(argv, site, BLOGTUI_DUMP=str(dump), JEKYLL_ENV="production")
    return {
        post["path"]: Listed(
            post["title"],
            datetime.fromisoformat(post["date"]),
            post["draft"] or not post["published"],
            tuple(post["tags"]),
            tuple(post["categories"]),
        )
        for post in json.loads(dump.read_text("utf-8"))
    }


def number_tag_dropped(site: Path, path: str, theirs: Listed, our: Post) -> bool:
    """True when Jekyll dropped a bare-number `tags:` value that we kept (BARE_NUMBER_TAGS)."""
    found = BARE_NUMBER_TAGS.search((site / path).read_text("utf-8"))
    return found is not None and not theirs.tags and our.tags == (found.group(1),)


@dataclass(frozen=True, slots=True)
class JekyllRun:
    """Jekyll's posts and ours, by `_posts/...` path, and the site Jekyll built from."""

    site: Path
    jekyll: dict[str, Listed]
    ours: dict[str, Post]


def jekyll_from_corpus(tmp: Path) -> JekyllRun:
    """jekyll-posts (a bare `_posts` folder): copied into a site's `_posts/`."""
    content = CORPORA / "jekyll-posts"
    if not content.is_dir():
        pytest.skip(f"corpus jekyll-posts not found at {content}")
    shutil.copytree(content, tmp / "_posts")
    mine = {f"_posts/{path}": post for path, post in ours(content).items()}
    return JekyllRun(tmp, jekyll_posts(tmp), mine)


def jekyll_from_generated(tmp: Path, archive: Path) -> JekyllRun:
    """A generated archive: its `_posts/` and `_drafts/` copied into a site."""
    site = tmp / "site"
    for folder in JEKYLL_FOLDERS:
        shutil.copytree(archive / folder, site / folder)
    mine = ours(archive, lambda path: path.startswith(JEKYLL_FOLDERS))
    return JekyllRun(site, jekyll_posts(site), mine)


@pytest.fixture(scope="module", params=["jekyll-posts", GENERATED])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> JekyllRun:
    """Jekyll's reading and ours of one archive."""
    tmp = tmp_path_factory.mktemp(f"jekyll-{request.param}")
    if request.param == "jekyll-posts":
        return jekyll_from_corpus(tmp)
    return jekyll_from_generated(tmp, request.getfixturevalue("generated").root)


def utc_day(instant: datetime | None) -> date | None:
    """The UTC calendar day of an instant."""
    return instant.astimezone(UTC).date() if instant else None


def test_jekyll_reads_the_same_posts_as_we_do(run: JekyllRun) -> None:
    assert len(run.jekyll) > 50
    assert sorted(run.jekyll) == sorted(run.ours)


def test_jekyll_titles_dates_and_published_flags_agree_with_ours(run: JekyllRun) -> None:
    wrong = {}
    for path, post in run.jekyll.items():
        got = run.ours[path]
        theirs = (post.title, utc_day(post.instant), post.draft)
        our = (got.title, utc_day(got.date.instant if got.date else None), got.draft)
        if theirs != our:
            wrong[path] = (theirs, our)
    assert wrong == {}


def test_jekyll_tags_and_categories_agree_with_ours(run: JekyllRun) -> None:
    wrong = {}
    for path, post in run.jekyll.items():
        got = run.ours[path]
        # blogtui shows each term in its archive-wide spelling, so compare matching keys.
        theirs = ([term_key(t) for t in post.tags], [term_key(c) for c in post.categories])
        our = ([term_key(t) for t in got.tags], [term_key(c) for c in got.categories])
        if theirs[0] != our[0] and number_tag_dropped(run.site, path, post, got):
            theirs = (our[0], theirs[1])
        if theirs != our:
            wrong[path] = (theirs, our)
    assert wrong == {}
