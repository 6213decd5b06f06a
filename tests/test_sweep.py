"""The learning-rate sweep: its numbers, its CSV, its view, its worker thread and its exports."""

import csv
import io
import math
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from engine.config import ExperimentConfig, OptimizerSpec
from engine.experiment import BatchedExperiment, RunStatus
from engine.files import OutputError
from engine.sweep import (
    CSV_HEADER,
    SWEEP_LRS,
    SweepResult,
    loss_ceiling,
    loss_curve_data,
    off_chart_runs,
    run_sweep,
    write_sweep_csv,
)
from gui.palette import optimizer_colour
from gui.themes import DEFAULT, PRESENTATION

PANEL_LRS = (0.001, 0.01, 0.1, 1.0)
# converged, max steps and diverged all occur among these (sgd diverges at the top end)
CHECKED = (0, 25, 40, 55, 60, 63)


def small_config(dtype="float64", max_steps=200, **changes) -> ExperimentConfig:
    return ExperimentConfig(
        optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("adam")),
        max_steps=max_steps,
        dtype=dtype,
        **changes,
    )


@pytest.fixture(scope="module")
def result() -> SweepResult:
    return run_sweep(small_config())


@pytest.fixture(scope="module")
def result32() -> SweepResult:
    return run_sweep(small_config("float32"))


# --- engine ----------------------------------------------------------------------------------


def test_sweep_learning_rates_are_64_log_spaced_from_1e4_to_10(result):
    assert SWEEP_LRS.shape == (64,)
    assert SWEEP_LRS[0] == pytest.approx(1e-4, rel=1e-12)
    assert SWEEP_LRS[-1] == pytest.approx(10.0, rel=1e-12)
    np.testing.assert_allclose(np.diff(np.log10(SWEEP_LRS)), 5 / 63, rtol=1e-9)
    np.testing.assert_array_equal(result.lrs, SWEEP_LRS)
    for array in (result.final_loss, result.steps, result.status, result.diverged):
        assert array.shape == (2, 64)
    assert result.labels == ("SGD", "Adam") and result.names == ("sgd", "adam")
    assert result.config == small_config()  # as asked: its learning rates are the panels'


def test_each_run_is_the_run_of_an_experiment_at_that_single_rate(result):
    """One batched pass over 64 rates gives what 64 separate experiments would."""
    seen = set()
    for j in CHECKED:
        lr = float(result.lrs[j])
        single = BatchedExperiment(small_config(learning_rates=(lr,)))
        single.run_to_end()
        assert result.initial_loss == single.losses(0)[0]  # every run starts from one point
        for i, summary in enumerate(single.summaries()):
            status = RunStatus(int(result.status[i, j]))
            seen.add(status)
            assert status is summary.status, (i, lr)
            assert result.diverged[i, j] == (status is RunStatus.DIVERGED)
            assert result.final_loss[i, j] == pytest.approx(summary.final_loss, rel=1e-10, abs=0)
            if status is RunStatus.CONVERGED:
                assert result.steps[i, j] == summary.status_step
            else:
                assert math.isnan(result.steps[i, j])
    assert seen == {RunStatus.CONVERGED, RunStatus.MAX_STEPS, RunStatus.DIVERGED}


def test_result_arrays_are_read_only(result):
    with pytest.raises(ValueError):
        result.final_loss[0, 0] = 1.0


# --- CSV -------------------------------------------------------------------------------------


def read_csv(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames) == CSV_HEADER
    return list(reader)


def csv_text(result: SweepResult) -> str:
    out = io.StringIO()
    write_sweep_csv(result, out)
    return out.getvalue()


@pytest.mark.parametrize("which", ["result", "result32"])
def test_csv_reads_back_to_the_result(request, which):
    result = request.getfixturevalue(which)
    rows = read_csv(csv_text(result))
    assert len(rows) == 2 * 64
    number = result.final_loss.dtype.type  # float32 values are written in float32's digits
    for k, row in enumerate(rows):
        i, j = divmod(k, 64)
        assert row["optimizer"] == ("sgd", "adam")[i]
        assert float(row["lr"]) == result.lrs[j]
        assert number(row["final_loss"]) == result.final_loss[i, j]
        if math.isnan(result.steps[i, j]):
            assert row["converged_at"] == ""
        else:
            assert int(row["converged_at"]) == result.steps[i, j]
        assert row["status"] == RunStatus(int(result.status[i, j])).name.lower()
    assert {row["status"] for row in rows} == {"converged", "max_steps", "diverged"}


def test_csv_of_a_run_without_any_loss_has_an_empty_cell(result):
    final_loss = result.final_loss.copy()
    final_loss[0, 63] = np.nan  # as if it diverged at step 0
    rows = read_csv(csv_text(replace(result, final_loss=final_loss)))
    assert rows[63]["final_loss"] == "" and rows[63]["status"] == "diverged"


def test_csv_keys_name_changed_hyperparameters():
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create("adam", {"beta2": 0.99}),), max_steps=5
    )
    rows = read_csv(csv_text(run_sweep(config, lrs=(0.01, 0.1))))
    assert [row["optimizer"] for row in rows] == ["adam:beta2=0.99"] * 2
    assert [row["lr"] for row in rows] == ["0.01", "0.1"]


