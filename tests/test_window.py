"""The window, driven as a user would: play, step, pause, reset, settings, keys, hover."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QValidator
from PySide6.QtTest import QTest

import main
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.runs import RunStatus
from gui.panels.loss_panel import followed_extent
from gui.plotting.pacing import SPEED_STEPS
from gui.shell.main_window import MainWindow
from gui.state.saved_settings import load_config
from gui.widgets.fields import NumberValidator
from tests.windows import action, commit_text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    def make(config=None, speed=None):
        window = MainWindow(config or ExperimentConfig(), settings)
        qtbot.addWidget(window)
        if speed is not None:
            window.view.update(speed=speed)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.session.started is not None)
        return window

    return make


def steps(window):
    return 0 if window.session.latest is None else window.session.steps_taken


def curve_points(window):
    """How many points each visible curve draws, panel by panel."""
    window.refresh_now()
    return [
        [len(c.getData()[0]) if c.getData()[0] is not None else 0 for c in p.curves.values()]
        for p in window.grid.panels
        if p.plot.isVisible()
    ]


def test_play_until_done_gives_exactly_the_command_lines_losses(make_window, tmp_path):
    window = make_window(speed=SPEED_STEPS)  # "max": as fast as the machine goes
    window.toggle_play()
    qtbot_wait_done(window)
    out = tmp_path / "cli.csv"
    assert main.main(["--csv", str(out)]) == 0
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    for run in window.session.started.runs:
        expected = [
            np.float32(r["loss"])
            for r in rows
            if r["optimizer"] == run.optimizer.key and float(r["lr"]) == run.lr
        ]
        shown = window.session.history.losses(run.index)
        assert len(shown) == len(expected) > 0
        assert shown.dtype == np.float32 and np.array_equal(shown, np.array(expected)), run
    assert_curves_show_history(window)


def assert_curves_show_history(window):
    """Every curve draws exactly the losses its run recorded."""
    window.refresh_now()
    for panel in window.grid.panels:
        for index, curve in panel.curves.items():
            x, y = curve.getData()
            expected = window.session.history.losses(index)
            assert len(expected) == (0 if x is None else len(x))
            if len(expected):
                np.testing.assert_array_equal(y, expected)


def qtbot_wait_done(window, timeout=60_000):
    from pytestqt.qtbot import QtBot

    QtBot(window).waitUntil(lambda: window.session.done, timeout=timeout)


def test_step_advances_exactly_one_step(make_window, qtbot):
    window = make_window()
    window.step()
    qtbot.waitUntil(lambda: steps(window) == 1)
    assert list(window.session.history.counts) == [1] * 16
    assert curve_points(window) == [[1] * 4] * 4
    window.step()
    qtbot.waitUntil(lambda: steps(window) == 2)
    assert list(window.session.history.counts) == [2] * 16
    assert not window.session.playing


def test_pause_stops_steps_from_arriving(make_window, qtbot):
    window = make_window(speed=20)  # 10 steps a second
    window.toggle_play()
    qtbot.waitUntil(lambda: steps(window) >= 3)
    assert window.session.playing and action(window, "play").text() == "Pause"
    window.toggle_play()
    # the engine sends the steps it took before it says it stopped: once stopped, all are here
    qtbot.waitUntil(lambda: not window.session.playing)
    paused_at = steps(window)
    qtbot.wait(600)  # six steps' worth of time at this speed
    assert steps(window) == paused_at
    assert action(window, "play").text() == "Play"


def test_reset_clears_the_curves(make_window, qtbot):
    window = make_window()
    for n in range(1, 6):
        window.step()
        qtbot.waitUntil(lambda n=n: steps(window) == n)
    assert curve_points(window)[0] == [5] * 4  # nothing converges that fast at lr 0.001
    assert_curves_show_history(window)
    generation = window.session.generation
    window.reset()
    qtbot.waitUntil(lambda: window.session.generation == generation + 1)
    assert steps(window) == 0 and window.session.history.length == 0
    assert curve_points(window) == [[0] * 4] * 4


def test_changing_a_learning_rate_restarts_with_it(make_window, qtbot):
    window = make_window()
    window.step()
    qtbot.waitUntil(lambda: steps(window) == 1)
    field = window.controls.rates.fields[2]
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "0.05")
    QTest.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session.started.config.learning_rates[2] == 0.05)
    assert window.session.history.length == 0 and steps(window) == 0
    assert window.grid.panels[2].plot.titleLabel.text.startswith("Learning rate: 0.05   ·   2/λ₀")
    assert "restarted at step 0" in window.statusBar().currentMessage()
    window.step()
    qtbot.waitUntil(lambda: steps(window) == 1)
    run = next(r for r in window.session.started.runs if r.lr == 0.05)
    assert run.lr_index == 2


def test_invalid_text_is_refused_at_the_field(make_window, qtbot):
    window = make_window()
    field = window.controls.rates.fields[0]
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "abc-")
    assert field.text() == "0.001"  # every keystroke refused: the selection is still there
    QTest.keyClicks(field, "0")
    assert field.text() == "0"  # could still become 0.05, so it may stand while typing
    window.grid.setFocus()  # leaving the field with unfinished text ("0") puts the value back
    assert field.text() == "0.001"
    assert window.session.started.config.learning_rates[0] == 0.001
    validator = NumberValidator(0.0, exclusive_min=True)
    assert validator.validate("1e", 2)[0] == QValidator.State.Intermediate
    assert validator.validate("0", 1)[0] == QValidator.State.Intermediate
    assert validator.validate("1e-3", 4)[0] == QValidator.State.Acceptable
    assert validator.validate("inf", 3)[0] == QValidator.State.Invalid
    assert validator.validate("-1", 2)[0] == QValidator.State.Invalid


def test_the_last_optimizer_cannot_be_unticked(make_window, qtbot):
    config = ExperimentConfig(optimizers=(OptimizerSpec.create("adam"),))
    window = make_window(config)
    box = window.controls.optimizer_boxes["adam"]
    with qtbot.waitSignal(window.model.refused) as refused:
        box.setChecked(False)
    assert "at least one optimizer" in refused.args[0]
    assert box.isChecked() and window.model.config == config


def test_hyperparameter_change_restarts_with_it(make_window, qtbot):
    window = make_window()
    window.controls.optimizer_boxes["adam"].editors["bias_correction"].setChecked(True)
    qtbot.waitUntil(
        lambda: any(
            s.params.get("bias_correction") for s in window.session.started.config.optimizers
        )
    )
    labels = [run.optimizer.label for run in window.session.started.runs]
    assert "Adam (bias_correction=true)" in labels


def test_keyboard_shortcuts_work_after_launch_but_not_while_typing(make_window, qtbot):
    window = make_window(speed=20)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    assert window.focusWidget() is window.grid
    QTest.keyClick(window.grid, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: steps(window) == 1)
    QTest.keyClick(window.grid, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.session.playing)
    QTest.keyClick(window.grid, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.session.playing)
    generation = window.session.generation
    QTest.keyClick(window.grid, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: window.session.generation == generation + 1)

    field = window.controls.stop_loss
    field.setFocus()
    QTest.keyClick(field, Qt.Key.Key_Space)
    QTest.keyClick(field, Qt.Key.Key_R)
    qtbot.wait(200)
    assert not window.session.playing and window.session.generation == generation + 1


def test_diverged_run_ends_at_its_last_finite_loss_with_a_marker(make_window, qtbot):
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create("sgd"),), learning_rates=(0.01, 1e6), max_steps=100
    )
    window = make_window(config)
    window.run_to_end()
    qtbot_wait_done(window)
    window.refresh_now()
    calm, wild = window.grid.panels
    summary = window.session.latest.summaries[1]
    assert summary.status is RunStatus.DIVERGED
    x, y = wild.curves[1].getData()
    assert len(x) == summary.steps and np.isfinite(y).all()
    marks = wild.diverged.data
    assert len(marks) == 1 and marks[0]["x"] == summary.steps - 1
    assert len(calm.diverged.data) == 0
    window.refresh_now()
    assert "1 diverged" in window.progress_label.text()
    cell = window.run_table.cell(1)  # one optimizer, two rates: a row per rate
    assert cell.text() == f"diverged @\N{NO-BREAK SPACE}{summary.status_step}"


def test_running_curves_carry_a_head_marker(make_window, qtbot):
    window = make_window()
    for n in (1, 2, 3):
        window.step()
        qtbot.waitUntil(lambda n=n: steps(window) == n)
    window.refresh_now()
    for panel in window.grid.panels:
        running = [
            s.run
            for s in window.session.latest.summaries
            if s.status is RunStatus.RUNNING and s.run.index in panel.curves
        ]
        heads = [h for h in panel.heads.values() if h.isVisible()]
        assert len(heads) == len(running) and {h.pos().x() for h in heads} <= {2}
    first = window.grid.panels[0]
    assert sum(h.isVisible() for h in first.heads.values()) == 4  # none stops so soon at 0.001
    for index, head in first.heads.items():
        assert head.pos().y() == pytest.approx(window.session.history.losses(index)[2])


def test_log_axis_never_drops_a_non_positive_loss(make_window, qtbot):
    window = make_window()
    for n in (1, 2, 3):
        window.step()
        qtbot.waitUntil(lambda n=n: steps(window) == n)
    update = window.session.history.as_update(window.session.latest)
    update.losses[0, 1] = 0.0  # a loss of exactly zero must still be drawn
    window.session.history.apply(update)
    action(window, "log_y").trigger()
    window.refresh_now()
    x, y = window.grid.panels[0].curves[0].getData()
    assert len(x) == 3 and np.isfinite(y).all()


def test_hover_shows_the_step_and_every_curves_loss(make_window, qtbot):
    window = make_window()
    for n in range(1, 6):
        window.step()
        qtbot.waitUntil(lambda n=n: steps(window) == n)
    panel = window.grid.panels[1]
    scene = panel.plot.getViewBox().mapViewToScene(QPointF(3.2, 5.0))
    window.grid.scene().sigMouseMoved.emit(scene)
    assert panel.readout.isVisible()
    text = panel.readout.textItem.toPlainText()
    assert text.splitlines()[0] == "step 3"
    for run in window.session.started.runs:
        if run.lr_index == 1:
            assert (
                f"{run.optimizer.label}: {window.session.history.losses(run.index)[3]:.5g}" in text
            )
    assert not window.grid.panels[0].readout.isVisible()


def test_closing_while_running_stops_the_engine_thread(make_window, qtbot):
    window = make_window(ExperimentConfig(max_steps=100_000, stop_loss=0.0), speed=SPEED_STEPS)
    window.toggle_play()
    qtbot.waitUntil(lambda: steps(window) > 50)
    window.close()
    assert not window.engine.running


def test_settings_and_geometry_are_remembered(make_window, qtbot, settings):
    window = make_window()
    commit_text(window.controls.seed, "7")
    qtbot.waitUntil(lambda: window.session.started.config.seed == 7)
    window.resize(711, 577)  # within the offscreen screen (800×800), which clamps geometry
    window.view.update(speed=10)
    window.close()
    restored = load_config(settings)
    assert restored == window.model.config and restored.seed == 7
    again = make_window(restored)
    assert again.size().width() == 711 and again.size().height() == 577
    assert again.view.speed == 10 and again.controls.seed.value() == 7


def test_without_a_display_the_app_says_so_in_one_line():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = subprocess.run(
        [sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no display" in result.stderr
    assert "--csv" in result.stderr


def test_a_followed_x_range_doubles_and_holds_a_second_more_at_the_pace_seen():
    """Curves near the x range's end: it doubles; at "max" (2,300 steps a second) it grows
    at once to hold a second more, where doubling alone re-laid every panel's ticks five
    times in the first 0.3 s; never past the steps allowed."""
    assert followed_extent(50, 48, 5000) == 100
    assert followed_extent(50, 48, 5000, ahead=100) == 200  # 100 steps a second
    assert followed_extent(50, 115, 5000, ahead=2300) == 3200
    assert followed_extent(3200, 4000, 5000, ahead=2300) == 5000


def test_decimation_keeps_every_bins_extremes():
    from gui.plotting.helpers import decimate

    x = np.arange(10_000, dtype=float)
    y = np.sin(x / 50) + (x == 7_777) * 5.0  # one spike must survive
    dx, dy = decimate(x, y, 2048)
    assert len(dx) <= 2048 + 10 and np.all(np.diff(dx) > 0)
    assert dy.max() == y.max() and dy.min() == y.min() and 7_777 in dx
    head_x, head_y = x[:100], y[:100]
    short_x, short_y = decimate(head_x, head_y, 2048)
    assert short_x is head_x and short_y is head_y  # a curve that fits comes back as it is


def test_a_2d_problem_gets_a_loss_axis_of_its_own_scale(window, qtbot):
    from engine.config.problem_switch import config_for_problem

    assert window.model.set_config(config_for_problem("rosenbrock", window.model.config))
    qtbot.waitUntil(lambda: window.session.started.config.problem == "rosenbrock")
    assert window.session.started.start_loss == 409.0  # (1 − (−2))² + 100·(2 − 4)²
    window.refresh_now()
    for panel in window.grid.panels:  # before the first step too: not the article's 0–30
        assert 409.0 < panel.plot.getViewBox().viewRange()[1][1] < 2 * 409.0
    window.step()
    qtbot.waitUntil(lambda: window.session.steps_taken == 1)
    window.refresh_now()
    start_loss = window.session.history.losses(0)[0]  # (1 − (−2))² + 100·(2 − 4)² = 409
    assert start_loss == pytest.approx(409.0)
    for panel in window.grid.panels:
        top = panel.plot.getViewBox().viewRange()[1][1]
        assert start_loss < top < 2 * start_loss  # the article's 0–30 would clip it
        assert panel.plot.getAxis("left").labelText == "loss f(x, y)"
