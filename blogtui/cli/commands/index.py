"""`blogtui index`: build or refresh the archive's index and report; where it lives; prune."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from blogtui.cli.command import Command
from blogtui.cli.opening import archive_root, open_index
from blogtui.cli.output import warn_problems

if TYPE_CHECKING:
    from blogtui.search.index import Progress

EXAMPLES = """examples:
  blogtui index                          bring the index up to date and report
  blogtui index --rebuild                build it again from scratch
  blogtui index --where                  where the index of this archive lives
  blogtui index --prune                  remove indexes of archives that are gone"""


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rebuild", action="store_true", help="build the index from scratch")
    parser.add_argument("--where", action="store_true", help="print where the index lives")
    parser.add_argument("--prune", action="store_true", help="remove indexes of vanished archives")


def run(args: argparse.Namespace) -> int:
    if args.prune:
        from blogtui.search.store import prune

        for folder in prune():
            print(folder)
        return 0
    root = archive_root(args)
    if args.where:
        from blogtui.search.store import index_location

        print(index_location(root))
        return 0
    with _progress_bar() as progress:
        index = open_index(args, root, rebuild=args.rebuild, refresh=False)
        done = index.refresh(progress)
    warn_problems(index.problems)
    sys.stdout.write(
        f"posts: {done.total}\nadded: {done.added}\nchanged: {done.changed}\n"
        f"deleted: {done.deleted}\nproblems: {len(index.problems)}\n"
        f"not posts: {sum(done.hidden.values())}\n"
        + "".join(f"  {reason}: {n}\n" for reason, n in sorted(done.hidden.items()))
        + f"seconds: {done.seconds:.2f}\n"
    )
    if index.merging is not None and sys.stderr.isatty():
        sys.stderr.write(
            f"blogtui: merging the new index's segments in the background (process"
            f" {index.merging.pid}); it is searchable meanwhile\n"
        )
    return 0


@contextmanager
def _progress_bar() -> Iterator[Progress | None]:
    """A rich progress bar on stderr while files are indexed, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar

    with Bar(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("indexing", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


COMMAND = Command(
    name="index",
    examples=EXAMPLES,
    arguments=arguments,
    run=run,
)
