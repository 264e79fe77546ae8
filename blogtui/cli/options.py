"""Options more than one command takes: the global options, the filters, their value types."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from blogtui.cli.completion import SHELLS, PrintCompletion

if TYPE_CHECKING:
    from blogtui.search.index import PostIndex
    from blogtui.search.search import Hit, Results


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
        type=width,
        metavar="N",
        help="render styled output N columns wide, at most 1000; plain output is never "
        "wrapped (default: the terminal's width)",
    )
    group.add_argument(
        "--follow-symlinks", action="store_true", help="also follow links leaving the archive"
    )
    group.add_argument(
        "--config",
        metavar="FILE",
        help="the config file (default: $BLOGTUI_CONFIG, else "
        "$XDG_CONFIG_HOME/blogtui/config.toml)",
    )
    group.add_argument("--demo", action="store_true", help="use the bundled sample blog")
    group.add_argument(
        "--version",
        action=_Version,
        nargs=0,
        default=argparse.SUPPRESS,
        help="print the version and exit",
    )
    if not suppress:  # `blogtui --print-completion bash`, before any command
        group.add_argument(
            "--print-completion",
            action=PrintCompletion,
            choices=SHELLS,
            metavar="SHELL",
            help="print the completion script for SHELL (bash, zsh or fish) and exit",
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


def known_option(parser: argparse.ArgumentParser, token: str) -> bool:
    """Whether `parser` itself takes the option `token` (`--arch=x` and other abbreviations
    argparse accepts included), rather than only a command's parser."""
    flag = token.split("=", 1)[0]
    options = parser._option_string_actions  # argparse's own table of its option strings
    return flag in options or (
        flag.startswith("--") and any(option.startswith(flag) for option in options)
    )


#: The widest styled output: a wider one is cut to this, with a message (a billion columns
#: would ask Rich for gigabytes of padding).
MAX_WIDTH = 1000


def width(text: str) -> int:
    """A column count from 1 to MAX_WIDTH; a larger one is MAX_WIDTH, said on stderr."""
    value = positive(text)
    if value > MAX_WIDTH:
        from blogtui.cli.output import say

        say(f"--width {value} is more than {MAX_WIDTH} columns; using {MAX_WIDTH}")
        return MAX_WIDTH
    return value


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
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="T",
        help="posts with tag T; repeat for posts with all of them (default: any tag)",
    )
    parser.add_argument(
        "--category",
        action="append",
        default=[],
        metavar="C",
        help="posts in category C; repeatable like --tag (default: any category)",
    )


def add_filters(parser: argparse.ArgumentParser) -> None:
    """The term filters, --year and --no-drafts: what `filtered_search` applies."""
    add_term_filters(parser)
    parser.add_argument(
        "--year",
        action="append",
        type=year,
        default=[],
        help="posts of YEAR; repeat for any of several years (default: every year)",
    )
    parser.add_argument("--no-drafts", action="store_true", help="leave drafts out")
    parser.add_argument(
        "--author",
        action="append",
        default=[],
        metavar="A",
        help="posts by author A; repeatable like --tag (default: any author)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="also the pages that are not posts (headless, never listed, redirects, empty)",
    )


def filtered_search(
    index: PostIndex, text: str, args: argparse.Namespace, results: Results | None = None
) -> tuple[list[Hit], int]:
    """`text` searched with the command's filters (--tag, --category, --year, --no-drafts)
    and --sort (or the `results` of `filtered_results` at hand): the hits cut to --limit,
    and how many matched in all (to say what was cut). Raises QueryError."""
    from blogtui.cli.output import say

    if results is None:
        results = filtered_results(index, text, args)
    for notice in results.notices:  # why a part of the query matches nothing
        say(notice)
    hits = results.hits
    matched = len(hits) if results.matched is None else results.matched
    return (hits[: args.limit] if args.limit else hits), matched


def filtered_results(index: PostIndex, text: str, args: argparse.Namespace) -> Results:
    """`filtered_search`'s search, nothing said; its hits cut to --limit (`matched` says how
    many there were). No facet counts (the commands print none). Raises QueryError."""
    from blogtui.search.search import search

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
        terms={"author": args.author},
        include_hidden=args.all,
    )
