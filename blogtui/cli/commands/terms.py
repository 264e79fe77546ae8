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


#: The facet kind each command lists by default.
KINDS = {"tags": "tag", "categories": "category"}


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help='[{"name": ..., "count": ...}]')
    parser.add_argument(
        "--taxonomy",
        metavar="NAME",
        help="another taxonomy's terms: author, series, section, year or one of the "
        "archive's own (e.g. theme-tags); plurals work too (default: the command's own)",
    )


def run(kind: str, args: argparse.Namespace) -> int:
    """Print the counts of `kind` (tags or categories, or --taxonomy's) over every post."""
    from blogtui.render import sanitize
    from blogtui.search.search import search

    index = archive_with_posts(args)
    facets = search(index, "").facets  # the counts the reader's sidebar shows, over all posts
    wanted = _kind(args.taxonomy, facets.kinds()) if args.taxonomy else KINDS[kind]
    rows = [(sanitize(name), count) for name, count in facets.of(wanted)]
    if not rows:
        known = ", ".join(facets.kinds()) or "none"
        nothing(f"no {args.taxonomy or kind} in {index.root} (taxonomies: {known})", args)
    if args.json:
        print_json([{"name": name, "count": count} for name, count in rows])
    elif styled(args):
        from blogtui.search.facets import heading

        label = heading(wanted) if args.taxonomy else HEADINGS[kind]
        show(args, [count_table(label, rows)], pager=True)
    else:
        sys.stdout.write("".join(f"{field(name)}\t{count}\n" for name, count in rows))
    return 0


def _kind(name: str, kinds: list[str]) -> str:
    """The facet kind `name` means: as given, or its singular (`authors` -> `author`)."""
    lower = name.strip().lower()
    for candidate in (lower, lower.removesuffix("s"), lower.removesuffix("ies") + "y"):
        if candidate in kinds:
            return candidate
    return lower


def _command(kind: str) -> Command:
    return Command(name=kind, examples=EXAMPLES[kind], arguments=arguments, run=partial(run, kind))


TAGS = _command("tags")
CATEGORIES = _command("categories")
