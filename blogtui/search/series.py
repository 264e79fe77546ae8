"""Series: the posts sharing a `series` term (or a term of a taxonomy the config names),
in date order, and where one post stands in each."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from blogtui.model import Post, term_key


@dataclass(frozen=True, slots=True)
class Place:
    """A post's place in one series: its name, the parts in order and which one it is."""

    name: str
    parts: tuple[Post, ...]
    number: int  # 1-based

    @property
    def previous(self) -> Post | None:
        """The part before this one, if any."""
        return self.parts[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> Post | None:
        """The part after this one, if any."""
        return self.parts[self.number] if self.number < len(self.parts) else None

    @property
    def label(self) -> str:
        """ "Part 2 of 5 in NAME"."""
        return f"Part {self.number} of {len(self.parts)} in {self.name}"


def series_terms(post: Post, taxonomies: Iterable[str] = ()) -> Iterator[tuple[str, str]]:
    """(key, as written) of each series the post is in: its `series` terms, and the terms
    of each taxonomy named (a site's own, or the built-in `tags` and `categories`)."""
    yield from ((term_key(name), name) for name in post.series)
    for taxonomy in taxonomies:
        yield from ((term_key(name), name) for name in _terms_of(post, taxonomy))


def _terms_of(post: Post, taxonomy: str) -> tuple[str, ...]:
    name = taxonomy.casefold()
    if name in ("tags", "tag"):
        return post.tags
    if name in ("categories", "category"):
        return post.categories
    return post.taxonomies.get(name, ()) or post.taxonomies.get(taxonomy, ())


def _order(post: Post) -> tuple[int, float, str]:
    return (post.date is None, post.date.stamp if post.date else 0.0, post.path)


def places(post: Post, catalogue: Sequence[Post], taxonomies: Iterable[str] = ()) -> list[Place]:
    """Where `post` stands in each of its series with at least two parts (oldest is part 1)."""
    names = tuple(taxonomies)
    wanted = dict(series_terms(post, names))
    found: list[Place] = []
    for key, name in wanted.items():
        parts = sorted(
            (other for other in catalogue if key in dict(series_terms(other, names))), key=_order
        )
        paths = [part.path for part in parts]
        if len(parts) > 1 and post.path in paths:
            found.append(Place(name, tuple(parts), paths.index(post.path) + 1))
    return found
