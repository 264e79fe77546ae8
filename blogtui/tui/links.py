"""Links between posts: a relative link, Hugo ref/relref or Jekyll post_url resolved to a post."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

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
