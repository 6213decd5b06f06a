"""The window's Sharpness view, Presets menu, activation chooser and the inspector's edge-of-
stability line, driven as a user would and checked against a tracker computed on its own."""

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from engine.analysis.readings import threshold_position
from engine.analysis.sharpness import SharpnessTracker
from engine.config.presets import EDGE_OF_STABILITY
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.optimizers.user_code import OptimizerCode
from gui.export.offscreen import SETTINGS_KEY
from gui.panels.sharpness_layer import THRESHOLD_NOTE, every_text
from gui.plotting.pacing import SPEED_STEPS
from gui.state.view_state import Quantity
from tests.windows import action, open_main_window, temporary_settings

CONFIG = EDGE_OF_STABILITY.apply().with_changes(
    optimizers=tuple(OptimizerSpec.create(n) for n in ("sgd", "adam_torch", "lion")),
    learning_rates=(0.1, 0.05),
    max_steps=60,
)
SGD, ADAM, LION = 0, 2, 4  # run indices at η = 0.1 (panel 0); +1 for η = 0.05


@pytest.fixture
def make_window(qtbot, tmp_path):
    def make(config=CONFIG):
        return open_main_window(qtbot, temporary_settings(tmp_path), config)

    return make


def steps(window) -> int:
    return window.session.steps_taken


def step_to(window, qtbot, target: int) -> None:
    while steps(window) < target:
        before = steps(window)
        window.step()
        qtbot.waitUntil(lambda b=before: steps(window) == b + 1)


def tracker_for(config, steps_: int) -> SharpnessTracker:
    tracker = SharpnessTracker(BatchedExperiment(config))
    tracker.step(steps_)
    return tracker


def test_the_view_draws_each_runs_sharpness_and_its_threshold_dashed(make_window, qtbot):
    window = make_window()
    window.view.update(quantity=Quantity.SHARPNESS)
    step_to(window, qtbot, 12)
    window.refresh_now()
    expected = tracker_for(CONFIG, 12)
    history = window.session.history
    assert history.sharpness_every == 1  # single steps: every one
    for panel, layer in zip(window.grid.panels, window.grid.layers):
        assert not any(curve.isVisible() for curve in panel.curves.values())  # no losses
        assert panel.plot.getAxis("bottom").labelText == every_text(1)
        assert panel.plot.getAxis("left").logMode
        for run in layer.runs:
            values = (
                expected.preconditioned if run.index in (ADAM, ADAM + 1) else expected.sharpness
            )[run.index, :12]
            x, y, _ = layer.lane_points(run.index)
            np.testing.assert_array_equal(x, np.arange(12))
            np.testing.assert_allclose(y, np.log10(values), rtol=1e-12)
            line = layer.thresholds[run.index]
            if run.index in (LION, LION + 1):
                assert not line.isVisible()  # no known threshold: no line
                continue
            assert line.isVisible()
            pen = line.opts["pen"]
            assert pen.style() == Qt.PenStyle.CustomDashLine and pen.dashPattern()
            assert pen.color().name() == layer.curves[run.index].opts["pen"].color().name()
            threshold = (2 if run.index < ADAM else 38) / run.lr
            np.testing.assert_allclose(line.getData()[1], np.log10(threshold), rtol=1e-12)
    labels = [label.text for _, label in window.grid.legend.items]
    assert labels == [
        "SGD: λ",
        "Adam (torch defaults): preconditioned λ",
        "Lion: λ, no known threshold",
        THRESHOLD_NOTE,
    ]


def test_the_views_longer_legend_wraps_within_the_panels_width(make_window, qtbot):
    """The view's legend is longer ("RMSprop: preconditioned λ", the thresholds' note): it
    takes more rows rather than widening the panels past the view (their right side was cut
    off)."""
    config = ExperimentConfig().with_changes(max_steps=5)  # the article's four optimizers
    window = make_window(config)
    window.resize(1400, 900)
    qtbot.waitUntil(lambda: window.grid.width() < 1000)
    window.view.update(quantity=Quantity.SHARPNESS)
    grid = window.grid
    qtbot.waitUntil(lambda: grid.legend.boundingRect().width() <= grid.width())
    assert grid.ci.boundingRect().width() <= grid.width()
    window.view.update(quantity=Quantity.LOSS)
    assert grid.legend.columnCount == 4  # the short names fit on one row again


