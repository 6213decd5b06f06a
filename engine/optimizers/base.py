"""What every optimizer is: its metadata for the window and a batched, functional update."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from engine.core.lazy import lazy_import
from engine.optimizers.terms import Term

torch = lazy_import("torch", __name__)


State = dict[str, "torch.Tensor"]
HyperValue = float | bool


@dataclass(frozen=True)
class Hyperparameter:
    """One setting of an optimizer, with the range the window and the config accept."""

    name: str
    default: HyperValue
    label: str
    minimum: float | None = None
    maximum: float | None = None
    maximum_inclusive: bool = True
    whole: bool = False  # a count (steps, patience): an int

    @property
    def is_flag(self) -> bool:
        return isinstance(self.default, bool)

    def validate(self, value: object) -> HyperValue:
        """Return ``value`` as this setting's type, or raise ``ValueError`` saying why not."""
        if self.is_flag:
            if not isinstance(value, bool):
                raise ValueError(f"{self.name} must be true or false, not {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{self.name} must be a number, not {value!r}")
        if self.whole and float(value) != int(value):
            raise ValueError(f"{self.name} must be a whole number, not {value!r}")
        number = int(value) if self.whole else float(value)
        if not math.isfinite(number):
            raise ValueError(f"{self.name} must be finite, not {value!r}")
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{self.name} must be at least {self.minimum}, not {value!r}")
        if self.maximum is not None:
            too_big = number > self.maximum if self.maximum_inclusive else number >= self.maximum
            if too_big:
                bound = "at most" if self.maximum_inclusive else "below"
                raise ValueError(f"{self.name} must be {bound} {self.maximum}, not {value!r}")
        return number


def decay_rate(name: str, default: float, label: str) -> Hyperparameter:
    """A running-average coefficient: 0 ≤ value < 1."""
    return Hyperparameter(name, default, label, minimum=0.0, maximum=1.0, maximum_inclusive=False)


def epsilon(default: float, label: str = "ε (added to √v)") -> Hyperparameter:
    return Hyperparameter("eps", default, label, minimum=0.0)


def betas(beta1: float, beta2: float) -> tuple[Hyperparameter, Hyperparameter]:
    return (
        decay_rate("beta1", beta1, "β₁ (gradient average)"),
        decay_rate("beta2", beta2, "β₂ (squared-gradient average)"),
    )


def weight_decay(default: float) -> Hyperparameter:
    return Hyperparameter("weight_decay", default, "λ (weight decay)", minimum=0.0)


