"""The timeline in the window: keys and slider move every view to a past step; Play goes on."""

import csv
import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.analysis.readings import Inspection
from engine.config.settings import ExperimentConfig
from engine.experiment.batched import BatchedExperiment
from gui.export.offscreen import SETTINGS_KEY
from gui.plotting.pacing import SPEED_STEPS
from tests.windows import open_main_window, temporary_settings

CONFIG = ExperimentConfig(max_steps=60)  # SGD at η = 0.1 converges at step 11


@pytest.fixture
def window(qtbot, tmp_path):
    return open_main_window(qtbot, temporary_settings(tmp_path), CONFIG, SPEED_STEPS)


def trained(window, qtbot):
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done and not window.session.playing, timeout=30_000)
    window.activateWindow()
    window.grid.setFocus()
    return window.session.steps_taken


def key(window, name, modifier=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(window.grid, name, modifier)


def fresh_at(step: int) -> BatchedExperiment:
    experiment = BatchedExperiment(CONFIG)
    experiment.step(step)
    return experiment


def test_keys_move_every_view_to_the_step_and_back_to_the_latest(window, qtbot):
    furthest = trained(window, qtbot)
    assert furthest == 60 and window.view.step is None
    key(window, Qt.Key.Key_Left)
    key(window, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert window.view.step == 49 and window.timeline.bar.slider.value() == 49
    window.refresh_now()
    history = window.session.history
    for panel in window.grid.panels:
        assert panel.now_line.isVisible() and panel.now_line.value() == 49
        for index, head in panel.heads.items():
            ran = history.counts[index] > 49
            assert head.isVisible() == ran
            if ran:
                assert (head.pos().x(), head.pos().y()) == pytest.approx(
                    (49, history.losses(index)[49])
                )
    assert window.progress_label.text().startswith("Step 49 of 60")
    key(window, Qt.Key.Key_Home)
    assert window.view.step == 0
    key(window, Qt.Key.Key_Right)  # while back in the past, Right moves on in it, trains nothing
    assert window.view.step == 1 and window.session.steps_taken == 60
    key(window, Qt.Key.Key_End)
    window.refresh_now()
    assert window.view.step is None
    assert not any(panel.now_line.isVisible() for panel in window.grid.panels)
    assert window.progress_label.text().startswith("Step 60")


def test_the_inspector_shows_the_state_replayed_at_the_step(window, qtbot):
    trained(window, qtbot)
    window.inspector.select_run(15)  # Adam at η = 1: its state has moments and a step count
    for step in (3, 17, 40):
        with qtbot.waitSignal(
            window.engine.inspected,
            check_params_cb=lambda i, step=step: isinstance(i, Inspection) and i.view_step == step,
        ) as shown:
            window.timeline.move_to(step)
        snapshot = shown.args[0].snapshot
        want = fresh_at(step).snapshot(15)
        assert snapshot.step == want.step and snapshot.loss == want.loss
        for name in want.params:
            np.testing.assert_array_equal(snapshot.params[name], want.params[name])
            np.testing.assert_array_equal(snapshot.state["m"][name], want.state["m"][name])
    assert "step 7" in window.inspector.summary.text()  # Adam at η = 1 converged at step 6


def test_the_runs_table_shows_the_runs_as_they_stood(window, qtbot):
    trained(window, qtbot)
    window.refresh_now()
    cell = window.run_table.item(0, 2)  # SGD at η = 0.1
    assert cell.text() == "converged @\N{NO-BREAK SPACE}11"
    window.timeline.move_to(5)
    window.refresh_now()
    assert cell.text() == "running"
    window.timeline.move_to(11)
    window.refresh_now()
    assert cell.text() == "converged @\N{NO-BREAK SPACE}11"


def test_right_steps_at_the_latest_step_and_play_goes_on_from_it(window, qtbot):
    key(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.session.steps_taken == 1)
    key(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.session.steps_taken == 2)
    key(window, Qt.Key.Key_Left)
    assert window.view.step == 1
    window.toggle_play()
    qtbot.waitUntil(lambda: window.session.done, timeout=30_000)
    assert window.view.step is None
    assert window.timeline.bar.slider.maximum() == window.session.steps_taken == 60


def test_dragging_the_timeline_while_playing_pauses_there(window, qtbot):
    window.view.update(speed=20)  # 10 steps a second
    window.toggle_play()
    qtbot.waitUntil(lambda: window.session.steps_taken >= 5)
    window.timeline.bar.slider.setValue(2)  # as a drag does
    qtbot.waitUntil(lambda: not window.session.playing)
    assert window.view.step == 2
    reached = window.session.steps_taken
    qtbot.wait(300)
    assert window.session.steps_taken == reached and window.view.step == 2


def test_exports_show_the_step_scrubbed_to(window, qtbot, tmp_path):
    """Scrubbed back to step 5, the data export holds each run's losses of steps 0 … 5 (the
    heads sit on step 5's), equal to a fresh experiment's, and the figure's settings say step 5."""
    trained(window, qtbot)
    window.timeline.move_to(5)
    out = tmp_path / "shown.csv"
    assert window.files.export_data(str(out))
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {int(row["step"]) for row in rows} == set(range(6))
    fresh = fresh_at(6)
    for run in fresh.runs:
        mine = [
            float(r["loss"])
            for r in rows
            if r["optimizer"] == run.optimizer.key and float(r["lr"]) == run.lr
        ]
        np.testing.assert_array_equal(np.float32(mine), fresh.losses(run.index))
    png = tmp_path / "shown.png"
    assert window.files.export_figure(str(png), scale=1)
    assert json.loads(Image.open(png).text[SETTINGS_KEY])["step"] == 5
