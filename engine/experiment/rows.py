"""How an experiment's rows are stepped: grouped by optimizer for the update, in blocks for the
loss and the schedule. Functions over views of the experiment's (runs, P) tensors."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from engine.config.settings import OptimizerSpec
from engine.core.data import Dataset
from engine.optimizers import State
from engine.optimizers.schedules import ScheduleRunner
from engine.optimizers.user import UserOptimizer
from engine.optimizers.user_code import CodeError
from engine.problems import Problem


@dataclass
class Group:
    """Runs sharing one optimizer spec: a contiguous block of rows and their optimizer state.

    ``params`` and ``lr`` are views into the experiment's tensors, made once per reset.
    """

    spec: OptimizerSpec
    rows: slice
    params: torch.Tensor
    lr: torch.Tensor
    state: State


@dataclass
class Block:
    """Rows whose loss and gradient are computed in one call, with their schedule: every
    optimizer × rate, or one branch. So a branch, added or not, changes no other run's numbers
    by a rounding (a batched kernel may sum differently for another number of rows)."""

    rows: slice
    schedule: ScheduleRunner


def group_of(groups: list[Group], run: int) -> Group:
    """The group whose rows hold ``run``."""
    return next(g for g in groups if g.rows.start <= run < g.rows.stop)


def evaluate(
    problem: Problem, params: torch.Tensor, blocks: list[Block], data: Dataset, active: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """Loss (runs,), gradient (runs, P) and which rows are finite on ``data``: a call per block
    (the first always, as one block of all runs always was; a branch's while it is ``active``)."""
    if len(blocks) == 1:
        return _evaluate_rows(problem, params, data)
    loss = torch.full((params.shape[0],), math.nan, dtype=params.dtype)
    grad = torch.zeros_like(params)
    finite = np.zeros(params.shape[0], dtype=bool)
    for i, block in enumerate(blocks):
        rows = block.rows
        if i == 0 or active[rows].any():
            loss[rows], grad[rows], finite[rows] = _evaluate_rows(problem, params[rows], data)
    return loss, grad, finite


def _evaluate_rows(problem: Problem, params: torch.Tensor, data: Dataset):
    loss, grad = problem.loss_and_gradient(params, data)
    # A sum is finite exactly when every term is (or it overflows, which counts as diverging):
    # one cheap test covers the loss and every parameter.
    return loss, grad, torch.isfinite(loss + params.sum(dim=1)).numpy()


def update_groups(
    groups: list[Group], sizes: list[int], grad: torch.Tensor, updating: np.ndarray
) -> list[tuple[Group, CodeError]]:
    """One update of every group's ``updating`` rows; the others keep parameters and state.
    A group whose optimizer's code (a student's) fails keeps them too: returned with why."""
    everyone = bool(updating.all())
    failed = []
    for group, group_grad in zip(groups, grad.split(sizes)):
        mask = updating[group.rows]
        if not (everyone or mask.any()):
            continue
        optimizer = group.spec.optimizer
        try:
            new_params, new_state = optimizer.update(
                group.params, group_grad, group.state, group.lr, group.spec.params
            )
            if group.spec.written_by_user:
                _check_no_new_nan(optimizer, group, group_grad, new_params, mask)
        except CodeError as err:
            failed.append((group, err))
            continue
        if everyone or mask.all():
            group.params.copy_(new_params)
            group.state = new_state
        else:
            keep = torch.from_numpy(mask)[:, None]
            group.params.copy_(torch.where(keep, new_params, group.params))
            group.state = {k: torch.where(keep, new_state[k], group.state[k]) for k in new_state}
    return failed


def _check_no_new_nan(
    optimizer: UserOptimizer,
    group: Group,
    grad: torch.Tensor,
    new: torch.Tensor,
    updating: np.ndarray,
) -> None:
    """``CodeError`` at ``update`` if it made NaN of finite parameters and gradients in a row
    that updates: the student's rule, not the problem, made it (a built-in that diverges
    overflows to inf, and is a divergence, not an error)."""
    made = torch.isnan(new).any(dim=1) & torch.isfinite(group.params).all(dim=1)
    made &= torch.isfinite(grad).all(dim=1) & torch.from_numpy(updating)
    if bool(made.any()):
        lr = float(group.lr[int(made.nonzero()[0, 0]), 0])
        raise optimizer.fail(
            f"update returned NaN from finite params and grads (at η = {lr:g})", "update"
        )


def step_schedules(
    blocks: list[Block], updating: np.ndarray, loss: np.ndarray, lr64: np.ndarray
) -> bool:
    """``scheduler.step()`` for each block's runs that updated (``loss`` is what they
    recorded), their next rates written into ``lr64``; False if every schedule is constant."""
    moved = False
    for block in blocks:
        if block.schedule.constant:
            continue
        rows = np.flatnonzero(updating[block.rows])
        block.schedule.step(rows, loss[block.rows][rows].astype(np.float64))
        lr64[block.rows] = block.schedule.lr
        moved = True
    return moved
