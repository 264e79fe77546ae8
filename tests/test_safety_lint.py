"""A lint: no string reaches a notice, a label, a widget update or a console unsanitised.

Untrusted text (titles, paths, tags, link targets, snippets, problem messages) crosses one
boundary: blogtui/safe.py makes `Safe` text, blogtui/tui/shown.py turns it into notices and
rich Text. mypy stops a plain `str` where `Safe` is wanted; this test stops a call that goes
around the boundary: a `.notify(` method call, a `Label(`/`Static(` without `markup=False`,
or a `notify`, `Label`, `Static`, `.update(` or `console.print(` given anything but our own
constant strings or what the boundary made. A line may vouch for itself with a
`# trusted: why` comment (read in review).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "blogtui"
#: Calls whose result is fit to show: the boundary's functions and Text of what they made.
BOUNDARY = frozenset({"safe", "safe_or", "visible", "joined", "sanitize", "text"})
#: Annotations that say a name holds shown text.
SAFE_TYPES = frozenset({"Safe", "Text"})
#: The only modules that may call Textual's notify or make a Safe directly.
BOUNDARY_MODULES = frozenset({"tui/shown.py", "safe.py"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One call that lets a string around the boundary."""

    where: str
    line: int
    why: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.why}"


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


class _Scope:
    """What a function says of its names: parameters' annotations and every assignment."""

    def __init__(self, function: ast.AST | None) -> None:
        self.annotated: dict[str, str] = {}
        self.assigned: dict[str, list[ast.expr]] = {}
        if function is None:
            return
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for arg in [*function.args.args, *function.args.kwonlyargs]:
                if arg.annotation is not None:
                    self.annotated[arg.arg] = ast.unparse(arg.annotation)
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                self.annotated[node.target.id] = ast.unparse(node.annotation)
                if node.value is not None:
                    self.assigned.setdefault(node.target.id, []).append(node.value)


def trusted(node: ast.expr | None, scope: _Scope, depth: int = 0) -> bool:
    """True when `node` is our own constant or the boundary's output."""
    if node is None or depth > 8:
        return node is None
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | int | float)
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name in BOUNDARY:
            return True
        if name == "Text":  # Text never parses markup; its words must still be sanitised
            return not node.args or trusted(node.args[0], scope, depth + 1)
        return False
    if isinstance(node, ast.JoinedStr):
        return all(
            trusted(value.value, scope, depth + 1)
            for value in node.values
            if isinstance(value, ast.FormattedValue)
        )
    if isinstance(node, ast.BinOp):
        return trusted(node.left, scope, depth + 1) and trusted(node.right, scope, depth + 1)
    if isinstance(node, ast.IfExp | ast.BoolOp):
        parts = [node.body, node.orelse] if isinstance(node, ast.IfExp) else node.values
        return all(trusted(part, scope, depth + 1) for part in parts)
    if isinstance(node, ast.Name):
        annotation = scope.annotated.get(node.id, "")
        if any(kind in annotation.split(" | ") for kind in SAFE_TYPES):
            return True
        values = scope.assigned.get(node.id, [])
        return bool(values) and all(trusted(value, scope, depth + 1) for value in values)
    return False


def _functions(tree: ast.Module) -> Iterator[tuple[ast.Call, ast.AST | None]]:
    """Every call with the innermost function around it (None at module level)."""
    parents: dict[ast.AST, ast.AST] = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            up: ast.AST | None = parents.get(node)
            while up is not None and not isinstance(up, ast.FunctionDef | ast.AsyncFunctionDef):
                up = parents.get(up)
            yield node, up


def check_source(source: str, where: str) -> list[Finding]:
    """Every call in `source` that lets a string around the boundary."""
    tree = ast.parse(source)
    lines = source.splitlines()
    # Label and Static are Textual's only where Textual is imported (markup has its own Label)
    widgets = "textual" in source or where.startswith("tui/")
    findings = []
    for call, function in _functions(tree):
        if "# trusted:" in lines[call.lineno - 1]:
            continue
        for why in _problems(call, _Scope(function), where, widgets):
            findings.append(Finding(where, call.lineno, why))
    return findings


