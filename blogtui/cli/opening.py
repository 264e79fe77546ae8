"""Finding the archive a command reads and opening its index, problems reported on stderr."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from blogtui.cli.errors import CliError, nothing
from blogtui.cli.output import say, warn_problems

if TYPE_CHECKING:
    from pathlib import Path

    from blogtui.search.index import PostIndex


def archive_root(args: argparse.Namespace) -> Path:
    """The archive: --demo, --archive/ARCHIVE, $BLOGTUI_ARCHIVE, the config's archive, else cwd."""
    from pathlib import Path

    if args.demo:
        from blogtui.demo import ROOT

        return ROOT
    raw = args.archive or os.environ.get("BLOGTUI_ARCHIVE") or _configured_archive(args) or "."
    root = Path(raw).expanduser()
    if not root.exists():
        raise CliError(f"archive not found: {raw}")
    if not root.is_dir():
        raise CliError(f"archive is not a folder: {raw}")
    return root


def _configured_archive(args: argparse.Namespace) -> str | None:
    """The config file's `archive` setting, if any; its bad values are reported on stderr."""
    from pathlib import Path

    from blogtui.config import load_config

    config, warnings = load_config(Path(args.config) if args.config else None)
    for warning in warnings:
        say(f"warning: {warning}")
    return str(config.archive) if config.archive else None


def open_index(args: argparse.Namespace, root: Path, **options: Any) -> PostIndex:
    """The archive's index, fresh; notices (rebuilds, in-memory fallback) go to stderr."""
    from blogtui.archive import ArchiveError
    from blogtui.search.index import PostIndex

    try:
        return PostIndex.open(root, follow_symlinks=args.follow_symlinks, notice=say, **options)
    except ArchiveError as error:
        raise CliError(str(error)) from None


def archive_with_posts(args: argparse.Namespace, **options: Any) -> PostIndex:
    """The archive's fresh index, its problems reported; exit 1 when it holds no posts.
    `options` go to PostIndex.open."""
    root = archive_root(args)
    index = open_index(args, root, **options)
    warn_problems(index.problems)
    if not index.count():
        nothing(f"no posts in {root}", args)
    return index
