"""The sweep tab: its plots, and its worker thread."""

import re
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from engine.analysis.sweep import (
    SweepResult,
    loss_ceiling,
    loss_curve_data,
    off_chart_runs,
    steps_plot_note,
)
from engine.analysis.sweep_run import run_sweep
from engine.config.settings import ExperimentConfig, OptimizerSpec
from gui.plotting.palette import optimizer_colour
from gui.plotting.themes import DEFAULT, PRESENTATION
from tests.sweep_cases import MARKER_CASES, PANEL_LRS, small_config


@pytest.fixture(scope="module")
def result() -> SweepResult:
    return run_sweep(small_config())


# --- the view --------------------------------------------------------------------------------


def test_view_draws_one_curve_per_optimizer_and_the_panels_rates(qtbot, result):
    from gui.sweep.view import SweepView

    view = SweepView()
    qtbot.addWidget(view)
    view.show_result(result, PANEL_LRS)
    plots = view.plots
    assert len(plots.loss_curves) == len(plots.steps_curves) == 2
    expected_loss = loss_curve_data(result)
    for i, (loss, steps) in enumerate(zip(plots.loss_curves, plots.steps_curves)):
        x, y = loss.getOriginalDataset()
        np.testing.assert_array_equal(x, result.lrs)
        np.testing.assert_array_equal(y, expected_loss[i])
        x, y = steps.getOriginalDataset()
        np.testing.assert_array_equal(x, result.lrs)
        np.testing.assert_array_equal(y, result.steps[i])
        assert loss.opts["pen"].color().name() == optimizer_colour(result.names[i]).lower()
        assert loss.opts["symbol"] is not None
        # a diverged or blown-up run's loss is not drawn on the curve but as a ✕ above it
        marks_x, _ = plots.diverged_marks[i].getOriginalDataset()
        np.testing.assert_array_equal(marks_x, result.lrs[off_chart_runs(result)[i]])
    ceiling = loss_ceiling(result)
    for markers in (plots.loss_markers, plots.steps_markers):
        assert [10 ** line.value() for line in markers] == pytest.approx(PANEL_LRS, rel=1e-12)
        assert all(line.pen.style() == Qt.PenStyle.DashLine for line in markers)
    assert [line.label.format for line in plots.loss_markers] == ["0.001", "0.01", "0.1", "1"]
    legend = [label.text for _, label in plots.legend.items]
    assert legend == ["SGD", "Adam", f"diverged or loss > {ceiling:g}", "panels' learning rates"]
    for plot in plots.plots:
        assert plot.getAxis("bottom").labelText == "learning rate"
        assert plot.getAxis("bottom").logMode


def test_view_survives_zero_and_missing_losses(qtbot, result):
    from gui.export.sweep import sweep_png_bytes
    from gui.sweep.view import SweepView

    final_loss = result.final_loss.copy()
    final_loss[0, :10] = 0.0
    final_loss[1, 10:20] = np.nan
    odd = replace(result, final_loss=final_loss, steps=np.full((2, 64), np.nan))
    view = SweepView()
    qtbot.addWidget(view)
    view.show()
    view.show_result(odd, (1e-6, 0.5))  # one line left of the sweep's range
    view.apply_theme(PRESENTATION, 2)
    qtbot.wait(10)
    assert sweep_png_bytes(odd, (0.5,), DEFAULT, 1).startswith(b"\x89PNG")


def test_a_long_legend_wraps_instead_of_widening_the_figure(qtbot):
    from engine.optimizers import REGISTRY
    from gui.sweep.plots import SweepPlots

    config = ExperimentConfig(
        optimizers=tuple(OptimizerSpec.create(name) for name in REGISTRY), max_steps=5
    )
    plots = SweepPlots(theme=PRESENTATION)
    qtbot.addWidget(plots)  # closing it resizes it once more, its scene already cleared
    plots.resize(1280, 800)
    plots.show()
    plots.show_result(run_sweep(config, lrs=(0.01, 0.1, 1.0)))
    qtbot.wait(10)
    assert len(plots.legend.items) >= len(REGISTRY) + 1  # and the panels' rates
    assert plots.legend.columnCount < 6
    for item in (plots.legend, *plots.plots):
        assert item.sceneBoundingRect().right() <= 1280


