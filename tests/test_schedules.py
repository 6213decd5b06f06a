"""Every schedule against torch.optim.lr_scheduler, step for step, and end to end in training."""

import numpy as np
import pytest
import torch

from engine.config.settings import ConfigError, ExperimentConfig, OptimizerSpec, schedule_spec
from engine.experiment.batched import BatchedExperiment
from engine.optimizers.schedules import SCHEDULES
from tests import reference

CASES = [
    ("step", {"step_size": 7, "gamma": 0.5}),
    ("exponential", {"gamma": 0.97}),
    ("cosine", {"T_max": 40, "eta_min": 0.001}),  # 200 steps: past T_max, it climbs again
    ("warmup", {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 20}),
    ("plateau", {"factor": 0.5, "patience": 3, "threshold": 0.01, "cooldown": 2}),
    ("plateau", {}),
]
LRS = (0.01, 0.05, 0.2)


def torch_scheduler(name, params, torch_opt):
    schedule = SCHEDULES[name]
    return getattr(torch.optim.lr_scheduler, schedule.torch_name)(torch_opt, **params)


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_training_with_a_schedule_equals_torch_step_for_step(name, params):
    spec = schedule_spec(name, params)
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create("sgd"),),
        learning_rates=LRS,
        max_steps=200,
        stop_loss=0.0,
        dtype="float64",
        schedule=spec,
    )
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    data = reference.article_dataset()
    x, y = data.x.double(), data.y.double()
    for run in experiment.runs:
        params_ = [p.detach().clone().requires_grad_() for p in reference.initial_parameters(0, 3)]
        opt = torch.optim.SGD(params_, lr=run.lr)
        scheduler = torch_scheduler(name, spec.params, opt)
        losses, lrs = [], []
        for _ in range(200):
            opt.zero_grad()
            loss = reference.mse(params_, x, y)
            losses.append(loss.item())
            lrs.append(opt.param_groups[0]["lr"])
            loss.backward()
            opt.step()
            scheduler.step(loss.item()) if name == "plateau" else scheduler.step()
        ours_lr = experiment.lr_buffer[run.index, :200]
        np.testing.assert_allclose(ours_lr, lrs, rtol=1e-12, atol=0)
        np.testing.assert_allclose(experiment.losses(run.index), losses, rtol=1e-9, atol=1e-12)
    if name in ("step", "cosine", "warmup"):  # the schedule really changed the rate
        assert len(set(np.round(experiment.lr_buffer[0, :200], 12))) > 3


def test_plateau_rescues_sgd_from_its_flat_loss():
    """SGD at lr 1 sticks at 16.35 for the whole run; with the plateau schedule (patience 5)
    six steps without a better loss than step 0's cut the rate to 0.1, and the run converges."""
    base = ExperimentConfig(
        optimizers=(OptimizerSpec.create("sgd"),), learning_rates=(1.0,), max_steps=100
    )
    stuck = BatchedExperiment(base)
    stuck.run_to_end()
    assert stuck.summary(0).describe() == "reached max steps (100)"
    rescued = BatchedExperiment(
        base.with_changes(schedule=schedule_spec("plateau", {"patience": 5}))
    )
    rescued.run_to_end()
    lrs = rescued.lr_buffer[0, : rescued.counts[0]]
    assert list(lrs[:7]) == [1.0] * 7 and set(lrs[7:]) == {0.1}
    assert rescued.summary(0).describe() == "converged at step 20"


@pytest.mark.parametrize(
    "name, params, message",
    [
        ("sawtooth", {}, "unknown schedule 'sawtooth'"),
        ("step", {"step": 3}, "schedule step has no parameter 'step'"),
        ("step", {"step_size": 2.5}, "step_size must be a whole number"),
        ("cosine", {"T_max": 0}, "T_max must be at least 1"),
        ("plateau", {"factor": 1.5}, "factor must be below 1.0"),
    ],
)
def test_bad_schedules_are_refused_by_name(name, params, message):
    with pytest.raises(ConfigError, match=message):
        schedule_spec(name, params)


def test_constant_schedule_keeps_every_rate():
    experiment = BatchedExperiment(ExperimentConfig(max_steps=20, stop_loss=0.0))
    experiment.run_to_end()
    for run in experiment.runs:
        assert set(experiment.lr_buffer[run.index, :20]) == {run.lr}
