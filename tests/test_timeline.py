"""The timeline: any step reached so far, shown exactly as a fresh run stopped there shows it."""

import numpy as np
import pytest

from engine.analysis.inspection import inspect_run
from engine.analysis.readings import Inspection
from engine.config.settings import DatasetSpec, ExperimentConfig, OptimizerSpec, schedule_spec
from engine.core.tasks import TaskState
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunSnapshot
from engine.live.session import LiveSession
from engine.live.timeline import Timeline, checkpoint_interval, summaries_at
from engine.optimizers import REGISTRY

EVERY_OPTIMIZER = tuple(OptimizerSpec.create(name) for name in REGISTRY)
GENERATED = DatasetSpec("generated", samples=40, noise=0.1)
CASES = {
    "full batch": {},
    "mini-batches": {"dataset": GENERATED, "batch_size": 12},
    "cosine schedule": {"schedule": schedule_spec("cosine", {"T_max": 30})},
    "plateau, mini-batches": {
        "dataset": GENERATED,
        "batch_size": 7,
        "schedule": schedule_spec("plateau", {"patience": 3}),
    },
}
STEPS = (0, 1, 15, 16, 17, 48, 90, 63, 64, 5, 119, 120)  # back and forth, on and off checkpoints


def assert_same_snapshot(got: RunSnapshot, want: RunSnapshot) -> None:
    assert (got.run, got.step, got.status) == (want.run, want.step, want.status)
    np.testing.assert_array_equal(got.loss, want.loss)
    for name in want.params:
        np.testing.assert_array_equal(got.params[name], want.params[name])
        np.testing.assert_array_equal(got.gradient[name], want.gradient[name])
    assert got.state.keys() == want.state.keys()
    for name, value in want.state.items():
        if isinstance(value, dict):
            for part in value:
                np.testing.assert_array_equal(got.state[name][part], value[part])
        else:
            np.testing.assert_array_equal(got.state[name], value)


def stopped_at(config: ExperimentConfig, step: int) -> BatchedExperiment:
    fresh = BatchedExperiment(config)
    fresh.step(step)
    return fresh


@pytest.mark.parametrize("case", CASES)
def test_every_run_at_any_step_equals_a_fresh_run_stopped_there(case):
    config = ExperimentConfig(
        optimizers=EVERY_OPTIMIZER, learning_rates=(0.01, 0.3), max_steps=120, **CASES[case]
    )
    experiment = BatchedExperiment(config)
    timeline = Timeline(experiment)
    timeline.run_to_end()
    final = tuple(experiment.summaries())
    assert len({s.status for s in final}) > 1  # some runs stop early: their freeze is replayed
    for step in STEPS:
        seen, fresh = timeline.seek(step), stopped_at(config, step)
        assert seen.steps_taken == step
        for run in range(len(experiment.runs)):
            assert_same_snapshot(seen.snapshot(run), fresh.snapshot(run))
        assert summaries_at(final, experiment.loss_buffer, step) == tuple(fresh.summaries())


def test_the_inspection_at_a_step_is_the_one_made_live_at_that_step():
    config = ExperimentConfig(max_steps=200)
    experiment = BatchedExperiment(config)
    timeline = Timeline(experiment)
    timeline.step(150)
    for step, run in ((0, 3), (37, 15), (149, 14)):
        got = timeline.inspect(step, run, weight=4)
        want = inspect_run(stopped_at(config, step), run, 4)
        assert got.view_step == step and want.view_step is None
        assert got.breakdown == want.breakdown
        assert got.stability == want.stability
        assert_same_snapshot(got.snapshot, want.snapshot)


def test_checkpoints_stay_within_their_budget_and_seeks_stay_exact():
    config = ExperimentConfig(max_steps=400, stop_loss=0.0)
    experiment = BatchedExperiment(config)
    state_bytes = experiment.save_state().nbytes
    budget = 6 * state_bytes
    timeline = Timeline(experiment, budget=budget)
    timeline.run_to_end()
    assert timeline.interval == 128  # 400 steps in at most 6 checkpoints: 0, 128, 256, 384
    assert timeline.checkpoints == (0, 128, 256, 384)
    for step in (383, 127, 300):
        seen = timeline.seek(step)
        fresh = stopped_at(config, step)
        np.testing.assert_array_equal(
            seen.current_parameters().numpy(), fresh.current_parameters().numpy()
        )


def test_the_interval_doubles_from_16_until_the_checkpoints_fit():
    assert checkpoint_interval(1000, 1000, budget=10**9) == 16
    assert checkpoint_interval(1000, 100_000, budget=10**6) == 128  # 782 checkpoints of 1 kB
    assert checkpoint_interval(10**7, 1000, budget=1) == 1024  # never beyond one per run


def test_seeks_are_clamped_to_the_steps_reached():
    experiment = BatchedExperiment(ExperimentConfig(max_steps=50))
    timeline = Timeline(experiment)
    timeline.step(20)
    assert timeline.seek(-3).steps_taken == 0
    assert timeline.seek(99).steps_taken == 20 == timeline.furthest


def test_an_experiment_with_the_torch_twins_cannot_be_loaded_back():
    experiment = BatchedExperiment(ExperimentConfig(max_steps=10), reference=True)
    state = experiment.save_state()
    with pytest.raises(ValueError, match="cannot go back"):
        experiment.load_state(state)


def test_the_live_session_inspects_the_step_the_window_went_back_to():
    reports: list = []
    task = TaskState(report=reports.append)
    session = LiveSession()
    session.target = (3, 0)  # SGD at η = 1, which runs to the end
    session.build(task, ExperimentConfig(max_steps=100), reference=False)
    for _ in range(40):
        session.step(task)
    session.view_step = 25
    session.inspect(task)
    latest = [r for r in reports if isinstance(r, Inspection)][-1]
    assert (latest.view_step, latest.snapshot.step) == (25, 25)
    want = inspect_run(stopped_at(ExperimentConfig(max_steps=100), 25), 3, 0)
    assert_same_snapshot(latest.snapshot, want.snapshot)
    session.view_step = None
    session.inspect(task)
    latest = [r for r in reports if isinstance(r, Inspection)][-1]
    assert (latest.view_step, latest.snapshot.step) == (None, 40)
