"""The `blogtui` command line: cat, list, search, tags, categories, index, and the TUI.

Only argparse, os, sys and this package's small modules are imported at start: the index,
whoosh, rich and the TUI are imported inside the commands that need them, so piped commands
start fast and never load textual. The commands live in blogtui/cli/commands (the registry).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, NoReturn

from blogtui.cli.commands import COMMANDS as _REGISTRY
from blogtui.cli.errors import CliError
from blogtui.cli.output import say
from blogtui.cli.parser import build_parser, parse

if TYPE_CHECKING:
    from collections.abc import Sequence

#: The command names, in the order `blogtui --help` lists them.
COMMANDS: tuple[str, ...] = tuple(listed.name for listed in _REGISTRY)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 nothing found, 2 bad usage)."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    try:
        status = _run(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # a closed pipe must surface here, inside the handler
        return status
    except CliError as error:
        say(str(error))
        return error.code
    except BrokenPipeError:
        # The reader went away (`| head`): point stdout at devnull so the interpreter's
        # final flush cannot fail again, as the Python docs on SIGPIPE recommend.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except OSError as error:  # an unreadable file or folder met along the way
        where = f"{error.filename}: " if error.filename else ""
        say(f"{where}{error.strerror or error}")
        return 2
    except Exception as error:
        # A bug: users get one line, developers the traceback with BLOGTUI_DEBUG=1.
        if os.environ.get("BLOGTUI_DEBUG"):
            raise
        say(f"internal error: {type(error).__name__}: {error} (BLOGTUI_DEBUG=1 shows more)")
        return 70


def entry() -> NoReturn:
    """The `blogtui` command (and `python -m blogtui`): `main`, then the process ends at once.

    Once the answer is written and flushed nothing is left to do, but the interpreter's
    own shutdown frees every object the command made, module by module: 15 ms of a 0.12 s
    warm search at 10,000 posts (benchmarks/README.md, session 10). So the process leaves
    with os._exit, unless a thread still runs (the reader's workers: they end as usual)
    or a flush fails (the usual exit then reports it).
    """
    status = main()
    threading = sys.modules.get("threading")
    if threading is None or threading.active_count() == 1:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        else:
            os._exit(status)
    raise SystemExit(status)


def _run(argv: list[str]) -> int:
    parser = build_parser()
    args = parse(parser, argv)
    status: int = args.command.run(args)
    return status


__all__ = ["COMMANDS", "CliError", "entry", "main"]
