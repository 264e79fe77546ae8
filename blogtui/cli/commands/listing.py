"""`blogtui list`: the posts, filtered and sorted, as lines, paths, JSON or a table."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from blogtui.cli.command import Command
from blogtui.cli.errors import nothing
from blogtui.cli.opening import Early, archive_with_posts
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
    from blogtui.search.index import PostIndex
    from blogtui.search.listing import Listed

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
    early = Early(lambda index: _prepared(args, index))
    index = archive_with_posts(args, meanwhile=early)
    prepared = early.answer(index)
    if prepared is not None:
        _print_prepared(args, prepared)
        return 0
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
        print_paths([post.path for post in posts], args.null)
    elif styled(args):
        show(args, [post_table(posts)], pager=True)
    else:
        from blogtui.render import format_day

        write = sys.stdout.write
        for post in posts:
            write(f"{format_day(post)}\t{field(post.title)}\t{field(post.path)}\n")


#: A listing from the catalogue: the rows to print, how many passed the filters, and the
#: JSON to write (with --json).
Prepared = tuple["Listed", int, "list[bytes] | None"]


def _prepared(args: argparse.Namespace, index: PostIndex) -> Prepared | None:
    """The listing from the catalogue's keys and fragments, building no Post, printing
    nothing; None where only Posts can answer: term filters, styled or indented output, or
    a record or fragment that is damaged or holds text to sanitise."""
    from blogtui.search import listing

    if args.tag or args.category or args.author or styled(args):
        return None
    if args.json and sys.stdout.isatty():
        return None  # indented for people: the Post path
    rows = listing.kept_in_order(
        index.table(), args.sort, drafts=not args.no_drafts, hidden=args.all, years=args.year
    )
    if rows is None:
        return None
    shown = rows[: args.limit] if args.limit else rows
    parts = listing.json_parts(shown, None) if args.json and shown else None
    if args.json and shown and parts is None:
        return None
    return shown, len(rows), parts


def _print_prepared(args: argparse.Namespace, prepared: Prepared) -> None:
    shown, matched, parts = prepared
    if not shown:
        nothing("no posts match", args)
    if parts is not None:
        sys.stdout.flush()
        sys.stdout.buffer.writelines(parts)
        sys.stdout.buffer.write(b"\n")
    else:
        _print_rows(args, shown)
    say_truncated(len(shown), matched)


def _print_rows(args: argparse.Namespace, rows: Listed) -> None:
    """Paths or DATE<TAB>TITLE<TAB>PATH lines, as `_print_posts` prints them."""
    from datetime import date

    from blogtui.render import UNDATED

    if args.paths or args.null:
        print_paths(rows.paths(), args.null)
        return
    lines = []
    for day, title, path in rows.lines():
        shown = UNDATED if day is None else date.fromordinal(day).isoformat()
        lines.append(f"{shown}\t{field(title)}\t{field(path)}\n")
    sys.stdout.write("".join(lines))


COMMAND = Command(
    name="list",
    examples=EXAMPLES,
    arguments=arguments,
    run=run,
)
