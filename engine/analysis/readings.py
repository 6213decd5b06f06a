"""What the analyses report, as plain values the window reads: a point's stability, a run's
sharpness against its threshold, one update term by term, and the inspector's whole reading.

Torch-free, so the window's process can receive and show them without loading torch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from engine.config.settings import OptimizerSpec
from engine.experiment.runs import RunKey, RunSnapshot
from engine.optimizers.user_code import CodeError

AT_THRESHOLD = 0.05  # within 5 % of a threshold counts as "at" it


def stability_limit(lambda_max: float) -> float:
    """Plain gradient descent's largest stable learning rate, 2/λ_max.

    For λ_max ≤ 0 no direction curves upward, and a step along non-positive curvature never
    overshoots, so every learning rate is stable: ``math.inf``. NaN stays NaN.
    """
    if math.isnan(lambda_max):
        return math.nan
    return 2.0 / lambda_max if lambda_max > 0 else math.inf


@dataclass(frozen=True)
class Stability:
    """The loss's sharpest curvature at a point and the gradient-descent limit it implies."""

    lambda_max: float
    limit: float

    def describe(self) -> str:
        """One line for the headless summary: ``lambda_max=… 2/lambda_max=…``."""
        return f"lambda_max={self.lambda_max:.6g} 2/lambda_max={self.limit:.6g}"


def threshold_position(value: float, threshold: float, tolerance: float = AT_THRESHOLD) -> str:
    """Where a sharpness sits against its threshold: "below", "at" (within ``tolerance``,
    relative) or "above"; "" when either is unknown (NaN)."""
    if not (np.isfinite(value) and np.isfinite(threshold)):
        return ""
    if abs(value - threshold) <= tolerance * abs(threshold):
        return "at"
    return "below" if value < threshold else "above"


# A student's thresholds at the experiment's rates, by (optimizer key, rate): computed in the
# engine's process, where the student's code runs, and sent to the window, which never runs it.
DeclaredThresholds = Mapping[tuple[str, float], float]


def threshold_at(
    spec: OptimizerSpec, lr: float | np.ndarray, declared: DeclaredThresholds | None = None
) -> np.ndarray:
    """``spec``'s stability threshold at ``lr`` (a float or an array of rates, e.g. the rate
    each step used), as a float64 array of its shape; NaN where none is known. A student's
    ``threshold(lr, **hp)`` is called once per distinct rate with a float, or, given
    ``declared`` (in the window), read from it; where it fails or a rate is not there, the λ is
    drawn with no threshold (the failure shows in the editor's Check, not here)."""
    if spec.written_by_user:
        return _user_threshold(spec, lr, declared)
    value = spec.optimizer.stability_threshold(lr, spec.params)
    return np.full(np.shape(lr), np.nan) if value is None else np.asarray(value, dtype=float)


def _user_threshold(
    spec: OptimizerSpec, lr: float | np.ndarray, declared: DeclaredThresholds | None
) -> np.ndarray:
    rates = np.asarray(lr, dtype=float)
    out = np.full(rates.shape, np.nan)
    if not spec.optimizer.outline.has_threshold:
        return out
    for rate in np.unique(rates[np.isfinite(rates)]):
        if declared is not None:
            value = declared.get((spec.key, float(rate)))
        else:
            try:
                value = spec.optimizer.stability_threshold(float(rate), spec.params)
            except CodeError:
                return np.full(rates.shape, np.nan)
        out[rates == rate] = np.nan if value is None else value
    return out


def declared_thresholds(runs: Iterable[RunKey]) -> dict[tuple[str, float], float]:
    """The thresholds students' files declare, at each of their runs' own rates (run in the
    engine's process): what the window draws for them."""
    out = {}
    for run in runs:
        spec = run.optimizer
        if spec.written_by_user and spec.optimizer.outline.has_threshold:
            out[(spec.key, run.lr)] = float(threshold_at(spec, run.lr))
    return out