def test_the_hover_says_where_each_run_stands(make_window, qtbot):
    window = make_window()
    window.view.update(quantity=Quantity.SHARPNESS)
    step_to(window, qtbot, 6)
    expected = tracker_for(CONFIG, 6)
    lines = window.grid.layers[0].readout_lines(window.session.history, 4)
    sgd = expected.sharpness[SGD, 4]
    adam = expected.preconditioned[ADAM, 4]
    assert lines == [
        "step 4",
        f"SGD: λ = {sgd:.4g}, threshold 20: {threshold_position(sgd, 20.0)}",
        f"Adam (torch defaults): preconditioned λ = {adam:.4g}, threshold 380: "
        + threshold_position(adam, 380.0),
        f"Lion: λ = {expected.sharpness[LION, 4]:.4g}, no known threshold",
    ]


def test_computing_stops_when_the_view_is_off(make_window, qtbot):
    window = make_window()
    window.view.update(quantity=Quantity.SHARPNESS)
    step_to(window, qtbot, 3)
    window.view.update(quantity=Quantity.LOSS)
    arrived = []
    window.engine.progress.connect(arrived.append)
    step_to(window, qtbot, 6)
    assert arrived and all(update.sharpness is None for update in arrived)
    assert window.session.history.sharpness_every is None
    sharpness = np.array([window.session.history.sharpness(r) for r in range(6)])
    assert np.isfinite(sharpness[:, :3]).all() and np.isnan(sharpness[:, 3:]).all()
    assert all(curve.isVisible() for curve in window.grid.panels[0].curves.values())


def test_turned_on_mid_run_it_computes_from_then_on(make_window, qtbot):
    window = make_window()
    step_to(window, qtbot, 3)
    window.view.update(quantity=Quantity.SHARPNESS)
    assert "from step 3 on" in window.statusBar().currentMessage()
    step_to(window, qtbot, 7)
    sharpness = window.session.history.sharpness(SGD)
    assert np.isnan(sharpness[:3]).all()
    np.testing.assert_array_equal(sharpness[3:7], tracker_for(CONFIG, 7).sharpness[SGD, 3:7])
    lines = window.grid.layers[0].readout_lines(window.session.history, 1)
    assert lines[1] == "SGD: λ not computed at or before this step"


def test_at_full_speed_the_losses_stay_bit_for_bit(make_window, qtbot):
    """The default (relu) experiment with the view on, played at "max" to the end: the same
    losses as a headless run, and every λ computed equals a tracker's."""
    window = make_window(ExperimentConfig())
    window.view.update(quantity=Quantity.SHARPNESS)
    window.view.update(speed=SPEED_STEPS)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.session.done, timeout=120_000)
    expected = BatchedExperiment(ExperimentConfig())
    tracker = SharpnessTracker(expected)
    tracker.run_to_end()
    history = window.session.history
    assert history.sharpness_every % 2 == 1
    for run in expected.runs:
        assert np.array_equal(history.losses(run.index), expected.losses(run.index))
        shown = history.sharpness(run.index)
        computed = np.isfinite(shown)
        assert computed[0]
        np.testing.assert_array_equal(
            shown[computed], tracker.sharpness[run.index][: len(shown)][computed]
        )


def test_the_views_exclude_each_other(make_window):
    window = make_window()
    learning_rate, sharpness = action(window, "learning_rate"), action(window, "sharpness")
    learning_rate.trigger()
    sharpness.trigger()
    assert not learning_rate.isChecked() and window.view.quantity is Quantity.SHARPNESS
    panel = window.grid.panels[0]
    assert panel.plot.getAxis("left").labelText == "sharpness (log scale)"
    learning_rate.trigger()
    assert not sharpness.isChecked() and window.view.quantity is Quantity.LEARNING_RATE
    assert panel.plot.getAxis("left").labelText == "learning rate"
    assert not panel.plot.getAxis("left").logMode
    learning_rate.trigger()
    assert not learning_rate.isChecked() and window.view.quantity is Quantity.LOSS
    assert panel.plot.getAxis("left").labelText == "loss (MSE)"


def test_the_figure_export_shows_the_sharpness_view(make_window, qtbot, tmp_path):
    window = make_window()
    window.view.update(quantity=Quantity.SHARPNESS)
    step_to(window, qtbot, 4)
    out = tmp_path / "fig.png"
    assert window.files.export_figure(str(out), scale=1)
    with Image.open(out) as image:
        assert json.loads(image.text[SETTINGS_KEY])["view"] == "sharpness"