def in_float64(step: torch.Tensor, factors, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
    """Per-run factors that depend only on t (bias corrections and the like), computed in
    float64 and rounded once, as torch computes them in Python floats: computed in float32
    they drift from torch.optim by up to 1e-4 over 1,000 steps."""
    return tuple(x.to(dtype) for x in factors(step.double()))


def zeros_state(params: torch.Tensor, *names: str) -> dict[str, torch.Tensor]:
    """State entries ``names``, each zeros shaped like the (runs, P) parameters."""
    return {name: torch.zeros_like(params) for name in names}


def step_counter(params: torch.Tensor) -> torch.Tensor:
    """A per-run step count, (runs, 1), at 0 before the first update."""
    return torch.zeros_like(params[:, :1])


def next_step(state: State) -> torch.Tensor:
    """The per-run step count t after this update (1 on the first), shape (runs, 1)."""
    return state["step"] + 1


@dataclass(frozen=True)
class TorchEquivalent:
    """The ``torch.optim`` class (by name) and arguments that compute exactly this rule."""

    optimizer: str
    kwargs: dict


def betas_and_eps(hp: Mapping[str, HyperValue], **more: HyperValue) -> dict:
    """``torch.optim``'s ``betas`` and ``eps`` arguments, from the hyperparameters :func:`betas`
    and :func:`epsilon` make (Adam's family), then ``more``."""
    return {"betas": (hp["beta1"], hp["beta2"]), "eps": hp["eps"], **more}


class Configurable:
    """Something with named, checked settings and defaults: an optimizer or a schedule."""

    name: str = ""
    hyperparameters: tuple[Hyperparameter, ...] = ()
    unknown_setting = "{name} has no hyperparameter {key!r} (it has: {known})"

    @property
    def defaults(self) -> dict[str, HyperValue]:
        return {h.name: h.default for h in self.hyperparameters}

    def resolve(self, overrides: Mapping[str, object] | None = None) -> dict[str, HyperValue]:
        """Defaults with ``overrides`` applied and checked; unknown names are refused."""
        known = {h.name: h for h in self.hyperparameters}
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            allowed = ", ".join(known) or "none"
            raise ValueError(
                self.unknown_setting.format(name=self.name, key=unknown[0], known=allowed)
            )
        return {
            name: h.validate(overrides[name]) if name in overrides else h.default
            for name, h in known.items()
        }


NO_THRESHOLD = "no known threshold"
GD_RULE = "2/η"
EMA_MOMENTUM_RULE = "(2+2β₁)/((1−β₁)η)"


def gd_threshold(lr: float) -> float:
    """θ ← θ − η·λθ multiplies θ by 1 − ηλ: bounded while λ < 2/η."""
    return 2.0 / lr


def ema_momentum_threshold(lr: float, beta: float) -> float:
    """m ← βm + (1−β)λθ, θ ← θ − ηm: its companion matrix has characteristic polynomial
    z² − (1 + β − η(1−β)λ)z + β, whose roots leave the unit circle (at z = −1) once
    λ > (2+2β)/((1−β)η); at β = 0.9 that is 38/η."""
    return (2.0 + 2.0 * beta) / ((1.0 - beta) * lr)


class Optimizer(Configurable):
    """A from-scratch optimizer on batched tensors.

    Parameters, gradients and state tensors have shape (runs, P); ``lr`` is (runs, 1) so every
    run can have its own learning rate. ``update`` is functional: it returns the new parameters
    and state and leaves its inputs alone, so the engine can keep finished runs unchanged.

    Stability metadata: on a quadratic of curvature λ, the rule stays bounded while λ is below
    ``stability_threshold(lr, hp)`` (None where none is known; ``threshold_rule`` says it in
    a line). For a ``preconditioned`` rule, one that divides each coordinate by a denominator
    of its own, λ is the *preconditioned* sharpness, the largest eigenvalue of P^{-1/2}·H·P^{-1/2}
    with P = ``preconditioner(...)``, and the threshold holds while P stays put.
    """

    display_name: str = ""
    rule: str = ""
    reference: str = ""
    preconditioned: bool = False
    threshold_rule: str = NO_THRESHOLD

    def init_state(self, params: torch.Tensor, hp: Mapping[str, HyperValue]) -> State:
        """Zeroed state for ``params`` (runs, P); ``hp`` for rules whose state starts elsewhere."""
        return {}

    def torch_equivalent(self, hp: Mapping[str, HyperValue]) -> TorchEquivalent | str:
        """What computes the same in ``torch.optim``, or a sentence saying why nothing does."""
        return f"{self.display_name} has no torch.optim equivalent"

    def update(
        self,
        params: torch.Tensor,
        grads: torch.Tensor,
        state: State,
        lr: torch.Tensor,
        hp: Mapping[str, HyperValue],
    ) -> tuple[torch.Tensor, State]:
        raise NotImplementedError

    def step_terms(
        self,
        grads: torch.Tensor,
        state: State,
        new_state: State,
        lr: torch.Tensor,
        hp: Mapping[str, HyperValue],
    ) -> list[Term]:
        """The update from ``state`` to ``new_state`` (taking ``grads``) as the vectors the rule
        adds up, each (runs, P), computed as ``update`` computes them; none by default (the
        window then draws −η∇f and the step taken)."""
        return []

    def preconditioner(
        self, grads: torch.Tensor, state: State, hp: Mapping[str, HyperValue]
    ) -> torch.Tensor | None:
        """The (runs, P) diagonal P that the next ``update`` (taking ``grads``, at ``state``)
        divides by, written so that the step is θ ← θ − η·P⁻¹·u with u the plain gradient or
        its moving average: bias corrections and learning-rate decay are folded into P.
        None for a rule that divides by nothing."""
        return None

    def stability_threshold(self, lr: float, hp: Mapping[str, HyperValue]) -> float | None:
        """The largest (preconditioned, if ``preconditioned``) sharpness the rule stays bounded
        under at learning rate ``lr``, or None where no threshold is known."""
        return None
