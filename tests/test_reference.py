"""The live check: torch.optim twins follow every run that has one, within 1e-4 in float32."""

import numpy as np

from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunStatus
from engine.optimizers import REGISTRY, TorchEquivalent


def test_every_twin_stays_within_1e_4_over_the_articles_1000_float32_steps():
    config = ExperimentConfig(optimizers=tuple(OptimizerSpec.create(n) for n in REGISTRY))
    experiment = BatchedExperiment(config, reference=True)
    experiment.run_to_end()
    check = experiment.reference
    for run in experiment.runs:
        twin = run.optimizer.optimizer.torch_equivalent(run.optimizer.params)
        if isinstance(twin, TorchEquivalent):
            assert check.notes[run.index] is None
            assert 0 <= check.max_diff[run.index] < 1e-4, (run, check.max_diff[run.index])
            ours = experiment.losses(run.index)
            np.testing.assert_allclose(check.losses[run.index, : len(ours)], ours, rtol=1e-3)
        else:
            assert check.notes[run.index] == twin and np.isnan(check.max_diff[run.index])
            assert np.isnan(check.losses[run.index]).all()


def test_the_twin_follows_a_schedule_and_stops_with_its_run():
    from engine.config.settings import schedule_spec

    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create("adam_torch"),),
        learning_rates=(0.05, 1e5),
        max_steps=300,
        schedule=schedule_spec("cosine", {"T_max": 50}),
    )
    experiment = BatchedExperiment(config, reference=True)
    experiment.run_to_end()
    assert experiment.reference.max_diff[0] < 1e-4
    for summary in experiment.summaries():
        assert summary.status is not RunStatus.RUNNING
        recorded = np.isfinite(experiment.reference.losses[summary.run.index]).sum()
        assert recorded <= summary.steps  # never a loss past the run's own end


def test_without_the_check_nothing_of_torch_optim_runs():
    experiment = BatchedExperiment(ExperimentConfig(max_steps=5))
    experiment.run_to_end()
    assert experiment.reference is None