def test_the_presets_menu_is_one_model_edit(make_window, qtbot):
    window = make_window(ExperimentConfig(problem="saddle"))
    changes = []
    window.model.changed.connect(changes.append)
    (menu,) = [m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Presets"]
    (action,) = [a for a in menu.actions() if a.text() == "Edge of stability"]
    action.trigger()
    assert len(changes) == 1
    assert window.model.config == EDGE_OF_STABILITY.apply(ExperimentConfig(problem="saddle"))
    qtbot.waitUntil(lambda: window.session.started.config == window.model.config)
    assert len(window.grid.panels) == 4


def test_the_activation_chooser_edits_the_model_and_is_off_for_2d_problems(make_window):
    window = make_window(ExperimentConfig())
    chooser = window.controls.activation
    assert chooser.currentText() == "relu" and chooser.isEnabled()
    chooser.setCurrentText("tanh")
    assert window.model.config.activation == "tanh"
    window.model.set_config(ExperimentConfig(problem="rosenbrock"))
    assert chooser.currentText() == "relu" and not chooser.isEnabled()


def test_the_problem_box_writes_the_loss_with_the_activation_in_use(make_window):
    window = make_window(ExperimentConfig())
    formula = window.controls.problem.formula
    assert formula.text() == "mean((relu(x·W1 + b1)·W2 + b2 − y)²)"
    (menu,) = [m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Presets"]
    (action,) = [a for a in menu.actions() if a.text() == "Edge of stability"]
    action.trigger()
    assert formula.text() == "mean((tanh(x·W1 + b1)·W2 + b2 − y)²)"
    window.controls.activation.setCurrentText("softplus")
    assert formula.text() == "mean((softplus(x·W1 + b1)·W2 + b2 − y)²)"
    window.model.set_config(ExperimentConfig(problem="rosenbrock"))
    assert formula.text() == "(1 − x)² + 100 (y − x²)²"


def test_the_inspector_places_sharpness_against_the_threshold(make_window, qtbot):
    window = make_window()
    window.docks["inspector"].show()
    inspector = window.inspector
    expected = tracker_for(CONFIG, 9)
    for run, name in ((SGD + 1, "λ"), (ADAM, "preconditioned λ")):
        inspector.select_run(run)
        step_to(window, qtbot, 9)
        key = window.session.started.runs[run]
        heading = f"{key.optimizer.label}</b>, η = {key.lr:g} — step 9,"
        qtbot.waitUntil(lambda h=heading: h in inspector.summary.text())
        text = inspector.summary.text()
        values = expected.preconditioned if name != "λ" else expected.sharpness
        value = values[run, 9]
        lr = key.lr
        threshold = (2 if name == "λ" else 38) / lr
        rule = "2/η" if name == "λ" else "(2+2β₁)/((1−β₁)η)"
        position = threshold_position(value, threshold)
        assert f"{name} = {value:.4g}, threshold {rule} = {threshold:.4g}: {position} it" in text


STUDENT_SGD = """name = "My SGD"

def update(params, grads, state, lr):
    return params - lr * grads, state

def threshold(lr):
    return 2 / lr
"""


def test_a_students_declared_threshold_is_drawn_as_the_engine_computed_it(make_window, qtbot):
    """The window never runs the student's ``threshold``: the engine sends its values at the
    experiment's rates, and the line and legend follow them; without one, no line."""
    declared = OptimizerSpec.create("x", None, OptimizerCode(STUDENT_SGD, "sgd_mine.py"))
    quiet_code = STUDENT_SGD.split("def threshold")[0].replace("My SGD", "Quiet SGD")
    silent = OptimizerSpec.create("x", None, OptimizerCode(quiet_code, "quiet.py"))
    window = make_window(CONFIG.with_changes(optimizers=(declared, silent)))
    window.view.update(quantity=Quantity.SHARPNESS)
    step_to(window, qtbot, 3)
    window.refresh_now()
    assert window.session.started.declared_thresholds == {
        ("My SGD", 0.1): 2 / 0.1,
        ("My SGD", 0.05): 2 / 0.05,
    }
    for layer in window.grid.layers:
        mine, quiet = layer.runs
        assert layer.thresholds[mine.index].isVisible()
        np.testing.assert_allclose(layer.thresholds[mine.index].getData()[1], np.log10(2 / mine.lr))
        assert not layer.thresholds[quiet.index].isVisible()
    labels = [label.text for _, label in window.grid.legend.items]
    assert labels[:2] == ["My SGD: λ", "Quiet SGD: λ, no known threshold"]
