"""Links between posts: a relative link, Hugo ref/relref, Jekyll post_url or an Obsidian
wiki-link resolved to a post (and a heading in it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from blogtui.markup.wikilinks import alias_table, split_target
from blogtui.markup.wikilinks import resolve as resolve_wiki
from blogtui.model import Post
from blogtui.search.aliases import front_matter_aliases
from blogtui.search.links import Resolver


def resolve(target: str, from_path: str, posts: Iterable[Post]) -> Post | None:
    """The post a (non-wiki) link points at, or None when it names no post of the archive."""
    if split_target(target) is not None:
        return None
    return Resolver(posts).resolve(target, from_path)


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
