"""Every optimizer with a torch.optim twin equals it after each of 200 steps, in float64,
parameters and state, one run at a time and batched; Lion equals the paper's pseudo-code."""

import numpy as np
import pytest
import torch

from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.optimizers import REGISTRY, TorchEquivalent
from tests import reference

# our state names -> torch.optim's, per optimizer
STATE_NAMES = {
    "sgd": {},
    "rmsprop": {"v": "square_avg"},
    "rmsprop_torch": {"v": "square_avg"},
    "adam_torch": {"m": "exp_avg", "v": "exp_avg_sq", "step": "step"},
    "momentum_torch": {"b": "momentum_buffer"},
    "nesterov": {"b": "momentum_buffer"},
    "adagrad": {"sum": "sum", "step": "step"},
    "adadelta": {"v": "square_avg", "u": "acc_delta"},
    "adamax": {"m": "exp_avg", "u": "exp_inf", "step": "step"},
    "nadam": {"m": "exp_avg", "v": "exp_avg_sq", "step": "step", "mu_product": "mu_product"},
    "amsgrad": {"m": "exp_avg", "v": "exp_avg_sq", "v_max": "max_exp_avg_sq", "step": "step"},
    "adamw": {"m": "exp_avg", "v": "exp_avg_sq", "step": "step"},
    "radam": {"m": "exp_avg", "v": "exp_avg_sq", "step": "step"},
}
TWINS = sorted(
    name
    for name, opt in REGISTRY.items()
    if isinstance(opt.torch_equivalent(opt.defaults), TorchEquivalent)
)
NO_TWIN = sorted(set(REGISTRY) - set(TWINS))
LR = 0.03


def torch_optimizer(name, hp, params, lr=LR):
    twin = REGISTRY[name].torch_equivalent(hp)
    return getattr(torch.optim, twin.optimizer)(params, lr=lr, **twin.kwargs)


def test_every_optimizer_is_either_checked_against_torch_or_says_why_not():
    assert set(TWINS) == set(STATE_NAMES)
    assert NO_TWIN == ["adam", "lion", "momentum"]
    for name in NO_TWIN:
        assert isinstance(REGISTRY[name].torch_equivalent(REGISTRY[name].defaults), str)


@pytest.mark.parametrize("name", TWINS)
def test_one_run_equals_torch_optim_every_step(name):
    opt = REGISTRY[name]
    hp = opt.resolve()
    data = reference.article_dataset()
    x, y = data.x.double(), data.y.double()
    ours = [p.detach().clone() for p in reference.initial_parameters(0, 3)]
    theirs = [p.detach().clone().requires_grad_() for p in ours]
    torch_opt = torch_optimizer(name, hp, theirs)
    states = [opt.init_state(p.reshape(1, -1), hp) for p in ours]
    lr = torch.tensor([[LR]], dtype=torch.float64)
    for _ in range(200):
        leaves = [p.clone().requires_grad_() for p in ours]
        reference.mse(leaves, x, y).backward()
        for i, leaf in enumerate(leaves):
            new, states[i] = opt.update(
                ours[i].reshape(1, -1), leaf.grad.reshape(1, -1), states[i], lr, hp
            )
            ours[i] = new.reshape(ours[i].shape)
        torch_opt.zero_grad()
        reference.mse(theirs, x, y).backward()
        torch_opt.step()
        for i, torch_p in enumerate(theirs):
            torch.testing.assert_close(ours[i], torch_p.detach())  # float64 defaults: 1e-7
            torch_state = torch_opt.state[torch_p]
            for mine, theirs_name in STATE_NAMES[name].items():
                expected = torch.as_tensor(torch_state[theirs_name], dtype=torch.float64)
                got = states[i][mine]
                got = got.reshape(expected.shape) if expected.dim() else got.reshape(())
                torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("name", TWINS)
def test_batched_runs_equal_torch_optim(name):
    """Three learning rates stepped as one tensor computation, each against its own torch run:
    parameters and state after every one of 200 steps."""
    lrs = (0.003, 0.03, 0.3)
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create(name),),
        learning_rates=lrs,
        max_steps=201,
        stop_loss=-1.0,
        dtype="float64",
    )
    experiment = BatchedExperiment(config)
    data = reference.article_dataset()
    x, y = data.x.double(), data.y.double()
    twins = []
    for run in experiment.runs:
        params = [p.detach().clone().requires_grad_() for p in reference.initial_parameters(0, 3)]
        twins.append((params, torch_optimizer(name, run.optimizer.params, params, lr=run.lr)))
    for _ in range(200):
        experiment.step(1)
        for run, (params, torch_opt) in zip(experiment.runs, twins):
            torch_opt.zero_grad()
            reference.mse(params, x, y).backward()
            torch_opt.step()
            snapshot = experiment.snapshot(run.index)
            for key, torch_p in zip(("W1", "b1", "W2", "b2"), params):
                torch.testing.assert_close(torch.from_numpy(snapshot.params[key]), torch_p.detach())
                torch_state = torch_opt.state[torch_p]
                for mine, theirs_name in STATE_NAMES[name].items():
                    expected = torch.as_tensor(torch_state[theirs_name], dtype=torch.float64)
                    got = snapshot.state[mine]
                    got = torch.as_tensor(
                        got[key] if isinstance(got, dict) else got, dtype=torch.float64
                    )
                    torch.testing.assert_close(got.reshape(expected.shape), expected)


def lion_pseudo_code(params, grads_of, lr, beta1=0.9, beta2=0.99, wd=0.0, steps=200):
    """Algorithm 2 of Chen et al. (2023), one number at a time."""
    m = [0.0] * len(params)
    for _ in range(steps):
        g = grads_of(params)
        for i in range(len(params)):
            c = beta1 * m[i] + (1 - beta1) * g[i]
            sign = (c > 0) - (c < 0)
            params[i] = params[i] - lr * (sign + wd * params[i])
            m[i] = beta2 * m[i] + (1 - beta2) * g[i]
    return params


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_lion_equals_the_papers_pseudo_code(wd):
    spec = OptimizerSpec.create("lion", {"weight_decay": wd})
    experiment = BatchedExperiment(
        ExperimentConfig(
            optimizers=(spec,),
            learning_rates=(0.01,),
            max_steps=201,
            stop_loss=0.0,
            dtype="float64",
        )
    )
    experiment.run_to_end()
    data = reference.article_dataset()
    x, y = data.x.double(), data.y.double()
    start = torch.cat([p.detach().reshape(-1) for p in reference.initial_parameters(0, 3)])

    def grads_of(flat_list):
        flat = torch.tensor(flat_list, dtype=torch.float64, requires_grad=True)
        w1, b1, w2, b2 = flat[:9].view(3, 3), flat[9:10], flat[10:13].view(3, 1), flat[13:14]
        reference.mse([w1, b1, w2, b2], x, y).backward()
        return flat.grad.tolist()

    expected = lion_pseudo_code(start.tolist(), grads_of, 0.01, wd=wd)
    snapshot = experiment.snapshot(0)
    got = np.concatenate([snapshot.params[k].reshape(-1) for k in ("W1", "b1", "W2", "b2")])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_adagrad_initial_accumulator_is_used():
    opt = REGISTRY["adagrad"]
    hp = opt.resolve({"initial_accumulator_value": 0.5})
    state = opt.init_state(torch.zeros(2, 3, dtype=torch.float64), hp)
    assert torch.equal(state["sum"], torch.full((2, 3), 0.5, dtype=torch.float64))
