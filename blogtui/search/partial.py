"""A query matched against front matter alone: the reader's search while the index builds.

Titles, terms (tags, categories, series, authors, custom taxonomies), summaries and paths are
in every catalogue or front-matter record, so a query can narrow them at once; bodies need
the index. Words match the start of a word (a generous stand-in for the index's stemming),
CJK text anywhere; the results are marked partial by the reader until the index takes over.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from blogtui.model import Post, Sort, term_key
from blogtui.search.facets import FacetCounter
from blogtui.search.search import Hit, Results
from blogtui.search.syntax import And, DateRange, Field, Node, Not, Or, Param, Show, Word, parse


def partial_search(
    posts: Sequence[Post],
    text: str,
    *,
    tags: Iterable[str] = (),
    categories: Iterable[str] = (),
    years: Iterable[int] = (),
    sort: Sort = "date",
) -> Results:
    """The posts whose front matter matches `text` and the picked terms, with facet counts.

    Raises QueryError for a malformed query, as the index's search does.
    """
    tree = parse(text)
    wanted_tags = {term_key(t) for t in tags}
    wanted_cats = {term_key(c) for c in categories}
    wanted_years = set(years)
    found = [
        post
        for post in posts
        if wanted_tags <= {term_key(t) for t in post.tags}
        and wanted_cats <= {term_key(c) for c in post.categories}
        and (not wanted_years or post.year in wanted_years)
        and (tree is None or matches(tree, post))
    ]
    if sort == "title":
        found.sort(key=lambda p: (p.title.casefold(), p.path))
    else:  # relevance needs the index's scores: newest first meanwhile
        found.sort(key=Post.sort_key)
    return Results([Hit(post) for post in found], FacetCounter().count_posts(found))


def matches(node: Node, post: Post) -> bool:
    """Whether `post`'s front matter satisfies the query tree `node`."""
    if isinstance(node, Word):
        return _has_word(_haystack(post), node.text, node.phrase)
    if isinstance(node, Field):
        return _field_matches(node, post)
    if isinstance(node, DateRange):
        return _in_range(node, post)
    if isinstance(node, Not):
        return not matches(node.node, post)
    if isinstance(node, And):
        return all(matches(n, post) for n in node.nodes)
    if isinstance(node, Or):
        return any(matches(n, post) for n in node.nodes)
    if isinstance(node, Show):
        return True  # an option (show:all), not a match
    return _param_matches(node, post)


def _param_matches(node: Param, post: Post) -> bool:
    """`KEY:VALUE` against the front matter the catalogue keeps (its records carry no
    params: only the built-in fields answer until the index is ready)."""
    wanted = node.value.casefold()
    return any(key == node.key and wanted in value.casefold() for key, value in post.params)


def _haystack(post: Post) -> str:
    """Everything a bare word may match in a record, case-folded, one field a line."""
    custom = [t for terms in post.taxonomies.values() for t in terms]
    fields = [post.title, *post.tags, *post.categories, *post.series, *post.authors, *custom]
    return "\n".join([*fields, post.summary, post.path]).casefold()


@lru_cache(maxsize=256)
def _word_pattern(word: str) -> re.Pattern[str]:
    if any(ord(c) >= 0x2E80 for c in word):  # CJK: words are not space-separated
        return re.compile(re.escape(word))
    return re.compile(r"(?<!\w)" + re.escape(word))


def _has_word(haystack: str, word: str, phrase: bool = False) -> bool:
    word = word.casefold().strip()
    if not word:
        return True
    if phrase:
        word = " ".join(word.split())
    return _word_pattern(word).search(haystack) is not None


def _field_matches(node: Field, post: Post) -> bool:
    value = node.value
    terms: dict[str, Sequence[str]] = {
        "tag": post.tags,
        "category": post.categories,
        "series": post.series,
        **post.taxonomies,
    }
    if node.name in terms:
        key = term_key(value)
        return any(term_key(t) == key for t in terms[node.name])
    if node.name == "title":
        return _has_word(post.title.casefold(), value, phrase=True)
    if node.name == "author":  # analysed text in the index: a word of a name matches
        return _has_word("\n".join(post.authors).casefold(), value, phrase=True)
    if node.name == "path":
        return value.casefold() in post.path.casefold()
    if node.name == "lang":
        return (post.lang or "").casefold() == value.casefold()
    if node.name == "draft":
        return post.draft == (value == "yes")
    return False


def _in_range(node: DateRange, post: Post) -> bool:
    if post.date is None:
        return False
    day = post.date.day
    stamp = day.year * 10000 + day.month * 100 + day.day
    return (node.low is None or stamp >= node.low) and (node.high is None or stamp <= node.high)
