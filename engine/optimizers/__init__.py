"""The optimizer registry: adding an optimizer is one class and one line here."""

from __future__ import annotations

from engine.optimizers.adam_family import AdamW, AMSGrad, NAdam, RAdam
from engine.optimizers.article import SGD, Adam, AdamTorch, Momentum, RMSprop, RMSpropTorch
from engine.optimizers.base import Hyperparameter, HyperValue, Optimizer, State, TorchEquivalent
from engine.optimizers.family import Adadelta, Adagrad, Adamax, HeavyBall, Lion, Nesterov

REGISTRY: dict[str, Optimizer] = {
    opt.name: opt
    for opt in (
        SGD(),
        Momentum(),
        RMSprop(),
        Adam(),
        HeavyBall(),
        Nesterov(),
        Adagrad(),
        Adadelta(),
        RMSpropTorch(),
        AdamTorch(),
        Adamax(),
        NAdam(),
        AMSGrad(),
        AdamW(),
        RAdam(),
        Lion(),
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
    "TorchEquivalent",
    "get_optimizer",
]
