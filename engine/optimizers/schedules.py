"""Learning-rate schedules, stepped once per training step after the update, exactly as
``scheduler.step()`` after ``optimizer.step()`` in ``torch.optim.lr_scheduler``.

Each run keeps its own learning rate (a numpy float64 vector, computed with torch's own
recursive formulas in Python floats), so a schedule multiplies every panel's rate and
ReduceLROnPlateau can react to each run's own loss.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from engine.optimizers.base import Configurable, Hyperparameter, HyperValue, decay_rate

Arrays = dict[str, np.ndarray]


def _positive(name: str, default: float, label: str) -> Hyperparameter:
    return Hyperparameter(name, default, label, minimum=0.0)


def _count(name: str, default: int, label: str, minimum: int = 1) -> Hyperparameter:
    return Hyperparameter(name, default, label, minimum=minimum, whole=True)


class Schedule(Configurable):
    """Metadata and math of one schedule; per-run values live in numpy vectors."""

    display_name = ""
    torch_name = ""  # the class in torch.optim.lr_scheduler
    rule = ""
    unknown_setting = "schedule {name} has no parameter {key!r} (it has: {known})"

    def initial(self, base: np.ndarray, hp: Mapping) -> np.ndarray:
        """The learning rates of step 0 (LinearLR already scales them when it is built)."""
        return base.copy()

    def init_state(self, n_runs: int) -> Arrays:
        return {}

    def advance(
        self,
        epoch: np.ndarray,
        lr: np.ndarray,
        base: np.ndarray,
        losses: np.ndarray,
        state: Arrays,
        hp: Mapping,
    ) -> np.ndarray:
        """The learning rates after ``scheduler.step()`` takes ``last_epoch`` to ``epoch``."""
        return lr


class Constant(Schedule):
    name, display_name, torch_name = "constant", "Constant", ""
    rule = "ηₜ = η"


class StepDecay(Schedule):
    name, display_name, torch_name = "step", "Step decay", "StepLR"
    rule = "ηₜ = η·γ^⌊t / step_size⌋"
    hyperparameters = (
        _count("step_size", 30, "step size (steps)"),
        _positive("gamma", 0.1, "γ (factor)"),
    )

    def advance(self, epoch, lr, base, losses, state, hp):
        return np.where(epoch % hp["step_size"] == 0, lr * hp["gamma"], lr)


class Exponential(Schedule):
    name, display_name, torch_name = "exponential", "Exponential", "ExponentialLR"
    rule = "ηₜ = η·γᵗ"
    hyperparameters = (_positive("gamma", 0.99, "γ (factor per step)"),)

    def advance(self, epoch, lr, base, losses, state, hp):
        return lr * hp["gamma"]


class Cosine(Schedule):
    name, display_name, torch_name = "cosine", "Cosine annealing", "CosineAnnealingLR"
    rule = "ηₜ = η_min + (η − η_min)·(1 + cos(π·t / T_max)) / 2"
    hyperparameters = (
        _count("T_max", 100, "T_max (steps to the minimum)"),
        _positive("eta_min", 0.0, "η_min"),
    )

    def advance(self, epoch, lr, base, losses, state, hp):
        t_max, eta_min = hp["T_max"], hp["eta_min"]
        restart = (epoch - 1 - t_max) % (2 * t_max) == 0
        with np.errstate(divide="ignore", invalid="ignore"):  # the restart rows divide by 0
            ratio = (1 + np.cos(math.pi * epoch / t_max)) / (
                1 + np.cos(math.pi * (epoch - 1) / t_max)
            )
            smooth = ratio * (lr - eta_min) + eta_min
        bump = lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        return np.where(restart, bump, smooth)


class LinearWarmup(Schedule):
    name, display_name, torch_name = "warmup", "Linear warm-up", "LinearLR"
    rule = "ηₜ = η·(s + (e − s)·min(t, T) / T)"
    hyperparameters = (
        _positive("start_factor", 1 / 3, "s (start factor)"),
        _positive("end_factor", 1.0, "e (end factor)"),
        _count("total_iters", 5, "T (warm-up steps)"),
    )

    def initial(self, base, hp):
        return base * hp["start_factor"]

    def advance(self, epoch, lr, base, losses, state, hp):
        s, e, total = hp["start_factor"], hp["end_factor"], hp["total_iters"]
        grown = lr * (1.0 + (e - s) / (total * s + (epoch - 1) * (e - s)))
        return np.where(epoch > total, lr, grown)


class Plateau(Schedule):
    name, display_name, torch_name = "plateau", "Reduce on plateau", "ReduceLROnPlateau"
    rule = (
        "η ← max(η·factor, min_lr) after more than `patience` steps\n"
        "without a loss below best·(1 − threshold)"
    )
    hyperparameters = (
        decay_rate("factor", 0.1, "factor"),
        _count("patience", 10, "patience (steps)", minimum=0),
        _positive("threshold", 1e-4, "threshold (relative)"),
        _count("cooldown", 0, "cooldown (steps)", minimum=0),
        _positive("min_lr", 0.0, "min_lr"),
        _positive("eps", 1e-8, "eps (smallest change)"),
    )

    def init_state(self, n_runs):
        return {
            "best": np.full(n_runs, np.inf),
            "bad": np.zeros(n_runs, dtype=np.int64),
            "cooldown": np.zeros(n_runs, dtype=np.int64),
        }

    def advance(self, epoch, lr, base, losses, state, hp):
        """torch's mode='min', threshold_mode='rel', on each run's training loss."""
        better = losses < state["best"] * (1 - hp["threshold"])
        state["best"] = np.where(better, losses, state["best"])
        state["bad"] = np.where(better, 0, state["bad"] + 1)
        cooling = state["cooldown"] > 0
        state["cooldown"] = np.where(cooling, state["cooldown"] - 1, state["cooldown"])
        state["bad"] = np.where(cooling, 0, state["bad"])
        reduce = state["bad"] > hp["patience"]
        new = np.maximum(lr * hp["factor"], hp["min_lr"])
        lr = np.where(reduce & (lr - new > hp["eps"]), new, lr)
        state["cooldown"] = np.where(reduce, hp["cooldown"], state["cooldown"])
        state["bad"] = np.where(reduce, 0, state["bad"])
        return lr


SCHEDULES: dict[str, Schedule] = {
    s.name: s for s in (Constant(), StepDecay(), Exponential(), Cosine(), LinearWarmup(), Plateau())
}


@dataclass(frozen=True)
class ScheduleSpec:
    """A schedule by name with every parameter resolved and checked."""

    name: str = "constant"
    params: Mapping[str, HyperValue] = field(default_factory=dict)

    @classmethod
    def create(cls, name: str, params: Mapping[str, object] | None = None) -> ScheduleSpec:
        schedule = SCHEDULES.get(name)
        if schedule is None:
            raise ValueError(f"unknown schedule {name!r} (known: {', '.join(SCHEDULES)})")
        return cls(name, schedule.resolve(params))

    @property
    def schedule(self) -> Schedule:
        return SCHEDULES[self.name]

    @property
    def label(self) -> str:
        params = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return self.schedule.display_name + (f" ({params})" if params else "")


class ScheduleRunner:
    """One schedule's per-run learning rates through an experiment."""

    def __init__(self, spec: ScheduleSpec, base: np.ndarray):
        self.spec, self.base = spec, np.asarray(base, dtype=np.float64)
        self.lr = spec.schedule.initial(self.base, spec.params)
        self.state = spec.schedule.init_state(len(self.base))
        self.epoch = np.zeros(len(self.base), dtype=np.int64)

    @property
    def constant(self) -> bool:
        return self.spec.name == "constant"

    def copy(self) -> ScheduleRunner:
        """An independent runner in the same state (what a checkpoint keeps)."""
        twin = object.__new__(ScheduleRunner)
        twin.spec, twin.base = self.spec, self.base  # never written in place
        twin.lr, twin.epoch = self.lr.copy(), self.epoch.copy()
        twin.state = {k: v.copy() for k, v in self.state.items()}
        return twin

    def row(self, index: int) -> ScheduleRunner:
        """A runner of one run, in the state run ``index`` is in (a branch carrying it on)."""
        pick = slice(index, index + 1)
        twin = object.__new__(ScheduleRunner)
        twin.spec, twin.base = self.spec, self.base[pick].copy()
        twin.lr, twin.epoch = self.lr[pick].copy(), self.epoch[pick].copy()
        twin.state = {k: v[pick].copy() for k, v in self.state.items()}
        return twin

    def step(self, rows: np.ndarray, losses: np.ndarray) -> None:
        """``scheduler.step()`` for the runs in ``rows``, after their update; ``losses`` are
        the losses those runs recorded this step (ReduceLROnPlateau's metric)."""
        if self.constant or rows.size == 0:
            return
        self.epoch[rows] += 1
        sub_state = {k: v[rows] for k, v in self.state.items()}
        self.lr[rows] = self.spec.schedule.advance(
            self.epoch[rows], self.lr[rows], self.base[rows], losses, sub_state, self.spec.params
        )
        for k, v in sub_state.items():
            self.state[k][rows] = v
