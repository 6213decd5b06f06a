"""Several seeds per optimizer and rate: each draw is its seed's own run to the bit, and the
median and 10–90 % band are numpy's percentiles of those runs, step by step."""

import csv
import io
import json

import numpy as np
import pytest

import main
from engine.analysis.sweep import SEEDS_CSV_HEADER as SWEEP_SEEDS_HEADER
from engine.analysis.sweep import write_sweep_csv
from engine.analysis.sweep_run import run_sweep
from engine.config.settings import ConfigError, ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunStatus
from engine.experiment.seeds import (
    group_status,
    median_converged_step,
    seed_bands,
    seed_outcomes,
)
from engine.io.experiment_file import config_from_dict, config_to_dict
from engine.io.records import CSV_HEADER, SEEDS_CSV_HEADER, write_losses_csv
from engine.live.updates import full_update

SEEDS = 4
# every outcome shows up: SGD stalls at 0.001, converges at 0.1 and blows up at 30
CONFIG = ExperimentConfig(
    optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("adam")),
    learning_rates=(0.001, 0.1, 30.0),
    seed=3,
    seeds=SEEDS,
    max_steps=300,
)


@pytest.fixture(scope="module")
def seeded():
    experiment = BatchedExperiment(CONFIG)
    experiment.run_to_end()
    return experiment


@pytest.fixture(scope="module")
def alone():
    """Per seed, the experiment that trains it alone (seeds = 1)."""
    runs = {}
    for s in range(SEEDS):
        experiment = BatchedExperiment(CONFIG.with_changes(seed=CONFIG.seed + s, seeds=1))
        experiment.run_to_end()
        runs[s] = experiment
    return runs


def single(alone, run):
    """The summary and losses of ``run`` (of the seeded experiment) trained alone."""
    experiment = alone[run.seed_index]
    twin = next(
        r
        for r in experiment.runs
        if (r.optimizer_index, r.lr_index) == (run.optimizer_index, run.lr_index)
    )
    return experiment.summary(twin.index), experiment.losses(twin.index)


def test_each_draw_is_its_seeds_single_run_to_the_bit(seeded, alone):
    assert len(seeded.runs) == 2 * 3 * SEEDS
    outcomes = set()
    for run in seeded.runs:
        assert run.seed == CONFIG.seed + run.seed_index
        assert run.index == (run.optimizer_index * 3 + run.lr_index) * SEEDS + run.seed_index
        summary, losses = single(alone, run)
        ours = seeded.summary(run.index)
        assert (ours.status, ours.status_step, ours.steps) == (
            summary.status,
            summary.status_step,
            summary.steps,
        ), run
        assert seeded.losses(run.index).tobytes() == losses.tobytes(), run
        outcomes.add(ours.status)
    assert outcomes == {RunStatus.CONVERGED, RunStatus.MAX_STEPS, RunStatus.DIVERGED}


def test_the_draws_start_from_different_parameters(seeded):
    first = [seeded.losses(r.index)[0] for r in seeded.runs[:SEEDS]]
    assert len(set(first)) == SEEDS


def expected_bands(alone, seeded, group):
    """numpy's percentiles, step by step, of what the group's single runs contribute: their
    loss while recording, their last loss once converged or stalled, nothing once blown up."""
    runs = seeded.runs[group * SEEDS : (group + 1) * SEEDS]
    singles = [single(alone, run) for run in runs]
    longest = max(len(losses) for _, losses in singles)
    table = []
    for step in range(longest):
        values = []
        for summary, losses in singles:
            if step < len(losses):
                values.append(float(losses[step]))
            elif summary.status in (RunStatus.CONVERGED, RunStatus.MAX_STEPS):
                values.append(float(losses[-1]))
        table.append((len(values), *np.percentile(values, [10, 50, 90])) if values else None)
    return table


