"""What the engine worker tells the window: plain numpy payloads, no tensors, no Qt and no torch
(the window's process imports this; :mod:`engine.live.updates` builds them from an experiment);
and the one thing the window asks for that is more than a word, a :class:`PlayTarget`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from engine.analysis.readings import DeclaredThresholds, Stability
from engine.config.settings import ExperimentConfig
from engine.experiment.runs import RunKey, RunStatus, RunSummary, summaries_at
from engine.optimizers.user_code import CodeFailure


@dataclass(frozen=True)
class ExperimentStarted:
    """A new experiment at step 0, or the same one with other branches at the step it had
    reached (its losses follow from column 0); updates of older generations are stale."""

    generation: int
    config: ExperimentConfig
    runs: tuple[RunKey, ...]
    reference_notes: tuple[str | None, ...] | None = None  # None: the check is off; per run,
    # None when it has a torch.optim twin, else why it has none
    stability: Stability | None = None  # at the initial parameters, every run's start
    initial_parameters: np.ndarray | None = None  # (P,) the first seed's runs' start (a copy)
    failures: tuple[CodeFailure, ...] = ()  # students' optimizers whose init failed
    declared_thresholds: DeclaredThresholds = field(default_factory=dict)  # students' own
    origin: np.ndarray | None = None  # (P,) θ₀, the seed's own draw; None: initial_parameters
    start_loss: float = math.nan  # the loss at initial_parameters: a 2-D problem's axis top

    @property
    def plane_origin(self) -> np.ndarray | None:
        """θ₀, which the landscape's planes pass through (a start chosen on one moves the runs,
        not the plane)."""
        return self.initial_parameters if self.origin is None else self.origin


@dataclass(frozen=True)
class PlayingChanged:
    """The play loop started or stopped (in the engine process, a Reset or a finished run)."""

    playing: bool


@dataclass(frozen=True)
class ThreadsChosen:
    """Torch's thread count for the experiment just built, and the fastest seconds per step
    measured at each count tried (empty when one step was slow enough to need them all)."""

    threads: int
    seconds: tuple[tuple[int, float], ...] = ()


class RunSummaries(Sequence[RunSummary]):
    """Every run's :class:`RunSummary`, made only when asked for, from per-run arrays: an update
    of hundreds of runs sixty times a second then costs a few array copies, not hundreds of
    objects (the views that count outcomes read :attr:`status` instead)."""

    def __init__(
        self,
        runs: Sequence[RunKey],
        counts: np.ndarray,
        status: np.ndarray,
        status_step: np.ndarray,
        final: np.ndarray,
        failures: Mapping[int, CodeFailure] | None = None,
    ):
        self.runs = runs
        self._counts, self._status, self._steps, self._final = counts, status, status_step, final
        self._failures = dict(failures or {})
        self._made: dict[int, RunSummary] = {}

    def with_runs(self, runs: Sequence[RunKey]) -> RunSummaries:
        """The same arrays for ``runs``: the engine process sends an update without its run
        keys, and the window puts back those of the experiment's announcement."""
        return RunSummaries(
            runs, self._counts, self._status, self._steps, self._final, self._failures
        )

    @property
    def failures(self) -> dict[int, CodeFailure]:
        """Each run stopped by its optimizer's code (a student's), and why (a copy)."""
        return dict(self._failures)

    @property
    def status(self) -> np.ndarray:
        """(runs,) RunStatus values, read-only."""
        return _read_only(self._status)

    @property
    def status_steps(self) -> np.ndarray:
        """(runs,) the step each run's status was decided at, −1 while it runs; read-only."""
        return _read_only(self._steps)

    @property
    def final(self) -> np.ndarray:
        """(runs,) each run's last recorded loss, NaN before its first; read-only."""
        return _read_only(self._final)

    def at_step(self, step: int, losses: np.ndarray) -> RunSummaries:
        """The summaries after ``step`` steps, ``losses`` the full loss table: a run that went
        on past it was running then, with ``step`` losses recorded; a branch was waiting until
        its step (see :func:`engine.experiment.runs.summaries_at`)."""
        summaries = summaries_at(tuple(self), losses, step)
        counts = np.array([s.steps for s in summaries], dtype=self._counts.dtype)
        status = np.array([s.status for s in summaries], dtype=np.int8)
        steps = np.array([-1 if s.status_step is None else s.status_step for s in summaries])
        final = np.array([np.nan if s.final_loss is None else s.final_loss for s in summaries])
        failures = {r: f for r, f in self._failures.items() if status[r] == RunStatus.ERROR}
        final = final.astype(self._final.dtype)
        return RunSummaries(self.runs, counts, status, steps, final, failures)

    def __len__(self) -> int:
        return len(self._counts)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]
        if index not in self._made:
            count, status = int(self._counts[index]), RunStatus(int(self._status[index]))
            run = self.runs[index]
            self._made[index] = RunSummary(
                run=run,
                steps=count,
                final_loss=float(self._final[index]) if count > run.start else None,
                status=status,
                status_step=None
                if status in (RunStatus.RUNNING, RunStatus.WAITING)
                else int(self._steps[index]),
                failure=self._failures.get(index),
            )
        return self._made[index]


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class LossUpdate:
    """Loss columns ``[start, start + losses.shape[1])`` that are new since the last update."""

    generation: int
    start: int
    losses: np.ndarray  # (runs, k) copy; NaN where a run recorded nothing
    counts: np.ndarray  # losses recorded per run
    summaries: RunSummaries  # a sequence of RunSummary, made when read
    steps_taken: int
    done: bool
    lrs: np.ndarray | None = None  # (runs, k) the learning rate each of those steps used
    reference_losses: np.ndarray | None = None  # (runs, k) the torch.optim twins' losses
    reference_diff: np.ndarray | None = None  # (runs,) largest relative difference so far
    sharpness: np.ndarray | None = None  # (runs, k) λ at those steps, NaN where not computed;
    # None while sharpness is off
    preconditioned: np.ndarray | None = None  # (runs, k) preconditioned λ; NaN for the runs
    # whose optimizer divides by nothing
    sharpness_every: int | None = None  # λ is computed every this many steps (None: off)
    paths: np.ndarray | None = None  # (runs, k, P) the parameters each of those losses was
    # computed at, when the experiment records them (NaN where a run recorded nothing)

    @property
    def end(self) -> int:
        return self.start + self.losses.shape[1]

    def with_runs(self, runs: Sequence[RunKey]) -> LossUpdate:
        """The update with ``runs`` as its summaries' run keys: the engine process sends it
        without them (``()``), the window puts back those of the experiment's announcement."""
        return replace(self, summaries=self.summaries.with_runs(runs))


