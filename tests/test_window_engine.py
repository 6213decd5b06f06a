"""The window when its engine process dies: it stays, keeps what it has, says so, restarts."""

from __future__ import annotations

import os
import signal

import numpy as np
from PySide6.QtCore import Qt

from engine.config.settings import ExperimentConfig
from tests.processes import wait_gone
from tests.windows import action, open_main_window, temporary_settings

LONG = ExperimentConfig(max_steps=20000, stop_loss=0.0)


def test_a_killed_engine_leaves_the_curves_and_settings_and_r_restarts_it(qtbot, tmp_path):
    window = open_main_window(qtbot, temporary_settings(tmp_path), LONG, speed=40)
    session = window.session
    window.toggle_play()
    qtbot.waitUntil(lambda: session.steps_taken >= 20, timeout=60000)
    engine = window.engine.connection.pid
    with qtbot.waitSignal(window.engine.died, timeout=5000):
        os.kill(engine, signal.SIGKILL)
    assert wait_gone(engine)
    kept = session.latest
    losses = [session.history.losses(run).copy() for run in range(len(session.started.runs))]
    assert "killed by SIGKILL" in window.statusBar().currentMessage()
    assert "Press R" in window.statusBar().currentMessage()
    assert window.progress_label.text().endswith("· the engine stopped (R restarts it)")
    assert "running" not in window.progress_label.text()
    assert not session.playing and action(window, "play").text() == "Play"
    assert window.model.config == LONG

    window.toggle_play()  # nothing to play: the status line says so again
    assert session.latest is kept
    for run, drawn in enumerate(losses):
        np.testing.assert_array_equal(session.history.losses(run), drawn)
    assert min(len(drawn) for drawn in losses) >= 20

    generation = session.generation
    qtbot.keyClick(window.grid, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: session.generation > generation, timeout=60000)
    assert session.started.config == LONG and session.steps_taken == 0
    assert "stopped" not in window.progress_label.text()
    assert window.engine.connection.pid != engine
    window.toggle_play()
    qtbot.waitUntil(lambda: session.steps_taken >= 20, timeout=60000)
    window.toggle_play()
    qtbot.waitUntil(lambda: not session.playing, timeout=5000)