def _problems(call: ast.Call, scope: _Scope, where: str, widgets: bool) -> Iterator[str]:
    name = _name(call.func)
    first = call.args[0] if call.args else None
    keywords = {keyword.arg: keyword.value for keyword in call.keywords}
    boundary = where in BOUNDARY_MODULES
    if name == "Safe" and not boundary:
        yield "Safe(...) outside blogtui/safe.py: call safe(), safe_or() or visible()"
    if name == "notify" and isinstance(call.func, ast.Attribute) and not boundary:
        receiver = call.func.value
        if not (isinstance(receiver, ast.Name) and receiver.id == "shown"):
            yield "a notice not through shown.notify (markup=False, Safe text)"
    if name == "notify" and not boundary:
        content = call.args[1] if len(call.args) > 1 else keywords.get("message")
        if not trusted(content, scope) or not trusted(keywords.get("title"), scope):
            yield "a notice of text that did not cross the boundary"
    if name in ("Label", "Static") and widgets:
        markup = keywords.get("markup")
        if not (isinstance(markup, ast.Constant) and markup.value is False):
            yield f"{name}(...) without markup=False"
        if not trusted(first, scope):
            yield f"{name}(...) of text that did not cross the boundary"
    is_update = name == "update" and len(call.args) == 1 and not call.keywords
    if (is_update and where.startswith("tui/")) and not trusted(first, scope):
        yield ".update(...) of text that did not cross the boundary"
    is_print = name == "print" and "console" in ast.unparse(call.func).lower()
    if is_print and not all(trusted(arg, scope) for arg in call.args):
        yield "console.print(...) of text that did not cross the boundary"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_call_lets_a_string_around_the_boundary() -> None:
    """Every notice, label, widget update and console print in blogtui/ shows safe text."""
    findings = []
    for path in _modules():
        where = path.relative_to(PACKAGE).as_posix()
        findings += check_source(path.read_text(encoding="utf-8"), where)
    assert [str(finding) for finding in findings] == []


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("def f(app, post):\n    app.notify(post.title)\n", "not through shown.notify"),
        ("def f(self, t):\n    shown.notify(self, f'{t} gone')\n", "did not cross"),
        ("def f(self):\n    shown.notify(self, Safe('x'))\n", "Safe(...) outside"),
        ("def f(post):\n    return Label(post.title, markup=False)\n", "did not cross"),
        ("def f():\n    return Label('ours')\n", "without markup=False"),
        ("def f(term):\n    return Static(Text(term), markup=False)\n", "did not cross"),
        ("def f(self, t):\n    self.query_one(Label).update(f'tag:{t}')\n", "did not cross"),
        ("def f(console, post):\n    console.print(post.title)\n", "did not cross"),
    ],
)
def test_the_lint_catches_a_raw_string(source: str, why: str) -> None:
    """Guard for the lint: each way around the boundary is reported."""
    findings = check_source(source, "tui/example.py")
    assert any(why in finding.why for finding in findings), findings


@pytest.mark.parametrize(
    "source",
    [
        "def f(self, t):\n    shown.notify(self, safe(f'{t} gone'), title=safe('x'))\n",
        "def f(message: Safe):\n    return Label(shown.text(message), markup=False)\n",
        "def f(self, t):\n    s = safe(t)\n    self.query_one(Label).update(shown.text(s))\n",
        "def f():\n    return Static(Text('ours', style='bold'), markup=False)\n",
    ],
)
def test_the_lint_passes_what_crossed(source: str) -> None:
    """Guard for the lint: text from the boundary and our constants pass."""
    assert check_source(source, "tui/example.py") == []
