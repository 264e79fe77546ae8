"""Finding the archive a command reads and opening its index, problems reported on stderr."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from blogtui.cli.errors import CliError, nothing
from blogtui.cli.output import say, warn_problems

if TYPE_CHECKING:
    from pathlib import Path

    from blogtui.search.freshness import Ahead
    from blogtui.search.index import PostIndex

T = TypeVar("T")


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


class Early(Generic[T]):
    """A command's answer worked out on the index as loaded, while forked children take
    the stats (`PostIndex.open`'s `meanwhile`, `ahead`), and kept if the refresh after
    changes nothing (the index's generation holds); else worked out again on the fresh
    index. Where no child is forked the refresh stats in this process: an answer made
    before it would only make the command wait longer, so none is."""

    def __init__(
        self,
        make: Callable[[PostIndex], T],
        before: Callable[[], object] | None = None,
        idle: Callable[[Callable[[], bool]], object] | None = None,
    ) -> None:
        """`before`: done first in any case; `idle(pending)`: done after the answer, in
        steps while `pending()` says the children are still taking the stats (the command
        would only wait for them): what the refresh after needs if it finds a change, such
        as Whoosh's writer (`index.refresh_imports`)."""
        self._make, self._before, self._idle = make, before, idle
        self._made: tuple[int, T] | None = None

    def __call__(self, index: PostIndex, ahead: Ahead | None) -> None:
        if self._before is not None:
            self._before()
        if ahead is None:
            return
        generation = index.generation
        try:
            self._made = (generation, self._make(index))
        except Exception:  # (a bad query, a damaged index: the answer after says or mends)
            self._made = None
        if self._idle is not None:
            self._idle(ahead.pending)

    def answer(self, index: PostIndex) -> T:
        """The answer for the index as it is now (the opened, refreshed one)."""
        if self._made is not None and self._made[0] == index.generation:
            return self._made[1]
        return self._make(index)
