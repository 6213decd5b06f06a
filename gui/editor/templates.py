"""What a new optimizer starts from: a blank rule, or a built-in's written as a file.

A stand-in until ``engine.optimizers.templates`` is on main, with its names (``TEMPLATES``,
``template_code``): swapping it in is changing the editor's imports, or making this module
``from engine.optimizers.templates import TEMPLATES, template_code``.
"""

from __future__ import annotations

from engine.optimizers.user_code import OptimizerCode

BLANK = """name = "My optimizer"
hyperparameters = {}  # e.g. {"beta": 0.9}: a field each


def init(params):
    # optional: the state before the first step
    return {}


def update(params, grads, state, lr):
    # every run at once; may also take step=
    return params - lr * grads, {}
"""

SGD = """name = "My SGD"
hyperparameters = {}


def update(params, grads, state, lr):
    return params - lr * grads, {}
"""

MOMENTUM = """name = "My momentum"
hyperparameters = {"beta": 0.9}


def init(params):
    return {"m": torch.zeros_like(params)}


def update(params, grads, state, lr, beta):
    m = beta * state["m"] + (1 - beta) * grads
    return params - lr * m, {"m": m}
"""

RMSPROP = """name = "My RMSprop"
hyperparameters = {"rho": 0.9, "eps": 1e-5}


def init(params):
    return {"v": torch.zeros_like(params)}


def update(params, grads, state, lr, rho, eps):
    v = rho * state["v"] + (1 - rho) * grads**2
    return params - lr * grads / (v.sqrt() + eps), {"v": v}
"""

ADAM = """name = "My Adam"
hyperparameters = {"beta1": 0.9, "beta2": 0.9, "eps": 1e-5}


def init(params):
    return {"m": torch.zeros_like(params), "v": torch.zeros_like(params)}


def update(params, grads, state, lr, beta1, beta2, eps):
    m = beta1 * state["m"] + (1 - beta1) * grads
    v = beta2 * state["v"] + (1 - beta2) * grads**2
    return params - lr * m / (v.sqrt() + eps), {"m": m, "v": v}
"""

TEMPLATES = {
    "blank": "Blank",
    "sgd": "SGD",
    "momentum": "Momentum",
    "rmsprop": "RMSprop",
    "adam": "Adam",
}
_SOURCES = {"blank": BLANK, "sgd": SGD, "momentum": MOMENTUM, "rmsprop": RMSPROP, "adam": ADAM}


def template_code(key: str) -> OptimizerCode:
    """What a new optimizer starts from, named ``my_<key>.py`` (``my_optimizer.py`` if blank)."""
    filename = "my_optimizer.py" if key == "blank" else f"my_{key}.py"
    return OptimizerCode(_SOURCES[key], filename)
