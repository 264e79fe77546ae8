"""`blogtui cat`: posts named by path or slug, or selected by terms or a query, printed whole."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from blogtui.cli.command import Command
from blogtui.cli.errors import CliError, nothing
from blogtui.cli.opening import archive_root, open_index
from blogtui.cli.options import add_term_filters
from blogtui.cli.output import show, styled, warn_problems, write_paged

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import RenderableType

    from blogtui.model import Post
    from blogtui.search.index import PostIndex

EXAMPLES = """examples:
  blogtui cat posts/hello.md             a path relative to the archive (or any file path)
  blogtui cat hello                      a slug
  blogtui cat --tag release --no-pager   every post tagged release
  blogtui cat --query 'date:2024 rust'   every post the query matches
  blogtui cat --raw hello > copy.md      the file's bytes, unchanged"""


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "posts", nargs="*", metavar="POST", help="a file path, archive path or slug"
    )
    add_term_filters(parser)
    parser.add_argument("--query", metavar="Q", help="posts matching the search query Q")
    parser.add_argument("--raw", action="store_true", help="the file as it is, front matter too")
    parser.add_argument("--no-pager", action="store_true", help="never page on a terminal")


def run(args: argparse.Namespace) -> int:
    if not (args.posts or args.tag or args.category or args.query):
        raise CliError("cat needs a POST, --tag, --category or --query (see blogtui cat --help)")
    root = archive_root(args)
    finder = PostFinder(args, root)
    posts: dict[str, Post] = {}
    for wanted in args.posts:
        post = finder.by_name(wanted)
        posts.setdefault(post.path, post)
    if args.tag or args.category or args.query:
        for post in finder.selected():
            posts.setdefault(post.path, post)
    _print_cat(args, finder, list(posts.values()))
    return 0


class PostFinder:
    """Turns POST arguments and selectors into Posts, opening the index only when needed."""

    def __init__(self, args: argparse.Namespace, root: Path) -> None:
        self.args = args
        self.root = root
        self.files: dict[str, Path] = {}  # post path -> the file read for --raw
        self._index: PostIndex | None = None

    @property
    def index(self) -> PostIndex:
        if self._index is None:
            self._index = open_index(self.args, self.root)
            warn_problems(self._index.problems)
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
        warn_problems(problems)
        if post is None:
            raise CliError(f"{wanted}: not a post that can be read")
        self.files[post.path] = file
        return post

    def _by_slug(self, wanted: str) -> Post:
        """By slug, else by archive path compared in NFC (the name on disk may be NFD)."""
        from blogtui.folding import same_name

        posts = self.index.posts()
        found = [post for post in posts if post.slug == wanted]
        key = same_name(wanted)
        if not found:
            found = [post for post in posts if same_name(post.slug) == key]
        if not found:
            bundle = key.rstrip("/") + "/index.md"
            found = [post for post in posts if same_name(post.path) in (key, bundle)]
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
            nothing("no posts match")
        return [self._full(hit.post) for hit in results.hits]


def _relative_to(file: Path, root: Path) -> str:
    """The archive-relative POSIX path of `file`, or the path as given when it lies outside."""
    try:
        return file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return file.as_posix()


def _print_cat(args: argparse.Namespace, finder: PostFinder, posts: list[Post]) -> None:
    if args.raw:
        _print_raw(args, [finder.files[post.path] for post in posts])
    elif styled(args):
        from rich.text import Text

        from blogtui.render import rich_post

        renderables: list[RenderableType] = []
        for number, post in enumerate(posts):
            if number:
                renderables.append(Text())
            renderables.append(rich_post(post))
        show(args, renderables, pager=not args.no_pager)
    else:
        from blogtui.render import plain_post

        text = "\n".join(plain_post(post) for post in posts)
        write_paged(text, pager=not args.no_pager)


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


COMMAND = Command(
    name="cat",
    examples=EXAMPLES,
    arguments=arguments,
    run=run,
)
