"""One owner for what the window shows: the view state takes an update whole or not at all, says
what changed (one event per field, then once in all), and what it remembers between launches is
read and written in one place, a bad remembered value falling back to the default."""

import pytest
from PySide6.QtCore import QSettings

from gui.plotting.themes import DEFAULT, PRESENTATION
from gui.state.saved_settings import (
    LOG_Y_KEY,
    SPEED_KEY,
    THEME_KEY,
    ZOOM_KEY,
    remember_view,
    restore_view,
)
from gui.state.view_state import FIELDS, Quantity, Tab, ViewSettings, ViewState


def test_an_update_emits_one_event_per_changed_field_then_one_change(qtbot):
    view = ViewState()
    seen, changes = [], []
    for name in FIELDS:
        getattr(view.events, name).connect(lambda value, name=name: seen.append((name, value)))
    view.changed.connect(changes.append)
    view.update(log_y=True, quantity=Quantity.LEARNING_RATE, tab=Tab.PANELS, step=3)
    assert seen == [("quantity", Quantity.LEARNING_RATE), ("log_y", True), ("step", 3)]
    assert len(changes) == 1 and changes[0].names == {"quantity", "log_y", "step"}
    assert changes[0].old == ViewSettings() and changes[0].new == view.settings
    view.update(log_y=True, step=3)  # nothing new: no event at all
    assert len(seen) == 3 and len(changes) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"zoom": 110},
        {"speed": -1},
        {"step": -2},
        {"plane": "diagonal"},
        {"quantity": "loss"},
        {"colour": "red"},
    ],
)
def test_a_bad_update_is_refused_whole(qtbot, change):
    view = ViewState()
    seen = []
    view.changed.connect(seen.append)
    with pytest.raises(ValueError):
        view.update(log_y=True, **change)
    assert view.settings == ViewSettings() and not seen


def test_the_remembered_view_is_read_and_written_in_one_place(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    view = ViewState()
    remember_view(settings, view)
    view.update(log_y=True, theme=PRESENTATION, zoom=150, speed=12, step=4, predict=True)
    settings.sync()
    again = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    restored = ViewState()
    restore_view(again, restored)
    assert (restored.log_y, restored.theme, restored.zoom, restored.speed) == (
        True,
        PRESENTATION,
        150,
        12,
    )
    assert restored.step is None and not restored.predict  # what is shown now is not kept


def test_a_bad_remembered_value_falls_back_to_the_default(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    for key, value in {
        LOG_Y_KEY: "maybe",
        THEME_KEY: "neon",
        ZOOM_KEY: "huge",
        SPEED_KEY: 999,
    }.items():
        settings.setValue(key, value)
    view = ViewState()
    restore_view(settings, view)
    assert (view.log_y, view.theme, view.zoom) == (False, DEFAULT, 100)
    assert view.speed == ViewSettings().speed
