"""What commands print: messages on stderr, tab-separated lines, JSON, tables, the pager.

stdout carries data only. Everything that came from a file passes through
`blogtui.render.sanitize` (or `escape_controls`) on its way out. rich is imported only when
output is styled.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess

    from rich.console import Console, RenderableType

    from blogtui.model import Post, Problem


# --- stderr --------------------------------------------------------------------------------


def say(message: str) -> None:
    """One `blogtui: ...` line on stderr."""
    from blogtui.render import sanitize

    print(f"blogtui: {sanitize(message)}", file=sys.stderr)


def say_truncated(shown: int, matched: int) -> None:
    """`20 of 22 shown; --limit 0 for all` on stderr when --limit cut the results and a
    person reads stderr (a terminal); scripts reading a pipe asked for the limit."""
    if shown < matched and sys.stderr.isatty():
        say(f"{shown:,} of {matched:,} shown; --limit 0 for all")


def warn_problems(problems: Iterable[Problem]) -> None:
    """A warning line on stderr for each file that could not be read as it should."""
    from blogtui.safe import visible

    for problem in problems:  # the path shown visibly: an escape in it would eat the reason
        say(f"warning: {visible(problem.path)}: {problem.reason}")


# --- plain text and JSON -------------------------------------------------------------------


def field(text: str) -> str:
    """A value for a tab-separated line: sanitised, with no tab or newline inside."""
    from blogtui.render import sanitize

    return sanitize(text).replace("\t", " ").replace("\n", " ")


def print_paths(paths: list[str], null: bool) -> None:
    """Paths, one a line, or NUL-terminated with `null`."""
    if null and not sys.stdout.isatty():
        # NUL-separated output feeds xargs -0: paths go out byte for byte, as find -print0.
        sys.stdout.flush()
        out = sys.stdout.buffer
        for path in paths:
            out.write(os.fsencode(path) + b"\0")
        return
    end = "\0" if null else "\n"
    sys.stdout.write("".join(field(path) + end for path in paths))


def print_json(value: object) -> None:
    """Print JSON with every string sanitised; the common all-clean case costs one scan."""
    import json
    import re

    # The C encoder only runs without indent: compact for pipes, indented for people.
    indent = 2 if sys.stdout.isatty() else None
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    # JSON escapes C0 controls (\u001b, \r...) but passes DEL, C1 and lone surrogates
    # raw; if any string held such a character, sanitise every string and encode again.
    escaped = ("\\u00", "\\r", "\\b", "\\f")  # plain finds: faster than one alternation
    if any(code in text for code in escaped) or re.search("[\x7f-\x9f\ud800-\udfff]", text):
        text = json.dumps(_sanitized(value), ensure_ascii=False, indent=indent)
    sys.stdout.write(text + "\n")


def _sanitized(value: Any) -> Any:
    """`value` with every string in it (keys too) sanitised."""
    from blogtui.render import sanitize

    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, dict):
        return {_sanitized(key): _sanitized(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_sanitized(item) for item in value]
    return value


def post_json(post: Post) -> dict[str, Any]:
    """A post as `list --json` prints it (strings are sanitised by `print_json`)."""
    from blogtui.model import json_record

    return json_record(post)


# --- styled output -------------------------------------------------------------------------


def styled(args: argparse.Namespace) -> bool:
    """Whether to render as on a terminal: --color, else a TTY without NO_COLOR."""
    if args.color != "auto":
        return bool(args.color == "always")
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _console(args: argparse.Namespace) -> Console:
    from rich.console import Console

    from blogtui.cli.options import MAX_WIDTH

    console = Console(
        force_terminal=True,
        no_color=False if args.color == "always" else None,
        width=args.width,
        markup=False,
        emoji=False,
        highlight=False,
    )
    console.width = min(console.width, MAX_WIDTH)  # $COLUMNS may say anything
    return console


def show(args: argparse.Namespace, renderables: Sequence[RenderableType], pager: bool) -> None:
    """Print with rich; through the pager when on a terminal and taller than the screen."""
    console = _console(args)
    if not (pager and sys.stdout.isatty()):
        for renderable in renderables:
            console.print(renderable)  # trusted: render.py and the tables sanitise each string
        return
    with console.capture() as capture:
        for renderable in renderables:
            console.print(renderable)  # trusted: render.py and the tables sanitise each string
    write_paged(capture.get(), pager=True)


def post_table(posts: list[Post]) -> RenderableType:
    """Title, date and tags of each post, drafts and future posts marked."""
    from rich.table import Table
    from rich.text import Text

    from blogtui.render import display_title, format_day, sanitize, status_marks

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("Title", ratio=3, overflow="fold")
    table.add_column("Date", no_wrap=True, style="green")
    table.add_column("Tags", ratio=2, style="magenta", overflow="fold")
    for post in posts:
        title = Text(display_title(post))
        for mark in status_marks(post):
            title.append(f" [{mark}]", style="bold yellow")
        table.add_row(title, format_day(post), sanitize(", ".join(post.tags)))
    return table


def count_table(heading: str, rows: list[tuple[str, int]]) -> RenderableType:
    """Names (already sanitised) and their post counts under `heading`."""
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column(heading, style="magenta")
    table.add_column("Posts", justify="right", style="green")
    for name, count in rows:
        table.add_row(name, str(count))
    return table


# --- the pager -----------------------------------------------------------------------------


def write_paged(text: str, *, pager: bool) -> None:
    """Write text; through the pager when stdout is a terminal and it is taller than one."""
    import shutil

    if pager and sys.stdout.isatty() and text.count("\n") >= shutil.get_terminal_size().lines:
        _page(text)
    else:
        sys.stdout.write(text)


def _page(text: str) -> None:
    """Send text through $PAGER (default `less -R`), as git does; plain write if it fails."""
    import subprocess

    command = os.environ.get("PAGER", "less -R").strip() or "cat"
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # git's defaults: quit if one screen, keep colours
    try:
        pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        sys.stdout.write(text)
        return
    assert pager.stdin is not None
    try:
        pager.stdin.write(text.encode("utf-8", errors="replace"))
        pager.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit the pager before reaching the end
    if _wait(pager) == 127:  # the shell could not find the pager
        sys.stdout.write(text)


def _wait(process: subprocess.Popen[bytes]) -> int:
    """The process's exit status; Ctrl-C belongs to the pager while it runs."""
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue
