"""The Help menu: About."""

from __future__ import annotations

from PySide6.QtWidgets import QMenuBar, QMessageBox, QWidget

import engine
from gui.shell.actions import make_action
from gui.shell.resources import TITLE

ARTICLE = (
    "“Optimizers from Scratch”, a DEV Community article (tiny MLP, SGD, Momentum, RMSprop, Adam)"
)


def add_help_menu(menu_bar: QMenuBar, host: QWidget) -> None:
    about = make_action(host, "about", "About", None, "About this app", lambda: show_about(host))
    menu_bar.addMenu("&Help").addAction(about)


def show_about(parent: QWidget) -> None:
    QMessageBox.about(
        parent,
        f"About {TITLE}",
        f"<b>{TITLE}</b> {engine.__version__}<br><br>Watch neural-network optimizers "
        f"train a tiny MLP, written from scratch on torch tensors.<br><br>"
        f"Reproduces and goes beyond {ARTICLE}.",
    )
