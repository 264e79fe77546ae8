"""The `blogtui` command line: cat, list, search, tags, categories, index, and the TUI.

Only argparse, os and sys are imported at module level: the index, whoosh, rich and the
TUI are imported inside the commands that need them, so piped commands start fast and
never load textual.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from pathlib import Path

    from rich.console import Console, RenderableType

    from blogtui.model import Post, Problem
    from blogtui.search.index import PostIndex, Progress
    from blogtui.search.search import Results, Snippet

COMMANDS = ("cat", "list", "search", "tags", "categories", "index")
#: Global options that take a value, so the folder argument can be told from their values.
_VALUE_OPTIONS = frozenset({"-a", "--archive", "--color", "--width", "--config"})


class CliError(Exception):
    """A failure to report as one `blogtui: ...` line on stderr, with its exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _nothing(message: str, args: argparse.Namespace | None = None) -> NoReturn:
    """Exit 1: a filter, query or archive yielded no posts (with --json, an empty array first,
    so `| jq` still reads valid JSON)."""
    if args is not None and getattr(args, "json", False):
        sys.stdout.write("[]\n")
    raise CliError(message, code=1)


# --- entry point ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 nothing found, 2 bad usage)."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    try:
        status = _run(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # a closed pipe must surface here, inside the handler
        return status
    except CliError as error:
        _say(str(error))
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
        _say(f"{where}{error.strerror or error}")
        return 2
    except Exception as error:
        # A bug: users get one line, developers the traceback with BLOGTUI_DEBUG=1.
        if os.environ.get("BLOGTUI_DEBUG"):
            raise
        _say(f"internal error: {type(error).__name__}: {error} (BLOGTUI_DEBUG=1 shows more)")
        return 70


def _run(argv: list[str]) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(_folder_as_option(argv))
    if getattr(args, "func", None) is _cmd_search:
        # `blogtui search rust -go`: a negated word looks like an option to argparse.
        negations = [t for t in extra if t.startswith("-") and not t.startswith("--") and t != "-"]
        args.query = [*args.query, *negations]
        extra = [token for token in extra if token not in negations]
        if not args.query:
            parser.error("search needs a QUERY")
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    _settle(args)
    status: int = args.func(args)
    return status


def _folder_as_option(argv: list[str]) -> list[str]:
    """A leading folder argument becomes `--archive FOLDER`; command names win over folders."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--":
            rest = argv[index + 1 :]
            return argv[:index] + (["--archive", rest[0], *rest[1:]] if rest else [])
        if token in _VALUE_OPTIONS:
            index += 2
        elif token.startswith("-") and token != "-":
            index += 1
        elif token in COMMANDS:
            return argv
        else:
            return [*argv[:index], "--archive", token, *argv[index + 1 :]]
    return argv


def _settle(args: argparse.Namespace) -> None:
    """Fill in global options not given (they are suppressed so a subcommand cannot reset them)."""
    defaults: dict[str, Any] = {
        "archive": None,
        "color": "auto",
        "width": None,
        "follow_symlinks": False,
        "config": None,
        "demo": False,
    }
    for name, value in defaults.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    if args.config is not None and not os.path.isfile(args.config):
        raise CliError(f"config file not found: {args.config}")


# --- parser --------------------------------------------------------------------------------

_MAIN_EPILOG = """\
With no command, blogtui opens ARCHIVE (default: $BLOGTUI_ARCHIVE, else the current folder)
in the terminal interface; when stdout is not a terminal it prints the post list instead.
A command name wins over a folder of the same name: `blogtui ./list` opens the folder.

examples:
  blogtui ~/site/content                 read an archive in the terminal interface
  blogtui --demo                         try the bundled sample blog
  blogtui list -a ~/site --tag python    posts tagged python, newest first
  blogtui search 'tag:go "error handling"' --limit 5
  blogtui cat my-post-slug | less        one post as plain text
  blogtui tags --json                    every tag with its post count

exit status: 0 ok, 1 nothing matched, 2 bad usage, missing archive or malformed query."""

_EPILOGS = {
    "cat": """examples:
  blogtui cat posts/hello.md             a path relative to the archive (or any file path)
  blogtui cat hello                      a slug
  blogtui cat --tag release --no-pager   every post tagged release
  blogtui cat --query 'date:2024 rust'   every post the query matches
  blogtui cat --raw hello > copy.md      the file's bytes, unchanged""",
    "list": """examples:
  blogtui list --tag go --tag web        tagged go AND web (case-insensitive)
  blogtui list --year 2024 --sort title
  blogtui list --paths -0 | xargs -0 wc -w
  blogtui list --json | jq '.[].title'
piped output is one post a line: DATE<TAB>TITLE<TAB>PATH (DATE is - when unknown).""",
    "search": """examples:
  blogtui search kubernetes scheduler
  blogtui search 'tag:"open source" -draft:yes' --sort date
  blogtui search 'title:release*' --json --limit 0""",
    "tags": """examples:
  blogtui tags | head                    the most used tags
  blogtui tags --json""",
    "categories": """examples:
  blogtui categories
  blogtui categories --json""",
    "index": """examples:
  blogtui index                          bring the index up to date and report
  blogtui index --rebuild                build it again from scratch
  blogtui index --where                  where the index of this archive lives
  blogtui index --prune                  remove indexes of archives that are gone""",
}


