"""All runs of an experiment (optimizers × learning rates, and branches forked from them),
stepped together in one batched pass."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from engine.config.loading import build_problem, load_dataset
from engine.config.settings import ExperimentConfig, OptimizerSpec, check_learning_rate
from engine.core.batches import MiniBatches
from engine.core.data import Dataset
from engine.core.model import ParameterLayout
from engine.experiment.branches import branch_schedule
from engine.experiment.code_failures import init_state, stop_failed
from engine.experiment.ledger import RunLedger
from engine.experiment.rows import (
    Block,
    Group,
    evaluate,
    group_of,
    step_schedules,
    update_groups,
)
from engine.experiment.runs import RunSnapshot, RunStatus, RunSummary, StepState
from engine.experiment.starts import experiment_runs, fork_due, start_parameters
from engine.optimizers import State
from engine.optimizers.schedules import ScheduleRunner
from engine.optimizers.user_code import CodeFailure
from engine.problems import MLPProblem, Problem


class BatchedExperiment:
    """Steps every run of a config in one tensor pass per step; finished runs stay frozen.

    With a batch size below the number of samples, each step trains every run on the same
    mini-batch: consecutive slices of a permutation drawn per epoch (``batch_order``), the last
    one of an epoch possibly smaller. A recorded loss is then the loss on that step's batch, the
    training loss the optimizer sees, and convergence and schedules go by it.

    It trains ``config.problem``: the article's MLP, or a 2-D surface whose parameters are (x, y).
    With ``record_parameters``, it keeps every run's parameters at each recorded step (its path).

    ``config.branches`` add a row each after the optimizers × rates: waiting until its step,
    then forked from its parent's state then (see :mod:`engine.experiment.branches`), recording
    its losses in its parent's step numbers. Given ``learning_rates`` (a sweep) leave branches out.
    """

    def __init__(
        self,
        config: ExperimentConfig | None = None,
        data: Dataset | None = None,
        reference: bool = False,
        learning_rates: Sequence[float] | None = None,
        record_parameters: bool = False,
    ):
        """``data`` replaces the data ``config.dataset`` names, whatever the config says;
        ``learning_rates`` replace the config's (a sweep trains at 64, not one panel each);
        ``record_parameters`` keeps every run's path (see :attr:`parameter_buffer`)."""
        self._given_data = data
        self._given_lrs = None if learning_rates is None else tuple(map(float, learning_rates))
        for lr in self._given_lrs or ():
            check_learning_rate(lr)
        self.with_reference = reference
        self.record_parameters = record_parameters
        self.configure(config or ExperimentConfig())

    def configure(self, config: ExperimentConfig) -> None:
        """Take new settings and start over at step 0."""
        self.config = config
        self._dtype = getattr(torch, config.dtype)
        data = self._given_data if self._given_data is not None else load_dataset(config.dataset)
        self._data = data.to(self._dtype)
        self._problem = build_problem(config, self._data)
        self._batches = MiniBatches(self._data, config.batch_size, config.seed)
        self.learning_rates = self._given_lrs or config.learning_rates
        branches = () if self._given_lrs else config.branches
        self.runs = experiment_runs(config, self.learning_rates, branches)
        self._n_base = len(self.runs) - len(branches)
        self.reset()

    def reset(self) -> None:
        """Back to step 0: every run from its seed's initial parameters (with one seed, all
        from the same), fresh state, no losses; branches wait for their step."""
        n_runs, n_base, cfg = len(self.runs), self._n_base, self.config
        self._params, initial = start_parameters(self._problem, cfg, n_runs, n_base)
        base_rates = np.array([r.lr for r in self.runs[:n_base]])
        self._blocks = [Block(slice(0, n_base), ScheduleRunner(cfg.schedule, base_rates))]
        self._blocks += [
            Block(
                slice(r.index, r.index + 1),
                ScheduleRunner(branch_schedule(r.branch, cfg), np.array([r.lr])),
            )
            for r in self.runs[n_base:]
        ]
        self._lr64 = np.concatenate([block.schedule.lr for block in self._blocks])
        self._lr = torch.tensor(self._lr64[:, None], dtype=self._dtype)
        n_lrs = len(self.learning_rates) * cfg.seeds  # rows per optimizer
        spans = [(spec, slice(i * n_lrs, (i + 1) * n_lrs)) for i, spec in enumerate(cfg.optimizers)]
        spans += [(r.optimizer, slice(r.index, r.index + 1)) for r in self.runs[n_base:]]
        np_dtype = np.float32 if cfg.dtype == "float32" else np.float64
        path_size = self._problem.size if self.record_parameters else None
        self._ledger = RunLedger(
            self.runs, n_base, cfg.max_steps, cfg.stop_loss, np_dtype, path_size
        )
        self._groups = []
        for spec, rows in spans:
            group = Group(spec, rows, self._params[rows], self._lr[rows], {})
            self._groups.append(group)
            if rows.start < n_base:  # a branch's state is made at its step
                init_state(group, self._ledger, 0)
        self._group_sizes = [g.rows.stop - g.rows.start for g in self._groups]
        self._initial = initial.numpy().copy()
        origin = self._problem.initial_parameters(cfg.seed, cfg.start).to(self._dtype)
        self._origin = origin.numpy().copy()
        self.steps_taken = 0
        self.reference = None
        if self.with_reference:
            from engine.experiment.reference import (
                ReferenceCheck,  # the one place torch.optim is used
            )

            start = self._params.clone()
            self.reference = ReferenceCheck(self.runs, start, self._problem, cfg, self._dtype)
        self._fork_due()  # branches at step 0

    @property
    def failures(self) -> dict[int, CodeFailure]:
        """Each run stopped by its optimizer's code, and why (a copy)."""
        return dict(self._ledger.failures)

    # --- reading -------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """No run is training or waiting for its branch step."""
        return not bool(self.running.any() or self._ledger.waiting.any())

    @property
    def loss_buffer(self) -> np.ndarray:
        """(runs, steps) losses, ``steps`` the most any run has recorded, NaN where a run
        recorded none; column k is step k. Read-only."""
        return self._ledger.losses

    @property
    def counts(self) -> np.ndarray:
        """How many losses each run has recorded: the column its next one goes in (a branch's
        count includes its parent's steps before it; 0 while it waits)."""
        return self._ledger.counts.copy()

    @property
    def lr_buffer(self) -> np.ndarray:
        """(runs, steps) learning rate each recorded step trained with (as ``loss_buffer``).
        Read-only."""
        return self._ledger.lrs

    @property
    def records_nbytes(self) -> int:
        """Memory its records hold (losses, rates, paths): it grows with the steps taken."""
        return self._ledger.nbytes

    def losses(self, run: int) -> np.ndarray:
        return self._ledger.losses[run, : self._ledger.counts[run]].copy()

    def summary(self, run: int) -> RunSummary:
        return self._ledger.summary(run)

    def summaries(self) -> list[RunSummary]:
        return [self.summary(r) for r in range(len(self.runs))]

    def current_data(self) -> Dataset:
        """The data the next step trains on: every sample, or that step's mini-batch. Reading
        it changes nothing; ``reset`` starts the batches over."""
        return self._batches.at(self.steps_taken)

    def snapshot(self, run: int) -> RunSnapshot:
        """Copies of one run's parameters, optimizer state, and loss and gradient on the data
        the next step uses (so the gradient is the one its next update takes)."""
        row = self._params[run : run + 1]
        loss, grad = self._problem.loss_and_gradient(row, self.current_data())
        group = group_of(self._groups, run)
        local = run - group.rows.start
        state: dict[str, dict[str, np.ndarray] | float] = {}
        for name, tensor in group.state.items():
            if tensor.shape[1] == 1:
                state[name] = float(tensor[local, 0])
            else:
                state[name] = self._as_arrays(tensor[local : local + 1])
        return RunSnapshot(
            run=self.runs[run],
            step=int(self._ledger.counts[run]),
            status=RunStatus(int(self._ledger.status[run])),
            loss=float(loss[0]),
            params=self._as_arrays(row),
            gradient=self._as_arrays(grad),
            state=state,
        )

    @property
    def data(self) -> Dataset:
        """The whole training set (mini-batches are drawn from it), in the experiment's dtype."""
        return self._data

    @property
    def layout(self) -> ParameterLayout | None:
        """Where W1, b1, W2 and b2 sit in a flat parameter row; None for a 2-D problem."""
        return self._problem.layout if isinstance(self._problem, MLPProblem) else None

    @property
    def problem(self) -> Problem:
        """What the runs train: its loss, gradient, Hessian and parameter names."""
        return self._problem

    @property
    def initial_parameters(self) -> np.ndarray:
        """The (P,) parameters every run of the first seed started from (with one seed, every
        run), in the experiment's dtype (a copy)."""
        return self._initial.copy()

    @property
    def origin(self) -> np.ndarray:
        """θ₀, the first seed's own draw (a copy), which the landscape's planes pass through:
        the runs' start unless ``config.start_parameters`` moves it."""
        return self._origin.copy()

    @property
    def parameter_buffer(self) -> np.ndarray:
        """(runs, steps, P) parameters at each recorded step, ``steps`` the most any run has
        recorded: column k is where loss k was computed, NaN past a run's count. Read-only;
        ``ValueError`` unless the experiment was made with ``record_parameters=True``."""
        return self._ledger.paths()

    def parameters(self, run: int) -> np.ndarray:
        """(count, P): one run's path so far, a copy (see ``parameter_buffer``)."""
        return self.parameter_buffer[run, : self._ledger.counts[run]].copy()

    def run_tensors(self, run: int) -> tuple[torch.Tensor, State, torch.Tensor, OptimizerSpec]:
        """Copies of one run's (1, P) parameters, its (1, ·) optimizer state, its (1, 1)
        learning rate for the next step, and its optimizer: enough to compute its next update."""
        group = group_of(self._groups, run)
        local = run - group.rows.start
        state = {k: v[local : local + 1].clone() for k, v in group.state.items()}
        params = self._params[run : run + 1].clone()
        return params, state, self._lr[run : run + 1].clone(), group.spec

    @property
    def status(self) -> np.ndarray:
        """(runs,) each run's RunStatus value (a copy)."""
        return self._ledger.status.copy()

    @property
    def status_steps(self) -> np.ndarray:
        """(runs,) the step each run's status was decided at, −1 while it runs (a copy)."""
        return self._ledger.status_step.copy()

    @property
    def running(self) -> np.ndarray:
        """(runs,) True for each run still training: its current parameters give its next loss."""
        return self._ledger.status == RunStatus.RUNNING

    def current_parameters(self) -> torch.Tensor:
        """A copy of every run's current (runs, P) parameters."""
        return self._params.clone()

    def preconditioners(self) -> torch.Tensor:
        """(runs, P): the denominator each run's next update divides by
        (``Optimizer.preconditioner`` at its gradient on the next step's data); NaN rows for
        runs whose optimizer has none."""
        out = torch.full_like(self._params, math.nan)
        groups = [g for g in self._groups if g.spec.optimizer.preconditioned]
        if groups:
            _, grad, _ = evaluate(
                self._problem, self._params, self._blocks, self.current_data(), self.running
            )
            for g in groups:
                p = g.spec.optimizer.preconditioner(grad[g.rows], g.state, g.spec.params)
                out[g.rows] = p
        return out

    # --- going back and on -----------------------------------------------------------------

    def save_state(self) -> StepState:
        """Copies of everything the next steps depend on (see :meth:`load_state`)."""
        return StepState(
            steps_taken=self.steps_taken,
            params=self._params.clone(),
            lr=self._lr.clone(),
            optimizer_states=tuple(
                {k: v.clone() for k, v in g.state.items()} for g in self._groups
            ),
            schedules=tuple(block.schedule.copy() for block in self._blocks),
            counts=self._ledger.counts.copy(),
            status=self._ledger.status.copy(),
            status_step=self._ledger.status_step.copy(),
            failures=dict(self._ledger.failures),
        )

    def load_state(self, state: StepState) -> None:
        """Go to ``state``, saved by an experiment of the same settings: the steps that follow
        are, bit for bit, those that followed it. Losses recorded from its step on are
        cleared; the torch.optim twins cannot follow, so an experiment with them refuses."""
        if self.reference is not None:
            raise ValueError("an experiment with the torch.optim reference check cannot go back")
        self._params.copy_(state.params)  # in place: the groups hold views of these two
        self._lr.copy_(state.lr)
        for group, saved in zip(self._groups, state.optimizer_states, strict=True):
            group.state = {k: v.clone() for k, v in saved.items()}
        for block, saved in zip(self._blocks, state.schedules, strict=True):
            block.schedule = saved.copy()
        self._lr64 = np.concatenate([block.schedule.lr for block in self._blocks])
        self._ledger.restore(state, self.steps_taken)
        self.steps_taken = state.steps_taken
        self._fork_due()  # a branch new to this experiment, due at this very step

    def fresh_copy(self, config: ExperimentConfig | None = None) -> BatchedExperiment:
        """A new experiment of the same settings (or ``config``'s: the same but for branches)
        and data at step 0, without the reference check: to replay steps in."""
        return BatchedExperiment(
            config or self.config,
            self._data,
            learning_rates=self._given_lrs,
            record_parameters=self.record_parameters,
        )

    def copy_records(
        self, other: BatchedExperiment, rows: list[int], their_rows: list[int]
    ) -> None:
        """Take ``other``'s recorded losses, rates (and path) of ``their_rows`` for ``rows``:
        the same runs in an experiment that differs in its branches (see
        ``engine.live.timeline``)."""
        self._ledger.copy_rows(other._ledger, rows, their_rows)

    def _as_arrays(self, flat_row: torch.Tensor) -> dict[str, np.ndarray]:
        return {k: v[0].numpy().copy() for k, v in self._problem.unflatten(flat_row).items()}

    # --- stepping ------------------------------------------------------------------------

    def step(self, n: int = 1) -> int:
        """Advance every unfinished run by up to ``n`` steps; return how many steps were taken."""
        taken = 0
        while taken < n and self._step_once():
            taken += 1
        return taken

    def run_to_end(self) -> None:
        while self._step_once():
            pass

    def _step_once(self) -> bool:
        active = self.running
        if not active.any():
            return False
        data = self.current_data()
        loss, grad, finite = evaluate(self._problem, self._params, self._blocks, data, active)
        loss_np = loss.numpy()
        checking = self.reference is not None
        columns = self._ledger.counts.copy() if checking else None  # where this step's losses go
        self._ledger.record(active, loss_np, finite, self._lr64, self._params)
        updating = self.running
        failed = update_groups(self._groups, self._group_sizes, grad, updating)
        stop_failed(failed, self._ledger, updating)
        if checking:
            recorded = np.flatnonzero(active & finite)
            self.reference.step(recorded, columns[recorded], updating, self._params, data)
        if step_schedules(self._blocks, updating, loss_np, self._lr64):
            self._lr.copy_(torch.from_numpy(self._lr64[:, None]))
        self.steps_taken += 1
        self._fork_due()
        return True

    def _fork_due(self) -> None:
        """Make the branches of the step reached (see :func:`engine.experiment.starts.fork_due`)."""
        fork_due(
            self._ledger,
            self.steps_taken,
            self.config,
            self._params,
            self._lr,
            self._lr64,
            self._groups,
            self._blocks,
        )
