"""Inside one step of one run: parameters, gradient, optimizer state, and the next update of a
chosen weight with the rule's quantities filled in (g, m, v, √v + ε, bias corrections, Δθ)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from engine.experiment import BatchedExperiment, RunSnapshot
from engine.stability import Stability, problem_stability


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
class Inspection:
    snapshot: RunSnapshot
    breakdown: UpdateBreakdown | None  # None once the run has stopped
    stability: Stability  # of the loss on the whole data, at the run's current parameters
    view_step: int | None = None  # the step a timeline went back to; None: the latest


def weight_names(experiment: BatchedExperiment) -> list[str]:
    """Names of the flat parameters in order: W1[i,j], b1, W2[i,0], b2 (x, y on a surface)."""
    return list(experiment.problem.parameter_names)


def inspect_run(experiment: BatchedExperiment, run: int, weight: int) -> Inspection:
    """The run's numbers now, and (while it runs) its next update of flat weight ``weight``."""
    snapshot = experiment.snapshot(run)
    params, state, lr, spec = experiment.run_tensors(run)
    stability = problem_stability(experiment.problem, params[0])
    if snapshot.status.name != "RUNNING":
        return Inspection(snapshot, None, stability)
    _, grad = experiment.problem.loss_and_gradient(params, experiment.current_data())
    new_params, new_state = spec.optimizer.update(params, grad, state, lr, spec.params)
    hp = spec.params

    def at(tensor: torch.Tensor) -> float:
        return float(tensor[0, weight if tensor.shape[1] > 1 else 0])

    before = {k: at(v) for k, v in state.items()}
    after = {k: at(v) for k, v in new_state.items()}
    return Inspection(
        snapshot,
        UpdateBreakdown(
            weight=weight_names(experiment)[weight],
            theta=at(params),
            gradient=at(grad),
            lr=float(lr[0, 0]),
            state_before=before,
            state_after=after,
            terms=tuple(_terms(after, hp)),
            new_theta=at(new_params),
        ),
        stability,
    )


def _terms(after: dict[str, float], hp) -> list[tuple[str, float]]:
    """The quantities a rule builds from its state, where the state and settings have them."""
    terms = []
    t = after.get("step")
    corrects = hp.get("bias_correction", "beta1" in hp and "beta2" in hp and t is not None)
    if t is not None and corrects and "beta1" in hp:
        b1 = 1 - hp["beta1"] ** t
        terms += [("1 − β₁ᵗ", b1)]
        if "m" in after:
            terms += [("m̂ = m / (1 − β₁ᵗ)", after["m"] / b1)]
        if "beta2" in hp and "v" in after:
            b2 = 1 - hp["beta2"] ** t
            terms += [("1 − β₂ᵗ", b2), ("v̂ = v / (1 − β₂ᵗ)", after["v"] / b2)]
            if "eps" in hp:
                terms += [("√v̂ + ε", math.sqrt(after["v"] / b2) + hp["eps"])]
    elif "v" in after and "eps" in hp:
        terms += [("√v + ε", math.sqrt(max(after["v"], 0.0)) + hp["eps"])]
    return terms
