"""An experiment's past, to travel in: its whole state every few steps, replayed exactly between.

The engine is deterministic, so a checkpoint every ``interval`` steps is all the history a seek
needs: to show step k, a scratch copy of the experiment loads the checkpoint at or before k and
replays the steps in between (fewer than ``interval``), which gives the parameters, gradient,
optimizer state and loss at k bit for bit. Parameters are not kept at every step: replaying
15 steps is about as fast as reading them back, and the memory stays bounded for wide models.
The checkpoints take at most ``budget`` bytes: the interval doubles from 16 until they fit.

Branches added on the way (:meth:`Timeline.rebranch`) keep the past: the runs go on as they
were, and only the steps since the checkpoint before the earliest new branch are replayed.
"""

from __future__ import annotations

from dataclasses import replace

from engine.analysis.inspection import inspect_run
from engine.analysis.readings import Inspection
from engine.config.settings import ExperimentConfig
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import StepState, summaries_at

SHORTEST_INTERVAL = 16  # steps between checkpoints, unless the budget asks for more
CHECKPOINT_BUDGET = 64 * 2**20  # bytes of checkpoints an experiment keeps at most


__all__ = ["Timeline", "checkpoint_interval", "remap_state", "summaries_at"]


def checkpoint_interval(state_bytes: int, max_steps: int, budget: int = CHECKPOINT_BUDGET) -> int:
    """The shortest interval (16 · 2ⁿ steps) at which checkpoints of ``state_bytes`` each, one
    per interval up to ``max_steps``, fit in ``budget``."""
    interval = SHORTEST_INTERVAL
    while (max_steps // interval + 1) * state_bytes > budget and interval < max_steps:
        interval *= 2
    return interval


class Timeline:
    """Steps ``experiment`` (call :meth:`step`, not the experiment's own) and keeps its state at
    every multiple of :attr:`interval`, so that :meth:`seek` can go back to any step so far."""

    def __init__(self, experiment: BatchedExperiment, budget: int = CHECKPOINT_BUDGET):
        self.experiment = experiment
        self.budget = budget
        self._scratch: BatchedExperiment | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the past: for the experiment just reset (or configured) at step 0."""
        state = self.experiment.save_state()
        self.interval = checkpoint_interval(
            state.nbytes, self.experiment.config.max_steps, self.budget
        )
        self._checkpoints: dict[int, StepState] = {state.steps_taken: state}
        self._scratch = None  # its settings may have changed

    @property
    def furthest(self) -> int:
        """The furthest step reached: the experiment's own."""
        return self.experiment.steps_taken

    @property
    def checkpoints(self) -> tuple[int, ...]:
        """The steps whose state is kept, in order."""
        return tuple(sorted(self._checkpoints))

    @property
    def nbytes(self) -> int:
        """Memory held for the past: checkpoints and the scratch copy's buffers."""
        held = sum(state.nbytes for state in self._checkpoints.values())
        if self._scratch is not None:
            held += self._scratch.records_nbytes
        return held

    # --- going on ----------------------------------------------------------------------------

    def step(self, n: int = 1) -> int:
        """Advance the experiment by up to ``n`` steps, keeping checkpoints on the way."""
        taken = 0
        while taken < n:
            to_boundary = self.interval - self.experiment.steps_taken % self.interval
            done = self.experiment.step(min(n - taken, to_boundary))
            if not done:
                break
            taken += done
            self._keep()
        return taken

    def run_to_end(self) -> None:
        while self.step(self.interval):
            pass

    def _keep(self) -> None:
        step = self.experiment.steps_taken
        if step % self.interval == 0 and step not in self._checkpoints:
            self._checkpoints[step] = self.experiment.save_state()

    # --- going back --------------------------------------------------------------------------

    def seek(self, step: int) -> BatchedExperiment:
        """A copy of the experiment after ``step`` steps (clamped to 0 … :attr:`furthest`),
        loaded from the nearest checkpoint and replayed. Read it, do not step it: the copy is
        reused by the next seek."""
        step = min(max(int(step), 0), self.furthest)
        scratch = self._scratch
        if scratch is None:
            scratch = self._scratch = self.experiment.fresh_copy()
        start = max(s for s in self._checkpoints if s <= step)
        if not start <= scratch.steps_taken <= step:  # replay from where it is when it can
            scratch.load_state(self._checkpoints[start])
        scratch.step(step - scratch.steps_taken)
        return scratch

    def rebranch(self, config: ExperimentConfig) -> None:
        """Go on with ``config``'s branches (its other settings must be the experiment's): the
        runs and the branches kept keep their past exactly; a new branch is made from its
        parent at its step by replaying from the checkpoint before it to the step reached
        (nothing is replayed for branches at or after that step). :attr:`experiment` is then a
        new object."""
        old, reached = self.experiment, self.experiment.steps_taken
        new = old.fresh_copy(config)
        rows = shared_rows(new, old)
        past = [r.start for r, o in zip(new.runs, rows) if o is None and r.start < reached]
        start = max(s for s in self._checkpoints if s <= min(past)) if past else reached
        kept = {
            s: remap_state(c, new, old, rows) for s, c in self._checkpoints.items() if s <= start
        }
        state = self._checkpoints[start] if past else old.save_state()
        mine = [i for i, r in enumerate(rows) if r is not None]
        new.load_state(remap_state(state, new, old, rows))
        new.copy_records(old, mine, [rows[i] for i in mine])
        self.experiment, self._checkpoints, self._scratch = new, kept, None
        self.step(reached - start)

    def inspect(self, step: int, run: int, weight: int) -> Inspection:
        """What the inspector shows of ``run`` after ``step`` steps: its parameters, gradient,
        optimizer state and loss there, and the update it made next (of flat ``weight``)."""
        return replace(inspect_run(self.seek(step), run, weight), view_step=step)


def shared_rows(new: BatchedExperiment, old: BatchedExperiment) -> list[int | None]:
    """For each row of ``new``, the same run's row in ``old`` (None: a branch ``old`` lacks).
    The two must differ in their branches alone."""
    if replace(new.config, branches=()) != replace(old.config, branches=()):
        raise ValueError("only experiments that differ in their branches share runs")
    theirs = [run for run in old.runs if run.branch is not None]  # specs hold dicts: no hash

    def row_in_old(run) -> int | None:
        if run.branch is None:
            return run.index
        return next((r.index for r in theirs if r.branch == run.branch), None)

    return [row_in_old(run) for run in new.runs]


def remap_state(
    state: StepState, new: BatchedExperiment, old: BatchedExperiment, rows: list[int | None]
) -> StepState:
    """``old``'s ``state`` in ``new``'s rows (``rows`` from :func:`shared_rows`); a branch
    ``old`` lacks is as ``new`` has it at step 0 (waiting). Both lay rows out alike: the
    optimizers × rates in one block with a group per optimizer, then a row, a group and a block
    per branch."""
    if new.steps_taken:
        raise ValueError("remap states into an experiment at step 0")
    fresh = new.save_state()
    mine = [i for i, r in enumerate(rows) if r is not None]
    theirs = [rows[i] for i in mine]

    def take(own, taken):
        out = own.clone() if hasattr(own, "clone") else own.copy()
        out[mine] = taken[theirs]
        return out

    n_groups, n_new, n_old = len(new.config.optimizers), _base_rows(new), _base_rows(old)
    groups, blocks = list(state.optimizer_states[:n_groups]), [state.schedules[0]]
    for i in range(n_new, len(new.runs)):
        source, at = (state, rows[i] - n_old) if rows[i] is not None else (fresh, i - n_new)
        groups.append(source.optimizer_states[n_groups + at])
        blocks.append(source.schedules[1 + at])
    return StepState(
        steps_taken=state.steps_taken,
        params=take(fresh.params, state.params),
        lr=take(fresh.lr, state.lr),
        optimizer_states=tuple(groups),
        schedules=tuple(blocks),
        counts=take(fresh.counts, state.counts),
        status=take(fresh.status, state.status),
        status_step=take(fresh.status_step, state.status_step),
        failures={i: state.failures[rows[i]] for i in mine if rows[i] in state.failures},
    )


def _base_rows(experiment: BatchedExperiment) -> int:
    return sum(run.branch is None for run in experiment.runs)