class _Version(argparse.Action):
    """`--version`, looking the version up only when asked (importlib.metadata is slow)."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        from blogtui import __version__

        print(f"blogtui {__version__}")
        parser.exit()


def _global_options() -> argparse.ArgumentParser:
    """Options every command accepts; suppressed defaults let them go before or after it."""
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    group = common.add_argument_group("global options")
    group.add_argument(
        "-a",
        "--archive",
        metavar="ARCHIVE",
        help="the archive folder (default: $BLOGTUI_ARCHIVE, else the config's archive, else .)",
    )
    group.add_argument(
        "--color", choices=("auto", "always", "never"), help="style the output (default: auto)"
    )
    group.add_argument(
        "--width",
        type=_positive,
        metavar="N",
        help="render styled output N columns wide (plain output is never wrapped)",
    )
    group.add_argument(
        "--follow-symlinks", action="store_true", help="also follow links leaving the archive"
    )
    group.add_argument("--config", metavar="FILE", help="the config file for the interface")
    group.add_argument("--demo", action="store_true", help="use the bundled sample blog")
    group.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    return common


def _parser() -> argparse.ArgumentParser:
    common = _global_options()
    parser = argparse.ArgumentParser(
        prog="blogtui",
        usage="blogtui [OPTIONS] [ARCHIVE]\n       blogtui COMMAND [OPTIONS] ...",
        description="A terminal reader for markdown blog archives (Hugo, Jekyll, Zola, Astro).",
        epilog=_MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.set_defaults(func=_cmd_open, **_LIST_DEFAULTS)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            prog=f"blogtui {name}",
            help=help_text,
            description=help_text,
            epilog=_EPILOGS[name],
            parents=[common],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return sub

    _add_cat(command("cat", "Print posts: a header, then the body without front matter."))
    _add_list(command("list", "List posts, newest first (undated last)."))
    _add_search(command("search", "Search the archive's full-text index."))
    _add_terms(command("tags", "Every tag with its post count, most used first."), "tags")
    _add_terms(
        command("categories", "Every category with its post count, most used first."),
        "categories",
    )
    _add_index(command("index", "Build or refresh the archive's index and report."))
    return parser


def _positive(text: str) -> int:
    value = _count(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def _year(text: str) -> int:
    if not (text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"not a year: {text!r}")
    return int(text)


def _add_filters(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--tag", action="append", default=[], metavar="T", help="posts with tag T")
    sub.add_argument(
        "--category", action="append", default=[], metavar="C", help="posts in category C"
    )
    sub.add_argument("--year", action="append", type=_year, default=[], help="posts of YEAR")
    sub.add_argument("--no-drafts", action="store_true", help="leave drafts out")


def _add_cat(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("posts", nargs="*", metavar="POST", help="a file path, archive path or slug")
    sub.add_argument("--tag", action="append", default=[], metavar="T", help="posts with tag T")
    sub.add_argument(
        "--category", action="append", default=[], metavar="C", help="posts in category C"
    )
    sub.add_argument("--query", metavar="Q", help="posts matching the search query Q")
    sub.add_argument("--raw", action="store_true", help="the file as it is, front matter too")
    sub.add_argument("--no-pager", action="store_true", help="never page on a terminal")
    sub.set_defaults(func=_cmd_cat)


_LIST_DEFAULTS: dict[str, Any] = {
    "tag": [],
    "category": [],
    "year": [],
    "no_drafts": False,
    "json": False,
    "sort": "date",
    "limit": 0,
    "paths": False,
    "null": False,
}


def _add_list(sub: argparse.ArgumentParser) -> None:
    from blogtui.model import LIST_SORTS

    _add_filters(sub)
    sub.add_argument("--sort", choices=LIST_SORTS, default="date", help="order")
    sub.add_argument("--limit", type=_count, default=0, metavar="N", help="at most N (0: all)")
    sub.add_argument("--json", action="store_true", help="one JSON array of posts")
    sub.add_argument("--paths", action="store_true", help="paths only, one a line")
    sub.add_argument("-0", "--null", action="store_true", help="paths ending in NUL (xargs -0)")
    sub.set_defaults(func=_cmd_list)


def _add_search(sub: argparse.ArgumentParser) -> None:
    from blogtui.model import LIST_SORTS
    from blogtui.search.keys import SYNTAX_HELP

    sub.epilog = f"{SYNTAX_HELP}\n\n{sub.epilog}"
    sub.add_argument("query", nargs="*", metavar="QUERY", help="what to look for")
    _add_filters(sub)
    sorts = ("relevance", *LIST_SORTS)  # the default first
    sub.add_argument("--sort", choices=sorts, default="relevance", help="order")
    sub.add_argument("--limit", type=_count, default=20, metavar="N", help="at most N (0: all)")
    sub.add_argument("--json", action="store_true", help="one JSON array of hits")
    sub.set_defaults(func=_cmd_search)


def _add_terms(sub: argparse.ArgumentParser, field: str) -> None:
    sub.add_argument("--json", action="store_true", help='[{"name": ..., "count": ...}]')
    sub.set_defaults(func=_cmd_terms, field=field)


def _add_index(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--rebuild", action="store_true", help="build the index from scratch")
    sub.add_argument("--where", action="store_true", help="print where the index lives")
    sub.add_argument("--prune", action="store_true", help="remove indexes of vanished archives")
    sub.set_defaults(func=_cmd_index)


# --- shared plumbing -----------------------------------------------------------------------


def _say(message: str) -> None:
    from blogtui.render import sanitize

    print(f"blogtui: {sanitize(message)}", file=sys.stderr)


def _warn_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        _say(f"warning: {problem.path}: {problem.reason}")


def _archive_root(args: argparse.Namespace) -> Path:
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
        _say(f"warning: {warning}")
    return str(config.archive) if config.archive else None


def _open_index(args: argparse.Namespace, root: Path, **options: Any) -> PostIndex:
    """The archive's index, fresh; notices (rebuilds, in-memory fallback) go to stderr."""
    from blogtui.archive import ArchiveError
    from blogtui.search.index import PostIndex

    try:
        return PostIndex.open(root, follow_symlinks=args.follow_symlinks, notice=_say, **options)
    except ArchiveError as error:
        raise CliError(str(error)) from None


