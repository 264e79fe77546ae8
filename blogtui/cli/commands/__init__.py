"""The registry: every command of `blogtui` (in the order `--help` lists them) and the default.

A new command is a module here defining a `Command` (name, help, examples, arguments, run),
added to `COMMANDS`; the parser, `--help` and the folder-or-command rule read this tuple.
"""

from __future__ import annotations

from blogtui.cli.command import Command
from blogtui.cli.commands import (
    cat,
    fields,
    index,
    interface,
    links,
    listing,
    outline,
    related,
    search,
    terms,
)

COMMANDS: tuple[Command, ...] = (
    cat.COMMAND,
    outline.COMMAND,
    links.COMMAND,
    related.COMMAND,
    listing.COMMAND,
    search.COMMAND,
    terms.TAGS,
    terms.CATEGORIES,
    fields.COMMAND,
    index.COMMAND,
)
#: What `blogtui` does with no command.
DEFAULT: Command = interface.COMMAND
