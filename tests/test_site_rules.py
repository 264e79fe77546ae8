"""Fixtures for each date source, each taxonomy source and each rule that leaves a page out
of the list: small sites written here, read with archive.load and searched through an index."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogtui.archive import load
from blogtui.search.facets import FacetCounter
from blogtui.search.index import PostIndex
from blogtui.search.search import search
from tests.conftest import FIXTURES, NOW


def _site(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


def _posts(root: Path) -> dict[str, object]:
    return {post.path: post for post in load(root, now=NOW).posts}


@pytest.mark.parametrize(
    ("path", "text", "day", "source"),
    [
        (
            "notes/a.md",
            "---\ntitle: A\ndate: 2021-02-03\n---\nBody.\n",
            "2021-02-03",
            "front-matter",
        ),
        ("2020-05-06-b.md", "---\ntitle: B\n---\nBody.\n", "2020-05-06", "file-name"),
        ("posts/2019-07-08-c/index.md", "---\ntitle: C\n---\nBody.\n", "2019-07-08", "file-name"),
        ("d.md", '+++\ntitle = "D"\npath = "2014/12/12/d"\n+++\nBody.\n', "2014-12-12", "url-key"),
        ("e.md", "---\ntitle: E\nurl: /blog/2018/03/e/\n---\nBody.\n", "2018-03-01", "url-key"),
        ("2017/09/10/f.md", "---\ntitle: F\n---\nBody.\n", "2017-09-10", "folders"),
        ("2016/11/g.md", "---\ntitle: G\n---\nBody.\n", "2016-11-01", "folders"),
        ("2015-04-03-h/notes.md", "---\ntitle: H\n---\nBody.\n", "2015-04-03", "folders"),
        ("i.md", "---\ntitle: I\ndate: 2024-4-09\n---\nBody.\n", "2024-04-09", "front-matter"),
        ("1024/j.md", "---\ntitle: J\n---\nBody.\n", None, "none"),
    ],
)
def test_each_date_source(
    tmp_path: Path, path: str, text: str, day: str | None, source: str
) -> None:
    post = _posts(_site(tmp_path, {path: text}))[path]
    assert (post.date.day.isoformat() if post.date else None) == day  # type: ignore[attr-defined]
    assert post.date_source == source  # type: ignore[attr-defined]


def test_the_list_reads_in_the_order_of_the_days_it_shows(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "late.md": "---\ntitle: Late\ndate: 2025-11-29T01:00:00+09:00\n---\nx\n",  # 16:00 UTC, 28th
        "early.md": "---\ntitle: Early\ndate: 2025-11-28T20:00:00+00:00\n---\nx\n",
    })  # fmt: skip
    assert [post.path for post in load(root, now=NOW).posts] == ["late.md", "early.md"]


def test_hugo_custom_taxonomies_from_the_site_config(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "hugo.toml": '[taxonomies]\ntag = "tags"\nteam = "teams"\n',
        "content/a.md": "---\ntitle: A\nteams: [Red, Blue]\ntags: [Émoji]\n---\nx\n",
        "content/b.md": "---\ntitle: B\nteams: [red]\ntags: [emoji]\n---\nx\n",
    })  # fmt: skip
    facets = FacetCounter().count_posts(load(root, now=NOW).posts)
    assert facets.of("teams") == [("Red", 2), ("Blue", 1)]
    assert [count for _term, count in facets.tags] == [2]  # accents fold as body words do


def test_taxonomies_in_config_default(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "config/_default/taxonomies.toml": 'series = "series"\nmood = "moods"\n',
        "content/a.md": "---\ntitle: A\nmoods: calm\n---\nx\n",
    })  # fmt: skip
    assert load(root, now=NOW).posts[0].taxonomies == {"moods": ("calm",)}


def test_zola_page_taxonomies_feed_authors_and_their_own_facets(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "a.md": '+++\ntitle = "A"\n[taxonomies]\nauthors = ["Ann"]\nlevels = ["easy"]\n+++\nx\n',
    })  # fmt: skip
    post = load(root, now=NOW).posts[0]
    assert post.authors == ("Ann",) and post.taxonomies == {"levels": ("easy",)}


def test_docusaurus_author_keys_are_named_from_authors_yml(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "authors.yml": "ann:\n  name: Ann Example\n  title: Writer\n",
        "2024-01-02-a.md": "---\ntitle: A\nauthors: [ann, bo]\n---\nx\n",
    })  # fmt: skip
    assert load(root, now=NOW).posts[0].authors == ("Ann Example", "bo")


@pytest.mark.parametrize(
    ("path", "text", "reason"),
    [
        ("lib/index.md", "---\ntitle: Lib\nheadless: true\n---\nx\n", "headless"),
        (
            "a.md",
            "---\ntitle: A\nbuild:\n  list: never\n---\nx\n",
            "never listed (build.list: never)",
        ),
        (
            "b.md",
            '+++\ntitle = "B"\n[_build]\nlist = "never"\n+++\nx\n',
            "never listed (build.list: never)",
        ),
        ("old.md", "---\nredirect: /blog/new\n---\n", "redirect"),
        ("moved.md", '+++\nredirect_to = "/docs/"\n+++\n', "redirect"),
        (
            "b.md",
            '+++\ntitle = "B"\n[_build]\nrender = "never"\n+++\nx\n',
            "never rendered (build.render: never)",
        ),
        (
            "latest.md",
            '+++\ntemplate = "latest.html"\n+++\n',
            "empty (no title, date, body or prose)",
        ),
    ],
)
def test_each_rule_that_leaves_a_page_out(
    tmp_path: Path, path: str, text: str, reason: str
) -> None:
    assert _posts(_site(tmp_path, {path: text}))[path].hidden == reason  # type: ignore[attr-defined]


def test_a_cascade_leaves_out_the_whole_section(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "_common/_index.md": "---\ncascade:\n  build:\n    list: never\n---\n",
        "_common/snippet.md": "Included text.\n",
        "guide.md": "# Guide\n\nText.\n",
    })  # fmt: skip
    posts = _posts(root)
    assert posts["_common/snippet.md"].hidden == "never listed (cascade from _common/_index.md)"  # type: ignore[attr-defined]
    assert posts["guide.md"].hidden == ""  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    [
        # A redirect key with keys that carry nothing to read: layout, sitemap, published...
        "---\nlayout: redirect\nredirect_to: https://example.org/new/\nsitemap: false\n---\n",
        "---\nredirect: /blog/new\npublished: true\npermalink: /old/\nweight: 3\n---\n\n",
        '+++\ntemplate = "page.html"\nredirect_to = "docs/start/"\nsort_by = "weight"\n+++\n',
        # A title, a date or an HTML comment is no content: the page still only redirects.
        "---\ntitle: Moved\ndate: 2020-01-02\nredirectTo: /moved/\n---\n<!-- see /moved/ -->\n",
        "---\nredirect_url: [/a/, /b/]\nlayout: post\n---\n",
        # Only the old addresses a page answers to, and nothing else.
        "---\nredirect_from:\n  - /old/\nlayout: page\n---\n",
        "---\naliases: [/old/]\n---\n",
    ],
)
def test_a_redirect_stub_is_a_redirect_whatever_other_keys_it_has(
    tmp_path: Path, text: str
) -> None:
    assert _posts(_site(tmp_path, {"p.md": text}))["p.md"].hidden == "redirect"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: New home\nredirect_from: [/old/, /older/]\n---\nThe text lives here now.\n",
        "---\naliases: [/old/]\n---\nA page with a body and old addresses.\n",
        "---\nredirect: /blog/new\ndescription: Why the page moved.\n---\n",
        "---\nredirect_to: /new/\n---\nThis body is still something to read.\n",
        "---\ntitle: Reading list\naliases: [/books/]\n---\n",
        "---\nredirect: false\ntitle: Not a redirect\n---\n",
    ],
)
def test_a_page_with_something_to_read_is_no_redirect_stub(tmp_path: Path, text: str) -> None:
    assert _posts(_site(tmp_path, {"p.md": text}))["p.md"].hidden == ""  # type: ignore[attr-defined]


def test_empty_redirect_values_leave_an_empty_page_empty(tmp_path: Path) -> None:
    text = "---\nredirect_to: ''\nredirect_from: []\nlayout: page\n---\n"
    post = _posts(_site(tmp_path, {"p.md": text}))["p.md"]
    assert post.hidden == "empty (no title, date, body or prose)"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    ["# Only a heading\n", "---\ntitle: Docs page\n---\n", "---\nintro: Some *prose*.\n---\n"],
)
def test_a_page_with_a_title_or_prose_stays(tmp_path: Path, text: str) -> None:
    assert _posts(_site(tmp_path, {"p.md": text}))["p.md"].hidden == ""  # type: ignore[attr-defined]


CASCADE_FIXTURE = FIXTURES / "hugo-cascade" / "content"


def test_cascade_targets_on_the_fixture_site() -> None:
    hidden = {post.path: post.hidden for post in load(CASCADE_FIXTURE, now=NOW).posts}
    assert hidden == {
        "blog/harbour-lights.md": "",
        "blog/archive/old-pier.md": "never listed (cascade from blog/_index.md)",
        "blog/archive/kept-map.md": "",  # its own _build wins over the cascade
        "blog/moved-lights.md": "redirect",
        "drafts/gulls.md": "never listed (cascade from drafts/_index.md)",
        "drafts/deep/buoys.md": "",  # `/drafts/*` does not cross a folder
        "lib/index.md": "headless",
        "snippets/signature.md": "never rendered (cascade from snippets/_index.md)",
    }


NEVER = "never listed (cascade from s/_index.md)"


@pytest.mark.parametrize(
    ("target", "page", "reason"),
    [
        ("path: /s/**", "s/a.md", NEVER),
        ("path: /s/**", "s/x/b.md", NEVER),
        ("path: /s/*", "s/x/b.md", ""),
        ("path: '/s/{a,c}'", "s/a.md", NEVER),
        ("path: '/s/{a,c}'", "s/b.md", ""),
        ("path: /S/A", "s/a.md", NEVER),  # Hugo matches paths case-insensitively
        ("path: /s/a", "s/a/index.md", NEVER),  # a leaf bundle's path is its folder's
        ("path: /s/a.md", "s/a.md", NEVER),  # the file path older Hugo versions matched
        ("path: '/s/[ab]*'", "s/b.md", NEVER),
        ("path: '/s/[!ab]*'", "s/b.md", ""),
        ("path: /other/**", "s/a.md", ""),
        ("kind: page", "s/a.md", NEVER),
        ("kind: section", "s/a.md", ""),
        ("kind: '{page,section}'", "s/a.md", NEVER),
        ("environment: production", "s/a.md", NEVER),
        ("environment: development", "s/a.md", ""),
        ("lang: fr", "s/a.fr.md", NEVER),
        ("lang: fr", "s/a.md", ""),  # the site's default language is en
        ("lang: en", "s/a.md", NEVER),
    ],
)
@pytest.mark.parametrize("key", ["_target", "target"])
def test_a_cascade_reaches_only_the_pages_its_target_names(
    tmp_path: Path, key: str, target: str, page: str, reason: str
) -> None:
    index = f"---\ncascade:\n  - {key}:\n      {target}\n    build:\n      list: never\n---\n"
    root = _site(tmp_path, {"s/_index.md": index, page: "---\ntitle: T\n---\nx\n"})
    assert _posts(root)[page].hidden == reason  # type: ignore[attr-defined]


def test_the_nearest_cascade_wins_and_the_first_matching_entry_of_one(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "_index.md": "---\ncascade:\n  build:\n    list: never\n---\n",
        "open/_index.md": "---\ncascade:\n  - _target:\n      path: /open/shut/**\n"
                          "    build:\n      render: never\n"
                          "  - build:\n      list: always\n---\n",
        "top.md": "# Top\n",
        "open/a.md": "# A\n",
        "open/shut/b.md": "# B\n",
    })  # fmt: skip
    hidden = {path: post.hidden for path, post in _posts(root).items()}  # type: ignore[attr-defined]
    assert hidden == {
        "top.md": "never listed (cascade from _index.md)",
        "open/a.md": "",
        "open/shut/b.md": "never rendered (cascade from open/_index.md)",
    }


def test_the_config_default_language_is_the_one_targets_match(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "hugo.toml": 'defaultContentLanguage = "fr"\n',
        "content/s/_index.md": "---\ncascade:\n  _target:\n    lang: fr\n"
                               "  build:\n    list: never\n---\n",
        "content/s/a.md": "# A\n",
        "content/s/b.en.md": "# B\n",
    })  # fmt: skip
    hidden = {path: post.hidden for path, post in _posts(root).items()}  # type: ignore[attr-defined]
    assert hidden == {
        "content/s/a.md": "never listed (cascade from content/s/_index.md)",
        "content/s/b.en.md": "",
    }


def test_hidden_pages_are_left_out_of_search_unless_asked_and_prose_is_searchable(
    tmp_path: Path,
) -> None:
    root = _site(tmp_path / "site", {
        "old.md": "---\nredirect: /new\n---\n",
        "work/lws.md": "---\nintro: Built LeaderWorkerSet.\ndate: 2024-03-13\n---",
    })  # fmt: skip
    index = PostIndex.open(root, now=NOW)
    assert [h.post.path for h in search(index, "").hits] == ["work/lws.md"]
    assert len(search(index, "", include_hidden=True).hits) == 2
    assert [h.post.path for h in search(index, "show:all").hits] == ["work/lws.md", "old.md"]
    assert [h.post.path for h in search(index, "LeaderWorkerSet").hits] == ["work/lws.md"]
    assert index.refresh().hidden == {"redirect": 1}


@pytest.mark.parametrize(
    ("front", "body", "prose", "said"),
    [
        # go.dev's summary is the opening of the first paragraph: said once, in the body.
        (
            "summary: Go 1.99 adds a port to the tide clock API",
            "Go 1.99 adds a port to the *tide clock* API through the new `GOOS` value.\n",
            "",
            "Go 1.99 adds a port",
        ),
        (
            "description: Harbour notes, week one.",
            "# Harbour\n\nHarbour notes, week one.\n\nMore below.\n",
            "",
            "Harbour notes, week one.",
        ),
        # Only the repeated one goes; a subtitle the body does not open with stays.
        (
            "subtitle: From the pier\ndescription: The lights come on at dusk, one by one.",
            "The lights come on at dusk, one by one, along the wall.\n",
            "From the pier",
            "The lights come on at dusk",
        ),
        # A few shared words are chance, not repetition; nor is a later paragraph.
        ("subtitle: The lights", "The lights are out tonight.\n", "The lights", "out tonight"),
        (
            "description: Harbour notes.",
            "Something else first.\n\nHarbour notes.\n",
            "Harbour notes.",
            "Something else first.",
        ),
    ],
)
def test_front_matter_prose_the_body_opens_with_is_shown_once(
    tmp_path: Path, front: str, body: str, prose: str, said: str
) -> None:
    from blogtui.render import plain_post

    post = _posts(_site(tmp_path, {"p.md": f"---\ntitle: P\n{front}\n---\n{body}"}))["p.md"]
    assert post.prose == prose  # type: ignore[attr-defined]
    assert plain_post(post).count(said) == 1  # type: ignore[arg-type]


def test_the_site_config_cascades_below_every_section_cascade(tmp_path: Path) -> None:
    root = _site(tmp_path, {
        "hugo.toml": "[[cascade]]\n[cascade.build]\nlist = 'never'\n"
                     "[cascade.target]\npath = '/notes/**'\n",
        "content/notes/a.md": "# A\n",
        "content/notes/kept/_index.md": "---\ncascade:\n  build:\n    list: always\n---\n",
        "content/notes/kept/b.md": "# B\n",
        "content/posts/c.md": "# C\n",
    })  # fmt: skip
    hidden = {path: post.hidden for path, post in _posts(root).items()}  # type: ignore[attr-defined]
    assert hidden == {
        "content/notes/a.md": "never listed (config hugo.toml)",
        "content/notes/kept/b.md": "",
        "content/posts/c.md": "",
    }