# --- the view --------------------------------------------------------------------------------


def test_view_draws_one_curve_per_optimizer_and_the_panels_rates(qtbot, result):
    from gui.sweep_view import SweepView

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
    # elsewhere the curve is the final loss itself
    off_chart = off_chart_runs(result)
    ceiling = loss_ceiling(result)
    assert ceiling == 10 * result.initial_loss
    assert (off_chart == (result.diverged | (result.final_loss > ceiling))).all()
    assert (off_chart & ~result.diverged).any()  # in float64, sgd reaches 1e307 unflagged
    np.testing.assert_array_equal(expected_loss[~off_chart], result.final_loss[~off_chart])
    assert np.isnan(expected_loss[off_chart]).all()
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
    from gui.sweep_view import SweepView, sweep_png_bytes

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
    from gui.sweep_view import SweepPlots

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


# --- the worker thread -----------------------------------------------------------------------


def long_config() -> ExperimentConfig:
    """Far too many steps to finish during a test (about 20 s): nothing converges at stop loss 0."""
    return small_config("float32", max_steps=50_000, stop_loss=0.0)


def test_runner_computes_in_a_thread_and_the_view_shows_it(qtbot, result):
    from gui.sweep_view import SweepView

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
    from gui.sweep_view import SweepView

    view = SweepView()
    qtbot.addWidget(view)
    view.compute(small_config(), lrs=(0.1, -1.0))
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    assert view.status.text().startswith("The sweep failed: learning rate must be positive")
    assert view.result is None
    assert view.shutdown()


def test_stopping_mid_computation_ends_the_thread_and_shows_nothing(qtbot):
    from gui.sweep_view import SweepView

    view = SweepView()
    qtbot.addWidget(view)
    shown = []
    view.result_shown.connect(shown.append)
    view.compute(long_config())
    qtbot.waitUntil(lambda: "step" in view.status.text(), timeout=10_000)  # progress arrives
    began = time.perf_counter()
    assert view.shutdown()
    assert time.perf_counter() - began < 2  # cancelled within a step, not run to the end
    assert not view.runner.running
    qtbot.wait(50)
    assert shown == [] and view.result is None
    # and it starts again
    view.compute(small_config(max_steps=20))
    qtbot.waitUntil(lambda: view.result is not None, timeout=30_000)
    assert view.result.config.max_steps == 20
    assert view.shutdown()


def test_a_new_compute_drops_the_one_under_way(qtbot):
    from gui.sweep_view import SweepView

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


def test_deleting_the_view_mid_computation_ends_the_thread(qtbot):
    from PySide6.QtCore import QCoreApplication, QEvent

    from gui.sweep_view import SweepView

    view = SweepView()
    view.compute(long_config())
    qtbot.waitUntil(lambda: "step" in view.status.text(), timeout=10_000)
    runner_thread = view.runner._thread
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not runner_thread.isRunning()


# --- exports ---------------------------------------------------------------------------------


def colour_pixels(image: Image.Image, colour: str) -> int:
    pixels = np.asarray(image.convert("RGB")).astype(int)
    rgb = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])
    return int((np.abs(pixels - rgb) <= 30).all(axis=2).sum())


@pytest.mark.parametrize("scale", [1, 2])
def test_png_export_is_the_figure_size_times_the_scale_with_curves(qapp, tmp_path, result, scale):
    from gui.offscreen import FIGURE_SIZE, SETTINGS_KEY
    from gui.sweep_view import export_sweep

    path = tmp_path / "sweep.png"
    export_sweep(path, result, PANEL_LRS, PRESENTATION, scale)
    with Image.open(path) as image:
        assert FIGURE_SIZE == (1280, 800)
        assert image.size == (1280 * scale, 800 * scale)
        assert '"max_steps": 200' in image.text[SETTINGS_KEY]
        for name in result.names:
            assert colour_pixels(image, optimizer_colour(name)) > 1000 * scale, name


def test_svg_export_parses_and_names_its_axes(qapp, tmp_path, result):
    from gui.sweep_view import export_sweep

    path = tmp_path / "sweep.svg"
    export_sweep(path, result, PANEL_LRS, DEFAULT)
    text = " ".join(t.strip() for t in ET.parse(path).getroot().itertext())
    for words in ("learning rate", "Final loss", "Steps to converge", "SGD", "Adam", "0.001"):
        assert words in text


def test_csv_export_by_extension(qapp, tmp_path, result):
    from gui.sweep_view import export_sweep

    path = tmp_path / "sweep.CSV"
    export_sweep(path, result, PANEL_LRS, DEFAULT)
    assert path.read_text() == csv_text(result)


@pytest.mark.parametrize("name", ["missing/sweep.png", "folder", "sweep.gif"])
def test_export_to_an_unwritable_path_fails_cleanly(qapp, tmp_path, result, name):
    from gui.sweep_view import export_sweep

    (tmp_path / "folder").mkdir()
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(OutputError, match="cannot write"):
        export_sweep(tmp_path / name, result, PANEL_LRS, DEFAULT)
    assert sorted(tmp_path.rglob("*")) == before
