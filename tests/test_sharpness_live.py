"""Sharpness in the live engine and the inspector, and on the 2-D problems: the values the window
is sent equal a tracker's computed on its own, only while asked for, every k steps (k odd)."""

import math

import numpy as np
import pytest
import torch

from engine.analysis.inspection import inspect_run
from engine.analysis.readings import threshold_at, threshold_position
from engine.analysis.sharpness import SharpnessTracker, surface_hessians
from engine.analysis.stability import largest_eigenvalue, problem_stability
from engine.config.presets import EDGE_OF_STABILITY
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.core.tasks import TaskState
from engine.experiment.batched import BatchedExperiment
from engine.live.messages import LossUpdate
from engine.live.session import LiveSession
from engine.live.sharpness import MARGIN, cadence
from engine.optimizers.schedules import ScheduleSpec
from engine.problems import PROBLEMS

SMALL_PRESET = EDGE_OF_STABILITY.apply().with_changes(
    optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("adam_torch")), max_steps=40
)


def specs(*names: str) -> tuple[OptimizerSpec, ...]:
    return tuple(OptimizerSpec.create(name) for name in names)


# --- how often -----------------------------------------------------------------------------


def test_k_is_odd_and_keeps_sharpness_below_the_training_time():
    for ratio in (0.1, 0.5, 0.9, 1.0, 3.4, 4.0, 12.0, 40.0):
        k = cadence(1e-3, ratio * 1e-3, math.inf)
        assert k % 2 == 1, ratio
        assert MARGIN * ratio <= k, ratio  # sharpness takes at most 1/MARGIN of k steps' time
        assert k - 2 < max(MARGIN * ratio, 1), ratio  # and k is the smallest odd such number


def test_k_is_one_at_a_slow_speed_and_stays_put_for_small_changes():
    assert MARGIN == 2  # sharpness takes at most half the time of the k steps
    assert cadence(1e-3, 4e-3, speed=100.0) == 1  # 0.5 s of every second
    assert cadence(1e-3, 4e-3, speed=101.0) == 9
    assert cadence(1e-3, 4.1e-3, math.inf, current=9) == 9  # noise: no new sampling
    assert cadence(1e-3, 6e-3, math.inf, current=9) == 13  # 9 steps no longer pay for it
    assert cadence(1e-3, 1e-3, math.inf, current=9) == 3  # 9 is over three times what's needed
    assert cadence(1e-3, 4e-3, math.inf, current=8) == 9  # an even k is never kept


# --- the live session ----------------------------------------------------------------------


def updates_of(reports: list) -> list[LossUpdate]:
    return [r for r in reports if isinstance(r, LossUpdate)]


def assembled(updates: list[LossUpdate], runs: int, field: str) -> np.ndarray:
    """A field's columns as the window assembles them from the updates (NaN where none came)."""
    out = np.full((runs, max(u.end for u in updates)), np.nan)
    for u in updates:
        if getattr(u, field) is not None:
            out[:, u.start : u.end] = getattr(u, field)
    return out


def test_the_window_is_sent_what_a_tracker_computes_only_while_it_asks():
    reports: list = []
    task = TaskState(report=reports.append)
    session = LiveSession()
    session.build(task, SMALL_PRESET, reference=False)
    for _ in range(5):
        session.step(task)
    session.sharpness = True  # the view goes on at step 5
    session.follow_sharpness(task)
    for _ in range(10):
        session.step(task)
    session.sharpness = False  # and off at step 15
    session.follow_sharpness(task)
    for _ in range(5):
        session.step(task)

    updates = updates_of(reports)
    assert [u.sharpness is not None for u in updates] == [False] * 5 + [True] * 11 + [False] * 6
    assert {u.sharpness_every for u in updates if u.sharpness is not None} == {1}  # single steps
    runs = len(session.experiment.runs)
    sharpness = assembled(updates, runs, "sharpness")
    preconditioned = assembled(updates, runs, "preconditioned")
    assert sharpness.shape[1] == 20

    expected = SharpnessTracker(BatchedExperiment(SMALL_PRESET))
    expected.step(20)
    np.testing.assert_array_equal(sharpness[:, 5:15], expected.sharpness[:, 5:15])
    np.testing.assert_array_equal(preconditioned[:, 5:15], expected.preconditioned[:, 5:15])
    assert np.isnan(sharpness[:, :5]).all() and np.isnan(sharpness[:, 15:]).all()
    assert np.isfinite(preconditioned[4:, 5:15]).all()  # the Adam runs
    assert np.isnan(preconditioned[:4]).all()  # SGD divides by nothing