def _styled(args: argparse.Namespace) -> bool:
    """Whether to render as on a terminal: --color, else a TTY without NO_COLOR."""
    if args.color != "auto":
        return bool(args.color == "always")
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _console(args: argparse.Namespace) -> Console:
    from rich.console import Console

    return Console(
        force_terminal=True,
        no_color=False if args.color == "always" else None,
        width=args.width,
        markup=False,
        emoji=False,
        highlight=False,
    )


def _show(args: argparse.Namespace, renderables: Sequence[RenderableType], pager: bool) -> None:
    """Print with rich; through the pager when on a terminal and taller than the screen."""
    console = _console(args)
    if not (pager and sys.stdout.isatty()):
        for renderable in renderables:
            console.print(renderable)
        return
    with console.capture() as capture:
        for renderable in renderables:
            console.print(renderable)
    _write_paged(capture.get(), pager=True)


def _write_paged(text: str, *, pager: bool) -> None:
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
    while True:
        try:
            status = pager.wait()
            break
        except KeyboardInterrupt:
            continue  # Ctrl-C belongs to the pager while it runs
    if status == 127:  # the shell could not find the pager
        sys.stdout.write(text)


def _field(text: str) -> str:
    """A value for a tab-separated line: sanitised, with no tab or newline inside."""
    from blogtui.render import sanitize

    return sanitize(text).replace("\t", " ").replace("\n", " ")


