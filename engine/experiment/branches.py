"""Branches: what one changes from its parent, what it is called, and when one can be made.

A branch (:class:`engine.config.settings.BranchSpec`) forks a run at a step and trains on with other
settings. What it takes from its parent at that step:

- the parameters and the step's mini-batch position, always;
- the optimizer state (moments, step count for bias corrections), when it keeps the parent's
  optimizer (its hyperparameters may change); another optimizer starts from its own fresh state;
- the schedule's state (its step count, the rate it reached, a plateau's patience), when it
  changes neither the learning rate nor the schedule; one that sets either starts the schedule
  afresh from its learning rate at the branch step.

So a branch that changes nothing goes on exactly as its parent does.
"""

from __future__ import annotations

from dataclasses import replace

from engine.config.settings import (
    MAX_BRANCHES,
    BranchSpec,
    ConfigError,
    ExperimentConfig,
    OptimizerSpec,
)
from engine.experiment.runs import RunKey, RunStatus, RunSummary
from engine.optimizers.schedules import ScheduleSpec


def branch_rate(branch: BranchSpec) -> float:
    """The base learning rate the branch trains at: its own, or its parent's."""
    return branch.from_lr if branch.lr is None else branch.lr


def branch_optimizer(branch: BranchSpec, parent: OptimizerSpec) -> OptimizerSpec:
    return parent if branch.optimizer is None else branch.optimizer


def branch_schedule(branch: BranchSpec, config: ExperimentConfig) -> ScheduleSpec:
    return config.schedule if branch.schedule is None else branch.schedule


def keeps_optimizer_state(branch: BranchSpec, parent: OptimizerSpec) -> bool:
    """The same rule (perhaps with other hyperparameters) carries the parent's state on."""
    return branch_optimizer(branch, parent).name == parent.name


def restarts_schedule(branch: BranchSpec, config: ExperimentConfig) -> bool:
    """A new learning rate or schedule starts the schedule over at the branch step."""
    new_rate = branch.lr is not None and branch.lr != branch.from_lr
    new_schedule = branch.schedule is not None and branch.schedule != config.schedule
    return new_rate or new_schedule


def _changes(branch: BranchSpec, parent: OptimizerSpec, config: ExperimentConfig, plain: bool):
    """What differs from the parent, each as a short text (``plain``: ASCII, for files)."""
    out = []
    optimizer = branch_optimizer(branch, parent)
    if optimizer != parent:
        out.append(optimizer.key if plain else optimizer.label)
    if branch.lr is not None and branch.lr != branch.from_lr:
        out.append(f"lr={branch.lr:g}" if plain else f"η={branch.lr:g}")
    schedule = branch_schedule(branch, config)
    if schedule != config.schedule:
        if plain:
            params = ",".join(f"{k}={v:g}" for k, v in schedule.params.items())
            out.append(f"schedule={schedule.name}" + (f":{params}" if params else ""))
        else:
            out.append(schedule.label)
    return out


def branch_label(branch: BranchSpec, parent: OptimizerSpec, config: ExperimentConfig) -> str:
    """What a legend and the runs table call it: ``SGD η=1 → η=0.1 @ 50``."""
    changes = _changes(branch, parent, config, plain=False)
    change = ", ".join(changes) if changes else "same"
    return f"{parent.label} η={branch.from_lr:g} → {change} @ {branch.step}"


def branch_name(branch: BranchSpec, parent: OptimizerSpec, config: ExperimentConfig) -> str:
    """What a CSV file calls it (never a bare optimizer name): ``sgd lr=1 -> lr=0.1 @ 50``."""
    changes = _changes(branch, parent, config, plain=True)
    change = " ".join(changes) if changes else "same"
    return f"{parent.key} lr={branch.from_lr:g} -> {change} @ {branch.step}"


