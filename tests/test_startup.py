"""Plain commands load only what they use (sys.modules of a fresh process, as harlequin
checks): a command's module only when it runs, no Whoosh to list, no Markdown parser to
search, neither textual nor rich in a pipe, and the tokenizer compiled only to tokenise."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from blogtui.cli.commands import COMMANDS, DEFAULT
from tests.test_cli import write_archive

#: Runs `main(ARGS)` like `blogtui ARGS`, then writes what the process imported to FILE
#: (and whether the tokenizer's pattern was compiled), whatever the exit.
CHILD = """\
import json, sys
from blogtui.cli import main
try:
    status = main(sys.argv[2:])
finally:
    analysis = sys.modules.get("blogtui.search.analysis")
    # A LazyPattern holds its compiled pattern once used; a plain re.Pattern always does.
    token = getattr(analysis, "TOKEN", None)
    tokenised = token is not None and "compiled" in getattr(token, "__dict__", "compiled")
    with open(sys.argv[1], "w") as out:
        modules = [m for m, o in sys.modules.items() if not getattr(o, "STAND_IN", False)]
        json.dump({"modules": sorted(modules), "tokenised": tokenised}, out)
raise SystemExit(status)
"""
#: What no piped command loads: the reader and styled output.
NEVER_IN_A_PIPE = ("textual", "rich", "blogtui.tui", "blogtui.styled")


def loaded(tmp_path: Path, *args: str) -> tuple[set[str], bool]:
    """The modules `blogtui ARGS` imported (piped), and whether it compiled the tokenizer."""
    report = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(report), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(report.read_text(encoding="utf-8"))
    return set(found["modules"]), found["tokenised"]


def under(modules: set[str], *prefixes: str) -> set[str]:
    """The modules that are one of `prefixes` or inside one of them."""
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)}


def other_commands(modules: set[str], *running: str) -> set[str]:
    """The command modules loaded besides those of the commands named."""
    wanted = {f"blogtui.cli.commands.{name}" for name in ("interface", *running)}
    return {
        m for m in under(modules, "blogtui.cli.commands") if m != "blogtui.cli.commands"
    } - wanted


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """The CLI tests' archive with its index built, as a warm home has it."""
    root = write_archive(tmp_path / "blog")
    subprocess.run([sys.executable, "-m", "blogtui", "index", "-a", str(root)],
                   capture_output=True, check=True, timeout=120)  # fmt: skip
    return root


def test_help_loads_no_command_and_nothing_an_archive_needs(tmp_path: Path) -> None:
    modules, tokenised = loaded(tmp_path, "--help")
    assert other_commands(modules) == set()
    heavy = ("blogtui.model", "blogtui.search", "blogtui.archive", "whoosh", "yaml", "tomllib")
    assert under(modules, *heavy, "platformdirs", *NEVER_IN_A_PIPE) == set()
    assert not tokenised


def test_a_command_typo_loads_no_command_module(tmp_path: Path) -> None:
    report = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", CHILD, str(report), "serach", "go"],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 2 and "did you mean search?" in done.stderr
    modules = set(json.loads(report.read_text(encoding="utf-8"))["modules"])
    assert other_commands(modules) == set()


def test_listing_loads_neither_whoosh_nor_a_parser_nor_the_tokenizer(
    tmp_path: Path, archive: Path
) -> None:
    modules, tokenised = loaded(tmp_path, "list", "-a", str(archive), "--json")
    assert other_commands(modules, "listing") == set()
    parsers = ("whoosh", "yaml", "frontmatter", "blogtui.parse", "blogtui.markup")
    assert under(modules, *parsers, "markdown_it", *NEVER_IN_A_PIPE) == set()
    assert not tokenised


def test_search_loads_no_parser_and_no_link_graph(tmp_path: Path, archive: Path) -> None:
    """Its snippets split the hits' bodies from their front matter without loading it (no
    YAML), and an ASCII query and ASCII bodies are tokenised by the quick pattern."""
    modules, tokenised = loaded(tmp_path, "search", "-a", str(archive), "zebra", "--json")
    assert other_commands(modules, "search") == set()
    unneeded = ("blogtui.markup", "markdown_it", "blogtui.search.links", "blogtui.search.related",
                "yaml", "frontmatter", "blogtui.parse", "blogtui.front_matter")  # fmt: skip
    assert under(modules, *unneeded, *NEVER_IN_A_PIPE) == set()
    assert "blogtui.search.analysis" in modules and not tokenised


def test_a_plain_word_search_loads_no_whoosh(tmp_path: Path, archive: Path) -> None:
    """Plain words are ranked from the index's files (search/lookup.py); a query with a
    field, a prefix, a phrase, OR or NOT is Whoosh's."""
    modules, _tokenised = loaded(tmp_path, "search", "-a", str(archive), "zebra", "--json")
    stemmer = {"whoosh", "whoosh.lang", "whoosh.lang.porter2"}  # the analysis's Porter2
    assert under(modules, "whoosh") <= stemmer
    modules, _tokenised = loaded(tmp_path, "search", "-a", str(archive), "zebr*")
    assert "whoosh.query" in modules


def test_cat_of_a_file_opens_no_index(tmp_path: Path, archive: Path) -> None:
    modules, tokenised = loaded(tmp_path, "cat", "-a", str(archive), "posts/hello.md")
    assert other_commands(modules, "cat") == set()
    assert under(modules, "whoosh", "blogtui.search.index", *NEVER_IN_A_PIPE) == set()
    assert not tokenised


def test_the_registry_lists_each_command_as_its_module_defines_it() -> None:
    """The names and one-line helps `--help` shows without importing the commands match
    the Commands their modules define."""
    for listed in (*COMMANDS, DEFAULT):
        assert listed.command().name == listed.name
    assert len({listed.name for listed in COMMANDS}) == len(COMMANDS)


def test_the_command_leaves_at_once_with_its_whole_answer_and_status(
    tmp_path: Path, archive: Path
) -> None:
    """`python -m blogtui` ends with os._exit once its answer is flushed (no interpreter
    shutdown): a pipe still gets every byte, and the exit status and stderr are kept."""
    many = tmp_path / "many"
    many.mkdir()
    for n in range(400):  # a listing longer than a pipe's buffer
        (many / f"post-{n}.md").write_text(f"---\ntitle: Post {n}\n---\nBody {n}.\n", "utf-8")
    listed = subprocess.run([sys.executable, "-m", "blogtui", "list", "-a", str(many), "--json"],
                            capture_output=True, timeout=120, check=False)  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 400
    missing = subprocess.run(
        [sys.executable, "-m", "blogtui", "search", "-a", str(archive), "zzznothingzzz"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert missing.returncode == 1
    assert "no posts match" in missing.stderr
    head = subprocess.run(  # the reader of the pipe goes away: no traceback, status 0
        f"{sys.executable} -m blogtui list -a {many} | head -1",
        shell=True, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert head.stdout.count("\n") == 1 and "Traceback" not in head.stderr
