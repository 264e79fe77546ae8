"""Command: what one `blogtui` command is (name, help, examples, arguments, run)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NamedTuple

#: Adds a command's own arguments to its parser.
Arguments = Callable[[argparse.ArgumentParser], None]
#: Runs a command on its parsed arguments; returns the exit status.
Run = Callable[[argparse.Namespace], int]
#: Takes the tokens argparse did not recognise that belong to the command (updating the
#: parsed arguments) and returns the rest; may stop with `parser.error`.
Adopt = Callable[[argparse.Namespace, list[str], argparse.ArgumentParser], list[str]]


class Command(NamedTuple):
    """One command of the registry (blogtui/cli/commands): the parser and `--help` are built
    from it, and `run` does the work.

    A NamedTuple, not a dataclass: `dataclasses` would add ~5 ms to every start.
    """

    name: str
    help: str
    examples: str
    arguments: Arguments
    run: Run
    adopt: Adopt | None = None

    def defaults(self) -> dict[str, Any]:
        """What the command's own arguments default to, read from a parser built from them."""
        parser = argparse.ArgumentParser(add_help=False)
        self.arguments(parser)
        return vars(parser.parse_args([]))
