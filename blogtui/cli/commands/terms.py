"""`blogtui tags` and `blogtui categories`: each term with its post count, most used first."""

from __future__ import annotations

import argparse
import sys
from functools import partial

from blogtui.cli.command import Command
from blogtui.cli.errors import nothing
from blogtui.cli.opening import archive_with_posts
from blogtui.cli.output import count_table, field, print_json, show, styled

EXAMPLES = {
    "tags": """examples:
  blogtui tags | head                    the most used tags
  blogtui tags --json""",
    "categories": """examples:
  blogtui categories
  blogtui categories --json""",
}
HEADINGS = {"tags": "Tag", "categories": "Category"}


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help='[{"name": ..., "count": ...}]')


def run(kind: str, args: argparse.Namespace) -> int:
    """Print the counts of `kind` (tags or categories) over every post."""
    from blogtui.render import sanitize
    from blogtui.search.search import search

    index = archive_with_posts(args)
    facets = search(index, "").facets  # the counts the reader's sidebar shows, over all posts
    counts = facets.tags if kind == "tags" else facets.categories
    rows = [(sanitize(name), count) for name, count in counts]
    if not rows:
        nothing(f"no {kind} in {index.root}", args)
    if args.json:
        print_json([{"name": name, "count": count} for name, count in rows])
    elif styled(args):
        show(args, [count_table(HEADINGS[kind], rows)], pager=True)
    else:
        sys.stdout.write("".join(f"{field(name)}\t{count}\n" for name, count in rows))
    return 0


def _command(kind: str, help_text: str) -> Command:
    return Command(
        name=kind,
        help=help_text,
        examples=EXAMPLES[kind],
        arguments=arguments,
        run=partial(run, kind),
    )


TAGS = _command("tags", "Every tag with its post count, most used first.")
CATEGORIES = _command("categories", "Every category with its post count, most used first.")