# --- list ----------------------------------------------------------------------------------


def _archive_with_posts(args: argparse.Namespace) -> PostIndex:
    """The archive's fresh index, its problems reported; exit 1 when it holds no posts."""
    root = _archive_root(args)
    index = _open_index(args, root)
    _warn_problems(index.problems)
    if not index.posts():
        _nothing(f"no posts in {root}", args)
    return index


def _cmd_list(args: argparse.Namespace) -> int:
    index = _archive_with_posts(args)
    # An empty query: the filters and sort run over the catalogue, Whoosh is not touched.
    posts = [hit.post for hit in _search(index, "", args).hits]
    if not posts:
        _nothing("no posts match", args)
    _print_posts(args, posts)
    return 0


def _search(index: PostIndex, text: str, args: argparse.Namespace) -> Results:
    """`text` searched with the command's filters (--tag, --category, --year, --no-drafts),
    --sort and --limit; no facet counts (the commands print none). Raises QueryError."""
    from blogtui.search.search import search

    return search(
        index,
        text,
        tags=args.tag,
        categories=args.category,
        years=args.year,
        drafts=not args.no_drafts,
        sort=args.sort,
        limit=args.limit or None,
        facets=False,
    )


def _print_posts(args: argparse.Namespace, posts: list[Post]) -> None:
    if args.json:
        _print_json([_post_json(post) for post in posts])
    elif args.paths or args.null:
        _print_paths(posts, args.null)
    elif _styled(args):
        _show(args, [_post_table(posts)], pager=True)
    else:
        from blogtui.render import format_day

        write = sys.stdout.write
        for post in posts:
            write(f"{format_day(post)}\t{_field(post.title)}\t{_field(post.path)}\n")


def _print_paths(posts: list[Post], null: bool) -> None:
    if null and not sys.stdout.isatty():
        # NUL-separated output feeds xargs -0: paths go out byte for byte, as find -print0.
        sys.stdout.flush()
        out = sys.stdout.buffer
        for post in posts:
            out.write(os.fsencode(post.path) + b"\0")
        return
    end = "\0" if null else "\n"
    sys.stdout.write("".join(_field(post.path) + end for post in posts))


def _print_json(value: object) -> None:
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


def _post_json(post: Post) -> dict[str, Any]:
    """A post as `list --json` prints it (strings are sanitised by `_print_json`)."""
    from blogtui.model import json_record

    return json_record(post)


def _post_table(posts: list[Post]) -> RenderableType:
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


# --- tags and categories -------------------------------------------------------------------


def _cmd_terms(args: argparse.Namespace) -> int:
    from blogtui.render import sanitize
    from blogtui.search.search import search

    index = _archive_with_posts(args)
    facets = search(index, "").facets  # the counts the reader's sidebar shows, over all posts
    counts = facets.tags if args.field == "tags" else facets.categories
    rows = [(sanitize(name), count) for name, count in counts]
    if not rows:
        _nothing(f"no {args.field} in {index.root}", args)
    if args.json:
        _print_json([{"name": name, "count": count} for name, count in rows])
    elif _styled(args):
        _show(args, [_terms_table(args.field, rows)], pager=True)
    else:
        sys.stdout.write("".join(f"{_field(name)}\t{count}\n" for name, count in rows))
    return 0


def _terms_table(field: str, rows: list[tuple[str, int]]) -> RenderableType:
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column(field[:-1].title() if field == "tags" else "Category", style="magenta")
    table.add_column("Posts", justify="right", style="green")
    for name, count in rows:
        table.add_row(name, str(count))
    return table


# --- search --------------------------------------------------------------------------------


