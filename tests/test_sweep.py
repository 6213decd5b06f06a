"""The learning-rate sweep's numbers, its CSV, and how a result is shaped for plots and text."""

import csv
import io
import math
from dataclasses import replace

import numpy as np
import pytest

from engine.analysis.sweep import (
    CSV_HEADER,
    SWEEP_LRS,
    SweepResult,
    describe_sweep,
    loss_ceiling,
    loss_curve_data,
    off_chart_runs,
    steps_plot_note,
    sweep_caption,
    sweep_summary,
)
from engine.analysis.sweep_run import run_sweep
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunStatus
from tests.sweep_cases import csv_text, small_config

# converged, max steps and diverged all occur among these (sgd diverges at the top end)
CHECKED = (0, 25, 40, 55, 60, 63)


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


# --- shaping ---------------------------------------------------------------------------------


def test_off_chart_runs_are_the_diverged_and_the_blown_up(result):
    expected_loss = loss_curve_data(result)
    # elsewhere the curve is the final loss itself
    off_chart = off_chart_runs(result)
    ceiling = loss_ceiling(result)
    assert ceiling == 10 * result.initial_loss
    assert (off_chart == (result.diverged | (result.final_loss > ceiling))).all()
    assert (off_chart & ~result.diverged).any()  # in float64, sgd reaches 1e307 unflagged
    np.testing.assert_array_equal(expected_loss[~off_chart], result.final_loss[~off_chart])
    assert np.isnan(expected_loss[off_chart]).all()


def test_without_a_first_loss_the_ceiling_is_the_article_plots_top(result):
    unknown = replace(result, initial_loss=math.nan)
    assert loss_ceiling(unknown) == 30.0  # ten times a tenth of the article's 0…30 loss axis
    high_stop = replace(unknown, config=small_config(stop_loss=5.0))
    assert loss_ceiling(high_stop) == 50.0


def test_summary_and_captions_name_the_rates_and_each_optimizers_best(result):
    assert sweep_caption(result) == "learning-rate sweep: 64 rates from 0.0001 to 10"
    assert describe_sweep(result, 7.06) == "64 learning rates × 2 optimizers in 7.1 s"
    one = replace(result, names=("adam",), labels=("Adam",))
    assert describe_sweep(one, 0.5) == "64 learning rates × 1 optimizer in 0.5 s"
    lines = sweep_summary(result).splitlines()
    assert lines[0] == sweep_caption(result) and len(lines) == 3
    assert lines[1].startswith("  SGD   lowest final loss ")
    # every run of sgd blown up: no best to name
    diverged = np.ones_like(result.diverged)
    gone = sweep_summary(replace(result, diverged=diverged))
    ceiling = loss_ceiling(result)
    assert gone.splitlines()[1] == (
        f"  SGD   no run ended below {ceiling:g}; "
        f"converged at {int(result.converged[0].sum())} of 64 rates"
    )


def test_an_empty_steps_plot_says_why(result):
    assert np.isfinite(result.steps).any() and steps_plot_note(result) == ""
    none = replace(result, steps=np.full_like(result.steps, np.nan))
    stop = result.config.stop_loss
    assert steps_plot_note(none) == f"No run reached the stop loss {stop:g} within 200 steps."
    off = replace(none, config=result.config.with_changes(stop_loss=0.0))
    assert steps_plot_note(off) == (
        "No run reached the stop loss 0 within 200 steps:\n"
        "set a stop loss in Settings to see when runs converge."
    )
    seeds = replace(none, config=result.config.with_changes(seeds=4, max_steps=5000))
    assert steps_plot_note(seeds) == (
        f"At no learning rate did half the seeds reach the stop loss {stop:g} within 5,000 steps."
    )
