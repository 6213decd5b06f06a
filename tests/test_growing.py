"""Records that grow with the steps taken: the buffer itself, and an experiment allowed a
million steps that has taken a hundred."""

import numpy as np
import pytest

from engine.analysis.sharpness import SharpnessTracker
from engine.config.settings import ExperimentConfig
from engine.core.growing import GrowingArray
from engine.experiment.batched import BatchedExperiment

MILLION = 1_000_000


def test_it_doubles_keeps_what_was_written_and_fills_the_rest():
    buffer = GrowingArray((2,), (3,), dtype=np.float32, capacity=4)
    buffer.array[:, :4] = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    buffer.reserve(5)
    assert buffer.capacity == 8
    assert buffer.array.dtype == np.float32
    np.testing.assert_array_equal(buffer.array[:, :4], np.arange(24).reshape(2, 4, 3))
    assert np.isnan(buffer.array[:, 4:]).all()
    buffer.reserve(20)  # more than double: doubled until it fits
    assert buffer.capacity == 32


def test_the_step_axis_may_follow_several_leading_ones():
    buffer = GrowingArray((4, 2), capacity=2)
    buffer.array[3, 1, :2] = (1.0, 2.0)
    view = buffer.view(5)
    assert view.shape == (4, 2, 5)
    np.testing.assert_array_equal(view[3, 1], [1.0, 2.0, np.nan, np.nan, np.nan])
    with pytest.raises(ValueError):
        view[0, 0, 0] = 1.0


def test_the_limit_caps_the_doubling_but_never_a_write():
    buffer = GrowingArray((1,), capacity=256, limit=300)
    buffer.reserve(257)
    assert buffer.capacity == 300
    assert GrowingArray((1,), capacity=256, limit=10).capacity == 10
    buffer.reserve(301)
    assert buffer.capacity == 301


def test_a_flag_buffer_fills_with_false():
    buffer = GrowingArray((2,), dtype=bool, fill=False, capacity=1)
    buffer.array[1, 0] = True
    buffer.reserve(3)
    np.testing.assert_array_equal(buffer.array, [[False] * 4, [True, False, False, False]])


def test_copied_rows_take_every_step_of_the_other_rows():
    mine, theirs = GrowingArray((3,), capacity=2), GrowingArray((2,), capacity=4)
    mine.array[:] = -1.0
    theirs.array[1, :3] = (5.0, 6.0, 7.0)
    mine.copy_rows(theirs, [0], [1])
    np.testing.assert_array_equal(mine.array[0], [5.0, 6.0, 7.0, np.nan])
    np.testing.assert_array_equal(mine.array[1:, :2], -1.0)


def test_a_million_step_experiment_holds_the_steps_it_took():
    """16 runs allowed 1,000,000 steps used to hold 192 MB of losses and rates before the
    first; after 100 steps the records span a few hundred columns, with the same numbers as
    the same experiment allowed 100 steps."""
    long = BatchedExperiment(ExperimentConfig(max_steps=MILLION, stop_loss=-1.0))
    tracker = SharpnessTracker(long)
    tracker.step(100)
    runs = len(long.runs)
    assert long.records_nbytes <= runs * 512 * (4 + 8)  # float32 losses, float64 rates
    assert tracker.nbytes <= runs * 512 * (8 + 8 + 1)  # λ, preconditioned λ, computed
    short = BatchedExperiment(ExperimentConfig(max_steps=100, stop_loss=-1.0))
    short.run_to_end()
    assert long.loss_buffer.shape == (runs, 100)
    np.testing.assert_array_equal(long.loss_buffer, short.loss_buffer)
    np.testing.assert_array_equal(long.lr_buffer, short.lr_buffer)


def test_the_torch_twins_losses_grow_too():
    config = ExperimentConfig(max_steps=MILLION, stop_loss=-1.0)
    experiment = BatchedExperiment(config, reference=True)
    experiment.step(300)
    losses = experiment.reference.losses
    assert losses.shape == experiment.loss_buffer.shape == (len(experiment.runs), 300)
    assert losses.base.shape[1] <= 512


def test_a_buffer_told_what_was_written_doubles_with_little_left_to_copy():
    """Written step by step, the doubled buffer is made ahead; a step written again after it
    was copied is copied again, so the grown buffer holds the latest of every step."""
    buffer = GrowingArray((3,), (2,), dtype=np.float32, capacity=64)
    expected = np.full((3, 128, 2), np.nan, dtype=np.float32)
    for step in range(64):
        buffer.array[:, step] = expected[:, step] = step
        buffer.written(step, step + 1)
        if step == 60:  # a seek: steps from 10 written again
            buffer.array[:, 10:61] = expected[:, 10:61] = -1.0
            buffer.written(10, 61)
    assert buffer.nbytes == 3 * (64 + 128) * 2 * 4  # the doubled buffer is held already
    assert buffer.left_to_copy < 2 * 64 / 4
    buffer.reserve(65)
    assert buffer.capacity == 128 and buffer.nbytes == 3 * 128 * 2 * 4
    np.testing.assert_array_equal(buffer.array, expected)


def test_an_owner_that_says_nothing_doubles_all_at_once():
    buffer = GrowingArray((2,), capacity=8)
    buffer.array[:, :8] = 1.0
    assert buffer.left_to_copy == 16
    buffer.reserve(9)
    np.testing.assert_array_equal(buffer.array[:, :8], 1.0)
    assert np.isnan(buffer.array[:, 8:]).all()