def _cmd_search(args: argparse.Namespace) -> int:
    from blogtui.search.search import snippets
    from blogtui.search.syntax import QueryError, check

    text = " ".join(args.query)
    try:
        check(text)
        root = _archive_root(args)
        index = _open_index(args, root)
        _warn_problems(index.problems)
        results = _search(index, text, args)
    except QueryError as error:
        raise CliError(f"bad query: {error}") from None
    hits = results.hits  # already cut to --limit by the search
    if not hits:
        _nothing(f"no posts match {text!r}", args)
    found = snippets(index, text, [hit.post for hit in hits])
    if args.json:
        _print_json([_hit_json(hit.post, hit.score, found.get(hit.post.path)) for hit in hits])
    elif _styled(args):
        from blogtui.search.search import title_marks

        blocks = [
            _hit_block(hit.post, found.get(hit.post.path), title_marks(text, hit.post.title))
            for hit in hits
        ]
        _show(args, blocks, pager=True)
    else:
        _print_plain_hits([(hit.post, found.get(hit.post.path)) for hit in hits])
    return 0


def _hit_json(post: Post, score: float | None, snippet: Snippet | None) -> dict[str, Any]:
    from blogtui.render import sanitize_marked

    text, marks = sanitize_marked(snippet.text, snippet.marks) if snippet else ("", ())
    return {
        **_post_json(post),
        "score": score,
        "snippet": text,
        "marks": [list(mark) for mark in marks],
    }


def _one_line(text: str) -> str:
    # Newlines become spaces one for one, so snippet offsets stay valid.
    return text.replace("\n", " ").replace("\t", " ")


def _print_plain_hits(hits: list[tuple[Post, Snippet | None]]) -> None:
    from blogtui.render import display_title, format_day, sanitize

    blocks = []
    for post, snippet in hits:
        lines = [_field(display_title(post)), f"{format_day(post)}  {_field(post.path)}"]
        if snippet and snippet.text.strip():
            lines.append("    " + _one_line(sanitize(snippet.text)).strip())
        blocks.append("\n".join(lines) + "\n")
    sys.stdout.write("\n".join(blocks))


def _hit_block(
    post: Post, snippet: Snippet | None, marks: Sequence[tuple[int, int]]
) -> RenderableType:
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    from blogtui.render import format_day, marked_text, sanitize, status_marks

    title = marked_text(_one_line(post.title or post.path), marks, "bold underline")
    title.stylize("bold cyan")
    where = Text(format_day(post), style="green")
    for mark in status_marks(post):
        where.append(f"  {mark}", style="bold yellow")
    where.append("  " + sanitize(post.path), style="dim")
    parts: list[RenderableType] = [title, where]
    if snippet and snippet.text.strip():
        body = marked_text(_one_line(snippet.text), snippet.marks, "bold reverse")
        parts.append(Padding(body, (0, 0, 0, 4)))
    return Group(*parts, Text())


# --- cat -----------------------------------------------------------------------------------


def _cmd_cat(args: argparse.Namespace) -> int:
    if not (args.posts or args.tag or args.category or args.query):
        raise CliError("cat needs a POST, --tag, --category or --query (see blogtui cat --help)")
    root = _archive_root(args)
    finder = _PostFinder(args, root)
    posts: dict[str, Post] = {}
    for wanted in args.posts:
        post = finder.by_name(wanted)
        posts.setdefault(post.path, post)
    if args.tag or args.category or args.query:
        for post in finder.selected():
            posts.setdefault(post.path, post)
    _print_cat(args, finder, list(posts.values()))
    return 0


