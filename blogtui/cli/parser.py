"""The `blogtui` argument parser, built from the command registry, and how argv reaches it."""

from __future__ import annotations

import argparse
import os

from blogtui.cli.command import Command
from blogtui.cli.commands import COMMANDS, DEFAULT
from blogtui.cli.errors import CliError
from blogtui.cli.options import global_options, value_options

USAGE = "blogtui [OPTIONS] [ARCHIVE]\n       blogtui COMMAND [OPTIONS] ..."


def build_parser() -> argparse.ArgumentParser:
    """The main parser (the default command and the global options) and one subparser a
    command; each parser's `command` default names the Command to run."""
    parser = argparse.ArgumentParser(
        prog="blogtui",
        usage=USAGE,
        description=DEFAULT.help,
        epilog=DEFAULT.examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[global_options(suppress=False)],
    )
    DEFAULT.arguments(parser)
    parser.set_defaults(command=DEFAULT)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    shared = global_options(suppress=True)
    for command in COMMANDS:
        sub = subparsers.add_parser(
            command.name,
            prog=f"blogtui {command.name}",
            help=command.help,
            description=command.help,
            epilog=command.examples,
            parents=[shared],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.arguments(sub)
        sub.set_defaults(command=command)
    return parser


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """The parsed arguments, `command` among them; bad usage exits 2 through `parser.error`."""
    args, extra = parser.parse_known_args(folder_as_option(argv, parser))
    command: Command = args.command
    if command.adopt is not None:
        extra = command.adopt(args, extra, parser)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.config is not None and not os.path.isfile(args.config):
        raise CliError(f"config file not found: {args.config}")
    return args


def folder_as_option(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """A leading folder argument becomes `--archive FOLDER`; command names win over folders."""
    names = {command.name for command in COMMANDS}
    takes_value = value_options(parser)
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--":
            rest = argv[index + 1 :]
            return argv[:index] + (["--archive", rest[0], *rest[1:]] if rest else [])
        if token in takes_value:
            index += 2
        elif token.startswith("-") and token != "-":
            index += 1
        elif token in names:
            return argv
        else:
            return [*argv[:index], "--archive", token, *argv[index + 1 :]]
    return argv
