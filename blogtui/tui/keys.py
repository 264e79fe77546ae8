"""The reader's key bindings by where they apply: the help screen's sections, the palette's
commands and the binding ids a config `[keymap]` may name.

Help and palette list what is named here. The keymap accepts the id of any binding of any
screen or widget under blogtui/tui/screens and blogtui/tui/widgets, found by walking those
packages, so a new pane's keys can be remapped without being listed anywhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from types import ModuleType

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

from blogtui.tui import screens, widgets
from blogtui.tui.screens.help import Sections
from blogtui.tui.screens.main import MainScreen
from blogtui.tui.screens.picker import TermPicker
from blogtui.tui.widgets.post_list import PostList
from blogtui.tui.widgets.reader import Reader
from blogtui.tui.widgets.taxonomy import Sidebar


def help_sections(app_bindings: Iterable[BindingType]) -> Sections:
    """Every binding the help screen lists, grouped by where it applies."""
    return [
        ("Everywhere", [*MainScreen.BINDINGS, *app_bindings]),
        ("Post list", list(PostList.BINDINGS)),
        ("Reading pane", list(Reader.BINDINGS)),
        ("Sidebar", list(Sidebar.BINDINGS)),
        ("Pickers", list(TermPicker.BINDINGS)),
    ]


def palette_bindings() -> list[Binding]:
    """The bindings the command palette offers as commands: the main screen's actions."""
    return list(plain(MainScreen.BINDINGS))


def binding_ids(app_bindings: Iterable[BindingType]) -> set[str]:
    """Every binding id a keymap may remap: the app's, and every screen's and widget's."""
    bindings = [*app_bindings]
    for package in (screens, widgets):
        for module in _modules(package):
            bindings += _bindings_in(module)
    return {binding.id for binding in plain(bindings) if binding.id}


def plain(bindings: Iterable[BindingType]) -> Iterator[Binding]:
    """The `Binding` objects among bindings (tuples carry no id or description)."""
    return (binding for binding in bindings if isinstance(binding, Binding))


def _modules(package: ModuleType) -> Iterator[ModuleType]:
    for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        yield importlib.import_module(info.name)


def _bindings_in(module: ModuleType) -> list[BindingType]:
    """The bindings declared by the screens and widgets defined in `module` (not inherited)."""
    found: list[BindingType] = []
    for value in vars(module).values():
        ours = isinstance(value, type) and value.__module__ == module.__name__
        if ours and issubclass(value, DOMNode):
            found += value.__dict__.get("BINDINGS", [])
    return found
