"""Each from-scratch rule: hand-computed first steps, torch.optim where the rules coincide."""

import math

import pytest
import torch

from engine.optimizers import REGISTRY, get_optimizer
from tests import reference

G = torch.tensor([[0.5, -2.0, 0.0, 3.0]], dtype=torch.float64)
P = torch.tensor([[1.0, 1.0, -1.0, 0.25]], dtype=torch.float64)
LR = torch.tensor([[0.1]], dtype=torch.float64)


def first_step(name, **hp):
    opt = get_optimizer(name)
    resolved = opt.resolve(hp)
    new, state = opt.update(P, G, opt.init_state(P, resolved), LR, resolved)
    return new, state


def test_sgd_first_step_by_hand():
    new, _ = first_step("sgd")
    torch.testing.assert_close(new, torch.tensor([[0.95, 1.2, -1.0, -0.05]], dtype=torch.float64))


def test_momentum_first_step_by_hand():
    new, state = first_step("momentum")
    torch.testing.assert_close(state["m"], 0.1 * G)
    torch.testing.assert_close(new, P - 0.1 * 0.1 * G)


def test_rmsprop_first_step_by_hand():
    new, state = first_step("rmsprop")
    # v = 0.1·g², so the step is lr·g / (√0.1·|g| + 1e-5) ≈ lr·sign(g)·3.16
    expected = [
        1 - 0.1 * 0.5 / (math.sqrt(0.1) * 0.5 + 1e-5),
        1 + 0.1 * 2.0 / (math.sqrt(0.1) * 2.0 + 1e-5),
        -1.0,
        0.25 - 0.1 * 3.0 / (math.sqrt(0.1) * 3.0 + 1e-5),
    ]
    torch.testing.assert_close(new, torch.tensor([expected], dtype=torch.float64))
    torch.testing.assert_close(state["v"], 0.1 * G**2)


def test_adam_first_step_by_hand_without_and_with_bias_correction():
    new, state = first_step("adam")
    expected = P - 0.1 * (0.1 * G) / (math.sqrt(0.1) * G.abs() + 1e-5)
    torch.testing.assert_close(new, expected)
    assert state["step"].item() == 1
    corrected, _ = first_step("adam", bias_correction=True)
    # m̂ = g and v̂ = g², so the first step is lr·g/(|g| + ε): almost exactly lr per coordinate
    torch.testing.assert_close(corrected, P - 0.1 * G / (G.abs() + 1e-5))


def run_against_torch(name, hp, make_torch_opt, steps=200):
    """Our update and torch.optim's on the article's model, in float64, compared every step."""
    data = reference.article_dataset()
    x, y = data.x.double(), data.y.double()
    ours = [p.detach().clone() for p in reference.initial_parameters(3, 3)]
    theirs = [p.detach().clone().requires_grad_() for p in ours]
    torch_opt = make_torch_opt(theirs)
    opt = get_optimizer(name)
    resolved = opt.resolve(hp)
    states = [opt.init_state(p.reshape(1, -1), resolved) for p in ours]
    lr = torch.tensor([[0.05]], dtype=torch.float64)
    for _ in range(steps):
        leaves = [p.clone().requires_grad_() for p in ours]
        reference.mse(leaves, x, y).backward()
        for i, (p, leaf) in enumerate(zip(ours, leaves)):
            new, states[i] = opt.update(
                p.reshape(1, -1), leaf.grad.reshape(1, -1), states[i], lr, resolved
            )
            ours[i] = new.reshape(p.shape)
        torch_opt.zero_grad()
        reference.mse(theirs, x, y).backward()
        torch_opt.step()
        for mine, torch_p in zip(ours, theirs):
            torch.testing.assert_close(mine, torch_p.detach(), rtol=1e-10, atol=1e-12)
    return ours, states, torch_opt


def test_sgd_equals_torch_optim_sgd():
    run_against_torch("sgd", {}, lambda ps: torch.optim.SGD(ps, lr=0.05))


def test_rmsprop_equals_torch_optim_rmsprop():
    _, states, torch_opt = run_against_torch(
        "rmsprop",
        {"rho": 0.8, "eps": 1e-6},
        lambda ps: torch.optim.RMSprop(ps, lr=0.05, alpha=0.8, eps=1e-6),
    )
    for state, torch_state in zip(states, torch_opt.state.values()):
        torch.testing.assert_close(state["v"].reshape(-1), torch_state["square_avg"].reshape(-1))


def test_adam_with_bias_correction_equals_torch_optim_adam():
    _, states, torch_opt = run_against_torch(
        "adam",
        {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "bias_correction": True},
        lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.9, 0.999), eps=1e-8),
    )
    for state, torch_state in zip(states, torch_opt.state.values()):
        torch.testing.assert_close(state["m"].reshape(-1), torch_state["exp_avg"].reshape(-1))
        torch.testing.assert_close(state["v"].reshape(-1), torch_state["exp_avg_sq"].reshape(-1))
        assert state["step"].item() == torch_state["step"].item() == 200


class HandMomentum:
    """The issue's momentum written out as a loop, with torch.optim's step/zero_grad shape."""

    def __init__(self, params, lr, beta):
        self.params, self.lr, self.beta = params, lr, beta
        self.m = [torch.zeros_like(p) for p in params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        for i, p in enumerate(self.params):
            for j in range(p.numel()):
                g = p.grad.view(-1)[j].item()
                self.m[i].view(-1)[j] = (
                    self.beta * self.m[i].view(-1)[j].item() + (1 - self.beta) * g
                )
                p.view(-1)[j] -= self.lr * self.m[i].view(-1)[j].item()


def test_momentum_equals_a_hand_written_loop():
    _, states, hand = run_against_torch(
        "momentum", {"beta": 0.8}, lambda ps: HandMomentum(ps, lr=0.05, beta=0.8)
    )
    for state, m in zip(states, hand.m):
        torch.testing.assert_close(state["m"].reshape(-1), m.reshape(-1))


def test_updates_leave_their_inputs_alone():
    for opt in REGISTRY.values():
        p, g = P.clone(), G.clone()
        state = opt.init_state(p, opt.resolve())
        before = {k: v.clone() for k, v in state.items()}
        opt.update(p, g, state, LR, opt.resolve())
        assert torch.equal(p, P) and torch.equal(g, G)
        assert all(torch.equal(state[k], before[k]) for k in state)


@pytest.mark.parametrize(
    "name, hp, message",
    [
        ("momentum", {"beta": 1.0}, "beta must be below 1.0"),
        ("rmsprop", {"eps": -1.0}, "eps must be at least 0.0"),
        ("adam", {"bias_correction": 1}, "bias_correction must be true or false"),
        ("adam", {"gamma": 0.5}, "adam has no hyperparameter 'gamma'"),
        ("sgd", {"beta": 0.5}, "sgd has no hyperparameter 'beta'"),
        ("rmsprop", {"rho": float("nan")}, "rho must be finite"),
    ],
)
def test_bad_hyperparameters_are_refused_with_their_name(name, hp, message):
    with pytest.raises(ValueError, match=message):
        get_optimizer(name).resolve(hp)


def test_every_optimizer_carries_what_the_window_shows():
    for name, opt in REGISTRY.items():
        assert opt.name == name and opt.display_name and opt.rule and opt.reference
        assert set(opt.defaults) == {h.name for h in opt.hyperparameters}
