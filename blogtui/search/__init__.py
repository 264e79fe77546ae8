"""Full-text search over an archive: the only package that imports whoosh.

Import the submodules you need (`blogtui.search.index`, `.search`, ...): this package imports
nothing itself, so `blogtui list` and the query syntax stay cheap to load.

It does one thing on import: `whoosh.query` imports Whoosh's English morphology tables
(`whoosh.lang.morph_en`, for its Variations query, which blogtui never builds) and compiling
them cost 27 ms of the 123 ms `import whoosh.query` takes here (hyperfine, 30 runs). Until
something calls it, that module is a stand-in whose `variations` loads the real one.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable

_MORPHOLOGY = "whoosh.lang.morph_en"


def _real() -> types.ModuleType:
    """whoosh.lang.morph_en itself, loaded in the stand-in's place on first use."""
    import importlib

    if getattr(sys.modules.get(_MORPHOLOGY), "STAND_IN", False):
        del sys.modules[_MORPHOLOGY]
    return importlib.import_module(_MORPHOLOGY)


def _variations(word: str) -> Iterable[str]:
    """whoosh.lang.morph_en.variations (what whoosh.query imports from it)."""
    found: Iterable[str] = _real().variations(word)
    return found


def _other(name: str) -> object:
    """Any other name of the module (a newer Whoosh importing more from it) loads it too;
    the import system's own probes (`__path__`, `__spec__`, ...) do not."""
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(_real(), name)


def _defer_morphology() -> None:
    if _MORPHOLOGY not in sys.modules:
        stand_in = types.ModuleType(_MORPHOLOGY, "blogtui's stand-in until first use")
        stand_in.variations = _variations  # type: ignore[attr-defined]
        stand_in.__getattr__ = _other  # type: ignore[method-assign]
        stand_in.STAND_IN = True  # type: ignore[attr-defined]  # (not Whoosh: tests skip it)
        sys.modules[_MORPHOLOGY] = stand_in


_defer_morphology()
