"""The engine's thread count: the fastest measured, once per experiment size, numbers unchanged."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import engine.live.threads as threads
from engine.config.settings import ExperimentConfig
from engine.experiment.batched import BatchedExperiment
from engine.live.threads import ThreadChoice


@pytest.fixture(autouse=True)
def torch_threads_restored():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_the_count_that_measures_fastest_is_set_and_kept_per_size(monkeypatch):
    timings = {1: 0.002, 2: 0.001}
    timed = []

    def fake(scratch, count):
        timed.append(count)
        return timings[count]

    monkeypatch.setattr(threads, "seconds_per_step", fake)
    choice = ThreadChoice(counts=(1, 2))
    chosen = choice.apply(BatchedExperiment(ExperimentConfig()))
    assert chosen.threads == 2 and torch.get_num_threads() == 2
    assert dict(chosen.seconds) == timings
    assert sorted(set(timed)) == [1, 2]

    timings.update({1: 0.0001})  # the same size again: not measured again
    timed.clear()
    assert choice.apply(BatchedExperiment(ExperimentConfig(max_steps=50))).threads == 2
    assert timed == []
    wider = choice.apply(BatchedExperiment(ExperimentConfig(hidden=8)))
    assert wider.threads == 1 and torch.get_num_threads() == 1


@pytest.mark.parametrize("seeds", [1, 32])
def test_one_thread_and_two_make_the_same_losses_to_the_bit(seeds):
    config = ExperimentConfig(seeds=seeds, max_steps=200, stop_loss=0.0)
    losses = []
    for count in (1, 2):
        torch.set_num_threads(count)
        experiment = BatchedExperiment(config)
        experiment.step(config.max_steps)
        losses.append(experiment.loss_buffer.copy())
    np.testing.assert_array_equal(losses[0], losses[1])