def update_at_step(update: LossUpdate, step: int, since: int = 0) -> LossUpdate:
    """What a complete ``update`` (``start == 0``) looked like after ``step`` steps; from
    column ``since`` on only, as a playing engine sends the steps new since its last update.

    A run that went on past ``step`` was still running then, with ``step`` losses recorded; a
    branch was waiting until its step.
    Used to draw the frames of an animation from one finished experiment.
    """
    if update.start != 0:
        raise ValueError("update_at_step needs an update from column 0")
    summaries = update.summaries.at_step(step, update.losses)
    counts = np.array([s.steps for s in summaries], dtype=update.counts.dtype)
    losses = update.losses[:, :step].copy()
    paths = None if update.paths is None else update.paths[:, :step].copy()
    for row, count in enumerate(counts):
        losses[row, count:] = np.nan
        if paths is not None:
            paths[row, count:] = np.nan

    def cut(columns: np.ndarray | None) -> np.ndarray | None:
        return None if columns is None else columns[:, since:step].copy()

    return LossUpdate(
        generation=update.generation,
        start=since,
        losses=losses[:, since:],
        counts=counts,
        summaries=summaries,
        steps_taken=min(update.steps_taken, step),
        done=update.done and step >= update.steps_taken,
        lrs=cut(update.lrs),
        reference_losses=cut(update.reference_losses),
        reference_diff=update.reference_diff,
        sharpness=cut(update.sharpness),
        preconditioned=cut(update.preconditioned),
        sharpness_every=update.sharpness_every,
        paths=None if paths is None else paths[:, since:],
    )


@dataclass(frozen=True)
class PlayTarget:
    """Play until step ``play`` (the steps taken) or until the event ``play`` names ("end",
    "divergence", "converged", "threshold"); ``run``: the followed run, for "threshold"."""

    play: int | str
    run: int = -1
