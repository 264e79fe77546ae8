"""The README against the code: quick start, commands, flags, keys, queries, config, screenshots."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from blogtui.config import Config, parse_config
from blogtui.search.syntax import check
from blogtui.tui.app import BlogApp
from blogtui.tui.screens.main import MainScreen
from tests.conftest import ROOT

README = ROOT / "README.md"
QUICK_START = [
    "python3 -m venv .venv && . .venv/bin/activate && pip install . && blogtui --demo",
    "pip install '.[test]' && pytest",
]
#: How the README writes keys that Textual names otherwise.
KEY_NAMES = {
    "/": "slash",
    "?": "question_mark",
    "esc": "escape",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    "{": "left_curly_bracket",
    "}": "right_curly_bracket",
    "<": "less_than_sign",
    ">": "greater_than_sign",
    "=": "equals_sign",
    ",": "comma",
    ".": "full_stop",
}


def text() -> str:
    return README.read_text(encoding="utf-8")


def section(title: str) -> str:
    """The body of the `## title` section, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text(), re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def code_blocks(body: str, lang: str = r"\w*") -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", body, re.M | re.S)


def code(body: str) -> list[str]:
    """Every piece of code in `body`: fenced blocks and inline spans."""
    blocks = code_blocks(body)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", body, flags=re.M | re.S))
    return blocks + inline


def table_rows(body: str) -> list[list[str]]:
    """The cells of each row of the markdown tables in `body`, header and rule left out."""
    rows = []
    for line in body.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|[-| :]+\|", line):
            rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip("|"))])
    return rows[1:] if rows else rows


def ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


