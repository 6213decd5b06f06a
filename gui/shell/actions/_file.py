"""The File and Edit menus: open and save experiments, export figures and data, copy, quit."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenuBar, QWidget

from gui.shell.actions import make_action
from gui.shell.file_actions import FileActions


def add_file_menus(
    menu_bar: QMenuBar, host: QWidget, files: FileActions, quit_: Callable[[], object]
) -> None:
    """File (experiments, exports, Quit) and Edit (Copy figure)."""
    groups = (
        (
            make_action(
                host,
                "open",
                "Open experiment…",
                "Ctrl+O",
                "Settings from an experiment file",
                files.open_experiment,
            ),
            make_action(
                host,
                "save",
                "Save experiment…",
                "Ctrl+Shift+S",
                "Every setting to a file",
                files.save_experiment,
            ),
        ),
        (
            make_action(
                host,
                "export_figure",
                "Export figure…",
                "Ctrl+S",
                "PNG or SVG",
                files.ask_export_figure,
            ),
            make_action(
                host,
                "export_animation",
                "Export animation…",
                None,
                "Animated GIF",
                files.ask_export_animation,
            ),
            make_action(
                host,
                "export_data",
                "Export data…",
                None,
                "CSV: optimizer,lr,step,loss",
                files.ask_export_data,
            ),
            make_action(
                host,
                "export_landscape",
                "Export landscape…",
                None,
                "The Landscape tab as PNG, SVG or an animated GIF",
                files.ask_export_landscape,
            ),
            make_action(
                host,
                "export_sweep",
                "Export sweep…",
                None,
                "The sweep as PNG, SVG or CSV",
                files.ask_export_sweep,
            ),
        ),
        (make_action(host, "quit", "Quit", "Ctrl+Q", "Quit", quit_),),
    )
    file_menu = menu_bar.addMenu("&File")
    for group in groups:
        file_menu.addActions(list(group))
        file_menu.addSeparator()
    copy = make_action(
        host,
        "copy_figure",
        "Copy figure",
        "Ctrl+C",
        "The figure to the clipboard, at 2×",
        files.copy_figure,
    )
    menu_bar.addMenu("&Edit").addAction(copy)
