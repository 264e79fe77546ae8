"""The core (model, parse, archive, catalogue, index, query, config) never loads textual or rich."""

from __future__ import annotations

import json
import subprocess
import sys

CORE = ["model", "parse", "archive", "catalogue", "index", "query", "config"]


def test_core_imports_neither_textual_nor_rich() -> None:
    code = (
        "import json, sys\n"
        + "".join(f"import blogtui.{name}\n" for name in CORE)
        + "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'rich'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_only_index_and_query_import_whoosh() -> None:
    code = (
        "import json, sys\n"
        "import blogtui.model, blogtui.parse, blogtui.archive, blogtui.config, blogtui.render\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('whoosh'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []
