"""The range of every numeric setting, in one table: the engine validates with it and the
window's fields take their ranges from it, so the two cannot disagree."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

SEED_LIMIT = 2**63 - 1  # the largest seed torch.manual_seed takes
MAX_STEPS_LIMIT = 1_000_000  # 16 runs × 1M float32 losses is 64 MB
MAX_SAMPLES = 100_000  # of a generated set: every step passes all of them through every run
MAX_SEEDS = 64  # initial parameter draws per optimizer and learning rate
MAX_HIDDEN = 256  # units in the hidden layer: every build computes λ₀ from the full Hessian,
# 0.9 s at 256 units and 17 s at 512 (one thread, 2026-12-06), and 4096 did not finish in 10 min


@dataclass(frozen=True)
class Limits:
    """The values one numeric setting accepts: finite numbers from ``low`` to ``high`` (None:
    no bound), ``low`` itself left out if ``low_open``; only ints if ``whole``."""

    name: str  # the setting as a message names it
    low: float | None = None
    high: float | None = None
    whole: bool = False
    low_open: bool = False

    def accepts(self, value: float) -> bool:
        """``value`` lies in the range (its type is :meth:`complaint`'s business); a number
        that is not whole must also be a finite float (an int too big for one is not)."""
        if not self.whole:
            try:
                value = float(value)
            except OverflowError:
                return False
            if not math.isfinite(value):
                return False
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return self.high is None or value <= self.high

    def complaint(self, value: object) -> str | None:
        """Why ``value`` is not acceptable, in one line for the user; None if it is."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "a whole number" if self.whole else "a number"
            return f"{self.name} must be {kind}, not {value!r}"
        if self.whole and not isinstance(value, int):
            return f"{self.name} must be a whole number, not {value!r}"
        if not self.accepts(value):
            return f"{self.name} must be {self.rule}, not {value!r}"
        return None

    @property
    def rule(self) -> str:
        """The range in words: ``between 1 and 256``, ``at least 1``, ``positive and finite``."""
        if self.whole:
            if self.high is None:
                return f"at least {self.low}"
            return f"between {self.low} and {self.high}"
        parts = []
        if self.low == 0:
            parts.append("positive" if self.low_open else "zero or more")
        elif self.low is not None:
            parts.append(f"{'above' if self.low_open else 'at least'} {self.low:g}")
        if self.high is not None:
            parts.append(f"at most {self.high:g}")
        return " and ".join([*parts, "finite"])


# Keyed by the setting's field (``dataset.…`` of DatasetSpec, ``branch.…`` of BranchSpec);
# ``learning_rates`` and ``start`` bound each of their numbers.
LIMITS: Mapping[str, Limits] = MappingProxyType(
    {
        "learning_rates": Limits("learning rate", 0.0, low_open=True),
        "seed": Limits("seed", 0, SEED_LIMIT, whole=True),
        "seeds": Limits("seeds", 1, MAX_SEEDS, whole=True),
        "max_steps": Limits("max steps", 1, MAX_STEPS_LIMIT, whole=True),
        "stop_loss": Limits("stop loss"),
        "hidden": Limits("hidden size", 1, MAX_HIDDEN, whole=True),
        "batch_size": Limits("batch size", 1, whole=True),  # beyond the samples: the full batch
        "start": Limits("start"),
        "dataset.samples": Limits("samples", 1, MAX_SAMPLES, whole=True),
        "dataset.noise": Limits("noise", 0.0),
        "dataset.seed": Limits("data seed", 0, SEED_LIMIT, whole=True),
        "branch.step": Limits("branch step", 0, MAX_STEPS_LIMIT - 1, whole=True),  # < max steps
    }
)
