"""Where each run starts: the optimizers × rates × seeds rows, each from its seed's draw at
step 0, and the branches after them, each forked off its parent's state at its step.

:class:`engine.experiment.batched.BatchedExperiment` calls these when it is configured, reset
and stepped; the forks work in place on its rows (:mod:`engine.experiment.rows`) and ledger.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from engine.config.loading import start_draws
from engine.config.settings import BranchSpec, ExperimentConfig
from engine.experiment.branches import (
    branch_run,
    branch_schedule,
    keeps_optimizer_state,
    restarts_schedule,
)
from engine.experiment.code_failures import init_state
from engine.experiment.ledger import RunLedger
from engine.experiment.rows import Block, Group, group_of
from engine.experiment.runs import RunKey
from engine.optimizers.schedules import ScheduleRunner
from engine.problems import Problem


def experiment_runs(
    config: ExperimentConfig, learning_rates: Sequence[float], branches: Sequence[BranchSpec]
) -> list[RunKey]:
    """One run per optimizer × learning rate × seed, numbered in that order (a group's seeds
    adjacent, as :mod:`engine.experiment.seeds` reads them), then one per branch."""
    n_lrs, seeds = len(learning_rates), config.seeds
    base = [
        RunKey((i * n_lrs + j) * seeds + s, i, j, spec, lr, seed_index=s, seed=config.seed + s)
        for i, spec in enumerate(config.optimizers)
        for j, lr in enumerate(learning_rates)
        for s in range(seeds)
    ]
    return base + [branch_run(branch, base, config) for branch in branches]


def start_parameters(
    problem: Problem, config: ExperimentConfig, n_runs: int, n_base: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(runs, P) parameters at step 0: each of the ``n_base`` base runs its seed's draw, each
    branch the first seed's until it forks; and that first draw, (P,)."""
    draws = start_draws(problem, config)
    initial = draws[0]
    base = torch.stack(draws).repeat(n_base // config.seeds, 1)
    return torch.cat([base, initial.repeat(n_runs - n_base, 1)]), initial


def fork_due(
    ledger: RunLedger,
    step: int,
    config: ExperimentConfig,
    params: torch.Tensor,
    lr: torch.Tensor,
    lr64: np.ndarray,
    groups: list[Group],
    blocks: list[Block],
) -> None:
    """Make the branches of the ``step`` reached, from their parent's state now (after its
    updates before that step), so that the step's update is already the branch's own."""
    runs, n_base = ledger.runs, ledger.n_base
    if n_base == len(runs):
        return
    for row in ledger.due(step):
        run = runs[row]
        if not ledger.parent_running(row):
            ledger.never_started(row)
            continue
        params[row] = params[run.parent]
        group, parent = group_of(groups, row), group_of(groups, run.parent)
        if keeps_optimizer_state(run.branch, parent.spec):
            local = slice(run.parent - parent.rows.start, run.parent - parent.rows.start + 1)
            group.state = {k: v[local].clone() for k, v in parent.state.items()}
        elif not init_state(group, ledger, step):
            continue  # its code failed: the branch stops before it starts
        block = blocks[1 + row - n_base]
        if restarts_schedule(run.branch, config):
            spec = branch_schedule(run.branch, config)
            block.schedule = ScheduleRunner(spec, np.array([run.lr]))
        else:  # the parent's schedule, where it stands (the base block starts at row 0)
            block.schedule = blocks[0].schedule.row(run.parent)
        lr64[row] = block.schedule.lr[0]
        lr[row : row + 1].copy_(torch.from_numpy(lr64[row : row + 1, None]))
        ledger.started(row)