def test_at_full_speed_k_is_odd_and_every_value_is_the_trackers():
    reports: list = []
    task = TaskState(report=reports.append)
    session = LiveSession()
    session.sharpness = True
    session.build(task, SMALL_PRESET.with_changes(max_steps=300), reference=False)
    session.play(task, fast=True)
    updates = updates_of(reports)
    assert all(u.sharpness is not None for u in updates)
    assert all(u.sharpness_every % 2 == 1 for u in updates)
    sharpness = assembled(updates, len(session.experiment.runs), "sharpness")
    computed = np.isfinite(sharpness[0])
    assert computed[0] and computed.sum() > 1
    np.testing.assert_array_equal(np.isfinite(sharpness), np.tile(computed, (8, 1)))
    expected = SharpnessTracker(BatchedExperiment(SMALL_PRESET.with_changes(max_steps=300)))
    expected.run_to_end()
    np.testing.assert_array_equal(sharpness[:, computed], expected.sharpness[:, computed])


def test_a_reset_or_new_experiment_starts_the_sharpness_over_from_step_0():
    reports: list = []
    task = TaskState(report=reports.append)
    session = LiveSession()
    session.sharpness = True
    session.build(task, SMALL_PRESET, reference=False)
    session.step(task)
    session.reset(task)
    reports.clear()
    session.step(task)
    (update,) = updates_of(reports)
    assert update.start == 0 and np.isfinite(update.sharpness[:, 0]).all()


# --- the inspector's reading ---------------------------------------------------------------


def test_the_inspection_reads_the_trackers_values_and_places_them():
    experiment = BatchedExperiment(SMALL_PRESET.with_changes(dtype="float64"))
    tracker = SharpnessTracker(experiment)
    tracker.step(30)
    for run in experiment.runs:
        reading = inspect_run(experiment, run.index, 0).sharpness
        assert reading.sharpness == pytest.approx(tracker.sharpness[run.index, 30], rel=1e-10)
        assert reading.threshold == pytest.approx(2 / run.lr if run.index < 4 else 38 / run.lr)
        if reading.adaptive:
            assert reading.preconditioned == pytest.approx(
                tracker.preconditioned[run.index, 30], rel=1e-10
            )
            assert reading.bounded == reading.preconditioned
        else:
            assert reading.preconditioned is None and reading.bounded == reading.sharpness
        assert reading.position == threshold_position(reading.bounded, reading.threshold)
        assert reading.rule == run.optimizer.optimizer.threshold_rule


def test_a_stopped_adaptive_run_has_no_preconditioned_reading_and_no_position():
    experiment = BatchedExperiment(SMALL_PRESET.with_changes(max_steps=3))
    experiment.run_to_end()
    adam = next(r for r in experiment.runs if r.optimizer.name == "adam_torch")
    reading = inspect_run(experiment, adam.index, 0).sharpness
    assert reading.adaptive and reading.preconditioned is None
    assert math.isnan(reading.bounded) and reading.position == ""


def test_below_at_and_above_with_five_percent():
    assert threshold_position(18.9, 20.0) == "below"
    assert threshold_position(19.0, 20.0) == "at"
    assert threshold_position(21.0, 20.0) == "at"
    assert threshold_position(21.1, 20.0) == "above"
    assert threshold_position(21.0, math.nan) == "" == threshold_position(math.nan, 20.0)


def test_thresholds_follow_the_rate_each_step_used():
    lrs = np.array([0.1, 0.05])
    np.testing.assert_allclose(threshold_at(OptimizerSpec.create("sgd"), lrs), [20, 40])
    assert np.isnan(threshold_at(OptimizerSpec.create("lion"), lrs)).all()


# --- the 2-D problems ----------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n, p in PROBLEMS.items() if p.is_surface])
def test_surface_hessians_are_autograds_row_by_row(name):
    problem = PROBLEMS[name]()
    rows = torch.randn(5, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    batched = surface_hessians(problem, rows)
    for row, hessian in zip(rows, batched):
        torch.testing.assert_close(hessian, problem.hessian(row), rtol=1e-12, atol=1e-12)


def test_sharpness_on_a_surface_follows_each_runs_path():
    config = ExperimentConfig(
        problem="rosenbrock",
        optimizers=specs("sgd", "adam"),
        learning_rates=(0.0001, 0.0003),
        max_steps=25,
    )
    experiment = BatchedExperiment(config, record_parameters=True)
    tracker = SharpnessTracker(experiment)
    tracker.run_to_end()
    problem = experiment.problem
    start = problem_stability(problem, problem.initial_parameters(0))
    np.testing.assert_allclose(tracker.sharpness[:, 0], start.lambda_max, rtol=1e-12)
    for run in experiment.runs:
        path = torch.from_numpy(experiment.parameters(run.index))
        expected = largest_eigenvalue(problem.hessian(path[20]))
        assert tracker.sharpness[run.index, 20] == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(tracker.preconditioned[2:, :25]).all()  # Adam's rows


def test_the_preset_applies_over_a_surface_with_a_constant_rate():
    surface = ExperimentConfig(
        problem="beale", start=(1.0, 1.0), schedule=ScheduleSpec.create("cosine")
    )
    config = EDGE_OF_STABILITY.apply(surface)
    assert config.problem == "mlp" and config.start is None
    assert config.schedule == ScheduleSpec() and config.activation == "tanh"
