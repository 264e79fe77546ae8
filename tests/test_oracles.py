"""Hugo and Jekyll as oracles: the pages they list in an archive, and what they read, equal ours.

Hugo builds the Hugo corpora in place, through a temporary site whose contentDir points at
the corpus and whose one template dumps `.Site.RegularPages` (the regular pages Hugo lists:
no headless bundle, no `list: never`) and whether each would render (tests/oracle/hugo/);
Jekyll 4.3 runs over copies of Jekyll posts (the real jekyll-posts corpus and the Jekyll
posts of a generated archive) with a plugin that dumps site.posts as JSON (tests/oracle/).
Each tool runs once per archive (module-scoped fixtures). Our side is the posts we list; a
page we leave out must be one an exception below names and counts (where Hugo lists it,
its date and title are still compared). Where blogtui reads
something differently on purpose, the difference is listed below with its reason and its
exact extent; everything else must agree exactly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from blogtui.archive import load
from blogtui.model import Post, term_key, tidy_term
from tests.conftest import CORPORA, FIXTURES, NOW, ROOT, corpus_archive

sys.path.insert(0, str(ROOT / "benchmarks"))
from gen_corpus import Manifest, generate

pytestmark = pytest.mark.oracle

ORACLE = Path(__file__).resolve().parent / "oracle"
HUGO_CORPORA = ("kerthcet-homepage", "sofastack-blog-zh", "hugo-docs")
GENERATED = "generated"  # an archive from benchmarks/gen_corpus.py, read by both tools
#: A fixture site of cascades with `_target` globs, a headless bundle and section, a redirect.
CASCADES = "hugo-cascade"
#: A shortcode call, opening or closing; `{{</* x */>}}` is an escaped (literal) one.
SHORTCODE = re.compile(r"\{\{[<%]\s*(?!/\*)(/?)\s*([\w./-]+)")
TIMEOUT = 60

#: Titles blogtui tidies on purpose: runs of Unicode whitespace (U+3000, doubled spaces)
#: become one space and the ends are stripped, because a title is shown on one line of a
#: list and matched by search; Hugo keeps them as written. Corpus -> exactly how many.
TIDIED_TITLES = {"kerthcet-homepage": 0, "sofastack-blog-zh": 10, "hugo-docs": 0, GENERATED: 0,
                 CASCADES: 0}  # fmt: skip


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


def hugo_version() -> tuple[int, int]:
    """The installed Hugo's (major, minor) version."""
    output = run_tool([need("hugo"), "version"], Path.cwd()).stdout
    found = re.search(r"v(\d+)\.(\d+)", output)
    assert found, f"unexpected hugo version {output!r}"
    return int(found[1]), int(found[2])


#: Hugo reads `build` from 0.123 on; older versions read only `_build` and take `build` for a
#: custom parameter, so they list (and render) what a cascade of `build` options keeps out.
READS_BUILD = (0, 123)


def hugo_pages(content: Path, site: Path) -> dict[str, Listed]:
    """The regular pages Hugo lists from `content` and would render, by path relative to it."""
    hugo = need("hugo")
    config = (ORACLE / "hugo" / "config.toml").read_text()
    (site / "config.toml").write_text(f"contentDir = {json.dumps(str(content))}\n{config}")
    shutil.copytree(ORACLE / "hugo" / "layouts", site / "layouts")
    stub_shortcodes(content, site / "layouts")
    argv = [hugo, "--quiet", "-s", str(site), "-d", str(site / "public")]
    run_tool(argv, site, HUGO_CACHEDIR=str(site / "c"))
    listed = json.loads((site / "public" / "index.json").read_text("utf-8"))
    return {
        page["path"]: Listed(page["title"] or None, hugo_instant(page["date"]), page["draft"])
        for page in listed
        if page["rendered"]
    }


def hugo_instant(text: str) -> datetime | None:
    """Hugo's date as a UTC instant; its zero date (year 1) means none."""
    value = datetime.fromisoformat(text)
    return None if value.year == 1 else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class HugoRun:
    """Hugo's regular pages and our posts (listed or not) of one archive, by relative path."""

    name: str
    hugo: dict[str, Listed]
    ours: dict[str, Post]
    version: tuple[int, int]

    @property
    def listed(self) -> set[str]:
        """The paths of the posts we list."""
        return {path for path, post in self.ours.items() if not post.hidden}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """A generated archive with every layout (Hugo sections, bundles, Jekyll posts and drafts)."""
    return generate(tmp_path_factory.mktemp("generated") / "archive", 600, seed=11)


