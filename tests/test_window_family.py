"""Beyond the article, in the window: the reference check, schedules, the learning-rate view."""

import numpy as np
from PySide6.QtCore import Qt

from engine.config.settings import OptimizerSpec
from engine.optimizers import REGISTRY
from tests.windows import action, commit_text

NO_TWIN = {  # why the article's momentum and Adam have no torch.optim twin, as a note begins
    "momentum": "the article's momentum has no torch.optim twin: torch's SGD keeps m ← β·m + g",
    "adam": "torch's Adam always corrects the bias of m and v; tick bias correction",
}


def run_to_end(window, qtbot):
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done, timeout=90_000)
    window.refresh_now()
    window.refresh_now()


def test_reference_draws_torch_twins_and_says_which_runs_have_none(window, qtbot):
    generation = window.session.generation
    action(window, "reference").trigger()
    qtbot.waitUntil(lambda: window.session.generation == generation + 1)
    notes = window.session.started.reference_notes
    assert notes is not None
    run_to_end(window, qtbot)
    for run in window.session.started.runs:
        panel = window.grid.panels[run.lr_index]
        twin = panel.twins[run.index]
        cell = window.run_table.item(run.optimizer_index, run.lr_index)
        if run.optimizer.name in ("sgd", "rmsprop"):
            assert notes[run.index] is None and twin.isVisible()
            x, y = twin.getData()
            ours = window.session.history.losses(run.index)
            assert len(y) == len(ours)
            np.testing.assert_allclose(y, ours, rtol=1e-4)  # drawn under ours, nearly equal
            assert window.session.history.reference_diff[run.index] < 1e-4
            assert "Δ torch" in cell.text()
        else:  # the article's momentum and Adam without bias correction
            assert notes[run.index].startswith(NO_TWIN[run.optimizer.name])
            assert not twin.isVisible()
            assert "no torch twin" in cell.text() and notes[run.index] in cell.toolTip()


def test_every_optimizer_can_be_ticked_and_trains(window, qtbot):
    for box in window.controls.optimizer_boxes.values():
        box.setChecked(True)
    qtbot.waitUntil(lambda: len(window.session.started.config.optimizers) == len(REGISTRY))
    for _ in range(3):
        window.step()
    qtbot.waitUntil(lambda: window.session.steps_taken == 3)
    window.refresh_now()
    assert window.grid.legend.layout.count() >= len(REGISTRY)
    styles = {
        window.grid.panels[0].curves[r.index].opts["pen"].style()
        for r in window.session.started.runs
        if r.lr_index == 0
    }
    assert styles == {Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine}  # 16 > 8 colours


def test_choosing_a_schedule_restarts_with_it_and_the_lr_view_shows_it(window, qtbot):
    controls = window.controls
    controls.schedule_name.setCurrentIndex(controls.schedule_name.findData("step"))
    qtbot.waitUntil(lambda: window.session.started.config.schedule.name == "step")
    controls.schedule_fields["step_size"].setText("4")
    controls.schedule_fields["step_size"].editingFinished.emit()
    qtbot.waitUntil(lambda: window.session.started.config.schedule.params["step_size"] == 4)
    assert "restarted at step 0" in window.statusBar().currentMessage()
    for n in range(1, 10):
        window.step()
        qtbot.waitUntil(lambda n=n: window.session.steps_taken == n)
    action(window, "learning_rate").trigger()
    window.refresh_now()
    run = window.session.started.runs[0]
    x, y = window.grid.panels[0].curves[run.index].getData()
    assert list(y) == [0.001] * 4 + [0.0001] * 4 + [0.001 * 0.1 * 0.1]
    assert window.grid.panels[0].plot.getAxis("left").labelText == "learning rate"


def test_a_constant_rate_is_drawn_inside_an_axis_from_zero_to_just_above_it(window, qtbot):
    """A flat line at η: the axis runs from 0 to 15 % above it (autorange had centred it in
    ±16, where 0.001 sat on the zero line), and on log y half a decade either side."""
    for n in range(1, 4):
        window.step()
        qtbot.waitUntil(lambda n=n: window.session.steps_taken == n)
    action(window, "learning_rate").trigger()
    window.refresh_now()
    for panel, lr in zip(window.grid.panels, window.session.started.config.learning_rates):
        low, high = panel.plot.getViewBox().viewRange()[1]
        assert (low, high) == (0.0, lr * 1.15)
    action(window, "log_y").trigger()
    window.refresh_now()
    low, high = window.grid.panels[0].plot.getViewBox().viewRange()[1]
    assert np.allclose((low, high), (-3.5, -2.5))