@pytest.mark.parametrize("count", sorted(MARKER_CASES))
def test_every_panel_rate_gets_a_marker_and_a_whole_label(qtbot, result, count):
    from gui.sweep.plots import SweepPlots

    lrs = MARKER_CASES[count]
    plots = SweepPlots(theme=PRESENTATION)
    qtbot.addWidget(plots)
    plots.resize(1280, 800)
    plots.show()
    plots.show_result(result, lrs)
    view = plots.loss_plot.vb
    qtbot.waitUntil(lambda: view.width() > 1000)  # laid out at its size
    plots.grab()  # painted: the view box moves its items to the range only before a paint
    for markers in (plots.loss_markers, plots.steps_markers):
        assert len(markers) == count
        assert [10 ** line.value() for line in markers] == pytest.approx(lrs, rel=1e-12)
        assert all(line.isVisible() for line in markers)
    assert [line.label.format for line in plots.loss_markers] == [f"{lr:g}" for lr in lrs]
    inside = view.sceneBoundingRect().adjusted(-0.5, -0.5, 0.5, 0.5)
    boxes = [line.label.sceneBoundingRect() for line in plots.loss_markers]
    for i, box in enumerate(boxes):
        assert plots.loss_markers[i].label.isVisible()
        assert inside.contains(box), (lrs[i], box, inside)
        for j in range(i):
            assert not box.intersects(boxes[j]), (lrs[i], lrs[j])
    # one label needs one row; these crowded ones more, and the loss axis makes room for them
    # above the curves and the rows of ✕
    assert (plots.label_rows == 1) if count == 1 else (plots.label_rows > 1)
    drawn_top = min(
        item.sceneBoundingRect().top() for item in plots.loss_curves + plots.diverged_marks
    )
    assert max(box.bottom() for box in boxes) <= drawn_top


@pytest.mark.parametrize("theme", [DEFAULT, PRESENTATION])
def test_an_empty_steps_plot_says_why_in_its_middle(qtbot, result, theme):
    """With a stop loss of 0 no run converges: the steps plot says so, centred, in the theme's
    text colour, and says nothing once a sweep has points to draw there."""
    from gui.sweep.plots import SweepPlots

    unconverged = replace(
        result,
        steps=np.full_like(result.steps, np.nan),
        config=result.config.with_changes(stop_loss=0.0),
    )
    plots = SweepPlots(theme=theme)
    qtbot.addWidget(plots)
    plots.resize(1000, 700)
    plots.show()
    plots.show_result(unconverged)
    view = plots.steps_plot.vb
    qtbot.waitUntil(lambda: view.width() > 600)
    note = plots.steps_note
    assert note.text == steps_plot_note(unconverged) != ""
    box, area = note.sceneBoundingRect(), view.sceneBoundingRect()
    assert area.contains(box)
    assert abs(box.center().x() - area.center().x()) < 2
    assert abs(box.center().y() - area.center().y()) < 2
    image = plots.grab().toImage()
    text = QColor(theme.foreground)
    inked = sum(
        _near(image.pixelColor(x, y), text)
        for x in range(int(box.left()), int(box.right()))
        for y in range(int(box.top()), int(box.bottom()))
    )
    assert inked > 200  # the two lines' letters, not a stray pixel
    plots.show_result(result)
    assert note.text == "" and not note.isVisible()


def _near(colour: QColor, target: QColor) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(colour.getRgb()[:3], target.getRgb()[:3]))


