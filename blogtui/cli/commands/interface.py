"""`blogtui [ARCHIVE]` with no command: the terminal interface, or the post list in a pipe."""

from __future__ import annotations

import argparse
import sys

from blogtui.cli.command import Command
from blogtui.cli.errors import CliError
from blogtui.cli.opening import archive_root
from blogtui.config import IMAGE_MODES

EXAMPLES = """\
With no command, blogtui opens ARCHIVE (default: $BLOGTUI_ARCHIVE, else the config's
archive, else the current folder) in the terminal interface; when stdout is not a terminal
it prints the post list instead. A command name wins over a folder of the same name:
`blogtui ./list` opens the folder.

examples:
  blogtui ~/site/content                 read an archive in the terminal interface
  blogtui --demo                         try the bundled sample blog
  blogtui list -a ~/site --tag python    posts tagged python, newest first
  blogtui search 'tag:go "error handling"' --limit 5
  blogtui cat my-post-slug | less        one post as plain text
  blogtui tags --json                    every tag with its post count
  blogtui --print-completion fish > ~/.config/fish/completions/blogtui.fish

exit status: 0 ok, 1 nothing matched, 2 bad usage, missing archive or malformed query."""


def arguments(parser: argparse.ArgumentParser) -> None:
    """The reader's own option: how it draws images (the config's `images` otherwise)."""
    parser.add_argument(
        "--images",
        choices=IMAGE_MODES,
        default=None,
        help="images in the reading pane: auto (the terminal's best), blocks (half-blocks) "
        "or off (alt text) (default: the config's images, else auto)",
    )


def run(args: argparse.Namespace) -> int:
    """The TUI on a terminal, else what `blogtui list` prints with its defaults."""
    if not sys.stdout.isatty():
        from blogtui.cli.commands import listing

        defaults = listing.COMMAND.defaults()  # from list's own parser: they cannot drift
        return listing.COMMAND.run(argparse.Namespace(**{**defaults, **vars(args)}))
    root = archive_root(args)
    from pathlib import Path

    try:
        from blogtui.tui.app import run_app
    except ImportError as error:
        raise CliError(
            f"the terminal interface is not available ({error}); try: blogtui list"
        ) from None
    config = Path(args.config) if args.config else None
    return run_app(root, config_path=config, demo=args.demo, images=args.images)


COMMAND = Command(
    name="",
    examples=EXAMPLES,
    arguments=arguments,
    run=run,
)
