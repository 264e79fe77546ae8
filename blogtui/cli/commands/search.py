"""`blogtui search`: the full-text index queried, hits with snippets as blocks or JSON."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from blogtui.cli.command import Command
from blogtui.cli.errors import CliError, nothing
from blogtui.cli.opening import Early, archive_root, open_index
from blogtui.cli.options import add_filters, count, filtered_results, filtered_search
from blogtui.cli.output import (
    field,
    post_json,
    print_json,
    say_truncated,
    show,
    styled,
    warn_problems,
)
from blogtui.model import LIST_SORTS
from blogtui.search.keys import SYNTAX_HELP

if TYPE_CHECKING:
    from rich.console import RenderableType

    from blogtui.model import Post
    from blogtui.search.index import PostIndex
    from blogtui.search.search import Hit, Results, Snippet

EXAMPLES = f"""{SYNTAX_HELP}

examples:
  blogtui search kubernetes scheduler
  blogtui search 'tag:"open source" -draft:yes' --sort date
  blogtui search 'title:release*' --json --limit 0"""


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "query", nargs="*", metavar="QUERY", help="what to look for (the syntax is below)"
    )
    add_filters(parser)
    parser.add_argument(
        "--sort",
        choices=("relevance", *LIST_SORTS),  # the default first
        default="relevance",
        help="the order of the hits",
    )
    parser.add_argument(
        "--limit", type=count, default=20, metavar="N", help="at most N hits; 0 for all"
    )
    parser.add_argument("--json", action="store_true", help="one JSON array of hits")


def adopt(args: argparse.Namespace, extra: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """`blogtui search rust -go`: a negated word looks like an option to argparse."""
    negations = [t for t in extra if t.startswith("-") and not t.startswith("--") and t != "-"]
    args.query = [*args.query, *negations]
    if not args.query:
        parser.error("search needs a QUERY")
    return [token for token in extra if token not in negations]


def run(args: argparse.Namespace) -> int:
    from blogtui.search.index import refresh_imports, search_imports
    from blogtui.search.lookup import simple_terms
    from blogtui.search.syntax import QueryError, check, parse

    text = " ".join(args.query)
    try:
        plain = simple_terms(parse(text)) is not None  # answered without Whoosh
    except QueryError:
        plain = False  # (said below)

    def searched(index: PostIndex) -> tuple[Results, dict[str, Snippet]]:
        """The search, and its shown hits' snippets."""
        from blogtui.search.search import snippets

        results = filtered_results(index, text, args)
        shown = results.hits[: args.limit] if args.limit else results.hits
        return results, snippets(index, text, [hit.post for hit in shown])

    early = Early(searched, before=lambda: search_imports(plain), idle=refresh_imports)
    try:
        check(text)
        root = archive_root(args)
        index = open_index(args, root, meanwhile=early)
        from blogtui.search.search import snippets  # (imported meanwhile)

        warn_problems(index.problems)
        results, found = early.answer(index)
        hits, matched = filtered_search(index, text, args, results)
    except QueryError as error:
        raise CliError(f"bad query: {error}") from None
    if not hits:
        nothing(f"no posts match {text!r}", args)
    found.update(snippets(index, text, [hit.post for hit in hits if hit.post.path not in found]))
    _print_hits(args, text, hits, found)
    say_truncated(len(hits), matched)
    return 0


def _print_hits(
    args: argparse.Namespace, text: str, hits: list[Hit], found: dict[str, Snippet]
) -> None:
    if args.json:
        print_json([_hit_json(hit.post, hit.score, found.get(hit.post.path)) for hit in hits])
    elif styled(args):
        from blogtui.search.search import title_marks

        blocks = [
            _hit_block(hit.post, found.get(hit.post.path), title_marks(text, hit.post.title))
            for hit in hits
        ]
        show(args, blocks, pager=True)
    else:
        _print_plain_hits([(hit.post, found.get(hit.post.path)) for hit in hits])


def _hit_json(post: Post, score: float | None, snippet: Snippet | None) -> dict[str, Any]:
    from blogtui.render import sanitize_marked

    text, marks = sanitize_marked(snippet.text, snippet.marks) if snippet else ("", ())
    return {
        **post_json(post),
        "score": score,
        "snippet": text,
        "marks": [list(mark) for mark in marks],
    }


def _one_line(text: str) -> str:
    # Newlines become spaces one for one, so snippet offsets stay valid.
    return text.replace("\n", " ").replace("\t", " ")


def _print_plain_hits(hits: list[tuple[Post, Snippet | None]]) -> None:
    from blogtui.render import display_title, format_day, sanitize

    blocks = []
    for post, snippet in hits:
        lines = [field(display_title(post)), f"{format_day(post)}  {field(post.path)}"]
        if snippet and snippet.text.strip():
            lines.append("    " + _one_line(sanitize(snippet.text)).strip())
        blocks.append("\n".join(lines) + "\n")
    sys.stdout.write("\n".join(blocks))


def _hit_block(
    post: Post, snippet: Snippet | None, marks: Sequence[tuple[int, int]]
) -> RenderableType:
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    from blogtui.render import format_day, marked_text, sanitize, status_marks

    title = marked_text(_one_line(post.title or post.path), marks, "bold underline")
    title.stylize("bold cyan")
    where = Text(format_day(post), style="green")
    for mark in status_marks(post):
        where.append(f"  {mark}", style="bold yellow")
    where.append("  " + sanitize(post.path), style="dim")
    parts: list[RenderableType] = [title, where]
    if snippet and snippet.text.strip():
        body = marked_text(_one_line(snippet.text), snippet.marks, "bold reverse")
        parts.append(Padding(body, (0, 0, 0, 4)))
    return Group(*parts, Text())


COMMAND = Command(
    name="search",
    examples=EXAMPLES,
    arguments=arguments,
    run=run,
    adopt=adopt,
)