def test_a_zoom_by_the_user_is_kept_when_the_plots_resize(qtbot, result):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    from gui.sweep.plots import SweepPlots

    plots = SweepPlots()
    qtbot.addWidget(plots)
    plots.resize(1280, 800)
    plots.show()
    plots.show_result(result, MARKER_CASES[9])
    view = plots.loss_plot.vb
    qtbot.waitUntil(lambda: view.width() > 1000)
    shown = view.viewRange()
    at = QPointF(plots.mapFromScene(view.sceneBoundingRect().center()))
    wheel = QWheelEvent(
        at,
        QPointF(plots.mapToGlobal(at.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120),  # one notch: zoom in
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(plots.viewport(), wheel)
    zoomed = view.viewRange()
    assert zoomed[0][1] - zoomed[0][0] < shown[0][1] - shown[0][0]
    assert zoomed[1][1] - zoomed[1][0] < shown[1][1] - shown[1][0]
    plots.resize(1000, 700)
    qtbot.waitUntil(lambda: view.width() < 1000)
    assert view.viewRange()[1] == pytest.approx(zoomed[1])


# --- the worker thread -----------------------------------------------------------------------


def long_config() -> ExperimentConfig:
    """Far too many steps to finish during a test (about 20 s): nothing converges at stop loss 0."""
    return small_config("float32", max_steps=50_000, stop_loss=0.0)


def test_runner_computes_in_a_thread_and_the_view_shows_it(qtbot, result):
    from gui.sweep.view import SweepView

    view = SweepView()
    qtbot.addWidget(view)
    view.compute(small_config())
    assert view.status.text() == "Computing the sweep…"
    assert view.runner.running and view.busy
    qtbot.waitUntil(lambda: view.result is not None, timeout=30_000)
    assert re.fullmatch(r"64 learning rates × 2 optimizers in \d+\.\d s", view.status.text())
    np.testing.assert_array_equal(view.result.final_loss, result.final_loss)
    np.testing.assert_array_equal(view.result.steps, result.steps)
    assert [10 ** line.value() for line in view.plots.loss_markers] == pytest.approx(
        small_config().learning_rates
    )
    assert not view.busy
    assert view.shutdown()
    assert not view.runner.running


def test_a_failing_sweep_says_why(qtbot):
    from gui.sweep.view import SweepView

    view = SweepView()
    qtbot.addWidget(view)
    view.compute(small_config(), lrs=(0.1, -1.0))
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    assert view.status.text().startswith("The sweep failed: learning rate must be positive")
    assert view.result is None
    assert view.shutdown()


def test_stopping_mid_computation_ends_the_thread_and_shows_nothing(qtbot):
    from gui.sweep.view import SweepView

    view = SweepView()
    qtbot.addWidget(view)
    shown = []
    view.result_shown.connect(shown.append)
    view.compute(long_config())
    qtbot.waitUntil(lambda: "step" in view.status.text(), timeout=10_000)  # progress arrives
    assert view.shutdown()  # cancelled within a step: it returns before the sweep would end
    assert not view.runner.running
    qtbot.wait(50)
    assert shown == [] and view.result is None
    # and it starts again
    view.compute(small_config(max_steps=20))
    qtbot.waitUntil(lambda: view.result is not None, timeout=30_000)
    assert view.result.config.max_steps == 20
    assert view.shutdown()


def test_a_new_compute_drops_the_one_under_way(qtbot):
    from gui.sweep.view import SweepView

    view = SweepView()
    qtbot.addWidget(view)
    shown = []
    view.result_shown.connect(shown.append)
    view.compute(long_config())
    view.compute(small_config(max_steps=30))  # before the first could finish
    view.compute(small_config(max_steps=20))
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    qtbot.wait(200)
    assert [r.config.max_steps for r in shown] == [20]
    assert view.shutdown()


def test_deleting_the_view_mid_computation_ends_the_thread(qtbot, monkeypatch):
    from PySide6.QtCore import QCoreApplication, QEvent, QThread

    from gui.sweep.view import SweepView

    started = []
    start = QThread.start
    monkeypatch.setattr(QThread, "start", lambda thread: started.append(thread) or start(thread))
    view = SweepView()
    view.compute(long_config())
    qtbot.waitUntil(lambda: "step" in view.status.text(), timeout=10_000)
    assert len(started) == 1 and started[0].isRunning()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not started[0].isRunning()
