"""An update as vectors in parameter space: each optimizer names the terms its rule adds up,
and the window draws each in its role's colour (torch-free: the window reads the roles)."""

from __future__ import annotations

from typing import Any, NamedTuple

GRADIENT = "gradient"  # −η∇f: the plain gradient step
VELOCITY = "velocity"  # what momentum carries over from earlier steps
GRADIENT_SHARE = "gradient share"  # the share of this step's gradient a moving average takes
UNSCALED = "unscaled"  # an adaptive rule's step before dividing by √v
SCALED = "scaled"  # the same after dividing by √v: the step, but for rounding
STATE = "state"  # a student's state vector, as their optimizer keeps it
STEP = "step"  # θ_{t+1} − θ_t, as the engine computes it
ROLES = (GRADIENT, VELOCITY, GRADIENT_SHARE, UNSCALED, SCALED, STATE, STEP)

GRADIENT_STEP = "−η∇f"
STEP_TAKEN = "step taken"


class Term(NamedTuple):
    """One vector of an update: ``part`` marks the terms that add up to the step (the rule's
    own sum, in its own order of operations); the others are shown for comparison."""

    label: str
    role: str
    vector: Any  # (runs, P) tensor in the engine, (P,) float64 array once sent
    part: bool


def gradient_step(grads: Any, lr: Any, part: bool) -> Term:
    """−η·g, computed as every rule here computes η·g."""
    return Term(GRADIENT_STEP, GRADIENT, -(lr * grads), part)
