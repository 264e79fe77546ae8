"""`blogtui related`: the posts most related to a post (shared rare terms, similar words)."""

from __future__ import annotations

import argparse

from blogtui.cli.command import Command
from blogtui.cli.opening import archive_root
from blogtui.cli.output import field, print_json

EXAMPLES = """examples:
  blogtui related posts/hello.md         SCORE<TAB>DATE<TAB>TITLE<TAB>PATH, best first
  blogtui related hello --limit 10 --json"""


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("post", metavar="POST", help="a file path, archive path or slug")
    parser.add_argument("--limit", type=int, default=5, metavar="N", help="how many")
    parser.add_argument("--json", action="store_true", help="path, title, date, score, shared")


def run(args: argparse.Namespace) -> int:
    from blogtui.cli.commands.cat import PostFinder
    from blogtui.model import json_record
    from blogtui.render import format_day
    from blogtui.search.related import related

    finder = PostFinder(args, archive_root(args))
    post = finder.by_name(args.post)
    found = related(finder.index, post, limit=max(0, args.limit))
    if args.json:
        print_json(
            [
                {
                    "path": r.post.path,
                    "title": r.post.title,
                    "date": json_record(r.post)["date"],
                    "score": round(r.score, 4),
                    "shared": list(r.shared),
                }
                for r in found
            ]
        )
        return 0
    for item in found:
        day = format_day(item.post)
        print(f"{item.score:.2f}\t{day}\t{field(item.post.title)}\t{field(item.post.path)}")
    return 0


COMMAND = Command(
    name="related",
    examples=EXAMPLES,
    arguments=arguments,
    run=run,
)
