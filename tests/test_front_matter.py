"""Front matter: our tolerant rules as python-frontmatter handlers, and the table of readers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from frontmatter.default_handlers import BaseHandler
from hypothesis import given, settings
from hypothesis import strategies as st

from blogtui import parse
from blogtui.front_matter import JSONHandler, TOMLHandler, YAMLHandler
from blogtui.model import Post
from blogtui.parse import META_KEYS, READERS, parse_post, split_front_matter
from tests.conftest import FIXTURES, NOW

#: Front matter openings and closings our rules accept, with the metadata they hold.
FORMS = {
    "yaml": ("---\ntitle: T\n---\n", {"title": "T"}),
    "yaml, long dashes": ("------\ntitle: T\n------\n", {"title": "T"}),
    "yaml, trailing blanks": ("--- \t\ntitle: T\n---  \n", {"title": "T"}),
    "yaml, blank lines first": ("\n  \n---\ntitle: T\n---\n", {"title": "T"}),
    "toml": ('+++\ntitle = "T"\n+++\n', {"title": "T"}),
    "toml, trailing blanks": ('+++ \ntitle = "T"\n+++\t\n', {"title": "T"}),
    "json": ('{"title": "T"}\n', {"title": "T"}),
    "json, blank line first": ('\n{\n  "title": "T"\n}\n', {"title": "T"}),
}


def test_each_format_is_a_python_frontmatter_handler() -> None:
    for handler in (YAMLHandler(META_KEYS), TOMLHandler(), JSONHandler()):
        assert isinstance(handler, BaseHandler)
        assert handler.FM_BOUNDARY is not None


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(FORMS)), st.text())
def test_the_body_comes_back_byte_for_byte(form: str, body: str) -> None:
    front, meta = FORMS[form]
    problems: list[str] = []
    assert split_front_matter(front + body, problems) == (meta, body)
    assert problems == []


@pytest.mark.parametrize(
    ("text", "problem", "body_from"),
    [
        ("---\ntitle: T\nno end\n", "YAML front matter is never closed; read as body", 0),
        ("+++\ntitle = 'T'\n", "TOML front matter is never closed; read as body", 0),
        ('{"title": "T"\nBody\n', "JSON front matter: ", 0),
        ("---\ntitle: [T\n---\nBody\n", "YAML front matter: ", -5),
        ("+++\ntitle = \n+++\nBody\n", "TOML front matter: ", -5),
        ("---\n- a\n- b\n---\nBody\n", "YAML front matter is a list, not a mapping", -5),
    ],
)
def test_bad_front_matter_is_reported_and_the_body_kept(
    text: str, problem: str, body_from: int
) -> None:
    problems: list[str] = []
    meta, body = split_front_matter(text, problems)
    assert meta == {}
    assert body == text[body_from:]
    assert len(problems) == 1 and problems[0].startswith(problem)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(FORMS)),
    st.text(),
    st.sampled_from(["", "\n", " \n\n", "\ufeff", "---\n", "+++\n", "{", "{{", "\r\n"]),
)
def test_a_body_read_alone_is_the_body_the_parser_reads(form: str, body: str, lead: str) -> None:
    """fences.body_of (a search's snippets: no YAML imported) splits where the handlers do,
    front matter malformed, never closed or absent included."""
    from blogtui import fences

    data = (lead + FORMS[form][0] + body).encode("utf-8", "surrogatepass")
    assert fences.body_of(fences.decoded(data, [])) == parse_post(data, "p.md", now=NOW)[0].body


CORPORA_WITH_FRONT_MATTER = ["hugo-docs", "jekyll-posts", "zola-docs", "hexo-news", "go-blog",
                             "obsidian-tasks-docs", "sofastack-blog-zh"]  # fmt: skip


@pytest.mark.parametrize("name", CORPORA_WITH_FRONT_MATTER)
def test_every_corpus_body_read_alone_is_the_parsed_body(name: str) -> None:
    from blogtui import fences
    from tests.conftest import corpus

    root = corpus(name)
    files = [p for p in sorted(root.rglob("*")) if p.suffix in (".md", ".mdx") and p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        body = parse_post(data, path.name, now=NOW)[0].body
        assert fences.body_of(fences.decoded(data, [])) == body, path


def test_a_double_brace_opens_a_shortcode_not_json() -> None:
    text = "{{< note >}}\nHello\n"
    assert split_front_matter(text, []) == ({}, text)


# --- the reader table -----------------------------------------------------------------------

#: A value for every key a reader declares (lower-cased); a new key needs one here.
SAMPLE: dict[str, Any] = {
    "title": "A Title",
    "slug": "a-slug",
    "date": "2024-03-04T05:06:07Z",
    "publishdate": "2024-03-05",
    "pubdate": "2024-03-06",
    "url": "/2019-01-02-old/",
    "path": "p",
    "permalink": "/x/",
    "authors": ["Ada", "Bo"],
    "author": "Cy",
    "tags": ["one", "Two"],
    "tag": "single",
    "categories": ["Cat"],
    "category": "Other",
    "taxonomies": {"series": ["S1"], "tags": ["three"]},
    "draft": True,
    "published": False,
    "expirydate": "2030-01-01",
    "summary": "The summary.",
    "description": "The description.",
    "lang": "fr",
    "language": "de",
    "series": ["Harbour Walks", "harbour  walks", "Tides"],
    "by": ["Dee, for the team"],
    "intro": "An *intro* in markdown.",
    "subtitle": "A subtitle",
    "abstract": "The abstract.",
    "lead": "The lead.",
    "excerpt": "The excerpt.",
    "headless": True,
    "build": {"list": "never"},
    "_build": {"list": "never", "render": "never"},
    "redirect": "/blog/elsewhere",
    "redirect_to": "https://example.org/",
    "redirect_from": ["/old/"],
    "redirect_url": "/new/",
    "redirectto": "/moved/",
    "redirecturl": "/moved/",
    "redirectfrom": ["/older/"],
    "aliases": ["/was/here/"],
    "alias": "/was/there/",
    "section": "notes",
}


def test_every_post_field_is_read_from_the_table() -> None:
    readers = {name for name, _keys, _read in READERS}
    fields = set(Post.__dataclass_fields__)
    assert readers | {"path", "body"} == fields
    assert not readers & {"path", "body"}


def test_every_declared_key_has_a_sample_value() -> None:
    assert set(SAMPLE) == set(META_KEYS)


class _Recording(dict[str, Any]):
    """Front matter that remembers which keys were looked up."""

    seen: set[str]

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.seen.add(str(key))
        return super().__contains__(key)


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "quirks").iterdir()))
def test_readers_look_up_only_declared_keys(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key read but not declared would be dropped for YAML posts alone (see META_KEYS)."""
    seen: set[str] = set()

    def recording(text: str, problems: list[str], *keys: Any) -> tuple[dict[str, Any], str]:
        meta, body = split_front_matter(text, problems, *keys)
        wrapped = _Recording({**SAMPLE, **meta})
        wrapped.seen = seen
        return wrapped, body

    monkeypatch.setattr(parse, "split_front_matter", recording)
    parse_post((FIXTURES / "quirks" / name).read_bytes(), f"_posts/2024-01-01-{name}", now=NOW)
    assert seen and seen <= META_KEYS, seen - META_KEYS


def _yaml(meta: dict[str, Any]) -> str:
    return "---\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in meta.items()) + "---\n"


def _toml(meta: dict[str, Any]) -> str:
    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"
        return json.dumps(v)  # JSON strings, numbers, booleans and arrays are TOML too

    return "+++\n" + "".join(f"{k} = {value(v)}\n" for k, v in meta.items()) + "+++\n"


def _json(meta: dict[str, Any]) -> str:
    return json.dumps(meta, indent=1) + "\n"


@pytest.mark.parametrize("path", ["posts/a.md", "_posts/2024-01-01-a.md"])
@pytest.mark.parametrize("key", sorted(SAMPLE))
def test_each_key_reads_the_same_in_yaml_toml_and_json(path: str, key: str) -> None:
    meta = {"title": "T", key: SAMPLE[key]}
    body = "Some body text.\n"
    posts = [
        parse_post((write(meta) + body).encode(), path, now=NOW) for write in (_yaml, _toml, _json)
    ]
    assert all(problems == [] for _post, problems in posts), posts
    yaml_post, toml_post, json_post = (post for post, _problems in posts)
    assert yaml_post == toml_post == json_post
