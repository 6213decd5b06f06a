"""The optimizer registry: adding an optimizer is one class and one line here."""

from __future__ import annotations

from engine.optimizers.article import SGD, Adam, Momentum, RMSprop
from engine.optimizers.base import Hyperparameter, HyperValue, Optimizer, State

REGISTRY: dict[str, Optimizer] = {
    opt.name: opt
    for opt in (
        SGD(),
        Momentum(),
        RMSprop(),
        Adam(),
    )
}

ARTICLE_OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")


def get_optimizer(name: str) -> Optimizer:
    """The registered optimizer called ``name``, or ``KeyError`` naming the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise KeyError(f"unknown optimizer {name!r} (known: {known})") from None


__all__ = [
    "ARTICLE_OPTIMIZERS",
    "REGISTRY",
    "HyperValue",
    "Hyperparameter",
    "Optimizer",
    "State",
    "get_optimizer",
]
