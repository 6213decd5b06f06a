"""The Presets menu: each preset's settings over the current ones, as one edit of the model."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenuBar, QWidget

from engine.config.presets import PRESETS
from engine.config.settings import ConfigError
from gui.shell.actions import make_action
from gui.state.experiment_model import ExperimentModel


def add_presets_menu(
    menu_bar: QMenuBar,
    host: QWidget,
    model: ExperimentModel,
    show_message: Callable[[str], None],
) -> None:
    menu = menu_bar.addMenu("&Presets")
    menu.setToolTipsVisible(True)
    for name, preset in PRESETS.items():
        menu.addAction(
            make_action(
                host,
                f"preset_{name}",
                preset.title,
                None,
                preset.description,
                lambda _=False, name=name: apply_preset(model, name, show_message),
            )
        )


def apply_preset(model: ExperimentModel, name: str, show_message: Callable[[str], None]) -> bool:
    """The preset's settings over the current ones, as one edit of the model."""
    try:
        config = PRESETS[name].apply(model.config)
    except ConfigError as err:
        model.refused.emit(str(err))
        return False
    applied = model.set_config(config)
    if applied:
        show_message(f"Preset: {PRESETS[name].title} (restarted at step 0)")
    return applied
