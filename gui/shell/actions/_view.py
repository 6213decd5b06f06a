"""The View menu: what the panels plot (loss, log-y, learning rate, sharpness), the tabs, the
theme, the zoom and the docks; every action edits the view state and shows what it holds."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QDockWidget, QMenu, QMenuBar, QWidget

from gui.plotting.themes import THEMES, Theme
from gui.shell.actions import make_action, view_toggle
from gui.state.view_state import Quantity, Tab, ViewState, next_zoom


@dataclass(frozen=True)
class ViewActions:
    """The View menu's actions the toolbar shows too."""

    log_y: QAction
    learning_rate: QAction
    sharpness: QAction


def add_view_menu(
    menu_bar: QMenuBar,
    host: QWidget,
    view: ViewState,
    docks: Mapping[str, QDockWidget],
    show_message: Callable[[str], None],
) -> ViewActions:
    actions = ViewActions(_log_action(host, view), *_quantity_actions(host, view))
    menu = menu_bar.addMenu("&View")
    menu.addActions([actions.log_y, actions.learning_rate, actions.sharpness])
    for number, tab in enumerate(Tab, start=1):  # Ctrl+1, 2, 3: the tabs in their order
        menu.addAction(
            make_action(
                host,
                f"show_{tab.value}",
                f"Show the {tab.value}",
                f"Ctrl+{number}",
                f"Switch to the {tab.value} tab",
                lambda _=False, tab=tab: view.update(tab=tab),
            )
        )
    menu.addAction(_arrows_action(host, view))
    _add_theme_menu(menu.addMenu("Theme"), host, view)
    menu.addSeparator()
    menu.addActions(_zoom_actions(host, view, show_message))
    menu.addSeparator()
    for dock in docks.values():
        menu.addAction(dock.toggleViewAction())
    return actions


def _log_action(host: QWidget, view: ViewState) -> QAction:
    return view_toggle(host, view, "log_y", "Log y axis", "L", "Loss on a logarithmic axis")


def _arrows_action(host: QWidget, view: ViewState) -> QAction:
    tip = (
        "On the Landscape, paused or scrubbing: the followed run's step as arrows (−η∇f, the "
        "optimizer's own terms, the step taken)"
    )
    return view_toggle(host, view, "step_arrows", "Step arrows", "A", tip)


def _quantity_actions(host: QWidget, view: ViewState) -> tuple[QAction, QAction]:
    """Learning rate and Sharpness: at most one is on (neither: the loss)."""
    learning_rate = make_action(
        host,
        "learning_rate",
        "Learning rate",
        None,
        "Show the learning rate each step used, not the loss",
        lambda on: _choose(view, Quantity.LEARNING_RATE, on),
        checkable=True,
    )
    sharpness = make_action(
        host,
        "sharpness",
        "Sharpness",
        None,
        "Each run's sharpness λ (preconditioned λ for adaptive rules) on a log axis, with "
        "its stability threshold dashed; computed only while this view is on",
        lambda on: _choose(view, Quantity.SHARPNESS, on),
        checkable=True,
    )

    def show(quantity: Quantity) -> None:
        learning_rate.setChecked(quantity is Quantity.LEARNING_RATE)
        sharpness.setChecked(quantity is Quantity.SHARPNESS)

    show(view.quantity)
    view.events.quantity.connect(show)
    return learning_rate, sharpness


def _choose(view: ViewState, quantity: Quantity, on: bool) -> None:
    if on:
        view.update(quantity=quantity)
    elif view.quantity is quantity:
        view.update(quantity=Quantity.LOSS)


def _add_theme_menu(menu: QMenu, host: QWidget, view: ViewState) -> None:
    themes = QActionGroup(host)
    for theme in THEMES.values():
        action = make_action(
            host,
            f"theme_{theme.name}",
            theme.title,
            None,
            f"The {theme.title} theme's colours and sizes",
            checkable=True,
        )
        action.triggered.connect(lambda _=False, theme=theme: view.update(theme=theme))
        action.setData(theme.name)
        themes.addAction(action)
        menu.addAction(action)

    def show(chosen: Theme) -> None:
        for action in themes.actions():
            action.setChecked(action.data() == chosen.name)

    show(view.theme)
    view.events.theme.connect(show)


def _zoom_actions(
    host: QWidget, view: ViewState, show_message: Callable[[str], None]
) -> list[QAction]:
    def zoom_to(percent: int) -> None:
        view.update(zoom=percent)
        show_message(f"Zoom {percent} %")

    return [
        make_action(
            host,
            "zoom_in",
            "Zoom in",
            ("Ctrl+=", "Ctrl++"),
            "Larger text and lines",
            lambda: zoom_to(next_zoom(view.zoom, 1)),
        ),
        make_action(
            host,
            "zoom_out",
            "Zoom out",
            ("Ctrl+-",),
            "Smaller text and lines",
            lambda: zoom_to(next_zoom(view.zoom, -1)),
        ),
        make_action(host, "zoom_reset", "Reset zoom", ("Ctrl+0",), "100 %", lambda: zoom_to(100)),
    ]
