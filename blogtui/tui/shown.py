"""The reader's side of the boundary: notices, labels and rich Text made only from `Safe` text.

Every notice goes through `notify` and every label's words through `text`, so nothing from
an archive, a config or the user is parsed as Textual markup (`markup=False`, `Text`
objects) and, since both take `Safe`, nothing reaches them unsanitised (mypy checks the
type; tests/test_safety_lint.py checks no call goes around these helpers).
"""

from __future__ import annotations

from typing import Any

from rich.style import StyleType
from rich.text import Text
from textual.app import App
from textual.notifications import SeverityLevel
from textual.widget import Widget

from blogtui.safe import Safe


def text(shown: Safe, style: StyleType = "") -> Text:
    """A rich Text of safe words: Text never parses markup."""
    return Text(shown, style=style)


def notify(
    node: App[Any] | Widget,
    message: Safe,
    *,
    title: Safe | None = None,
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """Show a notice whose words are shown as they are, never parsed as markup."""
    node.notify(message, title=title or "", severity=severity, timeout=timeout, markup=False)
