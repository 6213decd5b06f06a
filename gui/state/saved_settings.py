"""What the window remembers between launches: every QSettings key, and the one place that
reads and writes them.

The experiment's settings, the window's geometry and the optimizer editor's unsaved text are saved
when it closes; the remembered view settings (log-y, theme, zoom, speed, the landscape in 3-D) are
written as they change. A value that no longer makes sense (an edited file, an older version) is
ignored: the default is shown instead.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from engine.config.loading import check_start_size
from engine.config.settings import ConfigError, ExperimentConfig
from engine.core.data import DatasetError
from engine.io.experiment_file import config_from_dict, config_to_dict
from gui.plotting.pacing import SPEED_STEPS
from gui.plotting.themes import THEMES
from gui.state.view_state import ZOOM_STEPS, ViewState

CONFIG_KEY = "experiment/config"
GEOMETRY_KEY = "window/geometry"
WINDOW_STATE_KEY = "window/state"  # the docks' and toolbar's places
FOLDER_KEY = "files/folder"  # where the last file was opened or saved
LOG_Y_KEY = "view/log_y"
THEME_KEY = "view/theme"
ZOOM_KEY = "view/zoom"
SPEED_KEY = "view/speed"
DRAFT_KEY = "editor/draft"  # the Your optimizer dock's text when it was not saved
LANDSCAPE_3D_KEY = "view/landscape_3d"


def load_config(settings: QSettings) -> ExperimentConfig | None:
    """The last settings, or None if there are none or they no longer make sense."""
    text = settings.value(CONFIG_KEY)
    if not text:
        return None
    try:
        config = config_from_dict(json.loads(str(text)))
    except (ValueError, ConfigError):
        return None
    try:
        check_start_size(config)
    except ConfigError:  # its data file has since changed: the start no longer fits the net
        return config.with_changes(start_parameters=None)
    except DatasetError:
        pass  # said where the data are read
    return config


def save_config(settings: QSettings, config: ExperimentConfig) -> None:
    settings.setValue(CONFIG_KEY, json.dumps(config_to_dict(config)))


def load_draft(settings: QSettings) -> str | None:
    """The editor's unsaved text from the last session, if there was one."""
    text = settings.value(DRAFT_KEY)
    return text if isinstance(text, str) and text else None


def save_draft(settings: QSettings, text: str | None) -> None:
    """The editor's unsaved text (None: nothing unsaved, so nothing to bring back)."""
    if text:
        settings.setValue(DRAFT_KEY, text)
    else:
        settings.remove(DRAFT_KEY)


def restore_geometry(settings: QSettings, window: QMainWindow) -> None:
    """Restore the window's geometry and its docks' state (``QMainWindow.saveState``), if
    saved."""
    geometry, state = settings.value(GEOMETRY_KEY), settings.value(WINDOW_STATE_KEY)
    if geometry is not None:
        window.restoreGeometry(geometry)
    if state is not None:
        window.restoreState(state)


def save_geometry(settings: QSettings, geometry: QByteArray, state: QByteArray) -> None:
    settings.setValue(GEOMETRY_KEY, geometry)
    settings.setValue(WINDOW_STATE_KEY, state)


def restore_view(settings: QSettings, view: ViewState) -> None:
    """The remembered log-y, theme, zoom, speed and 3-D landscape into ``view``."""
    view.update(
        log_y=settings.value(LOG_Y_KEY, "false") == "true",
        theme=THEMES.get(str(settings.value(THEME_KEY, "")), view.theme),
        zoom=_int_in(settings.value(ZOOM_KEY), ZOOM_STEPS, view.zoom),
        speed=_int_in(settings.value(SPEED_KEY), range(SPEED_STEPS + 1), view.speed),
        landscape_3d=settings.value(LANDSCAPE_3D_KEY, "false") == "true",
    )


def remember_view(settings: QSettings, view: ViewState) -> None:
    """Write the remembered view settings whenever they change."""
    events = view.events
    events.log_y.connect(lambda on: settings.setValue(LOG_Y_KEY, "true" if on else "false"))
    events.theme.connect(lambda theme: settings.setValue(THEME_KEY, theme.name))
    events.zoom.connect(lambda percent: settings.setValue(ZOOM_KEY, percent))
    events.speed.connect(lambda position: settings.setValue(SPEED_KEY, position))
    events.landscape_3d.connect(
        lambda on: settings.setValue(LANDSCAPE_3D_KEY, "true" if on else "false")
    )


def _int_in(value: object, allowed, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number in allowed else default
