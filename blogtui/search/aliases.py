"""Front-matter aliases of a file: the other names (or old URLs) a post answers to."""

from __future__ import annotations

import re

# `aliases:` in YAML front matter (a flow list, a string, or a block list under it), or
# `aliases = [...]` in TOML. Only that key is read: the rest of the front matter is the
# parser's (blogtui.parse reads the keys a Post has).
_YAML_ALIASES = re.compile(r"^alias(?:es)?[ \t]*:[^\n]*(?:\n(?:[ \t]+[^\n]*|-[^\n]*))*", re.M)
_TOML_ALIASES = re.compile(r"^alias(?:es)?[ \t]*=[^\n]*", re.M)
_FRONT = re.compile(r"\A\s*(---|\+\+\+)[ \t]*\n(.*?)\n\1[ \t]*(?:\n|\Z)", re.S)


def front_matter_aliases(text: str) -> list[str]:
    """The `aliases` (or `alias`) a file's front matter gives it, as strings."""
    front = _FRONT.match(text[:65536])
    if front is None:
        return []
    found = (_YAML_ALIASES if front[1] == "---" else _TOML_ALIASES).search(front[2])
    if found is None:
        return []
    value = _load_key(found[0], toml=front[1] == "+++")
    items = value if isinstance(value, list) else [value]
    return [str(item) for item in items if isinstance(item, str | int | float)]


def _load_key(snippet: str, *, toml: bool) -> object:
    import tomllib

    import yaml

    try:
        loaded = tomllib.loads(snippet) if toml else yaml.load(snippet, Loader=yaml.CSafeLoader)
    except (tomllib.TOMLDecodeError, yaml.YAMLError):
        return None
    if not isinstance(loaded, dict):
        return None
    return loaded.get("aliases", loaded.get("alias"))