def test_medians_and_bands_are_numpys_percentiles_of_the_single_runs(seeded, alone):
    update = full_update(seeded)
    status = np.array([s.status for s in update.summaries])
    final = np.array([np.nan if s.final_loss is None else s.final_loss for s in update.summaries])
    bands = seed_bands(update.losses, 0, update.counts, status, final, SEEDS)
    assert bands.median.shape == (6, seeded.config.max_steps)
    for group in range(6):
        table = expected_bands(alone, seeded, group)
        for step, row in enumerate(table):
            got = (bands.alive[group, step], bands.low[group, step], bands.median[group, step])
            got += (bands.high[group, step],)
            if row is None:
                assert got[0] == 0 and np.isnan(got[2])
            else:
                assert got == row, (group, step)
        assert np.isnan(bands.median[group, len(table) :]).all()  # past its longest draw


def test_bands_of_column_chunks_equal_the_bands_of_the_whole(seeded):
    """The window computes bands for each update's new columns: the same numbers."""
    update = full_update(seeded)
    status = np.array([s.status for s in update.summaries])
    final = np.array([np.nan if s.final_loss is None else s.final_loss for s in update.summaries])
    whole = seed_bands(update.losses, 0, update.counts, status, final, SEEDS)
    for start, end in ((0, 7), (7, 150), (150, 300)):
        part = seed_bands(update.losses[:, start:end], start, update.counts, status, final, SEEDS)
        np.testing.assert_array_equal(part.median, whole.median[:, start:end])
        np.testing.assert_array_equal(part.low, whole.low[:, start:end])
        np.testing.assert_array_equal(part.high, whole.high[:, start:end])


def test_outcome_counts_and_group_status(seeded, alone):
    status = np.array([s.status for s in seeded.summaries()])
    outcomes = seed_outcomes(status, SEEDS)
    steps = np.array([s.status_step for s in seeded.summaries()])
    median_step = median_converged_step(status, steps, SEEDS)
    for group in range(6):
        runs = seeded.runs[group * SEEDS : (group + 1) * SEEDS]
        ended = [single(alone, run)[0] for run in runs]
        kinds = (RunStatus.RUNNING, RunStatus.CONVERGED, RunStatus.DIVERGED, RunStatus.MAX_STEPS)
        counted = [sum(s.status is which for s in ended) for which in kinds]
        assert counted[0] == outcomes.running[group] == 0
        assert counted[1:] == [
            outcomes.converged[group],
            outcomes.blew_up[group],
            outcomes.stalled[group],
        ]
        commonest = max(counted[1:])
        assert counted[group_status(status, SEEDS)[group]] == commonest
        converged = sorted(s.status_step for s in ended if s.status is RunStatus.CONVERGED)
        if 2 * len(converged) > SEEDS:
            assert median_step[group] == np.median(converged + [np.inf] * (SEEDS - len(converged)))
        elif 2 * len(converged) < SEEDS:
            assert np.isnan(median_step[group])
    text = outcomes.text(0)
    assert text.endswith("blew up") and " conv · " in text and " stall · " in text


def test_a_tie_goes_to_the_worse_outcome():
    status = np.array([RunStatus.CONVERGED, RunStatus.DIVERGED, RunStatus.MAX_STEPS] * 2)
    assert list(group_status(status[[0, 1, 0, 1]], 4)) == [RunStatus.DIVERGED]
    assert list(group_status(status[[0, 2, 0, 2]], 4)) == [RunStatus.MAX_STEPS]
    assert list(group_status(np.array([0, 1, 1, 1]), 4)) == [RunStatus.RUNNING]


