"""Wiki-links resolved as Obsidian resolves them, and headings matched as Obsidian matches.

`[[Page]]` names a file anywhere in the vault by its name, case-insensitively (a path,
`[[Folder/Page]]`, narrows it); when several files share the name the shortest path wins;
failing a file, a front-matter alias names it. `#Heading` matches a heading ignoring case
and punctuation, which also matches a generator's anchor (`#file-searching-logic`).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

WIKI_TARGET = re.compile(r"^\[\[([^\]#]*)(?:#([^\]]*))?\]\]$")
_MARKDOWN = (".md", ".markdown", ".mdx")

P = TypeVar("P")


def split_target(target: str) -> tuple[str, str] | None:
    """(page, heading) of a `[[page#heading]]` target, or None for any other link."""
    match = WIKI_TARGET.match(target)
    return (match[1].strip(), (match[2] or "").strip()) if match else None


def page_key(name: str) -> str:
    """How page names compare: case-folded, NFC, without a markdown extension."""
    name = unicodedata.normalize("NFC", name.strip()).casefold()
    for ext in _MARKDOWN:
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def heading_key(text: str) -> str:
    """How headings compare: letters and digits only, case-folded (`File Searching Logic`,
    `file-searching-logic` and `File searching logic!` are one heading)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if char.isalnum())


def resolve(
    page: str,
    from_path: str,
    paths: Mapping[str, P],
    aliases: Callable[[], Mapping[str, P]] = dict,
) -> P | None:
    """The item (a post) whose archive path `page` names, by Obsidian's rules.

    `paths` maps archive-relative paths to items; `aliases` (called only if no file
    matches) maps case-folded front-matter aliases to items.
    """
    if not page:
        return paths.get(from_path)
    wanted = page_key(page)
    by_key = {page_key(path): path for path in paths}
    for candidate in (wanted, page_key(posixpath.join(posixpath.dirname(from_path), page))):
        if candidate in by_key:
            return paths[by_key[candidate]]
    matches = [path for key, path in by_key.items() if _names(key, wanted)]
    if matches:
        return paths[min(matches, key=lambda path: (len(path), path))]
    return aliases().get(wanted)


def _names(key: str, wanted: str) -> bool:
    """True if the path `key` is the page `wanted` (`Page` or `Folder/Page`)."""
    return key == wanted or key.endswith("/" + wanted)


def alias_table(items: Iterable[tuple[P, Iterable[str]]]) -> dict[str, P]:
    """Case-folded alias -> item; the first item claiming an alias keeps it."""
    table: dict[str, P] = {}
    for item, names in items:
        for name in names:
            table.setdefault(page_key(str(name)), item)
    return table