class _PostFinder:
    """Turns POST arguments and selectors into Posts, opening the index only when needed."""

    def __init__(self, args: argparse.Namespace, root: Path) -> None:
        self.args = args
        self.root = root
        self.files: dict[str, Path] = {}  # post path -> the file read for --raw
        self._index: PostIndex | None = None

    @property
    def index(self) -> PostIndex:
        if self._index is None:
            self._index = _open_index(self.args, self.root)
            _warn_problems(self._index.problems)
        return self._index

    def by_name(self, wanted: str) -> Post:
        """A file path, a path relative to the archive, or a slug."""
        from pathlib import Path

        for candidate in (Path(wanted).expanduser(), self.root / wanted):
            if candidate.is_dir() and (candidate / "index.md").is_file():
                candidate = candidate / "index.md"  # a leaf bundle named by its folder
            if candidate.is_file():
                return self._read_file(candidate, wanted)
        return self._by_slug(wanted)

    def _read_file(self, file: Path, wanted: str) -> Post:
        from blogtui.archive import SourceFile, read_post

        path = _relative_to(file, self.root)
        stat = file.stat()
        post, problems = read_post(
            SourceFile(path=path, abspath=file, mtime_ns=stat.st_mtime_ns, size=stat.st_size)
        )
        _warn_problems(problems)
        if post is None:
            raise CliError(f"{wanted}: not a post that can be read")
        self.files[post.path] = file
        return post

    def _by_slug(self, wanted: str) -> Post:
        posts = self.index.posts()
        found = [post for post in posts if post.slug == wanted]
        if not found:
            found = [post for post in posts if post.slug.casefold() == wanted.casefold()]
        if not found:
            raise CliError(f"no post found for {wanted!r} (not a file, archive path or slug)")
        if len(found) > 1:
            choices = "; ".join(post.path for post in found)
            raise CliError(f"slug {wanted!r} is ambiguous: {choices}")
        return self._full(found[0])

    def _full(self, post: Post) -> Post:
        full = self.index.post(post.path)
        if full is None:
            raise CliError(f"{post.path}: the file has gone")
        self.files[full.path] = self.root / full.path
        return full

    def selected(self) -> list[Post]:
        """The posts --tag, --category and --query select, in search order."""
        from blogtui.search.search import search
        from blogtui.search.syntax import QueryError

        try:
            results = search(
                self.index,
                self.args.query or "",
                tags=self.args.tag,
                categories=self.args.category,
            )
        except QueryError as error:
            raise CliError(f"bad query: {error}") from None
        if not results.hits:
            _nothing("no posts match")
        return [self._full(hit.post) for hit in results.hits]


def _relative_to(file: Path, root: Path) -> str:
    """The archive-relative POSIX path of `file`, or the path as given when it lies outside."""
    try:
        return file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return file.as_posix()


def _print_cat(args: argparse.Namespace, finder: _PostFinder, posts: list[Post]) -> None:
    if args.raw:
        _print_raw(args, [finder.files[post.path] for post in posts])
    elif _styled(args):
        from rich.text import Text

        from blogtui.render import rich_post

        renderables: list[RenderableType] = []
        for number, post in enumerate(posts):
            if number:
                renderables.append(Text())
            renderables.append(rich_post(post))
        _show(args, renderables, pager=not args.no_pager)
    else:
        from blogtui.render import plain_post

        text = "\n".join(plain_post(post) for post in posts)
        _write_paged(text, pager=not args.no_pager)


def _print_raw(args: argparse.Namespace, files: list[Path]) -> None:
    """The files' bytes; shown `cat -v` style when they would reach a terminal."""
    if sys.stdout.isatty() or args.color == "always":
        from blogtui.render import escape_controls

        for file in files:
            sys.stdout.write(escape_controls(file.read_bytes()))
        return
    sys.stdout.flush()
    for file in files:
        sys.stdout.buffer.write(file.read_bytes())


# --- index ---------------------------------------------------------------------------------


def _cmd_index(args: argparse.Namespace) -> int:
    if args.prune:
        from blogtui.search.store import prune

        for folder in prune():
            print(folder)
        return 0
    root = _archive_root(args)
    if args.where:
        from blogtui.search.store import index_location

        print(index_location(root))
        return 0
    with _progress_bar() as progress:
        index = _open_index(args, root, rebuild=args.rebuild, refresh=False)
        done = index.refresh(progress)
    _warn_problems(index.problems)
    sys.stdout.write(
        f"posts: {done.total}\nadded: {done.added}\nchanged: {done.changed}\n"
        f"deleted: {done.deleted}\nproblems: {len(index.problems)}\n"
        f"seconds: {done.seconds:.2f}\n"
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


# --- the interface -------------------------------------------------------------------------


def _cmd_open(args: argparse.Namespace) -> int:
    """No command: the TUI on a terminal, else the plain post list."""
    root = _archive_root(args)
    if not sys.stdout.isatty():
        return _cmd_list(args)
    from pathlib import Path

    try:
        from blogtui.tui.app import run_app
    except ImportError as error:
        raise CliError(
            f"the terminal interface is not available ({error}); try: blogtui list"
        ) from None
    config = Path(args.config) if args.config else None
    return run_app(root, config_path=config, demo=args.demo)


if __name__ == "__main__":
    raise SystemExit(main())
