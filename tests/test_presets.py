"""The presets: what they set, and that the edge-of-stability preset shows what it promises."""

import numpy as np
import pytest

from engine.analysis.sharpness import SharpnessTracker
from engine.config.presets import PRESETS, get_preset
from engine.config.settings import ConfigError, DatasetSpec, ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment


def test_the_presets_gradient_descent_hovers_at_two_over_eta():
    """The whole 5,000 steps in float32 as the window runs them, λ every 25th step (odd and
    even steps alike: λ alternates either side of 2/η, so one parity alone is biased). Over
    the second half the loss rises on nearly every other step, yet falls on average."""
    preset = PRESETS["edge-of-stability"]
    assert OptimizerSpec.create("sgd") in preset.changes["optimizers"]
    config = preset.apply().with_changes(optimizers=(OptimizerSpec.create("sgd"),))
    experiment = BatchedExperiment(config)
    tracker = SharpnessTracker(experiment, every=25)
    tracker.run_to_end()
    assert tracker.sharpness[0, 0] == pytest.approx(9.70, abs=0.005)
    for run in experiment.runs:
        assert experiment.summary(run.index).status.name == "MAX_STEPS"
        second_half = tracker.sharpness[run.index, 2500:]
        mean = np.nanmean(second_half)
        assert mean == pytest.approx(2 / run.lr, rel=0.05), run.lr
        losses = experiment.losses(run.index)[2500:]
        assert (np.diff(losses) > 0).mean() > 0.4
        assert losses[-1000:].mean() < losses[:1000].mean()


def test_a_preset_sets_only_its_fields():
    preset = get_preset("edge-of-stability")
    config = preset.apply(ExperimentConfig(dtype="float64", max_steps=7))
    assert config.dtype == "float64" and config.activation == "tanh"
    assert config.max_steps == 5000 and config.learning_rates[2] == 2 / 30
    assert config.dataset == DatasetSpec(kind="generated", samples=20, noise=0.0, seed=0)
    with pytest.raises(ConfigError, match="unknown preset 'eos' \\(known: edge-of-stability\\)"):
        get_preset("eos")
