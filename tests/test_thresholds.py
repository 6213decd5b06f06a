"""Each optimizer's stability threshold, derived by running its own update on a quadratic.

On f(θ) = ½·θᵀ·diag(h)·θ the gradient is h·θ, so an optimizer's iteration is linear and its
fate is decided by the curvature alone: below the threshold it shrinks θ, above it θ grows
(the companion matrix's root crosses −1). Each threshold the registry lists is checked at
0.95× (θ shrinks) and 1.05× (θ grows a thousandfold) with several hyperparameters.

Adaptive rules divide by a denominator that moves with the gradients, so their iteration is
linear only while that denominator P stays put: their threshold is a statement about the
linearised update with P frozen. The test freezes it for real, inside the optimizer's own
``update``: every state entry but the first moment m (v, u, sums, step counts) is put back to
its starting value after each step, and θ starts at 1e-8 so that g² adds nothing measurable to
v. P is then whatever ``preconditioner`` reports, and the quadratic is built in preconditioned
coordinates, h = P·a, so that P^{-1/2}·H·P^{-1/2} = diag(a) and its top eigenvalue a_max is
the preconditioned sharpness. A P that leaves out a factor the update divides by (a bias
correction at a small step count, a learning-rate decay) would move the split point and fail.
"""

import math

import pytest
import torch

from engine.optimizers import REGISTRY, get_optimizer

START = 1e-8
STEPS = 4000
MOMENTUM_KEYS = ("m", "b")  # the first moments: they evolve; everything else is held


def _frozen_start(name: str, hp: dict, size: int, step: int) -> dict[str, torch.Tensor]:
    """The optimizer's state with every denominator entry set to a spread of values."""
    optimizer = get_optimizer(name)
    state = optimizer.init_state(torch.zeros(2, size, dtype=torch.float64), hp)
    spread = torch.logspace(-1, 1, size, dtype=torch.float64)  # from 0.1 to 10
    for key, value in state.items():
        if key == "step":
            state[key] = torch.full_like(value, float(step))
        elif key not in MOMENTUM_KEYS:
            state[key] = spread.expand_as(value).clone()
    return state


def _grows(name: str, hp: dict, lr: float, factor: float, step: int = 3, size: int = 4) -> float:
    """|θ| after STEPS steps over |θ| at the start, with the top preconditioned curvature at
    ``factor`` × the threshold and the others below it."""
    optimizer = get_optimizer(name)
    threshold = optimizer.stability_threshold(lr, hp)
    state = _frozen_start(name, hp, size, step)
    held = {k: v.clone() for k, v in state.items() if k not in MOMENTUM_KEYS}
    theta = torch.full((2, size), START, dtype=torch.float64)
    p = optimizer.preconditioner(torch.zeros_like(theta), state, hp)
    p = torch.ones_like(theta) if p is None else p
    assert optimizer.preconditioned == (optimizer.preconditioner(theta, state, hp) is not None)
    a = torch.linspace(0.2, 1.0, size, dtype=torch.float64).flip(0) * threshold
    a = a.expand(2, size).clone()
    a[:, 0] *= torch.tensor([factor, factor], dtype=torch.float64)
    h = p * a  # P^{-1/2}·diag(h)·P^{-1/2} = diag(a)
    rates = torch.full((2, 1), lr, dtype=torch.float64)
    for _ in range(STEPS):
        theta, state = optimizer.update(theta, h * theta, state, rates, hp)
        state = {**state, **{k: v.clone() for k, v in held.items()}}
        if float(theta.abs().max()) > 1e4 * START:
            break
    return float(theta.abs().max()) / START


CASES = [
    ("sgd", {}, 0.1),
    ("sgd", {}, 2.0),
    ("momentum", {}, 0.1),
    ("momentum", {"beta": 0.5}, 0.01),
    ("momentum", {"beta": 0.99}, 0.1),
    ("momentum_torch", {}, 0.1),
    ("momentum_torch", {"momentum": 0.3}, 1.0),
    ("nesterov", {}, 0.1),
    ("nesterov", {"momentum": 0.5}, 0.01),
    ("rmsprop", {}, 0.01),
    ("rmsprop_torch", {}, 0.1),
    ("adam", {}, 0.01),
    ("adam", {"bias_correction": True, "beta1": 0.5}, 0.1),
    ("adam_torch", {}, 0.05),
    ("adam_torch", {"beta1": 0.8, "eps": 0.5}, 0.05),  # ε is part of P
    ("amsgrad", {}, 0.05),
    ("adamw", {}, 0.05),
    ("adamw", {"weight_decay": 2.0}, 0.1),  # ηλ = 0.2 moves the threshold by 10 %
    ("adamax", {}, 0.02),
    ("radam", {}, 0.05),
    ("adagrad", {}, 0.1),
    ("adagrad", {"lr_decay": 0.2}, 0.1),  # the decay is folded into P
    ("adadelta", {}, 1.0),
]


@pytest.mark.parametrize(("name", "changes", "lr"), CASES)
def test_bounded_just_below_the_threshold_and_growing_just_above(name, changes, lr):
    hp = get_optimizer(name).resolve(changes)
    assert get_optimizer(name).stability_threshold(lr, hp) is not None
    assert _grows(name, hp, lr, 0.95) < 1.0
    assert _grows(name, hp, lr, 1.05) > 1e3


def test_radam_before_its_rectification_is_momentum_with_p_its_bias_correction():
    """At t = 2 RAdam has no adaptive step yet (ρₜ ≤ 5): P = 1 − β₁ᵗ, same threshold."""
    hp = get_optimizer("radam").resolve()
    assert _grows("radam", hp, 0.05, 0.95, step=1) < 1.0
    assert _grows("radam", hp, 0.05, 1.05, step=1) > 1e3


def test_the_thresholds_in_numbers():
    """The issue's table: GD 2/η, the article's momentum 38/η at β = 0.9, torch's heavy ball
    3.8/η, Nesterov (2+2μ)/((1+2μ)η), Adam's preconditioned 38/η, RMSprop's 2/η."""
    expected = {
        "sgd": 2.0,
        "momentum": 38.0,
        "momentum_torch": 3.8,
        "nesterov": 3.8 / 2.8,
        "adam": 38.0,
        "adam_torch": 38.0,
        "rmsprop": 2.0,
        "rmsprop_torch": 2.0,
        "amsgrad": 38.0,
        "adamax": 38.0,
        "radam": 38.0,
        "adagrad": 2.0,
        "adadelta": 2.0,
        "adamw": 1.9 * (2 - 0.1 * 0.01) / 0.1,
    }
    for name, value in expected.items():
        optimizer = get_optimizer(name)
        assert optimizer.stability_threshold(0.1, optimizer.defaults) == pytest.approx(value * 10)


def test_every_optimizer_states_its_threshold_or_says_none_is_known():
    for name, optimizer in REGISTRY.items():
        threshold = optimizer.stability_threshold(0.1, optimizer.defaults)
        assert optimizer.threshold_rule, name
        if threshold is None:
            assert optimizer.threshold_rule.startswith("no known threshold"), name
        else:
            assert math.isfinite(threshold) and threshold > 0, name
            assert "η" in optimizer.threshold_rule, name
    assert {n for n, o in REGISTRY.items() if o.stability_threshold(0.1, o.defaults) is None} == {
        "nadam",
        "lion",
    }
