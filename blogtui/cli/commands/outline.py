"""`blogtui outline`: the headings of a post, indented by level, or as JSON."""

from __future__ import annotations

import argparse

from blogtui.cli.command import Command
from blogtui.cli.opening import archive_root
from blogtui.cli.output import field, print_json

EXAMPLES = """examples:
  blogtui outline posts/hello.md         the headings, indented by level
  blogtui outline hello --json           [{"level": 2, "text": ..., "anchor": ...}, ...]"""


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("post", metavar="POST", help="a file path, archive path or slug")
    parser.add_argument("--json", action="store_true", help="a JSON list of the headings")


def run(args: argparse.Namespace) -> int:
    from blogtui.cli.commands.cat import PostFinder
    from blogtui.markup import parse_post
    from blogtui.markup.outline import outline

    post = PostFinder(args, archive_root(args)).by_name(args.post)
    sections = outline(parse_post(post))
    if args.json:
        print_json([{"level": s.level, "text": s.text, "anchor": s.anchor} for s in sections])
        return 0
    top = min((section.level for section in sections), default=1)
    for section in sections:
        print("  " * (section.level - top) + field(section.text))
    return 0


COMMAND = Command(
    name="outline",
    examples=EXAMPLES,
    arguments=arguments,
    run=run,
)