def test_before_the_first_step_the_rate_axis_is_around_each_panels_rate(window, qtbot):
    """Switched to from the Sharpness view before Play, the axis showed that view's log range
    (10³ to 10⁵ as 3 to 5) with nothing on it; now it shows where the rates will be drawn."""
    qtbot.waitUntil(lambda: window.session.started is not None)
    assert window.session.steps_taken == 0
    rates = window.session.started.config.learning_rates
    for log_y, expected in ((False, lambda lr: (0.0, lr * 1.15)), (True, _log_span)):
        action(window, "sharpness").trigger()
        if window.view.log_y != log_y:
            action(window, "log_y").trigger()
        window.refresh_now()
        action(window, "learning_rate").trigger()
        window.refresh_now()
        for panel, lr in zip(window.grid.panels, rates):
            assert np.allclose(panel.plot.getViewBox().viewRange()[1], expected(lr))


def _log_span(lr: float) -> tuple[float, float]:
    return np.log10(lr) - 0.5, np.log10(lr) + 0.5


def test_a_bad_schedule_value_is_refused_and_nothing_changes(window, qtbot):
    controls = window.controls
    controls.schedule_name.setCurrentIndex(controls.schedule_name.findData("cosine"))
    qtbot.waitUntil(lambda: window.session.started.config.schedule.name == "cosine")
    before = window.session.started.config
    with qtbot.waitSignal(window.model.refused) as refused:
        controls.schedule_fields["T_max"].setText("2.5")
        controls.schedule_fields["T_max"].editingFinished.emit()
    assert "T_max must be a whole number" in refused.args[0]
    assert window.model.config == before and controls.schedule_fields["T_max"].text() == "100"


def test_schedule_survives_save_and_open(window, qtbot, tmp_path):
    controls = window.controls
    controls.schedule_name.setCurrentIndex(controls.schedule_name.findData("plateau"))
    qtbot.waitUntil(lambda: window.session.started.config.schedule.name == "plateau")
    path = tmp_path / "exp.json"
    assert window.files.save_experiment_to(str(path))
    window.controls.optimizer_boxes["lion"].setChecked(True)
    qtbot.waitUntil(lambda: any(s.name == "lion" for s in window.session.started.config.optimizers))
    assert window.files.open_experiment_from(str(path))
    qtbot.waitUntil(
        lambda: not any(s.name == "lion" for s in window.session.started.config.optimizers)
    )
    assert window.session.started.config.schedule.name == "plateau"
    assert controls.schedule_name.currentData() == "plateau"
    assert window.session.started.config.optimizers[0] == OptimizerSpec.create("sgd")


def test_every_registered_optimizer_looks_different():
    from gui.plotting.palette import optimizer_colour, optimizer_line_style

    looks = {(optimizer_colour(n), optimizer_line_style(n)) for n in REGISTRY}
    assert len(looks) == len(REGISTRY)


def test_the_sweep_tab_computes_for_the_settings_shown_and_exports(window, qtbot, tmp_path):
    from PIL import Image

    from engine.config.settings import OptimizerSpec as Spec

    window.controls.optimizer_boxes["momentum"].setChecked(False)
    commit_text(window.controls.max_steps, "150")
    qtbot.waitUntil(lambda: window.session.started.config.max_steps == 150)
    window.tabs.setCurrentWidget(window.sweep)
    qtbot.waitUntil(lambda: window.sweep.result is not None, timeout=60_000)
    result = window.sweep.result
    assert result.final_loss.shape == (3, 64)
    assert [s.name for s in result.config.optimizers] == ["sgd", "rmsprop", "adam"]
    assert result.config.optimizers[0] == Spec.create("sgd")
    out = tmp_path / "sweep.png"
    assert window.files.export_sweep(str(out), scale=1)
    with Image.open(out) as image:
        assert image.size == (1280, 800)
    csv_out = tmp_path / "sweep.csv"
    assert window.files.export_sweep(str(csv_out))
    assert csv_out.read_text().splitlines()[0] == "optimizer,lr,final_loss,converged_at,status"
    assert len(csv_out.read_text().splitlines()) == 1 + 3 * 64
