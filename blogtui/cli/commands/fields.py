"""`blogtui fields`: the front-matter keys the archive uses, each with its post count."""

from __future__ import annotations

import argparse
import sys

from blogtui.cli.command import Command
from blogtui.cli.errors import nothing
from blogtui.cli.opening import archive_with_posts
from blogtui.cli.output import count_table, field, print_json, show, styled

EXAMPLES = """examples:
  blogtui fields                         every key, most used first
  blogtui fields --json
  blogtui search series:rust             then ask for a key's value (fm.KEY: for any key)"""


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help='[{"name": ..., "count": ...}]')


def run(args: argparse.Namespace) -> int:
    """Print each front-matter key (dotted for nested tables) and how many posts have it."""
    from blogtui.render import sanitize
    from blogtui.search.fmkeys import key_counts

    index = archive_with_posts(args)
    rows = [(sanitize(c.key), c.posts) for c in key_counts(index)]
    if not rows:
        nothing(f"no front-matter keys in {index.root}", args)
    if args.json:
        print_json([{"name": name, "count": count} for name, count in rows])
    elif styled(args):
        show(args, [count_table("Key", rows)], pager=True)
    else:
        sys.stdout.write("".join(f"{field(name)}\t{count}\n" for name, count in rows))
    return 0


COMMAND = Command(
    name="fields",
    examples=EXAMPLES,
    arguments=arguments,
    run=run,
)
