"""The core (model, prose, front_matter, parse, archive, search, config) never loads textual
or rich, and only blogtui.search loads whoosh (the import-linter contracts, at run time)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import blogtui.search

SEARCH = [f"search.{m.name}" for m in pkgutil.iter_modules(blogtui.search.__path__)]
CORE = ["model", "prose", "parse", "front_matter", "fences", "archive", "config", "search", *SEARCH]


def _loaded(imports: list[str], prefixes: tuple[str, ...]) -> list[str]:
    """The modules under `prefixes` a fresh interpreter holds after these imports."""
    code = (
        "import json, sys\n"
        + "".join(f"import blogtui.{name}\n" for name in imports)
        + "loaded = [m for m, o in sys.modules.items() if not getattr(o, 'STAND_IN', False)]\n"
        + f"print(json.dumps(sorted(m for m in loaded if m.split('.')[0] in {prefixes!r})))"
    )  # (blogtui.search's stand-in for Whoosh's morphology is not Whoosh)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded: list[str] = json.loads(out)
    return loaded


def test_core_imports_neither_textual_nor_rich() -> None:
    assert _loaded(CORE, ("textual", "rich")) == []


def test_only_the_search_package_imports_whoosh() -> None:
    outside = ["model", "prose", "parse", "front_matter", "archive", "config", "render", "cli"]
    assert _loaded(outside, ("whoosh",)) == []


def test_the_search_modules_load_no_front_matter_parser() -> None:
    """Listing from the catalogue needs no PyYAML; only reading a file loads the parsers."""
    assert _loaded(["search.search", "search.index"], ("yaml", "frontmatter")) == []


def test_importing_the_search_package_loads_no_whoosh() -> None:
    """Whoosh loads when an index is written or searched, not when a module is imported."""
    assert _loaded(CORE, ("whoosh",)) == []


def test_whoosh_morphology_loads_only_when_a_query_uses_it() -> None:
    """Whoosh's query module imports its English morphology (27 ms of tables) for one query
    kind blogtui never builds; blogtui.search defers it, and the query still works."""
    code = (
        "import sys, blogtui.search, whoosh.query\n"
        "print(getattr(sys.modules['whoosh.lang.morph_en'], 'STAND_IN', False))\n"
        "print(sorted(whoosh.query.terms.variations('cats')))\n"
        "print(sys.modules['whoosh.lang.morph_en'].__file__.endswith('morph_en.py'))\n"
        "del sys.modules['whoosh.lang.morph_en']; blogtui.search._defer_morphology()\n"
        "from whoosh.lang.morph_en import rules\n"  # another name: the real module's
        "print(bool(rules), sys.modules['whoosh.lang.morph_en'].__file__.endswith('.py'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["True", "['cat', 'cats']", "True", "True True"]