def branch_run(branch: BranchSpec, base: list[RunKey], config: ExperimentConfig) -> RunKey:
    """The run a branch makes, after the ``base`` runs (optimizers × rates) of ``config``."""
    parent = next(
        r for r in base if r.optimizer.key == branch.from_optimizer and r.lr == branch.from_lr
    )
    index = len(base) + config.branches.index(branch)
    return RunKey(
        index=index,
        optimizer_index=len(config.optimizers) + index - len(base),
        lr_index=parent.lr_index,
        optimizer=branch_optimizer(branch, parent.optimizer),
        lr=branch_rate(branch),
        parent=parent.index,
        branch=branch,
        branch_label=branch_label(branch, parent.optimizer, config),
        branch_name=branch_name(branch, parent.optimizer, config),
    )


def fitting_branches(
    config: ExperimentConfig, branches: tuple[BranchSpec, ...]
) -> tuple[BranchSpec, ...]:
    """The ``branches`` whose parent is one of ``config``'s runs and whose step is before its
    max steps: what survives a change of optimizers, rates or max steps."""
    keys = {spec.key for spec in config.optimizers}
    return tuple(
        b
        for b in branches
        if b.from_optimizer in keys
        and b.from_lr in config.learning_rates
        and b.step < config.max_steps
    )


def with_fitting_branches(config: ExperimentConfig, **changes) -> ExperimentConfig:
    """``config`` with ``changes``, dropping the branches the changes leave without a parent
    (``ConfigError`` if the changes are bad in themselves)."""
    if "branches" in changes or not config.branches:
        return config.with_changes(**changes)
    bare = replace(config, branches=(), **changes)
    return bare.with_changes(branches=fitting_branches(bare, config.branches))


def check_branch_count(config: ExperimentConfig, more: int = 1) -> None:
    """``ConfigError`` if ``more`` branches would be too many."""
    if len(config.branches) + more > MAX_BRANCHES:
        raise ConfigError(
            f"at most {MAX_BRANCHES} branches: remove one (Runs table) before adding another"
        )


def parse_branch(text: str) -> BranchSpec:
    """``sgd@1:50:lr=0.1`` (the command line's ``--branch``): the parent's optimizer key and
    rate, the step, then any of ``lr=``, ``optimizer=`` (a name, its defaults) and
    ``schedule=`` (a name, its defaults); an experiment file says more."""
    from engine.config.settings import schedule_spec

    head, _, rest = text.partition(":")
    parent, at, rate = head.partition("@")
    step, _, changes = rest.partition(":")
    if not (at and parent.strip() and step.strip()):
        raise ConfigError(f"--branch looks like OPTIMIZER@LR:STEP[:lr=...], not {text!r}")
    settings: dict[str, object] = {}
    for item in filter(None, (part.strip() for part in changes.split(","))):
        key, equals, value = (part.strip() for part in item.partition("="))
        if not equals or key not in ("lr", "optimizer", "schedule"):
            raise ConfigError(f"--branch changes lr=, optimizer= or schedule=, not {item!r}")
        if key == "lr":
            settings["lr"] = _number("--branch lr", value)
        elif key == "optimizer":
            settings["optimizer"] = OptimizerSpec.create(value)
        else:
            settings["schedule"] = schedule_spec(value)
    try:
        at_step = int(step)
    except ValueError:
        raise ConfigError(f"--branch step must be a whole number, not {step.strip()!r}") from None
    return BranchSpec(parent.strip(), _number("--branch rate", rate), at_step, **settings)


def _number(what: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{what} must be a number, not {text.strip()!r}") from None


def branch_refusal(parent: RunSummary, step: int) -> str:
    """Why a branch of ``parent`` cannot start at ``step`` ('' if it can): a run that diverged
    (or whose code failed) at step d has nothing to fork at d or after; one that stopped at s,
    after s."""
    text = f"{parent.run.label} at η = {parent.run.lr:g}"
    stop = parent.status_step
    if parent.status is RunStatus.DIVERGED and step >= stop:
        return f"{text} diverged at step {stop}: branch it at step {stop - 1} or before"
    if parent.status is RunStatus.ERROR and step >= stop:
        return f"{text} stopped by an error at step {stop}: branch it at step {stop - 1} or before"
    if parent.status in (RunStatus.CONVERGED, RunStatus.MAX_STEPS) and step > stop:
        return f"{text} stopped at step {stop}: branch it at step {stop} or before"
    if parent.run.branch is not None:
        return f"{text} is a branch itself: branch from one of the optimizers × rates"
    return ""
