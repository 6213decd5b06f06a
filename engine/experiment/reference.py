"""The live check against torch.optim: beside each from-scratch run that has an exact
``torch.optim`` twin, the same problem trained by ``torch.optim`` (and ``lr_scheduler``).

The only module in ``engine`` that uses ``torch.optim``. It follows the experiment step by
step and keeps, per run, the twin's losses and the largest parameter difference so far,
relative to the size of the twin's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.core.data import Dataset
from engine.core.growing import GrowingArray
from engine.optimizers import TorchEquivalent
from engine.problems import Problem


@dataclass
class _Twin:
    params: list[torch.Tensor]
    optimizer: torch.optim.Optimizer
    scheduler: object | None


class ReferenceCheck:
    """Twins for the runs of one experiment; ``notes[r]`` says why run r has none."""

    def __init__(
        self,
        runs,
        initial: torch.Tensor,  # (runs, P): where each run starts
        problem: Problem,
        config,
        dtype: torch.dtype,
    ):
        self.problem = problem
        n_runs = len(runs)
        self._losses = GrowingArray(
            (n_runs,),
            dtype=np.float32 if dtype == torch.float32 else np.float64,
            limit=config.max_steps,
        )
        self._steps = 0  # columns the experiment has recorded losses in
        self.max_diff = np.full(n_runs, np.nan)
        self.notes: list[str | None] = []
        self.twins: dict[int, _Twin] = {}
        schedule = config.schedule
        for run in runs:
            if run.branch is not None:
                self.notes.append("a branch has no torch.optim twin: it starts mid-run")
                continue
            twin = run.optimizer.optimizer.torch_equivalent(run.optimizer.params)
            if not isinstance(twin, TorchEquivalent):
                self.notes.append(twin)
                continue
            self.notes.append(None)
            start = initial[run.index].to(dtype)
            params = [p.requires_grad_() for p in problem.split(start)]
            optimizer = getattr(torch.optim, twin.optimizer)(params, lr=run.lr, **twin.kwargs)
            scheduler = None
            if schedule.name != "constant":
                scheduler_class = getattr(torch.optim.lr_scheduler, schedule.schedule.torch_name)
                scheduler = scheduler_class(optimizer, **schedule.params)
            self.twins[run.index] = _Twin(params, optimizer, scheduler)
            self.max_diff[run.index] = 0.0

    @property
    def losses(self) -> np.ndarray:
        """(runs, steps) the twins' losses in the experiment's columns, NaN where a run has no
        twin or its twin no loss there. Read-only."""
        return self._losses.view(self._steps)

    def step(
        self,
        recorded: np.ndarray,
        columns: np.ndarray,
        updated: np.ndarray,
        ours: torch.Tensor,
        data: Dataset,
    ) -> None:
        """Mirror one experiment step on its ``data`` (the full set or the step's mini-batch):
        ``recorded`` runs recorded a loss in ``columns``; ``updated`` of them then updated to
        the parameter rows ``ours``."""
        if len(columns):
            self._steps = max(self._steps, int(columns.max()) + 1)
            self._losses.reserve(self._steps)
        for row, column in zip(recorded, columns):
            twin = self.twins.get(int(row))
            if twin is None:
                continue
            twin.optimizer.zero_grad()
            loss = self.problem.autograd_loss(twin.params, data)
            self._losses.array[row, column] = loss.item()
            if not updated[row]:
                continue
            loss.backward()
            twin.optimizer.step()
            if twin.scheduler is not None:
                is_plateau = type(twin.scheduler).__name__ == "ReduceLROnPlateau"
                twin.scheduler.step(loss.item()) if is_plateau else twin.scheduler.step()
            mine = ours[row]
            theirs = torch.cat([p.detach().reshape(-1) for p in twin.params])
            scale = float(theirs.abs().max()) or 1.0
            diff = float((mine - theirs).abs().max()) / scale
            if not np.isnan(diff):
                self.max_diff[row] = max(self.max_diff[row], diff)