def csv_rows(update):
    out = io.StringIO()
    write_losses_csv(update, out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_the_csv_gains_a_seed_column_only_with_several_seeds(seeded):
    rows = csv_rows(full_update(seeded))
    assert tuple(rows[0]) == SEEDS_CSV_HEADER == ("optimizer", "lr", "seed", "step", "loss")
    by_run = {}
    for name, lr, seed, step, loss in rows[1:]:
        by_run.setdefault((name, float(lr), int(seed)), []).append((int(step), loss))
    for run in seeded.runs:
        written = by_run[(run.optimizer.key, run.lr, run.seed)]
        assert [step for step, _ in written] == list(range(len(seeded.losses(run.index))))
        assert [np.float32(v) for _, v in written] == list(seeded.losses(run.index))
    one = BatchedExperiment(CONFIG.with_changes(seeds=1, max_steps=5))
    one.run_to_end()
    assert tuple(csv_rows(full_update(one))[0]) == CSV_HEADER


def test_seeds_flag_file_key_and_one_line_refusals(tmp_path, capsys):
    out, saved = tmp_path / "losses.csv", tmp_path / "experiment.json"
    args = ["--seeds", "3", "--max-steps", "20", "--csv", str(out), "--save-config", str(saved)]
    assert main.main(args) == 0
    assert out.read_text().splitlines()[0] == "optimizer,lr,seed,step,loss"
    assert json.loads(saved.read_text())["seeds"] == 3
    printed = capsys.readouterr().out
    assert "median final loss" in printed and "0..2" in printed
    config = config_from_dict(config_to_dict(CONFIG))
    assert config == CONFIG and config.seeds == SEEDS
    for bad, message in (
        (["--seeds", "0"], "seeds must be between 1 and 64, not 0"),
        (["--seeds", "65"], "seeds must be between 1 and 64, not 65"),
        (["--seeds", "two"], "--seeds must be a whole number, not 'two'"),
        (["--seeds", "2", "--batch-size", "2"], "several seeds train on the full batch"),
    ):
        target = tmp_path / "refused.csv"
        assert main.main([*bad, "--csv", str(target)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and not target.exists()


def test_a_2d_problem_refuses_seeds_in_one_line():
    with pytest.raises(ConfigError, match="starts every run at one point: seeds must be 1"):
        ExperimentConfig(problem="rosenbrock", seeds=2)
    from engine.config.problem_switch import config_for_problem

    assert config_for_problem("rosenbrock", CONFIG).seeds == 1  # switching puts it back


def test_a_seeded_sweep_sums_up_each_rates_draws():
    config = CONFIG.with_changes(max_steps=60)
    lrs = (0.001, 0.1, 30.0)
    result = run_sweep(config, lrs)
    assert result.runs_final_loss.shape == (2, 3, SEEDS)
    for s in range(SEEDS):
        alone = run_sweep(config.with_changes(seed=config.seed + s, seeds=1), lrs)
        np.testing.assert_array_equal(result.runs_final_loss[..., s], alone.final_loss)
        np.testing.assert_array_equal(result.runs_status[..., s], alone.status)
    kept = np.where(
        result.runs_status == RunStatus.DIVERGED, np.nan, result.runs_final_loss.astype(float)
    )
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="All-NaN"):
        low, median, high = np.nanpercentile(kept, [10, 50, 90], axis=2)
    np.testing.assert_array_equal(result.final_loss, median)
    np.testing.assert_array_equal(result.band_low, low)
    np.testing.assert_array_equal(result.band_high, high)
    assert result.diverged[0, 2] and not result.diverged[0, 1]  # SGD blows up at 30
    np.testing.assert_array_equal(result.diverged, result.status == RunStatus.DIVERGED)
    out = io.StringIO()
    write_sweep_csv(result, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == SWEEP_SEEDS_HEADER and len(rows) == 1 + 2 * 3 * SEEDS
    assert [int(r[2]) for r in rows[1 : 1 + SEEDS]] == [3, 4, 5, 6]


def test_with_one_seed_the_csv_is_the_tidy_table_it_always_was():
    """No seed column, one row per recorded loss in run order, numbers in numpy's shortest
    round-trip text: the format of every CSV written before seeds existed."""
    experiment = BatchedExperiment(CONFIG.with_changes(seeds=1, max_steps=40))
    experiment.run_to_end()
    out = io.StringIO()
    write_losses_csv(full_update(experiment), out)
    expected = ["optimizer,lr,step,loss"]
    for run in experiment.runs:
        assert (run.seed_index, run.seed) == (0, CONFIG.seed)
        for step, loss in enumerate(experiment.losses(run.index)):
            expected.append(f"{run.optimizer.key},{run.lr!r},{step},{str(loss)}")
    assert out.getvalue() == "\n".join(expected) + "\n"
