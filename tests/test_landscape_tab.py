"""The Landscape tab's view is built after the window first paints, unless it is needed sooner:
shown as the window opens, or an experiment starting first (its paths begin at step 1)."""

from __future__ import annotations

import os

import numpy as np

from engine.config.settings import ExperimentConfig
from gui.plotting.themes import PRESENTATION
from gui.shell.main_window import MainWindow
from gui.state.view_state import Tab
from tests.processes import run_python
from tests.windows import temporary_settings


def new_window(qtbot, tmp_path) -> MainWindow:
    window = MainWindow(ExperimentConfig(), temporary_settings(tmp_path))
    qtbot.addWidget(window)
    return window


def test_the_view_is_built_after_the_first_paint_in_the_theme_shown(qtbot, tmp_path):
    window = new_window(qtbot, tmp_path)
    window.view.update(theme=PRESENTATION, zoom=150)
    window.show()
    assert not window.landscape_tab.built  # the window shows without it
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.landscape_tab.built)
    assert window.landscape.grid.theme == window.view.settings.zoomed_theme
    assert window.landscape.grid.theme == PRESENTATION.scaled(1.5)


def test_a_window_that_opens_on_the_landscape_builds_it_before_it_shows(qtbot, tmp_path):
    window = new_window(qtbot, tmp_path)
    window.view.update(tab=Tab.LANDSCAPE)
    assert not window.landscape_tab.built
    window.show()
    assert window.landscape_tab.built
    assert window.landscape.isVisibleTo(window)


def test_an_experiment_that_starts_first_builds_it_with_every_step_of_the_paths(qtbot, tmp_path):
    window = new_window(qtbot, tmp_path)  # never shown: it never paints
    qtbot.waitUntil(lambda: window.session.started is not None, timeout=30_000)
    assert window.landscape_tab.built
    for _ in range(3):
        window.step()
    qtbot.waitUntil(lambda: window.session.steps_taken == 3, timeout=30_000)
    history, paths = window.session.history, window.landscape.paths
    losses = [history.losses(run) for run in range(len(window.session.started.runs))]
    recorded = [int(np.count_nonzero(~np.isnan(run_losses))) for run_losses in losses]
    assert max(recorded) == 3
    assert paths.counts.tolist() == recorded  # a run that diverged stopped recording
    window.tabs.setCurrentWidget(window.landscape_tab)
    qtbot.waitUntil(lambda: window.landscape.map is not None, timeout=30_000)
    assert window.landscape.map.key is not None


def test_the_window_imports_the_exports_and_the_landscape_only_when_they_are_used():
    code = (
        "import sys, gui.shell.main_window; "
        "print(sorted(m for m in sys.modules if m.startswith(('gui.export', 'gui.landscape'))))"
    )
    done = run_python(code, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
