"""The archive as a web of posts, as the reader shows it: what ends each post ("Linked
from", with dates) and the links picker's incoming half, from the link graph."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from blogtui.model import Post
from blogtui.render import sanitize
from blogtui.safe import safe_or
from blogtui.search.links import LinkGraph
from blogtui.search.series import Place, places
from blogtui.tui.rendering import Look

if TYPE_CHECKING:
    from blogtui.tui.library import Library


@dataclass(slots=True)
class Web:
    """The link graph of the catalogue it was built from (empty until the first build)."""

    graph: LinkGraph = field(default_factory=LinkGraph)
    posts: dict[str, Post] = field(default_factory=dict)

    @classmethod
    def of(cls, graph: LinkGraph, catalogue: Sequence[Post]) -> Web:
        """The web of a catalogue and the graph built from it."""
        return cls(graph, {post.path: post for post in catalogue})

    def linked_from(self, path: str) -> list[Post]:
        """The posts linking to `path`, newest first."""
        found = [self.posts[p] for p in self.graph.links_to(path) if p in self.posts]
        return sorted(found, key=lambda post: post.date.stamp if post.date else 0, reverse=True)

    def links_to(self, path: str) -> list[Post]:
        """The posts `path` links to, in reading order."""
        return [self.posts[p] for p in self.graph.links_from(path) if p in self.posts]

    def places(self, post: Post, taxonomies: Sequence[str] = ()) -> list[Place]:
        """Where `post` stands in each of its series."""
        return places(post, list(self.posts.values()), taxonomies)

    def annex(
        self,
        post: Post,
        look: Look,
        related: Sequence[Post] = (),
        taxonomies: Sequence[str] = (),
    ) -> RenderableType | None:
        """What the reading pane shows after the body: the post's place in its series, the
        posts that link here, then the related posts."""
        parts: list[RenderableType] = _places(self.places(post, taxonomies))
        incoming = self.linked_from(post.path)
        if incoming:
            parts.append(_post_table("Linked from", incoming, look))
        if related:
            parts.append(_post_table("Related", related, look))
        if not parts:
            return None
        return Group(Text(), Rule(style="dim"), *_spaced(parts))


def _places(places: Sequence[Place]) -> list[RenderableType]:
    """Each series' "Part 2 of 5 in NAME", then the parts before and after; series with the
    same parts before and after share them. The keys `{` and `}` follow the first series,
    so only its parts carry them."""
    groups: list[tuple[list[str], Place]] = []
    for place in places:
        same = [g for g in groups if (g[1].previous, g[1].next) == (place.previous, place.next)]
        if same:
            same[0][0].append(place.label)
        else:
            groups.append(([place.label], place))
    return [_place(labels, place, keys=not n) for n, (labels, place) in enumerate(groups)]


def _place(labels: list[str], place: Place, *, keys: bool) -> RenderableType:
    text = Text().append("\n".join(sanitize(label) for label in labels), style="bold")
    for key, word, part in (("{", "previous", place.previous), ("}", "next", place.next)):
        if part is not None:
            text.append("\n" + (key if keys else " "), style="bold")
            text.append(f"  {word}: {sanitize(part.title)}")
    return text


def _spaced(parts: list[RenderableType]) -> Iterator[RenderableType]:
    for number, part in enumerate(parts):
        if number:
            yield Text()
        yield part


def _post_table(title: str, posts: Sequence[Post], look: Look) -> RenderableType:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    for post in posts:
        table.add_row(look.day(post), Text(safe_or(post.title, post.path)))
    return Group(Text(title, style="bold"), table)


def build_web(library: Library) -> Web:
    """The web of the library's current posts (link targets re-read only where files changed)."""
    from blogtui.search.links import graph_of

    posts = library.posts()
    location = library.index.location
    cache = location / "links.json" if location is not None else None
    return Web.of(graph_of(posts, library.post, library.index.root, cache), posts)


def related_of(library: Library | None, post: Post) -> list[Post]:
    """The posts most related to `post` (none before the index is open or while it is
    damaged: the next refresh rebuilds it)."""
    from blogtui.search.index import IndexDamaged
    from blogtui.search.related import related

    if library is None or not post.body:
        return []
    try:
        return [found.post for found in related(library.index, post)]
    except IndexDamaged:
        return []


def step_in_list(posts: Sequence[Post], path: str, step: int) -> Post | None:
    """The post `step` places from `path` in the list as shown, or None past either end."""
    from blogtui.search.shelf import place_of

    at = place_of(posts, path)
    if at is None:
        return None
    at += step
    return posts[at] if 0 <= at < len(posts) else None
