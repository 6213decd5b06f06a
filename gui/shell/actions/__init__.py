"""The window's actions, a module per menu (napari's ``qactions`` style): each builds its menu's
actions from what they act on, handed to it (the models, the view state, the features' own
commands), and adds them to the menu bar; :func:`make_action` makes every one of them.

An action's object name is its id (``window.findChild(QAction, "play")``); a checkable one shows
the state it edits and follows that state's change events, so it never keeps a copy.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from gui.state.view_state import ViewState


def make_action(
    host: QWidget,
    name: str,
    text: str,
    keys: str | tuple[str, ...] | None,
    tip: str,
    slot: Callable | None = None,
    checkable: bool = False,
) -> QAction:
    """An action called ``name`` on ``host`` (its keys work wherever ``host`` has focus), its
    first key in its tooltip; ``slot`` gets ``triggered`` or, if ``checkable``, ``toggled``."""
    action = QAction(text, host)
    action.setObjectName(name)
    shortcuts = (keys,) if isinstance(keys, str) else tuple(keys or ())
    if shortcuts:
        action.setShortcuts([QKeySequence(key) for key in shortcuts])
    action.setToolTip(f"{tip} ({shortcuts[0]})" if shortcuts else tip)
    action.setCheckable(checkable)
    if slot is not None:
        (action.toggled if checkable else action.triggered).connect(slot)
    host.addAction(action)
    return action


def view_toggle(
    host: QWidget, view: ViewState, field: str, text: str, key: str, tip: str
) -> QAction:
    """A checkable action named ``field`` that switches the view state's boolean ``field`` and
    follows its change events."""
    action = make_action(
        host, field, text, key, tip, lambda on: view.update(**{field: on}), checkable=True
    )
    action.setChecked(getattr(view, field))
    getattr(view.events, field).connect(action.setChecked)
    return action
