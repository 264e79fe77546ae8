"""What a site's own files say about its pages: custom taxonomies, author names, cascades.

Read once per scan from the site's config (Hugo `[taxonomies]`, also `config/_default/`),
a Docusaurus `authors.yml` and the `cascade` of each `_index.md`; every post of the archive
is parsed against it, and its fingerprint tells the index when the posts must be read again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
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
class Cascade:
    """One cascade entry that sets build options for the pages under `folder` (content-
    relative, "" for all) its target names; `source` says where ("cascade from a/_index.md",
    "config hugo.toml")."""

    folder: str
    source: str
    target: Target | None
    build: tuple[tuple[str, str], ...]

    def applies_to(self, content_path: str, lang: str) -> bool:
        """Whether this entry reaches the page at `content_path` (in `lang`)."""
        if self.folder and not content_path.startswith(self.folder + "/"):
            return False
        return self.target is None or self.target.matches(content_path, lang)


@dataclass(frozen=True, slots=True)
class Site:
    """The site-wide facts a post is parsed against.

    `taxonomies`: the site's custom taxonomies, each a front-matter key (lower-cased); its
    terms go to `Post.taxonomies` under that name. `authors`: author key -> display name.
    `cascades`: the `build` options `_index.*` cascades set, nearest first. `lang`: the
    site's default content language (a page's own, when its name gives none).
    """

    taxonomies: tuple[str, ...] = ()
    authors: Mapping[str, str] = field(default_factory=dict, hash=False)
    cascades: tuple[Cascade, ...] = ()
    lang: str = "en"

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything here does: the posts must then be parsed again."""
        text = repr((self.taxonomies, sorted(self.authors.items()), self.cascades, self.lang))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def cascaded_build(
        self, content_path: str, lang: str | None
    ) -> tuple[tuple[tuple[str, str], ...], str]:
        """The build options a cascade gives the page at `content_path` and where they are
        set; ((), "") when none reaches it."""
        for cascade in self.cascades:
            if cascade.applies_to(content_path, lang or self.lang):
                return cascade.build, cascade.source
        return (), ""


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
        cascades=(*_cascades(root, branch_indexes), *_config_cascades(root)),
        lang=_default_lang(root),
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
            import tomllib  # here: a command that finds its walk unchanged reads no config

            return tomllib.loads(text)
        import yaml

        return yaml.load(text, Loader=yaml.CSafeLoader)
    except (ValueError, RecursionError):  # (tomllib's TOMLDecodeError is a ValueError)
        return None
    except Exception as error:  # yaml.YAMLError, imported lazily above
        if type(error).__module__.startswith("yaml"):
            return None
        raise