@dataclass(frozen=True)
class UpdateBreakdown:
    """The next update of one weight, as numbers: what the rule computes, term by term."""

    weight: str  # e.g. "W1[0,2]"
    theta: float
    gradient: float
    lr: float
    state_before: dict[str, float]
    state_after: dict[str, float]
    terms: tuple[tuple[str, float], ...]  # derived quantities the rule uses
    new_theta: float

    @property
    def delta(self) -> float:
        return self.new_theta - self.theta

    @property
    def effective_step(self) -> float:
        """|Δθ / g|: the learning rate plain SGD would need to take the same step."""
        return abs(self.delta / self.gradient) if self.gradient else math.nan

    def lines(self) -> list[str]:
        """The breakdown as text, one quantity a line."""
        rows = [(f"θ  ({self.weight})", self.theta), ("g", self.gradient), ("η", self.lr)]
        rows += [(f"{k} before", v) for k, v in self.state_before.items()]
        rows += [(f"{k} after", v) for k, v in self.state_after.items()]
        rows += list(self.terms)
        rows += [("Δθ", self.delta), ("θ after", self.new_theta)]
        rows += [("|Δθ / g|  (effective step)", self.effective_step)]
        width = max(len(name) for name, _ in rows)
        return [f"{name:<{width}}  {value: .6g}" for name, value in rows]


@dataclass(frozen=True)
class SharpnessReading:
    """A run's sharpness at its current step against its optimizer's stability threshold."""

    sharpness: float  # λ, the top eigenvalue of the loss's Hessian on all the data
    adaptive: bool  # the rule divides by a denominator P: its threshold bounds P^{-1/2}·H·P^{-1/2}
    preconditioned: float | None  # that matrix's top eigenvalue; None once the run has stopped
    # (no next update to divide) or for a rule that is not adaptive
    threshold: float  # at the next step's rate; NaN where none is known
    rule: str  # how the threshold follows from η, or why none is known

    @property
    def bounded(self) -> float:
        """What the threshold bounds: the preconditioned λ for an adaptive rule, else λ."""
        if not self.adaptive:
            return self.sharpness
        return math.nan if self.preconditioned is None else self.preconditioned

    @property
    def position(self) -> str:
        """ "below", "at" (within 5 %) or "above" the threshold; "" if none is known."""
        return threshold_position(self.bounded, self.threshold)


@dataclass(frozen=True, eq=False)
class StepArrow:
    """One vector of an update in parameter space (float64, read-only), named as its rule
    names it; ``role`` picks its colour (:mod:`engine.optimizers.terms`)."""

    label: str
    role: str
    vector: np.ndarray  # (P,)
    part: bool  # one of the terms that add up to the step

    def __post_init__(self) -> None:
        array = np.array(self.vector, dtype=np.float64)
        array.flags.writeable = False
        object.__setattr__(self, "vector", array)

    @property
    def length(self) -> float:
        return float(np.linalg.norm(self.vector))


@dataclass(frozen=True, eq=False)
class StepVectors:
    """A run's next update drawn as vectors from ``theta``: −η∇f first, then the optimizer's
    own terms, then the step taken (θ_{t+1} − θ_t as the engine computed θ_{t+1})."""

    theta: np.ndarray  # (P,) float64
    arrows: tuple[StepArrow, ...]

    @property
    def step(self) -> StepArrow:
        return self.arrows[-1]

    @property
    def parts(self) -> tuple[StepArrow, ...]:
        """The terms the rule adds up to the step (none for a rule that names none)."""
        return tuple(arrow for arrow in self.arrows if arrow.part)

    def lines(self) -> list[str]:
        """One line per vector: its length and, for two parameters, its (x, y)."""
        width = max(len(arrow.label) for arrow in self.arrows)
        rows = []
        for arrow in self.arrows:
            xy = ""
            if arrow.vector.size == 2:
                xy = f"  ({arrow.vector[0]: .6g}, {arrow.vector[1]: .6g})"
            rows.append(f"{arrow.label:<{width}}  |v| {arrow.length:.6g}{xy}")
        return rows


@dataclass(frozen=True)
class Inspection:
    snapshot: RunSnapshot
    breakdown: UpdateBreakdown | None  # None once the run has stopped
    stability: Stability  # of the loss on the whole data, at the run's current parameters
    sharpness: SharpnessReading | None = None
    view_step: int | None = None  # the step a timeline went back to; None: the latest
    vectors: StepVectors | None = None  # the next update as vectors; None once stopped
