"""The Optimizers menu: write a new optimizer (from a template) or open one from a file; each,
like a written optimizer's Edit button in the Settings dock, shows the "Your optimizer" dock."""

from __future__ import annotations

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QDockWidget, QMenuBar, QWidget

from engine.config.settings import OptimizerSpec
from engine.optimizers.templates import TEMPLATES
from gui.editor.dock import OptimizerEditor
from gui.shell.actions import make_action


def add_optimizers_menu(
    menu_bar: QMenuBar,
    host: QWidget,
    dock: QDockWidget,
    editor: OptimizerEditor,
    edit_requested: SignalInstance,
) -> None:
    """The menu's actions; ``edit_requested`` (an OptimizerSpec) opens its code in ``editor``."""
    edit_requested.connect(lambda spec: edit_written(dock, editor, spec))
    menu = menu_bar.addMenu("&Optimizers")
    menu.setToolTipsVisible(True)
    menu.addAction(
        make_action(
            host,
            "new_optimizer",
            "New optimizer…",
            "Ctrl+N",
            "Write your own rule, starting from a template or a built-in's",
            lambda: _start(dock, editor, None),
        )
    )
    start = menu.addMenu("New from")
    for key, title in TEMPLATES.items():
        start.addAction(
            make_action(
                host,
                f"new_optimizer_{key}",
                title,
                None,
                f"A new rule starting from {title}",
                lambda _=False, key=key: _start(dock, editor, key),
            )
        )
    menu.addAction(
        make_action(
            host,
            "open_optimizer",
            "Open optimizer file…",
            None,
            "Edit an optimizer written as a Python file; Save puts it in the experiment",
            lambda: _open(dock, editor),
        )
    )


def show_editor(dock: QDockWidget, focus: QWidget) -> None:
    """The dock shown, in front of any it shares a place with, ``focus`` in it focused."""
    dock.show()
    dock.raise_()
    focus.setFocus()


def edit_written(dock: QDockWidget, editor: OptimizerEditor, spec: OptimizerSpec) -> None:
    """The code of an optimizer the user wrote, in the editor."""
    editor.open_spec(spec)
    show_editor(dock, editor.code_view)


def _start(dock: QDockWidget, editor: OptimizerEditor, key: str | None) -> None:
    """A new rule from template ``key`` (None: the one chosen in the dock), ready to type."""
    editor.start_from_template(key)
    show_editor(dock, editor.code_view)


def _open(dock: QDockWidget, editor: OptimizerEditor) -> None:
    show_editor(dock, editor.code_view)
    editor.ask_open()
