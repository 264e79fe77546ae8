"""Options more than one command takes: the global options, the filters, their value types."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from blogtui.index import PostIndex
    from blogtui.query import Results


class _Version(argparse.Action):
    """`--version`, looking the version up only when asked (importlib.metadata is slow)."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        from blogtui import __version__

        print(f"blogtui {__version__}")
        parser.exit()


def global_options(*, suppress: bool) -> argparse.ArgumentParser:
    """A parent parser of the options every command accepts, before or after its name.

    The main parser takes them with their defaults (`suppress=False`: None, False for flags,
    auto for --color); each command's parser with suppressed defaults (`suppress=True`), so a
    command given after an option cannot reset it.
    """
    common = argparse.ArgumentParser(
        add_help=False, argument_default=argparse.SUPPRESS if suppress else None
    )
    group = common.add_argument_group("global options")
    group.add_argument(
        "-a",
        "--archive",
        metavar="ARCHIVE",
        help="the archive folder (default: $BLOGTUI_ARCHIVE, else the config's archive, else .)",
    )
    group.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default=argparse.SUPPRESS if suppress else "auto",
        help="style the output (default: auto)",
    )
    group.add_argument(
        "--width",
        type=positive,
        metavar="N",
        help="render styled output N columns wide (plain output is never wrapped)",
    )
    group.add_argument(
        "--follow-symlinks", action="store_true", help="also follow links leaving the archive"
    )
    group.add_argument("--config", metavar="FILE", help="the config file for the interface")
    group.add_argument("--demo", action="store_true", help="use the bundled sample blog")
    group.add_argument(
        "--version",
        action=_Version,
        nargs=0,
        default=argparse.SUPPRESS,
        help="print the version and exit",
    )
    return common


def value_options(parser: argparse.ArgumentParser) -> frozenset[str]:
    """The option strings of `parser` that take a value (`--archive X`, not `--demo`)."""
    # argparse lists its actions only in this attribute; reading it keeps the set from
    # drifting away from the options themselves.
    actions = parser._actions
    return frozenset(
        flag for action in actions if action.nargs != 0 for flag in action.option_strings
    )


def positive(text: str) -> int:
    """A whole number of at least 1."""
    value = count(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def count(text: str) -> int:
    """A whole number of at least 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def year(text: str) -> int:
    """A four-digit year."""
    if not (text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"not a year: {text!r}")
    return int(text)


def add_term_filters(parser: argparse.ArgumentParser) -> None:
    """--tag and --category, each repeatable (several mean AND)."""
    parser.add_argument("--tag", action="append", default=[], metavar="T", help="posts with tag T")
    parser.add_argument(
        "--category", action="append", default=[], metavar="C", help="posts in category C"
    )


def add_filters(parser: argparse.ArgumentParser) -> None:
    """The term filters, --year and --no-drafts: what `filtered_search` applies."""
    add_term_filters(parser)
    parser.add_argument("--year", action="append", type=year, default=[], help="posts of YEAR")
    parser.add_argument("--no-drafts", action="store_true", help="leave drafts out")


def filtered_search(index: PostIndex, text: str, args: argparse.Namespace) -> Results:
    """`text` searched with the command's filters (--tag, --category, --year, --no-drafts),
    --sort and --limit; no facet counts (the commands print none). Raises QueryError."""
    from blogtui.query import search

    return search(
        index,
        text,
        tags=args.tag,
        categories=args.category,
        years=args.year,
        drafts=not args.no_drafts,
        sort=args.sort,
        limit=args.limit or None,
        facets=False,
    )
