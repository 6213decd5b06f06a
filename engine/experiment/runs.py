"""What an experiment says about its runs: which run, where it stands, its numbers, its state.

Plain values, torch-free (the window receives them), made by
:mod:`engine.experiment.batched`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from engine.config.settings import BranchSpec, OptimizerSpec
from engine.optimizers import State
from engine.optimizers.schedules import ScheduleRunner
from engine.optimizers.user_code import CodeFailure

if TYPE_CHECKING:  # a StepState holds tensors; nothing here computes with them
    import torch


class RunStatus(enum.IntEnum):
    RUNNING = 0
    CONVERGED = 1
    DIVERGED = 2
    MAX_STEPS = 3
    WAITING = 4  # a branch before its step
    UNREACHED = 5  # a branch whose parent stopped before its step: it never starts
    ERROR = 6  # its optimizer's code (a student's) failed: see RunSummary.failure


@dataclass(frozen=True)
class RunKey:
    """Which run: optimizer × learning rate × initial draw, and its row in the batched tensors.

    ``seed_index`` counts the experiment's draws (0 … seeds − 1); ``seed`` is the seed this run's
    initial parameters came from (``config.seed + seed_index``): alone, with that seed, it makes
    the same losses to the bit. Rows go optimizer by optimizer, then rate, then draw, so the S
    draws of one (optimizer, rate) are rows ``index // S * S`` onwards.

    A branch (``branch`` set) is the run forked from row ``parent`` at ``branch.step``; it is
    drawn in its parent's panel (``lr_index``) and has a table row of its own
    (``optimizer_index``: after the optimizers). ``optimizer`` and ``lr`` are its own.
    """

    index: int
    optimizer_index: int
    lr_index: int
    optimizer: OptimizerSpec
    lr: float
    parent: int | None = None
    branch: BranchSpec | None = None
    branch_label: str = ""  # e.g. "SGD η=1 → η=0.1 @ 50"
    branch_name: str = ""  # e.g. "sgd lr=1 -> lr=0.1 @ 50"
    seed_index: int = 0
    seed: int = 0

    @property
    def start(self) -> int:
        """The first step the run records a loss at: 0, or a branch's step."""
        return 0 if self.branch is None else self.branch.step

    @property
    def label(self) -> str:
        """What a legend calls it: the optimizer's label, or what a branch changed."""
        return self.branch_label or self.optimizer.label

    @property
    def name(self) -> str:
        """What a file calls it: the optimizer's key, or the branch's name (never a bare key)."""
        return self.branch_name or self.optimizer.key


@dataclass(frozen=True)
class RunSummary:
    """Where a run stands: losses recorded, the last of them, and why it stopped.

    ``steps`` is the step the run has reached: one past its latest loss's step (for a branch
    that includes the steps before it, which were its parent's)."""

    run: RunKey
    steps: int
    final_loss: float | None
    status: RunStatus
    status_step: int | None
    failure: CodeFailure | None = None  # what failed, when the status is ERROR

    def describe(self) -> str:
        if self.status is RunStatus.ERROR:
            return self.failure.describe() if self.failure else f"error at step {self.status_step}"
        if self.status is RunStatus.CONVERGED:
            return f"converged at step {self.status_step}"
        if self.status is RunStatus.DIVERGED:
            return f"diverged at step {self.status_step}"
        if self.status is RunStatus.MAX_STEPS:
            return f"reached max steps ({self.steps})"
        if self.status is RunStatus.WAITING:
            return f"starts at step {self.run.start}"
        if self.status is RunStatus.UNREACHED:
            return f"never started: its parent stopped before step {self.run.start}"
        return "running"


@dataclass(frozen=True)
class RunSnapshot:
    """One run's numbers at its current step: parameters, gradient and optimizer state."""

    run: RunKey
    step: int
    status: RunStatus
    loss: float
    params: dict[str, np.ndarray]
    gradient: dict[str, np.ndarray]
    state: dict[str, dict[str, np.ndarray] | float]


@dataclass(frozen=True)
class StepState:
    """Everything an experiment's next steps depend on, after ``steps_taken`` steps (copies):
    an experiment of the same settings that loads it goes on exactly as this one did."""

    steps_taken: int
    params: torch.Tensor  # (runs, P)
    lr: torch.Tensor  # (runs, 1) the rate of the next step, in the experiment's dtype
    optimizer_states: tuple[State, ...]  # one per group of rows
    schedules: tuple[ScheduleRunner, ...]  # one per block of rows stepped together
    counts: np.ndarray
    status: np.ndarray
    status_step: np.ndarray
    failures: Mapping[int, CodeFailure] = field(default_factory=dict)  # row: why it stopped

    @property
    def nbytes(self) -> int:
        """Roughly the memory it holds."""
        tensors = [self.params, self.lr, *(t for s in self.optimizer_states for t in s.values())]
        arrays = [self.counts, self.status, self.status_step]
        arrays += [a for r in self.schedules for a in (r.lr, r.epoch, *r.state.values())]
        return sum(t.element_size() * t.nelement() for t in tensors) + sum(a.nbytes for a in arrays)


def summaries_at(
    summaries: tuple[RunSummary, ...], losses: np.ndarray, step: int
) -> tuple[RunSummary, ...]:
    """The runs as they stood after ``step`` steps, from their final ``summaries`` and the
    ``losses`` buffer (runs × steps, column k is step k): a run that went on past ``step`` was
    running then, with its loss at ``step - 1`` the latest; a branch was waiting up to its step
    (and one that never started, until its parent stopped)."""
    return tuple(_summary_at(s, summaries, losses, step) for s in summaries)


def _summary_at(
    summary: RunSummary, summaries: tuple[RunSummary, ...], losses: np.ndarray, step: int
) -> RunSummary:
    run = summary.run
    if summary.status is RunStatus.UNREACHED:
        parent = summaries[run.parent]
        if step > parent.status_step:  # it was marked when its parent stopped
            return summary
        if step < run.start:
            return RunSummary(run, 0, None, RunStatus.WAITING, None)
        return RunSummary(run, step, None, RunStatus.RUNNING, None)  # made, then diverged
    if run.branch is not None and step < run.start:
        return RunSummary(run, 0, None, RunStatus.WAITING, None)
    if summary.status in (RunStatus.RUNNING, RunStatus.WAITING) or summary.steps > step:
        count = min(summary.steps, step)
        latest = float(losses[run.index, count - 1]) if count > run.start else None
        return RunSummary(run, count, latest, RunStatus.RUNNING, None)
    return summary
