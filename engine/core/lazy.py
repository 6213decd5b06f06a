"""torch for the registries, loaded at its first use rather than at import.

The optimizer and problem registries hold both what the window shows (names, rules,
hyperparameters, formulas) and the tensor math the engine runs, one small class each. The window
reads the first and never runs the second, so it need not pay for importing torch (a second of
its start-up): modules that keep both write ``torch = lazy_import("torch", __name__)``. The first
attribute asked of it imports torch and rebinds the module's global to the real module, so the
engine's hot loops then use torch directly, with no proxy in between.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any


class _Deferred:
    """Stands for module ``name`` in module ``owner``'s globals until first used."""

    def __init__(self, name: str, owner: str):
        self._name = name
        self._owner = owner

    def __getattr__(self, attribute: str) -> Any:
        module = importlib.import_module(self._name)
        owner = sys.modules.get(self._owner)
        if owner is not None:
            for key, value in vars(owner).items():
                if value is self:
                    setattr(owner, key, module)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<{self._name}, imported at first use by {self._owner}>"


def lazy_import(name: str, owner: str) -> ModuleType:
    """Module ``name`` for module ``owner`` (its ``__name__``), imported at first attribute use."""
    return _Deferred(name, owner)  # type: ignore[return-value]
