"""What a site's own files say about its pages: custom taxonomies, author names, cascades.

Read once per scan from the site's config (Hugo `[taxonomies]`, also `config/_default/`),
a Docusaurus `authors.yml` and the `cascade` of each `_index.md`; every post of the archive
is parsed against it, and its fingerprint tells the index when the posts must be read again.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Taxonomies a Post has a field of its own for (plural name -> Post field).
BUILT_IN_TAXONOMIES = {
    "tags": "tags",
    "tag": "tags",
    "categories": "categories",
    "category": "categories",
    "series": "series",
    "authors": "authors",
    "author": "authors",
}
#: Files a Docusaurus blog keeps its authors in (keys the posts name -> name, title...).
AUTHOR_FILES = ("authors.yml", "authors.yaml")
_CONFIG_NAMES = ("hugo.toml", "hugo.yaml", "hugo.yml", "config.toml", "config.yaml",
                 "config.yml", "zola.toml")  # fmt: skip
_DEFAULT_DIR = ("config", "_default")
_TAXONOMY_FILES = ("taxonomies.toml", "taxonomies.yaml", "taxonomies.yml")
#: Bigger site files than this are not read (configs and author lists are small).
_MAX_SITE_FILE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Site:
    """The site-wide facts a post is parsed against.

    `taxonomies`: the site's custom taxonomies, each a front-matter key (lower-cased); its
    terms go to `Post.taxonomies` under that name. `authors`: author key -> display name.
    `hidden`: (content-relative folder, reason) for the folders a cascade keeps unlisted.
    """

    taxonomies: tuple[str, ...] = ()
    authors: Mapping[str, str] = field(default_factory=dict, hash=False)
    hidden: tuple[tuple[str, str], ...] = ()

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything here does: the posts must then be parsed again."""
        text = repr((self.taxonomies, sorted(self.authors.items()), self.hidden))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def hidden_by(self, content_path: str) -> str:
        """Why a cascade keeps the page at `content_path` unlisted, or ""."""
        for folder, reason in self.hidden:
            if not folder or content_path.startswith(folder + "/"):
                return reason
        return ""


NO_SITE = Site()


def read_site(
    root: Path, content_dirs: Iterable[str], branch_indexes: Iterable[tuple[str, str]]
) -> Site:
    """The Site of the archive at `root`: `content_dirs` are its content folders (relative,
    "" for the root itself), `branch_indexes` its `_index.*` files as (content-relative,
    archive-relative) path pairs."""
    folders = [root / d if d else root for d in content_dirs]
    return Site(
        taxonomies=_custom_taxonomies(root),
        authors=_authors(root, folders),
        hidden=tuple(_cascades(root, branch_indexes)),
    )


def _load(path: Path) -> Any:
    """A small TOML or YAML file's data; None if missing, too big or unreadable."""
    try:
        if path.stat().st_size > _MAX_SITE_FILE:
            return None
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    try:
        if path.suffix == ".toml":
            return tomllib.loads(text)
        import yaml

        return yaml.load(text, Loader=yaml.CSafeLoader)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None
    except Exception as error:  # yaml.YAMLError, imported lazily above
        if type(error).__module__.startswith("yaml"):
            return None
        raise


def _custom_taxonomies(root: Path) -> tuple[str, ...]:
    """The plural names of a Hugo or Zola config's taxonomies beyond the built-in ones."""
    names: list[str] = []
    configs = [root / n for n in _CONFIG_NAMES] + [
        root.joinpath(*_DEFAULT_DIR, n) for n in _CONFIG_NAMES
    ]
    for config in configs:
        data = _load(config)
        if isinstance(data, dict):
            names.extend(_taxonomy_names(data.get("taxonomies")))
    for name in _TAXONOMY_FILES:
        names.extend(_taxonomy_names(_load(root.joinpath(*_DEFAULT_DIR, name))))
    custom = (n.strip().lower() for n in names if isinstance(n, str) and n.strip())
    return tuple(dict.fromkeys(n for n in custom if n not in BUILT_IN_TAXONOMIES))


def _taxonomy_names(value: object) -> list[str]:
    """Hugo's `{singular: plural}` table, or Zola's `[{name = ...}, ...]` list."""
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, str)]
    if isinstance(value, list):
        return [t["name"] for t in value if isinstance(t, dict) and isinstance(t.get("name"), str)]
    return []


def _authors(root: Path, folders: list[Path]) -> dict[str, str]:
    """Author key -> name from the first `authors.yml` beside the posts (Docusaurus)."""
    for folder in dict.fromkeys([*folders, root, root / "blog"]):
        for name in AUTHOR_FILES:
            data = _load(folder / name)
            if isinstance(data, dict):
                return _author_names(data)
    return {}


def _author_names(data: dict[Any, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for key, entry in data.items():
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name.strip():
            names[str(key)] = " ".join(name.split())
    return names


def _cascades(root: Path, branch_indexes: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(folder, reason) for each `_index.*` whose cascade sets `build.list: never`."""
    hidden: list[tuple[str, str]] = []
    for content_path, path in sorted(branch_indexes):
        meta = _index_front_matter(root / path)
        if meta is not None and _cascade_unlisted(meta.get("cascade")):
            folder = content_path.rpartition("/")[0]
            hidden.append((folder, f"never listed (cascade from {path})"))
    return hidden


def _index_front_matter(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_SITE_FILE)
    except OSError:
        return None
    if b"cascade" not in data:
        return None  # the usual case: no need to parse
    # Imported here: listing from the catalogue must not load the front-matter parsers.
    from blogtui.front_matter import JSONHandler, TOMLHandler, YAMLHandler, split_front_matter

    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    handlers = (YAMLHandler(frozenset({"cascade"})), TOMLHandler(), JSONHandler())
    meta, _body = split_front_matter(text, handlers, [])
    return meta


def _cascade_unlisted(cascade: object) -> bool:
    """A cascade (a table, or a list of them without a target) that sets list: never."""
    items = cascade if isinstance(cascade, list) else [cascade]
    return any(
        isinstance(item, dict) and not {"_target", "target"} & set(item) and build_unlisted(item)
        for item in items
    )


def build_unlisted(meta: Mapping[str, Any]) -> bool:
    """Hugo's `build` (or `_build`) options say `list: never` (the page is never listed)."""
    for key in ("build", "_build"):
        options = meta.get(key)
        if isinstance(options, dict):
            value = {str(k).lower(): v for k, v in options.items()}.get("list")
            if isinstance(value, str) and value.strip().lower() == "never":
                return True
            if value is False:  # Hugo's older boolean form
                return True
    return False
