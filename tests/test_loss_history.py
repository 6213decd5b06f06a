"""The window's loss history keeps every column it received, and its optional buffers (the
torch.optim twins' losses, λ and the preconditioned λ) take room only once used: a history of
512 runs without them copies a third of the bytes when its columns double."""

import dataclasses
import os

import numpy as np
import pytest

from engine.config.settings import BranchSpec, ExperimentConfig, OptimizerSpec, schedule_spec
from engine.experiment.batched import BatchedExperiment
from engine.live.messages import update_at_step
from engine.live.updates import full_update
from gui.state.loss_history import LossHistory
from tests.processes import run_python

STEPS = 1500  # past the 1,024 columns a new history has room for
CONFIG = ExperimentConfig().with_changes(
    optimizers=(OptimizerSpec.create("sgd"),),
    learning_rates=(0.1, 0.01),
    max_steps=STEPS,
    stop_loss=0.0,
)
RATES_AND_LOSSES = 8 + 4  # bytes a run and column: float64 rates, float32 losses
SHARPNESS = 8 + 8  # λ and the preconditioned λ, float64


@pytest.fixture(scope="module")
def finished():
    """The experiment run to its end, and everything it recorded as one update."""
    experiment = BatchedExperiment(CONFIG)
    experiment.run_to_end()
    return experiment, full_update(experiment)


def played(full, history: LossHistory, until: int, chunk: int = 100) -> None:
    for step in range(chunk, until + 1, chunk):
        history.apply(update_at_step(full, step, since=step - chunk))


def test_a_history_without_twins_or_sharpness_grows_only_its_losses_and_rates(finished):
    experiment, full = finished
    runs = len(experiment.runs)
    history = LossHistory()
    history.clear(runs, CONFIG.dtype)
    played(full, history, STEPS)
    assert history.length == STEPS
    for run in range(runs):
        np.testing.assert_array_equal(history.losses(run), experiment.losses(run))
        assert len(history.sharpness(run)) == STEPS and np.isnan(history.sharpness(run)).all()
        assert np.isnan(history.reference_losses(run)).all()
    columns = 2048  # 1,024 doubled once
    assert history.nbytes < runs * columns * (RATES_AND_LOSSES + 1)  # not the 32 of all five

    computed = np.ones((runs, 100))
    later = dataclasses.replace(
        update_at_step(full, STEPS, since=STEPS - 100),
        sharpness=computed,
        preconditioned=computed,
        sharpness_every=1,
    )
    history.apply(later)  # the Sharpness view went on: λ from then on, NaN before
    for run in range(runs):
        values = history.sharpness(run)
        assert np.isnan(values[: STEPS - 100]).all() and (values[STEPS - 100 :] == 1).all()
    assert history.nbytes >= runs * columns * (RATES_AND_LOSSES + 16)


def with_sharpness(update, every: int = 1):
    computed = np.ones_like(update.lrs)
    return dataclasses.replace(
        update, sharpness=computed, preconditioned=computed, sharpness_every=every
    )


def with_step_sharpness(update):
    """``update`` with λ at every step, each column its step number (to check every copy)."""
    computed = np.broadcast_to(np.arange(update.start, update.end, dtype=float), update.lrs.shape)
    return dataclasses.replace(
        update, sharpness=computed.copy(), preconditioned=-computed, sharpness_every=1
    )


def test_sharpness_from_the_first_steps_takes_room_for_its_columns_only(finished):
    """λ from Play on takes a few columns and doubles on its own (at 512 runs the losses'
    reserve would be 48 MB of NaN in the first frame with λ), keeping every value."""
    experiment, full = finished
    runs = len(experiment.runs)
    history = LossHistory()
    history.clear(runs, CONFIG.dtype, max_steps=1200)
    history.apply(with_step_sharpness(update_at_step(full, 40)))
    reserve = runs * 1200 * RATES_AND_LOSSES
    assert history.nbytes == reserve + runs * (SHARPNESS * 64 + 4)  # 40 columns: room for 64
    for step in range(100, STEPS + 1, 60):
        history.apply(with_step_sharpness(update_at_step(full, step, since=step - 60)))
    played_to = (STEPS - 40) // 60 * 60 + 40
    for run in range(runs):
        np.testing.assert_array_equal(history.sharpness(run), np.arange(played_to))
        np.testing.assert_array_equal(history.preconditioned(run), -np.arange(played_to))


def test_sharpness_buffers_joining_late_take_room_from_where_they_join(finished):
    """The losses' room for 1,200 columns is reserved up front; λ from step 900 on takes room
    for its first 1,000 columns and doubles on its own, never with the twins' buffer."""
    experiment, full = finished
    runs = len(experiment.runs)
    history = LossHistory()
    history.clear(runs, CONFIG.dtype, max_steps=1200)
    played(full, history, 900)
    for step in range(1000, STEPS + 1, 100):
        history.apply(with_sharpness(update_at_step(full, step, since=step - 100)))
    losses_room, sharpness_room = 2400, 2048  # 1,200 and 1,024 doubled once
    held = runs * (RATES_AND_LOSSES * losses_room + SHARPNESS * sharpness_room)
    assert history.nbytes == held + runs * 4  # and 4 bytes a run of unused twins' room
    for run in range(runs):
        np.testing.assert_array_equal(history.losses(run), experiment.losses(run))
        values = history.sharpness(run)
        assert np.isnan(values[:900]).all() and (values[900:] == 1).all()


def test_the_app_asks_numpy_for_no_huge_pages():
    """main.py turns numpy's huge pages off before numpy is imported: where Linux compacts
    memory to find them, the first touch of a grown buffer stalled the window up to a second."""
    code = (  # numpy 2 moved numpy.core to numpy._core
        "import main, numpy; core = getattr(numpy, '_core', None) or numpy.core;"
        "print(core.multiarray._get_madvise_hugepage())"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    done = run_python(code, env=env)
    assert done.stdout.strip() == "False", done.stderr


def steady_by_hand(lrs: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each run's one rate over its steps, NaN where it took none or used two."""
    steady = np.full(len(counts), np.nan)
    for run, count in enumerate(counts):
        if count and (lrs[run, :count] == lrs[run, 0]).all():
            steady[run] = lrs[run, 0]
    return steady


def test_the_steady_rates_follow_schedules_branches_and_a_seek_back():
    branch = BranchSpec(from_optimizer="sgd", from_lr=0.1, step=50, lr=0.05)
    config = CONFIG.with_changes(
        learning_rates=(0.3, 0.1, 0.01, 0.001),
        schedule=schedule_spec("plateau", {"patience": 5, "threshold": 0.05}),
        branches=(branch,),
        max_steps=200,
    )
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    full = full_update(experiment, 0)
    history = LossHistory()
    history.clear(len(experiment.runs), config.dtype)
    rates = full.lrs.copy()
    seen = set()
    for since, step in [
        (0, 7),
        (7, 40),
        (40, 120),
        (120, 200),
        (30, 60),
        (60, 61),
        (61, 61),
        (5, 80),
    ]:
        update = update_at_step(full, step, since)
        if since == 5:  # a branch of the timeline: every rate steady from step 5 on
            rates[:, 5:80] = rates[:, :1]
            update = dataclasses.replace(update, lrs=rates[:, 5:80].copy())
        history.apply(update)
        steady = history.steady_rates(np.arange(len(experiment.runs)))
        expected = steady_by_hand(rates, update.counts)
        np.testing.assert_array_equal(steady, expected)
        seen.update(np.isnan(expected).tolist())
    assert seen == {True, False}  # some runs kept their rate, others had it cut
