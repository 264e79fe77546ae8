"""The user's TOML config file read into a frozen Config, with readable warnings for bad values."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from blogtui.model import Sort

# tomllib, platformdirs, datetime and the model are imported where they are used: the
# command line reads this module for IMAGE_MODES at every start, and a config file is read
# only when no archive is given.

DEFAULT_THEME = "textual-dark"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"


@dataclass(frozen=True, slots=True)
class Config:
    """Settings from the config file; every field has a working default."""

    theme: str = DEFAULT_THEME
    #: Binding id -> comma-separated keys, as Textual's `App.set_keymap` takes them.
    keymap: Mapping[str, str] = field(default_factory=dict)
    archive: Path | None = None
    #: The editor command line, e.g. "nvim" or "code --wait"; None means $VISUAL/$EDITOR.
    editor: str | None = None
    date_format: str = DEFAULT_DATE_FORMAT
    sort: Sort = "date"
    #: The list's share of the width beside the sidebar (0.2 to 0.8); None sizes it to the
    #: titles. `<` and `>` override it, remembered in the state folder (tui/state.py).
    split: float | None = None
    #: Taxonomies whose terms are series (besides the `series` front-matter key).
    series: tuple[str, ...] = ()
    #: Images in the reading pane: "auto" (the terminal's best: Kitty graphics, else
    #: half-blocks), "blocks" (always half-blocks) or "off" (alt text only).
    images: str = "auto"
    #: Where the values came from, or None when no file was read.
    source: Path | None = None


def config_path(explicit: Path | None = None) -> Path:
    """The config file to read: `--config FILE`, else $BLOGTUI_CONFIG, else the XDG location."""
    if explicit is not None:
        return explicit
    env = os.environ.get("BLOGTUI_CONFIG")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("blogtui")) / "config.toml"


def load_config(explicit: Path | None = None) -> tuple[Config, list[str]]:
    """Read the config file (a missing default file is fine); never writes anything.

    Returns the Config and one warning line per problem, each naming the file, the line and
    the key; a bad value leaves that setting at its default.
    """
    path = config_path(explicit)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit is None and not os.environ.get("BLOGTUI_CONFIG"):
            return Config(), []
        return Config(), [f"{path}: config file not found; using the defaults"]
    except (OSError, UnicodeDecodeError) as err:
        return Config(), [f"{path}: cannot read the config file ({err}); using the defaults"]
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> tuple[Config, list[str]]:
    """Turn the text of a config file into a Config and warnings (see `load_config`)."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        return Config(source=path), [f"{path}: not valid TOML ({err}); using the defaults"]
    reader = _Reader(text, path)
    values: dict[str, Any] = {"source": path}
    for key, value in data.items():
        check = _CHECKS.get(key)
        if key == "keymap":
            values["keymap"] = reader.keymap(value)
        elif check is None:
            reader.warn(key, f"unknown setting {key!r}; ignored")
        else:
            checked = reader.check(key, value, check)
            if checked is not None:
                values[key] = checked
    return Config(**values), reader.warnings


# Each check returns the value to use, or raises ValueError with what was expected.
def _theme(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a theme name such as 'textual-dark' or 'textual-light'")
    return value.strip()


def _archive(value: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected the path of an archive folder")
    return Path(value).expanduser()


def _editor(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected an editor command such as 'nvim' or 'code --wait'")
    return value.strip()


def _date_format(value: Any) -> str:
    from datetime import date

    if not isinstance(value, str) or "%" not in value:
        raise ValueError("expected a strftime format such as '%Y-%m-%d'")
    try:
        date(2024, 1, 31).strftime(value)
    except ValueError as err:
        raise ValueError(f"not a usable date format ({err})") from err
    return value


def _sort(value: Any) -> Sort:
    from blogtui.model import SORTS, is_sort

    if not is_sort(value):
        raise ValueError(f"expected one of {', '.join(SORTS)}")
    return value


def _split(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.2 <= value <= 0.8:
        raise ValueError("expected the list's share of the width, a number from 0.2 to 0.8")
    return float(value)


def _series(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("expected a list of taxonomy names such as ['series', 'course']")
    return tuple(v.strip() for v in value)


IMAGE_MODES = ("auto", "blocks", "off")


def _images(value: Any) -> str:
    if value not in IMAGE_MODES:
        raise ValueError(f"expected one of {', '.join(map(repr, IMAGE_MODES))}")
    return str(value)


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "theme": _theme,
    "archive": _archive,
    "editor": _editor,
    "date_format": _date_format,
    "sort": _sort,
    "split": _split,
    "series": _series,
    "images": _images,
}
_KEY_NAME = re.compile(r"^[\w+\-,. ]+$")


class _Reader:
    """Collects warnings that point at the line where a key is set."""

    def __init__(self, text: str, path: Path) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.warnings: list[str] = []

    def line_of(self, key: str, table: str | None = None) -> int | None:
        """The 1-based line setting `key` (inside `[table]` when given), found by scanning."""
        pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
        current: str | None = None
        for number, line in enumerate(self.lines, start=1):
            header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
            if header:
                current = header.group(1)
            elif current == table and pattern.match(line):
                return number
        return None

    def warn(self, key: str, message: str, table: str | None = None) -> None:
        line = self.line_of(key, table)
        where = f"{self.path}:{line}" if line else str(self.path)
        name = f"{table}.{key}" if table else key
        self.warnings.append(f"{where}: {name}: {message}")

    def check(self, key: str, value: Any, check: Callable[[Any], Any]) -> Any:
        try:
            return check(value)
        except ValueError as err:
            self.warn(key, f"{err}; got {value!r}, using the default")
            return None

    def keymap(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            self.warn("keymap", 'expected a table of binding id = "keys"; ignored')
            return {}
        keymap: dict[str, str] = {}
        for binding_id, keys in value.items():
            if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
                keys = ",".join(keys)
            if not isinstance(keys, str) or not keys.strip() or not _KEY_NAME.match(keys):
                self.warn(binding_id, f'expected keys such as "ctrl+f"; got {keys!r}', "keymap")
                continue
            keymap[binding_id] = keys.replace(" ", "")
        return keymap
