"""Seeds in the window: the Seeds box, a median curve in a 10–90 % band per optimizer, outcome
counts in the Runs table, median and band in the hover readout, a seed column in the data."""

import csv

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from engine.analysis.sweep import band_curve_data
from engine.analysis.sweep_run import run_sweep
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.experiment.seeds import seed_bands, seed_outcomes
from engine.live.updates import full_update
from gui.plotting.pacing import SPEED_STEPS
from gui.sweep.plots import SweepPlots
from tests.windows import commit_text, open_main_window, temporary_settings

SEEDS = 4
CONFIG = ExperimentConfig(
    optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("adam")),
    learning_rates=(0.01, 30.0),  # at 30 SGD blows up, Adam does not
    max_steps=150,
)


@pytest.fixture
def window(qtbot, tmp_path):
    return open_main_window(qtbot, temporary_settings(tmp_path), CONFIG, SPEED_STEPS)


def seeded(window, qtbot):
    """Seeds set to 4 in the Settings dock, then played to the end."""
    commit_text(window.controls.seeds, str(SEEDS))
    assert window.model.config.seeds == SEEDS
    qtbot.waitUntil(lambda: window.session.started.config.seeds == SEEDS)
    assert len(window.session.started.runs) == 2 * 2 * SEEDS
    window.toggle_play()
    qtbot.waitUntil(lambda: window.session.done, timeout=60_000)
    window.refresh_now()


@pytest.fixture(scope="module")
def expected():
    """The same experiment trained headless: its bands and outcomes."""
    experiment = BatchedExperiment(CONFIG.with_changes(seeds=SEEDS))
    experiment.run_to_end()
    update = full_update(experiment)
    status = update.summaries.status
    bands = seed_bands(
        update.losses, 0, update.counts, status, update.summaries.final.astype(float), SEEDS
    )
    return bands, seed_outcomes(status, SEEDS), update


def test_each_panel_draws_a_median_in_a_band_per_optimizer(window, qtbot, expected):
    seeded(window, qtbot)
    bands, _, _ = expected
    for j, panel in enumerate(window.grid.panels):
        assert len(panel.curves) == 2 and len(panel.bands.items) == 2  # bands, not 8 curves
        for lane in panel.lanes:
            group = lane.index // SEEDS
            assert (lane.optimizer_index, lane.lr_index) == (group // 2, j)
            length = int(np.count_nonzero(~np.isnan(bands.median[group])))
            x, y = panel.curves[lane.index].getData()
            np.testing.assert_array_equal(y, bands.median[group, :length])
            np.testing.assert_array_equal(x, np.arange(length))
            x_low, low, x_high, high = panel.bands.items[lane.index].edges()
            np.testing.assert_array_equal(low, bands.low[group, :length])
            np.testing.assert_array_equal(high, bands.high[group, :length])
            assert not panel.bands.items[lane.index].path().isEmpty()
    blown = window.grid.panels[1].diverged.data  # every SGD draw at 30 gets its ✕
    assert len(blown) == SEEDS
    legend = [label.text for _, label in window.grid.legend.items]
    assert legend[-1] == f"median, 10–90 % of {SEEDS} seeds"


def test_the_runs_table_counts_outcomes(window, qtbot, expected):
    seeded(window, qtbot)
    _, outcomes, _ = expected
    texts = {}
    for group in range(4):
        i, j = divmod(group, 2)
        texts[(i, j)] = window.run_table.item(i, j).text()
        assert texts[(i, j)] == outcomes.text(group)
    assert texts[(0, 1)] == "0 conv · 0 stall · 4 blew up"  # SGD at 30


def test_hover_shows_median_and_band(window, qtbot, expected):
    seeded(window, qtbot)
    bands, _, _ = expected
    panel = window.grid.panels[0]
    scene = panel.plot.getViewBox().mapViewToScene(QPointF(20.2, 5.0))
    window.grid.scene().sigMouseMoved.emit(scene)
    lines = panel.readout.textItem.toPlainText().splitlines()
    assert lines[0] == f"step 20 · median [10–90 %] of {SEEDS} seeds"
    for lane, line in zip(panel.lanes, lines[1:]):
        group = lane.index // SEEDS
        low, median, high = (b[group, 20] for b in (bands.low, bands.median, bands.high))
        assert line == f"{lane.optimizer.label}: {median:.4g} [{low:.3g}–{high:.3g}]"


def test_exported_data_has_a_seed_column(window, qtbot, expected, tmp_path):
    seeded(window, qtbot)
    _, _, update = expected
    path = tmp_path / "losses.csv"
    assert window.files.export_data(str(path))
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["optimizer", "lr", "seed", "step", "loss"]
    assert len(rows) == int(update.counts.sum())
    assert {int(r["seed"]) for r in rows} == set(range(SEEDS))


def test_the_sweep_draws_each_optimizers_median_in_a_band(qtbot):
    result = run_sweep(CONFIG.with_changes(seeds=3, max_steps=40), (0.001, 0.01, 0.1, 1.0))
    plots = SweepPlots()
    qtbot.addWidget(plots)
    plots.show_result(result)
    assert len(plots.bands) == 2
    drawn_low, drawn_high = band_curve_data(result)  # the top held at the loss ceiling
    assert (drawn_high < result.band_high).any()
    for i, band in enumerate(plots.bands):
        low, high = (edge.getData()[1] for edge in band.curves)
        np.testing.assert_allclose(10**low, result.band_low[i], rtol=1e-12)
        np.testing.assert_allclose(10**high, drawn_high[i], rtol=1e-12)
        np.testing.assert_allclose(10 ** plots.loss_curves[i].getData()[1], result.final_loss[i])
    single = run_sweep(CONFIG.with_changes(max_steps=40), (0.001, 0.01, 0.1, 1.0))
    plots.show_result(single)
    assert plots.bands == []