def _configs(root: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """The site config files (Hugo, Zola; also Hugo's `config/_default/`): each one's
    archive-relative path and its table."""
    names = [*_CONFIG_NAMES, *("/".join((*_DEFAULT_DIR, n)) for n in _CONFIG_NAMES)]
    for name in names:
        data = _load(root / name)
        if isinstance(data, dict):
            yield name, data


def _config_cascades(root: Path) -> Iterator[Cascade]:
    """The cascades of the site config (Hugo's `[cascade]` or `[[cascade]]`): for every
    page, below any `_index.*` cascade that reaches it."""
    for name, data in _configs(root):
        cascade = next((v for k, v in data.items() if str(k).lower() == "cascade"), None)
        yield from _cascade_entries(cascade, "", name, "config")


def _default_lang(root: Path) -> str:
    """Hugo's `defaultContentLanguage` (Zola's `default_language`), lower-cased; else "en"."""
    for _name, data in _configs(root):
        for key, value in data.items():
            names_it = str(key).lower() in ("defaultcontentlanguage", "default_language")
            if names_it and isinstance(value, str) and value.strip():
                return value.strip().lower()
    return "en"


def _custom_taxonomies(root: Path) -> tuple[str, ...]:
    """The plural names of a Hugo or Zola config's taxonomies beyond the built-in ones."""
    names: list[str] = []
    for _name, data in _configs(root):
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


def _cascades(root: Path, branch_indexes: Iterable[tuple[str, str]]) -> list[Cascade]:
    """The cascades of `build` options, deepest section first (the nearest one wins, as in
    Hugo); within one `_index.*`, in the order written (its first matching entry wins)."""
    found: list[Cascade] = []
    for content_path, path in sorted(branch_indexes):
        meta = _index_front_matter(root / path)
        if meta is not None:
            folder = content_path.rpartition("/")[0]
            found.extend(_cascade_entries(meta.get("cascade"), folder, path, "cascade from"))
    return sorted(found, key=lambda c: -(c.folder.count("/") + bool(c.folder)))


def _cascade_entries(cascade: object, folder: str, path: str, wording: str) -> Iterator[Cascade]:
    """Each entry of one cascade (a table, or a list of tables) that sets build options;
    `wording` and `path` say where it was set ("cascade from blog/_index.md")."""
    for entry in cascade if isinstance(cascade, list) else [cascade]:
        if not isinstance(entry, dict):
            continue
        options = build_options(entry)
        if options is not None:
            target = entry.get("target", entry.get("_target"))
            yield Cascade(folder, f"{wording} {path}", Target.of(target), options)


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


def build_options(meta: Mapping[str, Any]) -> tuple[tuple[str, str], ...] | None:
    """Hugo's `build` (or older `_build`) options as sorted (option, value) pairs, both
    lower-cased, booleans as Hugo reads them (false: never, true: always); None when the
    front matter (or cascade entry) sets no build options."""
    for key in ("build", "_build"):
        options = meta.get(key)
        if isinstance(options, dict):
            pairs = {str(k).strip().lower(): _option(v) for k, v in options.items()}
            return tuple(sorted((k, v) for k, v in pairs.items() if v))
    return None


def _option(value: object) -> str:
    if isinstance(value, bool):
        return "always" if value else "never"
    return value.strip().lower() if isinstance(value, str) else ""


def unlisted_reason(options: Iterable[tuple[str, str]], cascaded: str = "") -> str:
    """Why build options keep a page out of the list, or "": `list: never` (never in a page
    collection) or `render: never` (Hugo makes no page of it: the fragments of a headless
    section, included elsewhere). `cascaded`: where a cascade set them, if one did."""
    settings = dict(options)
    for option, wording in (("list", "never listed"), ("render", "never rendered")):
        if settings.get(option) == "never":
            return f"{wording} ({cascaded or f'build.{option}: never'})"
    return ""


# --- cascade targets ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A cascade's `_target` (Hugo 0.125+: `target`): globs on the page's path, kind,
    language and build environment; an empty glob matches anything."""

    path: str = ""
    kind: str = ""
    lang: str = ""
    environment: str = ""

    @classmethod
    def of(cls, value: object) -> Target | None:
        """The target a cascade entry names, or None (it then applies to every page)."""
        if not isinstance(value, dict):
            return None
        fields = {str(k).strip().lower(): v for k, v in value.items()}
        globs = {name: fields.get(name) for name in ("path", "kind", "lang", "environment")}
        return cls(**{name: g.strip() for name, g in globs.items() if isinstance(g, str)})

    def matches(self, content_path: str, lang: str) -> bool:
        """Whether a regular page (kind `page`) at `content_path`, in `lang`, built for
        production (what `hugo` builds and a reader reads), is one this target names."""
        return (
            _glob_matches(self.kind, ("page",))
            and _glob_matches(self.lang, (lang,))
            and _glob_matches(self.environment, (ENVIRONMENT,))
            and _glob_matches(self.path, page_paths(content_path))
        )


#: The build environment cascades are matched against: `hugo` builds for production.
ENVIRONMENT = "production"


def page_paths(content_path: str) -> tuple[str, ...]:
    """The paths a target's path glob is matched against, lower-cased: the logical path Hugo
    0.123+ matches (`/blog/post` for `blog/post.md`, `blog/post/index.md` and
    `blog/post.fr.md`) and the file path older versions matched (`/blog/post.md`)."""
    file_path = "/" + content_path.lower().lstrip("/")
    folder, _, name = file_path.rpartition("/")
    stem = name.partition(".")[0]
    logical = folder if stem in ("index", "_index") else f"{folder}/{stem}"
    return (logical or "/", file_path)


def _glob_matches(pattern: str, values: Iterable[str]) -> bool:
    if not pattern:
        return True
    compiled = _glob(pattern.lower())
    return any(compiled.fullmatch(value.lower()) for value in values)


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A Hugo glob (gobwas/glob with `/` as separator) as a regular expression: `**` crosses
    folders, `*` and `?` do not, `[...]`/`[!...]` are classes, `{a,b}` alternatives."""
    return re.compile(_glob_part(pattern, 0, "")[0], re.DOTALL)


def _glob_part(pattern: str, at: int, stops: str) -> tuple[str, int]:
    """Translate from `at` up to (not past) one of `stops` at this level; (regex, end)."""
    out: list[str] = []
    while at < len(pattern) and pattern[at] not in stops:
        char = pattern[at]
        if char == "*":
            double = pattern.startswith("**", at)
            out.append(".*" if double else "[^/]*")
            at += 2 if double else 1
        elif char == "?":
            out.append("[^/]")
            at += 1
        elif char == "[" and (close := pattern.find("]", at + 2)) != -1:
            body = pattern[at + 1 : close]
            negate = body.startswith("!")
            body = re.escape(body[1:] if negate else body).replace("\\-", "-")
            out.append(f"[^/{body}]" if negate else f"[{body}]")
            at = close + 1
        elif char == "{":
            alternatives, at = _glob_alternatives(pattern, at + 1)
            out.append(alternatives)
        elif char == "\\" and at + 1 < len(pattern):
            out.append(re.escape(pattern[at + 1]))
            at += 2
        else:
            out.append(re.escape(char))
            at += 1
    return "".join(out), at


def _glob_alternatives(pattern: str, at: int) -> tuple[str, int]:
    """`a,b}` (after a `{`) as `(?:a|b)`; an unclosed brace is taken literally."""
    options: list[str] = []
    while at < len(pattern):
        part, at = _glob_part(pattern, at, ",}")
        options.append(part)
        if at >= len(pattern):
            break
        at += 1
        if pattern[at - 1] == "}":
            return "(?:" + "|".join(options) + ")", at
    return re.escape("{") + re.escape(",").join(options), at