@pytest.fixture(scope="module", params=[*HUGO_CORPORA, GENERATED, CASCADES])
def hugo_and_ours(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> HugoRun:
    """Hugo's reading and ours of one Hugo corpus, the generated archive or the fixture."""
    name: str = request.param
    if name == GENERATED:
        content = request.getfixturevalue("generated").root
    elif name == CASCADES:
        content = FIXTURES / CASCADES / "content"
    else:
        content = CORPORA / name
        if not content.is_dir():
            pytest.skip(f"corpus {name} not found at {content}")
    site = tmp_path_factory.mktemp(f"hugo-{name}")
    return HugoRun(name, hugo_pages(content, site), ours(content), hugo_version())


def hugo_lists_what_we_leave_out(run: HugoRun) -> dict[str, int]:
    """The pages Hugo lists and we leave out on purpose, by our reason: exactly how many.

    - A redirect stub (a redirect key, no body, no prose) is a page to Hugo, whose templates
      turn it into a redirect; to a reader it is no post (the fixture's one stub).
    - hugo-docs cascades `build` options to `_common/` (a headless bundle: `list: never`)
      and to `quick-reference/glossary/` (a headless section: `list: local, render:
      never`); a Hugo older than READS_BUILD ignores both and lists those 46 and 156 pages.
    """
    if run.name == CASCADES:
        return {"redirect": 1}
    if run.name == "hugo-docs" and run.version < READS_BUILD:
        return {
            "never listed (cascade from _common/_index.md)": 46,
            "never rendered (cascade from quick-reference/glossary/_index.md)": 156,
        }
    return {}


def test_hugo_lists_the_regular_pages_we_list(hugo_and_ours: HugoRun) -> None:
    run = hugo_and_ours
    assert run.hugo, "hugo listed no pages"
    assert sorted(set(run.hugo) - set(run.ours)) == [], "pages Hugo lists that we never read"
    assert sorted(run.listed - set(run.hugo)) == [], "posts we list and Hugo does not"
    left_out = Counter(run.ours[path].hidden for path in set(run.hugo) - run.listed)
    assert left_out == hugo_lists_what_we_leave_out(run)


def test_the_pages_hugo_does_not_list_are_the_ones_we_leave_out(hugo_and_ours: HugoRun) -> None:
    run = hugo_and_ours
    unlisted = {path: post.hidden for path, post in run.ours.items() if path not in run.hugo}
    assert all(unlisted.values()), "pages Hugo leaves out that we list"
    if run.name == CASCADES:
        assert unlisted == {
            "blog/archive/old-pier.md": "never listed (cascade from blog/_index.md)",
            "drafts/gulls.md": "never listed (cascade from drafts/_index.md)",
            "lib/index.md": "headless",
            "snippets/signature.md": "never rendered (cascade from snippets/_index.md)",
        }
    elif run.name == "hugo-docs" and run.version >= READS_BUILD:
        assert len(unlisted) == 46 + 156


# Jekyll's `_drafts/` folder makes a post a draft (Jekyll's rule, which blogtui follows);
# Hugo has no such convention and lists those files as published pages.
def jekyll_draft_folder(path: str, hugo_draft: bool, our_draft: bool) -> bool:
    """True for the one draft difference we accept: a `_drafts/` file Hugo calls published."""
    return path.startswith("_drafts/") and our_draft and not hugo_draft


def test_hugo_dates_and_drafts_agree_with_ours(hugo_and_ours: HugoRun) -> None:
    hugo, mine = hugo_and_ours.hugo, hugo_and_ours.ours
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
    name, hugo, mine = hugo_and_ours.name, hugo_and_ours.hugo, hugo_and_ours.ours
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
    name: str = ""


def jekyll_from_corpus(tmp: Path) -> JekyllRun:
    """jekyll-posts (a bare `_posts` folder): copied into a site's `_posts/`."""
    content = CORPORA / "jekyll-posts"
    if not content.is_dir():
        pytest.skip(f"corpus jekyll-posts not found at {content}")
    shutil.copytree(content, tmp / "_posts")
    mine = {f"_posts/{path}": post for path, post in ours(content).items()}
    return JekyllRun(tmp, jekyll_posts(tmp), mine, "jekyll-posts")


def jekyll_from_generated(tmp: Path, archive: Path) -> JekyllRun:
    """A generated archive: its `_posts/` and `_drafts/` copied into a site."""
    site = tmp / "site"
    for folder in JEKYLL_FOLDERS:
        shutil.copytree(archive / folder, site / folder)
    mine = ours(archive, lambda path: path.startswith(JEKYLL_FOLDERS))
    return JekyllRun(site, jekyll_posts(site), mine, GENERATED)


def jekyll_from_fixture(tmp: Path) -> JekyllRun:
    """The redirect fixture's `_posts/` copied into a site."""
    shutil.copytree(FIXTURES / REDIRECTS / "_posts", tmp / "_posts")
    mine = {f"_posts/{path}": post for path, post in ours(FIXTURES / REDIRECTS / "_posts").items()}
    return JekyllRun(tmp, jekyll_posts(tmp), mine, REDIRECTS)


#: A fixture of Jekyll posts that redirect (jekyll-redirect-from's keys).
REDIRECTS = "jekyll-redirects"


@pytest.fixture(scope="module", params=["jekyll-posts", GENERATED, REDIRECTS])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> JekyllRun:
    """Jekyll's reading and ours of one archive."""
    tmp = tmp_path_factory.mktemp(f"jekyll-{request.param}")
    if request.param == "jekyll-posts":
        return jekyll_from_corpus(tmp)
    if request.param == REDIRECTS:
        return jekyll_from_fixture(tmp)
    return jekyll_from_generated(tmp, request.getfixturevalue("generated").root)


#: The posts Jekyll reads and we leave out on purpose, by archive: path -> our reason.
#: Redirect stubs are posts to Jekyll (jekyll-redirect-from writes a redirect page for
#: each); a reader has nothing in them to read. jekyll-posts' one `redirect_from` post has
#: a body, so it stays (`2019-08-04-jekyll-4-0-0-pre-beta1-released.markdown`).
JEKYLL_LEFT_OUT = {
    "jekyll-posts": {},
    GENERATED: {},
    REDIRECTS: {
        "_posts/2021-04-01-ferry-times.md": "redirect",
        "_posts/2021-05-06-old-timetable.md": "redirect",
    },
}


def utc_day(instant: datetime | None) -> date | None:
    """The UTC calendar day of an instant."""
    return instant.astimezone(UTC).date() if instant else None


def test_jekyll_reads_the_posts_we_list_and_the_ones_we_leave_out(run: JekyllRun) -> None:
    assert len(run.jekyll) > (2 if run.name == REDIRECTS else 50)
    assert sorted(run.jekyll) == sorted(run.ours)
    left_out = {path: post.hidden for path, post in run.ours.items() if post.hidden}
    assert left_out == JEKYLL_LEFT_OUT[run.name]
    if run.name == "jekyll-posts":
        kept = run.ours["_posts/2019-08-04-jekyll-4-0-0-pre-beta1-released.markdown"]
        assert not kept.hidden and any(key == "redirect_from" for key, _value in kept.params)


def test_jekyll_titles_dates_and_published_flags_agree_with_ours(run: JekyllRun) -> None:
    wrong = {}
    for path, post in run.jekyll.items():
        got = run.ours[path]
        if got.hidden:
            continue  # left out: JEKYLL_LEFT_OUT names it
        theirs = (post.title, utc_day(post.instant), post.draft)
        our = (got.title, utc_day(got.date.instant if got.date else None), got.draft)
        if theirs != our:
            wrong[path] = (theirs, our)
    assert wrong == {}


def test_jekyll_tags_and_categories_agree_with_ours(run: JekyllRun) -> None:
    wrong = {}
    for path, post in run.jekyll.items():
        got = run.ours[path]
        if got.hidden:
            continue  # left out: JEKYLL_LEFT_OUT names it
        # blogtui shows each term in its archive-wide spelling, so compare matching keys.
        theirs = ([term_key(t) for t in post.tags], [term_key(c) for c in post.categories])
        our = ([term_key(t) for t in got.tags], [term_key(c) for c in got.categories])
        if theirs[0] != our[0] and number_tag_dropped(run.site, path, post, got):
            theirs = (our[0], theirs[1])
        if theirs != our:
            wrong[path] = (theirs, our)
    assert wrong == {}
