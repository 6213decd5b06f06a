"""Inside one step of one run: parameters, gradient, optimizer state, and the next update of a
chosen weight with the rule's quantities filled in (g, m, v, √v + ε, bias corrections, Δθ)."""

from __future__ import annotations

import math
from dataclasses import replace

import torch

from engine.analysis.readings import (
    Inspection,
    SharpnessReading,
    Stability,
    StepArrow,
    StepVectors,
    UpdateBreakdown,
    stability_limit,
    threshold_at,
)
from engine.analysis.sharpness import precondition, top_eigenvalues
from engine.analysis.stability import largest_eigenvalue
from engine.experiment.batched import BatchedExperiment
from engine.optimizers import Optimizer
from engine.optimizers.terms import GRADIENT, STEP, STEP_TAKEN, gradient_step
from engine.optimizers.user_code import CodeError


def weight_names(experiment: BatchedExperiment) -> list[str]:
    """Names of the flat parameters in order: W1[i,j], b1, W2[i,0], b2 (x, y on a surface)."""
    return list(experiment.problem.parameter_names)


def inspect_run(experiment: BatchedExperiment, run: int, weight: int) -> Inspection:
    """The run's numbers now, and (while it runs) its next update of flat weight ``weight``."""
    snapshot = experiment.snapshot(run)
    params, state, lr, spec = experiment.run_tensors(run)
    hessian = experiment.problem.hessian(params[0])  # once: for λ and the preconditioned λ
    lambda_max = largest_eigenvalue(hessian)
    stability = Stability(lambda_max, stability_limit(lambda_max))
    optimizer, hp = spec.optimizer, spec.params
    threshold = float(threshold_at(spec, float(lr[0, 0])))
    reading = SharpnessReading(
        stability.lambda_max, optimizer.preconditioned, None, threshold, optimizer.threshold_rule
    )
    if snapshot.status.name != "RUNNING":
        return Inspection(snapshot, None, stability, reading)
    _, grad = experiment.problem.loss_and_gradient(params, experiment.current_data())
    try:
        new_params, new_state = optimizer.update(params, grad, state, lr, hp)
    except CodeError:  # a student's rule that fails on one row: the run's own step will say
        return Inspection(snapshot, None, stability, reading)
    denominator = optimizer.preconditioner(grad, state, hp)
    if denominator is not None:
        top = float(top_eigenvalues(precondition(hessian[None], denominator))[0])
        reading = replace(reading, preconditioned=top)

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
        reading,
        vectors=step_vectors(optimizer, params, grad, state, new_params, new_state, lr, hp),
    )


def step_vectors(
    optimizer: Optimizer, params, grad, state, new_params, new_state, lr, hp
) -> StepVectors:
    """Row 0's update (``params`` → ``new_params``, as ``optimizer.update`` made it) as
    vectors: −η∇f, the rule's own terms, the step taken."""
    terms = optimizer.step_terms(grad, state, new_state, lr, hp)
    if not any(term.role == GRADIENT for term in terms):
        terms = [gradient_step(grad, lr, part=False), *terms]
    step = new_params[0].double() - params[0].double()
    arrows = [StepArrow(t.label, t.role, t.vector[0].double().numpy(), t.part) for t in terms]
    arrows.append(StepArrow(STEP_TAKEN, STEP, step.numpy(), False))
    return StepVectors(params[0].double().numpy(), tuple(arrows))


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
