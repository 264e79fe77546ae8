"""The config file: locations, values, and warnings that name the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogtui.config import Config, config_path, load_config

GOOD = """\
theme = "textual-light"
archive = "~/site/content"
editor = "code --wait"
date_format = "%d %b %Y"
sort = "title"

[keymap]
find = "ctrl+f"
tags = ["t", "ctrl+t"]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_no_config_file_means_defaults_and_no_warning(isolated_home: Path) -> None:
    config, warnings = load_config()
    assert config == Config() and warnings == []
    assert not (isolated_home / "config" / "blogtui").exists()  # reading never writes


def test_xdg_location_is_read(isolated_home: Path) -> None:
    write(isolated_home / "config" / "blogtui" / "config.toml", GOOD)
    config, warnings = load_config()
    assert warnings == []
    assert config.theme == "textual-light"
    assert config.archive == Path("~/site/content").expanduser()
    assert config.editor == "code --wait"
    assert config.date_format == "%d %b %Y"
    assert config.sort == "title"
    assert config.keymap == {"find": "ctrl+f", "tags": "t,ctrl+t"}


def test_explicit_path_beats_env_beats_xdg(
    tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xdg = isolated_home / "config" / "blogtui" / "config.toml"
    env = write(tmp_path / "env.toml", 'theme = "nord"\n')
    explicit = write(tmp_path / "explicit.toml", 'theme = "gruvbox"\n')
    assert config_path() == xdg
    monkeypatch.setenv("BLOGTUI_CONFIG", str(env))
    assert load_config()[0].theme == "nord"
    assert load_config(explicit)[0].theme == "gruvbox"


def test_missing_explicit_file_warns(tmp_path: Path) -> None:
    config, warnings = load_config(tmp_path / "nope.toml")
    assert config == Config()
    assert warnings == [f"{tmp_path / 'nope.toml'}: config file not found; using the defaults"]


@pytest.mark.parametrize(
    ("text", "line", "key", "field", "default"),
    [
        ("theme = 3\n", 1, "theme", "theme", "textual-dark"),
        ('\n\ndate_format = "no percent"\n', 3, "date_format", "date_format", "%Y-%m-%d"),
        ('sort = "random"\n', 1, "sort", "sort", "date"),
        ('theme = "nord"\neditor = ""\n', 2, "editor", "editor", None),
    ],
)
def test_bad_value_names_file_line_key_and_uses_default(
    tmp_path: Path, text: str, line: int, key: str, field: str, default: object
) -> None:
    path = write(tmp_path / "c.toml", text)
    config, warnings = load_config(path)
    assert getattr(config, field) == default
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}:{line}: {key}: ")
    assert "using the default" in warnings[0]


def test_bad_keymap_entry_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", 'theme = "nord"\n[keymap]\nfind = 5\nquit = "ctrl+q"\n')
    config, warnings = load_config(path)
    assert config.keymap == {"quit": "ctrl+q"}
    assert warnings and warnings[0].startswith(f"{path}:3: keymap.find: ")


def test_unknown_setting_and_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", 'colour = "red"\n')
    assert load_config(path)[1] == [f"{path}:1: colour: unknown setting 'colour'; ignored"]
    broken = write(tmp_path / "broken.toml", "theme = \n")
    config, warnings = load_config(broken)
    assert config.theme == "textual-dark"
    assert warnings[0].startswith(f"{broken}: not valid TOML")
