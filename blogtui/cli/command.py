"""Command: what one `blogtui` command is (name, examples, arguments, run), how the registry
lists it (`Listed`: name and one-line help, its module imported only when it is used) and
the parser that asks for its arguments only then (`CommandParser`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any, NamedTuple

#: Adds a command's own arguments to its parser.
Arguments = Callable[[argparse.ArgumentParser], None]
#: Runs a command on its parsed arguments; returns the exit status.
Run = Callable[[argparse.Namespace], int]
#: Takes the tokens argparse did not recognise that belong to the command (updating the
#: parsed arguments) and returns the rest; may stop with `parser.error`.
Adopt = Callable[[argparse.Namespace, list[str], argparse.ArgumentParser], list[str]]


class Command(NamedTuple):
    """One command, defined by its module in blogtui/cli/commands: its parser's epilog
    (`examples`) and arguments are added when the command is used, and `run` does the work.

    A NamedTuple, not a dataclass: `dataclasses` would add ~5 ms to every start.
    """

    name: str
    examples: str
    arguments: Arguments
    run: Run
    adopt: Adopt | None = None

    def defaults(self) -> dict[str, Any]:
        """What the command's own arguments default to, read from a parser built from them."""
        parser = argparse.ArgumentParser(add_help=False)
        self.arguments(parser)
        return vars(parser.parse_args([]))


class Listed(NamedTuple):
    """A command as the registry lists it: what `blogtui --help` and the typo suggestions
    need (its name and one-line help) and where its Command is, imported only to be used."""

    name: str
    help: str
    #: The module in blogtui/cli/commands that defines the Command, and its attribute.
    module: str
    attribute: str = "COMMAND"

    def command(self) -> Command:
        """The Command itself (importing its module)."""
        module = import_module(f"blogtui.cli.commands.{self.module}")
        found: Command = getattr(module, self.attribute)
        return found


class CommandParser(argparse.ArgumentParser):
    """A command's parser, given the command's arguments, epilog and `command` default only
    when it parses or is described: building them for every command would import every
    command's module at every start."""

    def __init__(self, *args: Any, listed: Listed, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listed = listed
        self._command: Command | None = None

    def command(self) -> Command:
        """The command, its arguments added to this parser on the first call."""
        if self._command is None:
            command = self._command = self.listed.command()
            self.epilog = command.examples
            command.arguments(self)
            self.set_defaults(command=command)
        return self._command

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self.command()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self.command()
        return super().format_usage()

    def format_help(self) -> str:
        self.command()
        return super().format_help()