@cache
def help_text(*command: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "blogtui", *command, "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout


def subcommands() -> set[str]:
    """The command names `blogtui --help` lists under "commands:"."""
    listing = help_text().split("\ncommands:\n", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^ {4}([a-z][a-z-]*)\b", listing, re.M))


def invocations() -> list[tuple[str, list[str]]]:
    """(subcommand, its --flags) for each `blogtui SUBCOMMAND ...` in the README's code."""
    found = []
    for piece in code(text()):
        for line in piece.splitlines():
            for segment in re.split(r"\||&&|;", line.split("  #")[0]):
                match = re.match(r"\s*(?:python3? -m )?blogtui\s+([a-z][a-z-]*)\b(.*)", segment)
                if match:
                    found.append((match.group(1), re.findall(r"(?<!\S)--[a-z][a-z-]*", match[2])))
    return found


def test_quick_start_is_exactly_the_two_commands() -> None:
    body = section("Quick start")
    blocks = code_blocks(body)
    assert len(blocks) == 1
    assert blocks[0].splitlines() == QUICK_START


def test_sections_come_in_the_order_a_newcomer_needs() -> None:
    headings = re.findall(r"^## (.+)$", text(), re.M)
    wanted = [
        "Quick start",
        "Using it on your own site",
        "Keys",
        "Query syntax",
        "Command line",
        "Site layouts and front matter",
        "Where the index and config live",
        "Configuration",
        "Performance",
        "Reliability",
        "Troubleshooting",
        "Supported systems",
        "Development",
        "Licence",
    ]
    assert headings == wanted
    first_image = text().index("](screenshots/main.svg)")
    assert first_image < text().index("## Quick start")


def test_the_code_map_names_every_core_module_and_only_real_ones() -> None:
    body = section("Development")
    mapped = {cell for row in table_rows(body) for cell in ticked(row[0])}
    core = {f"blogtui/{p.relative_to(ROOT / 'blogtui').as_posix()}" for p in _core_modules()}
    assert core <= mapped, f"missing from the code map: {core - mapped}"
    # `blogtui/cli` is a module or a package: either is the commands
    missing = [p for p in mapped if not any((ROOT / f"{p}{e}").exists() for e in ("", ".py"))]
    assert missing == []


def _core_modules() -> list[Path]:
    """The modules of the core and the search package (the TUI and CLI are mapped whole)."""
    package = ROOT / "blogtui"
    top = [p for p in package.glob("*.py") if p.stem not in ("__init__", "__main__", "cli")]
    return top + [p for p in (package / "search").glob("*.py") if p.stem != "__init__"]


def test_every_documented_subcommand_exists() -> None:
    documented = {name for name, _ in invocations()}
    assert documented, "the README shows no `blogtui COMMAND` at all"
    assert documented <= subcommands(), f"not in blogtui --help: {documented - subcommands()}"


def test_every_subcommand_is_documented() -> None:
    documented = {name for name, _ in invocations()}
    assert subcommands() <= documented, f"missing from README: {subcommands() - documented}"


def test_every_documented_flag_exists_on_its_command() -> None:
    missing = [
        f"blogtui {name} {flag}"
        for name, flags in invocations()
        if name in subcommands()
        for flag in flags
        if not re.search(rf"(?<![\w-]){re.escape(flag)}\b", help_text(name))
    ]
    assert not missing


def test_flags_in_the_command_table_exist() -> None:
    missing = []
    for row in table_rows(section("Command line")):
        name = re.match(r"`blogtui (\w+)", row[0])
        if name is None or name.group(1) not in subcommands():
            continue
        for flag in re.findall(r"`(--[a-z][a-z-]*)", row[1]):
            if flag not in help_text(name.group(1)):
                missing.append(f"{name.group(1)} {flag}")
    assert not missing


def bindings() -> dict[str, set[str]]:
    """Binding id -> its keys, over every screen and widget the reader's help lists."""
    app = BlogApp(ROOT)
    sections = app.binding_sections()
    return {
        b.id: {k.strip() for k in b.key.split(",")}
        for _, group in sections
        for b in group
        if not isinstance(b, tuple) and b.id
    }


def test_every_key_in_the_keys_table_is_a_binding_of_the_app() -> None:
    known = bindings()
    rows = [row for row in table_rows(section("Keys")) if len(row) == 3]
    assert len(rows) >= 20
    for keys_cell, _, ids_cell in rows:
        keys = [KEY_NAMES.get(k, k) for k in ticked(keys_cell)]
        ids = ticked(ids_cell)
        assert keys and ids, f"row without keys or ids: {keys_cell} | {ids_cell}"
        for binding_id in ids:
            assert binding_id in known, f"no binding with id {binding_id!r}"
            assert set(keys) <= known[binding_id], f"{binding_id}: {keys} vs {known[binding_id]}"


def test_every_main_screen_binding_is_in_the_keys_table() -> None:
    ids = {i for row in table_rows(section("Keys")) if len(row) == 3 for i in ticked(row[2])}
    main_ids = {b.id for b in MainScreen.BINDINGS if not isinstance(b, tuple)}
    app_ids = {b.id for b in BlogApp.BINDINGS if not isinstance(b, tuple)}
    assert (main_ids | app_ids) - {None} <= ids


def test_query_examples_are_valid_queries() -> None:
    queries = [q for row in table_rows(section("Query syntax")) for q in ticked(row[0])]
    assert len(queries) >= 15
    for query in queries:
        check(query)  # raises QueryError on a malformed one


def test_config_example_reads_without_warnings() -> None:
    (block,) = code_blocks(section("Configuration"), "toml")
    config, warnings = parse_config(block, Path("config.toml"))
    assert warnings == []
    assert config.keymap, "the example should show a [keymap] table"
    assert set(config.keymap) <= set(bindings())


def test_config_reference_lists_every_setting() -> None:
    documented = {ticked(row[0])[0] for row in table_rows(section("Configuration")) if row}
    fields = {f.name for f in dataclasses.fields(Config)} - {"source"}
    assert documented == fields


@pytest.mark.parametrize(
    "name", sorted(set(re.findall(r"\]\((screenshots/[\w.-]+)\)", README.read_text("utf-8"))))
)
def test_referenced_screenshots_exist(name: str) -> None:
    path = ROOT / name
    assert path.is_file(), f"{name} is referenced but missing (run scripts/screenshots.py)"
    assert path.read_text(encoding="utf-8").lstrip().startswith("<svg")


def test_the_four_required_screenshots_are_shown() -> None:
    shown = set(re.findall(r"\]\(screenshots/([\w-]+)\.svg\)", text()))
    assert {"main", "search", "tag-picker", "reading"} <= shown


def test_performance_section_says_how_it_was_measured() -> None:
    body = section("Performance")
    assert "benchmarks/" in body
    for row in ("cold index", "rg", "list --json", "refresh", "first paint", "keystroke"):
        assert row in body
