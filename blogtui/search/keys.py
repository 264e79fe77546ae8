"""The fields a query may name (`tag:`, `title:`, `date:`...): the one list of them.

The parser (syntax.py) resolves names and aliases with it, the compiler (compile.py) maps
each to the index, and help and error messages list it. It imports nothing, so the command
line can show the syntax in its help without loading the parser.
"""

from __future__ import annotations

from typing import NamedTuple


class QueryField(NamedTuple):
    """A field a query may name: its canonical name, its aliases and its value in help text."""

    name: str
    aliases: tuple[str, ...] = ()
    value: str = ""  # how the help writes its value ("" for any text)


#: The one list of query fields.
QUERY_FIELDS = (
    QueryField("tag", ("tags",)),
    QueryField("category", ("categories",)),
    QueryField("title"),
    QueryField("author", ("authors",)),
    QueryField("path"),
    QueryField("lang"),
    QueryField("draft", value="yes|no"),
    QueryField("date"),
    QueryField("show", value="all"),
    QueryField("linksto", value="PATH"),
    QueryField("linkedfrom", value="PATH"),
)
#: Every name a query may use for a field -> its canonical name.
FIELD_NAMES = {alias: f.name for f in QUERY_FIELDS for alias in (f.name, *f.aliases)}
#: The canonical names, for messages.
FIELD_LIST = ", ".join(f.name for f in QUERY_FIELDS)
#: The query syntax at a glance, for `blogtui search --help`.
SYNTAX_HELP = (
    'query syntax: words are ANDed; "a phrase"; OR, NOT, -word; (groups); prefix*;\n  '
    + " ".join(f"{f.name}:{f.value}" for f in QUERY_FIELDS if f.name != "date")
    + ";\n  date:2024  date:2024-06  date:2023..2024  date:>=2024-01-01;\n  "
    + "any front-matter KEY:VALUE (series:, layout:, version:3.7.2), fm.KEY: for any key"
)
#: The prefix that makes any key a front-matter key (`fm.title:`, `fm.extra.team:`).
FM_PREFIX = "fm."
#: The values `show:` takes: every page, or only the posts (the default).
SHOW_VALUES = ("all", "posts")
