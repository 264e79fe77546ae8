"""`blogtui list`: the posts, filtered and sorted, as lines, paths, JSON or a table."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from blogtui.cli.command import Command
from blogtui.cli.errors import nothing
from blogtui.cli.opening import archive_with_posts
from blogtui.cli.options import add_filters, count, filtered_search
from blogtui.cli.output import (
    field,
    post_json,
    post_table,
    print_json,
    print_paths,
    say_truncated,
    show,
    styled,
)

if TYPE_CHECKING:
    from blogtui.model import Post

EXAMPLES = """examples:
  blogtui list --tag go --tag web        tagged go AND web (case-insensitive)
  blogtui list --year 2024 --sort title
  blogtui list --paths -0 | xargs -0 wc -w
  blogtui list --json | jq '.[].title'
piped output is one post a line: DATE<TAB>TITLE<TAB>PATH (DATE is "undated" when unknown)."""


def arguments(parser: argparse.ArgumentParser) -> None:
    from blogtui.model import LIST_SORTS

    add_filters(parser)
    parser.add_argument("--sort", choices=LIST_SORTS, default="date", help="the order")
    parser.add_argument(
        "--limit", type=count, default=0, metavar="N", help="at most N posts; 0 for all"
    )
    parser.add_argument("--json", action="store_true", help="one JSON array of posts")
    parser.add_argument("--paths", action="store_true", help="paths only, one a line")
    parser.add_argument("-0", "--null", action="store_true", help="paths ending in NUL (xargs -0)")


def run(args: argparse.Namespace) -> int:
    index = archive_with_posts(args)
    # An empty query: the filters and sort run over the catalogue, Whoosh is not touched.
    hits, matched = filtered_search(index, "", args)
    if not hits:
        nothing("no posts match", args)
    _print_posts(args, [hit.post for hit in hits])
    say_truncated(len(hits), matched)
    return 0


def _print_posts(args: argparse.Namespace, posts: list[Post]) -> None:
    if args.json:
        print_json([post_json(post) for post in posts])
    elif args.paths or args.null:
        print_paths(posts, args.null)
    elif styled(args):
        show(args, [post_table(posts)], pager=True)
    else:
        from blogtui.render import format_day

        write = sys.stdout.write
        for post in posts:
            write(f"{format_day(post)}\t{field(post.title)}\t{field(post.path)}\n")


COMMAND = Command(
    name="list",
    help="List posts, newest first (undated last).",
    examples=EXAMPLES,
    arguments=arguments,
    run=run,
)
