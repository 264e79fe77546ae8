"""Links between posts: a relative link, Hugo ref/relref, Jekyll post_url or an Obsidian
wiki-link resolved to a post (and a heading in it)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from blogtui.markup.wikilinks import alias_table, split_target
from blogtui.markup.wikilinks import resolve as resolve_wiki
from blogtui.model import Post

_JEKYLL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}-")
_MARKDOWN = (".md", ".markdown", ".mdx", ".html", ".htm")


def is_external(target: str) -> bool:
    """True for URLs with a scheme (http, mailto...): they go to the system opener."""
    return bool(urlsplit(target).scheme) and not target.startswith("post_url:")


def _stem(path: str) -> str:
    """The name a post is linked by: file name without extension; a bundle's folder name."""
    path = path.rstrip("/")
    name = posixpath.basename(path)
    for ext in _MARKDOWN:
        if name.endswith(ext):
            name = name[: -len(ext)]
    if name in ("index", "_index"):
        name = posixpath.basename(posixpath.dirname(path))
    return name


def _candidates(target: str, from_path: str) -> list[str]:
    """Archive-relative paths the target may name, most specific first."""
    if target.startswith("post_url:"):
        return [target.removeprefix("post_url:")]
    clean = unquote(urlsplit(target).path)
    if not clean:
        return []
    if clean.startswith("/"):
        return [clean.strip("/")]
    base = posixpath.dirname(from_path)
    joined = posixpath.normpath(posixpath.join(base, clean))
    # Hugo's pretty URLs put a post one folder deeper than its file, so try its parent too.
    parent = posixpath.normpath(posixpath.join(posixpath.dirname(base), clean))
    return [joined, parent, clean]


def resolve(target: str, from_path: str, posts: Iterable[Post]) -> Post | None:
    """The post a link points at, or None when it names no post of the archive."""
    if is_external(target):
        return None
    candidates = [c for c in _candidates(target, from_path) if c and not c.startswith("..")]
    if not candidates:
        return None
    by_path: dict[str, Post] = {}
    by_stem: dict[str, list[Post]] = {}
    for post in posts:
        by_path[post.path] = post
        by_path[_strip_ext(post.path)] = post
        stem = _stem(post.path)
        by_stem.setdefault(stem, []).append(post)
        by_stem.setdefault(_JEKYLL_DATE.sub("", stem), []).append(post)
        if post.slug:
            by_stem.setdefault(post.slug, []).append(post)
    for candidate in candidates:
        found = by_path.get(candidate.rstrip("/")) or by_path.get(_strip_ext(candidate))
        if found is not None:
            return found
    for candidate in candidates:
        matches = by_stem.get(_stem(candidate)) or by_stem.get(
            _JEKYLL_DATE.sub("", _stem(candidate))
        )
        if matches:
            return matches[0]
    return None


def _strip_ext(path: str) -> str:
    path = path.rstrip("/")
    for ext in _MARKDOWN:
        if path.endswith(ext):
            return path[: -len(ext)]
    return path


# --- following a link from the picker ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Followed:
    """Where a picked link leads: a post (and a heading in it), the system opener, or nowhere."""

    post: Post | None = None
    anchor: str = ""
    external: bool = False
    reason: str = ""


def follow(target: str, from_path: str, posts: Sequence[Post], root: Path | None) -> Followed:
    """Resolve a picked link: wiki-links as Obsidian does, other links as `resolve` does."""
    if target.startswith("#"):  # a heading of this very post
        here = next((post for post in posts if post.path == from_path), None)
        return Followed(here, unquote(target[1:])) if here else Followed(reason="not a post")
    wiki = split_target(target)
    if wiki is not None:
        page, heading = wiki
        by_path = {post.path: post for post in posts}
        found = resolve_wiki(page, from_path, by_path, lambda: _aliases(root, posts))
        if found is None:
            return Followed(reason=f"no page named {page!r} in this archive")
        return Followed(found, heading)
    linked = resolve(target, from_path, posts)
    if linked is not None:
        return Followed(linked, unquote(urlsplit(target).fragment))
    return Followed(external=True)


_ALIASES: dict[tuple[str, int], dict[str, Post]] = {}


def _aliases(root: Path | None, posts: Sequence[Post]) -> dict[str, Post]:
    """Front-matter `aliases` of every post (read once per archive and catalogue size)."""
    if root is None:
        return {}
    key = (str(root), len(posts))
    if key not in _ALIASES:
        _ALIASES.clear()
        _ALIASES[key] = alias_table((post, _post_aliases(root / post.path)) for post in posts)
    return _ALIASES[key]


def _post_aliases(path: Path) -> list[str]:
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return []
    return front_matter_aliases(text)


# `aliases:` in YAML front matter (a flow list, a string, or a block list under it), or
# `aliases = [...]` in TOML. Only that key is read: the rest of the front matter is the
# parser's (blogtui.parse reads the keys a Post has).
_YAML_ALIASES = re.compile(r"^alias(?:es)?[ \t]*:[^\n]*(?:\n(?:[ \t]+[^\n]*|-[^\n]*))*", re.M)
_TOML_ALIASES = re.compile(r"^alias(?:es)?[ \t]*=[^\n]*", re.M)
_FRONT = re.compile(r"\A\s*(---|\+\+\+)[ \t]*\n(.*?)\n\1[ \t]*(?:\n|\Z)", re.S)


def front_matter_aliases(text: str) -> list[str]:
    """The `aliases` (or `alias`) a file's front matter gives it, as strings."""
    front = _FRONT.match(text[:65536])
    if front is None:
        return []
    found = (_YAML_ALIASES if front[1] == "---" else _TOML_ALIASES).search(front[2])
    if found is None:
        return []
    value = _load_key(found[0], toml=front[1] == "+++")
    items = value if isinstance(value, list) else [value]
    return [str(item) for item in items if isinstance(item, str | int | float)]


def _load_key(snippet: str, *, toml: bool) -> object:
    import tomllib

    import yaml

    try:
        loaded = tomllib.loads(snippet) if toml else yaml.load(snippet, Loader=yaml.CSafeLoader)
    except (tomllib.TOMLDecodeError, yaml.YAMLError):
        return None
    if not isinstance(loaded, dict):
        return None
    return loaded.get("aliases", loaded.get("alias"))
