"""Momentum, as the article writes it: move along an average of the recent gradients.

m ← β·m + (1−β)·g, then θ ← θ − η·m. Steps that agree add up; steps that zigzag cancel.
Equals the built-in Momentum bit for bit (Check compares them).
"""

name = "My momentum"
hyperparameters = {"beta": 0.9}  # how much of the average each step keeps


def init(params):
    # the average starts at zero, one number per parameter (and per run)
    return {"m": torch.zeros_like(params)}


def update(params, grads, state, lr, beta):
    m = beta * state["m"] + (1 - beta) * grads  # the running average of the gradient
    return params - lr * m, {"m": m}  # step along the average; keep it for the next step
