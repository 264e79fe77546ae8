"""`blogtui links`: the posts a post links to and the posts that link to it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from blogtui.cli.command import Command
from blogtui.cli.opening import archive_root
from blogtui.cli.output import field, print_json

if TYPE_CHECKING:
    from blogtui.model import Post

EXAMPLES = """examples:
  blogtui links posts/hello.md           links out of the post, then links into it
  blogtui links hello --json             outgoing, incoming and unresolved targets"""


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("post", metavar="POST", help="a file path, archive path or slug")
    parser.add_argument("--json", action="store_true", help="outgoing, incoming and unresolved")


def run(args: argparse.Namespace) -> int:
    from blogtui.cli.commands.cat import PostFinder
    from blogtui.search.links import graph_for

    finder = PostFinder(args, archive_root(args))
    post = finder.by_name(args.post)
    graph = graph_for(finder.index)
    by_path = {known.path: known for known in finder.index.posts()}
    outgoing = [by_path[path] for path in graph.links_from(post.path) if path in by_path]
    incoming = [by_path[path] for path in graph.links_to(post.path) if path in by_path]
    unresolved = graph.unresolved.get(post.path, [])
    if args.json:
        print_json(
            {
                "outgoing": [_record(p) for p in outgoing],
                "incoming": [_record(p) for p in incoming],
                "unresolved": unresolved,
            }
        )
        return 0
    _section("links to", outgoing)
    _section("linked from", incoming)
    for target in unresolved:
        print(f"unresolved\t\t\t{field(target)}")
    return 0


def _record(post: Post) -> dict[str, Any]:
    from blogtui.model import json_record

    return {"path": post.path, "title": post.title, "date": json_record(post)["date"]}


def _section(direction: str, posts: list[Post]) -> None:
    """One line a post: DIRECTION<TAB>DATE<TAB>TITLE<TAB>PATH (grep and cut friendly)."""
    from blogtui.render import format_day

    for post in posts:
        print(f"{direction}\t{format_day(post)}\t{field(post.title)}\t{field(post.path)}")


COMMAND = Command(
    name="links",
    examples=EXAMPLES,
    arguments=arguments,
    run=run,
)
