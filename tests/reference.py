"""An independent one-run implementation, written the article's way, to check the engine against.

Autograd for gradients, one tensor per parameter, one optimizer call per parameter, plain Python
control flow for the stopping rules. It shares nothing with ``engine`` but the dataset.
"""

from __future__ import annotations

import math

import torch

from engine.core.data import article_dataset


def initial_parameters(seed: int, hidden: int, dtype=torch.float64) -> list[torch.Tensor]:
    torch.manual_seed(seed)
    shapes = [(3, hidden), (1,), (hidden, 1), (1,)]
    return [torch.randn(s).to(dtype).requires_grad_() for s in shapes]


ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "softplus": lambda z: torch.log1p(torch.exp(z)),  # by its definition, not torch's softplus
}


def mse(
    params: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor, activation: str = "relu"
) -> torch.Tensor:
    w1, b1, w2, b2 = params
    return ((ACTIVATIONS[activation](x @ w1 + b1) @ w2 + b2 - y) ** 2).mean()


def article_rule(name: str, hp: dict):
    """The issue's update rules for one parameter tensor, with explicit per-parameter state."""

    def sgd(p, g, s, lr):
        p -= lr * g

    def momentum(p, g, s, lr):
        s["m"] = hp["beta"] * s.get("m", 0.0) + (1 - hp["beta"]) * g
        p -= lr * s["m"]

    def rmsprop(p, g, s, lr):
        s["v"] = hp["rho"] * s.get("v", 0.0) + (1 - hp["rho"]) * g**2
        p -= lr * g / (torch.sqrt(s["v"]) + hp["eps"])

    def adam(p, g, s, lr):
        s["t"] = s.get("t", 0) + 1
        s["m"] = hp["beta1"] * s.get("m", 0.0) + (1 - hp["beta1"]) * g
        s["v"] = hp["beta2"] * s.get("v", 0.0) + (1 - hp["beta2"]) * g**2
        m, v = s["m"], s["v"]
        if hp["bias_correction"]:
            m = m / (1 - hp["beta1"] ** s["t"])
            v = v / (1 - hp["beta2"] ** s["t"])
        p -= lr * m / (torch.sqrt(v) + hp["eps"])

    return {"sgd": sgd, "momentum": momentum, "rmsprop": rmsprop, "adam": adam}[name]


def one_run(
    name,
    hp,
    lr,
    seed=0,
    hidden=3,
    max_steps=1000,
    stop_loss=0.1,
    dtype=torch.float64,
    activation="relu",
):
    """Losses and final status of one run: ("converged"|"diverged"|"max", step)."""
    data = article_dataset()
    x, y = data.x.to(dtype), data.y.to(dtype)
    params = initial_parameters(seed, hidden, dtype)
    states = [{} for _ in params]
    rule = article_rule(name, hp)
    losses: list[float] = []
    while True:
        loss = mse(params, x, y, activation)
        value = loss.item()
        if not math.isfinite(value) or not all(torch.isfinite(p).all() for p in params):
            return losses, ("diverged", len(losses)), params
        losses.append(value)
        if value <= stop_loss:
            return losses, ("converged", len(losses) - 1), params
        if len(losses) >= max_steps:
            return losses, ("max", len(losses) - 1), params
        loss.backward()
        with torch.no_grad():
            for p, s in zip(params, states):
                rule(p, p.grad, s, lr)
                p.grad = None
