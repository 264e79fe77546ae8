"""The `blogtui` argument parser, built from the command registry, and how argv reaches it."""

from __future__ import annotations

import argparse
import os
import re

from blogtui.cli.command import Command, CommandParser, Listed
from blogtui.cli.commands import COMMANDS, DEFAULT
from blogtui.cli.errors import CliError
from blogtui.cli.options import global_options, known_option, value_options
from blogtui.cli.spelling import close_names, close_options, suggestion, unknown_command

USAGE = "blogtui [OPTIONS] [ARCHIVE]\n       blogtui COMMAND [OPTIONS] ..."
#: The command names, in the registry's order.
NAMES: tuple[str, ...] = tuple(listed.name for listed in COMMANDS)
#: What a command name could be mistyped as: letters and dashes, no path characters.
_COMMAND_LIKE = re.compile(r"[A-Za-z][A-Za-z-]*")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples as written; each option that takes a value and has a default
    says it, as argparse.ArgumentDefaultsHelpFormatter would, unless its help already does
    (flags, off unless given, and options with no default stay as they are)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text or action.nargs == 0 or not action.option_strings:
            return text
        if action.default in (None, argparse.SUPPRESS) or action.default == []:
            return text
        return f"{text} (default: %(default)s)"


def build_parser() -> argparse.ArgumentParser:
    """The main parser (the default command and the global options) and one subparser a
    command (a CommandParser: given its arguments when used); each parser's `command`
    default names the Command to run."""
    default = DEFAULT.command()
    parser = argparse.ArgumentParser(
        prog="blogtui",
        usage=USAGE,
        description=DEFAULT.help,
        epilog=default.examples,
        formatter_class=HelpFormatter,
        parents=[global_options(suppress=False)],
    )
    default.arguments(parser)
    parser.set_defaults(command=default)
    subparsers = parser.add_subparsers(
        title="commands", metavar="COMMAND", parser_class=CommandParser
    )
    shared = global_options(suppress=True)
    for listed in COMMANDS:
        subparsers.add_parser(
            listed.name,
            listed=listed,
            prog=f"blogtui {listed.name}",
            help=listed.help,
            description=listed.help,
            parents=[shared],  # type: ignore[list-item]  # typeshed wants CommandParsers here
            formatter_class=HelpFormatter,
        )
    return parser


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """The parsed arguments, `command` among them; bad usage exits 2 through `parser.error`
    or a CliError (an unknown command)."""
    args, extra = parser.parse_known_args(folder_as_option(argv, parser))
    command: Command = args.command
    if command.adopt is not None:
        extra = command.adopt(args, extra, parser)
    if extra:
        hint = _option_hint(extra, command_parser(parser, command))
        parser.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
    if args.config is not None and not os.path.isfile(args.config):
        raise CliError(f"config file not found: {args.config}")
    return args


def command_parser(
    parser: argparse.ArgumentParser, command: Command | Listed
) -> argparse.ArgumentParser:
    """The parser of `command` inside the main parser (the main parser for the default),
    with the command's arguments."""
    for action in parser._actions:  # argparse keeps its subparsers only among its actions
        if isinstance(action, argparse._SubParsersAction) and command.name in action.choices:
            found: argparse.ArgumentParser = action.choices[command.name]
            if isinstance(found, CommandParser):
                found.command()
            return found
    return parser


def _option_hint(extra: list[str], parser: argparse.ArgumentParser) -> str:
    """`; did you mean --tag?` for the first unknown long option, when one is close."""
    options = list(parser._option_string_actions)
    for token in extra:
        if token.startswith("--"):
            return suggestion(close_options(token, options))
    return ""


def folder_as_option(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """A leading folder argument becomes `--archive FOLDER`; command names win over folders.

    The first word that is not an option is the command's place. A command name there is the
    command; else it is the archive when it names a path that exists or looks like a path, or
    when it is unlike every command and nothing after it needs a command. Anything else is
    an unknown command (`blogtui serach foo`, `blogtui lsit`, `blogtui frob --tag x`), as is
    a word after the archive that is not a command (`blogtui ~/blog serach foo`).
    """
    takes_value = value_options(parser)
    slot = _first_word(argv, takes_value)
    if slot is None or argv[slot] in NAMES:
        return argv
    if argv[slot] == "--":  # what follows is the archive, whatever its name
        rest = argv[slot + 1 :]
        return argv[:slot] + (["--archive", rest[0], *rest[1:]] if rest else [])
    word, rest = argv[slot], argv[slot + 1 :]
    if not _names_archive(word, rest, parser, takes_value):
        raise unknown_command(word, NAMES)
    after = _first_word(rest, takes_value)
    if after is not None and rest[after] not in (*NAMES, "--"):
        raise unknown_command(rest[after], NAMES)
    return [*argv[:slot], "--archive", word, *rest]


def _first_word(argv: list[str], takes_value: frozenset[str]) -> int | None:
    """The index of the first token that is neither an option nor an option's value."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in takes_value:
            index += 2
        elif token.startswith("-") and token not in ("-", "--"):
            index += 1
        else:
            return index
    return None


def _names_archive(
    word: str, rest: list[str], parser: argparse.ArgumentParser, takes_value: frozenset[str]
) -> bool:
    """Whether `word`, in the command's place and no command name, is meant as the archive."""
    if os.path.lexists(os.path.expanduser(word)) or not _COMMAND_LIKE.fullmatch(word):
        return True
    if close_names(word, NAMES):
        return False
    after = _first_word(rest, takes_value)
    if after is not None and rest[after] not in NAMES:
        return False  # `blogtui frob foo`: two words where only a command takes a second
    options = rest[:after] if after is not None else rest
    # `blogtui frob --tag x`: an option only a command takes
    return all(known_option(parser, token) for token in options if token.startswith("-"))
