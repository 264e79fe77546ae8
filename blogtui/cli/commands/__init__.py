"""The registry: every command of `blogtui` (in the order `--help` lists them) and the default.

A new command is a module here defining a `Command` (name, examples, arguments, run), listed
in `COMMANDS` with its one-line help; the parser, `--help` and the folder-or-command rule
read this tuple, and a command's module is imported only when that command is used.
"""

from __future__ import annotations

from blogtui.cli.command import Listed

COMMANDS: tuple[Listed, ...] = (
    Listed("cat", "Print posts: a header, then the body without front matter.", "cat"),
    Listed("outline", "Print a post's headings (its table of contents).", "outline"),
    Listed("links", "Print the posts a post links to and the posts linking to it.", "links"),
    Listed(
        "related",
        "Print the posts most related to a post (shared rare terms, similar words).",
        "related",
    ),
    Listed("list", "List posts, newest first (undated last).", "listing"),
    Listed("search", "Search the archive's full-text index.", "search"),
    Listed("tags", "Every tag with its post count, most used first.", "terms", "TAGS"),
    Listed(
        "categories",
        "Every category with its post count, most used first.",
        "terms",
        "CATEGORIES",
    ),
    Listed(
        "fields",
        "Every front-matter key the posts use, with its post count (ask one as KEY:VALUE).",
        "fields",
    ),
    Listed("index", "Build or refresh the archive's index and report.", "index"),
)
#: What `blogtui` does with no command.
DEFAULT = Listed(
    "", "A terminal reader for markdown blog archives (Hugo, Jekyll, Zola, Astro).", "interface"
)
