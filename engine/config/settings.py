"""Experiment settings as plain, validated dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from engine.config.errors import ConfigError, check_limits
from engine.config.limits import SEED_LIMIT
from engine.config.starts import PlaneStart, check_start
from engine.core.model import ACTIVATIONS
from engine.optimizers import ARTICLE_OPTIMIZERS, HyperValue, Optimizer, get_optimizer
from engine.optimizers.schedules import ScheduleSpec
from engine.optimizers.user import user_optimizer
from engine.optimizers.user_code import CodeError, OptimizerCode
from engine.problems import DEFAULT_PROBLEM, PROBLEMS, FunctionSpec, FunctionSurface

ARTICLE_LEARNING_RATES = (0.001, 0.01, 0.1, 1.0)
MAX_LEARNING_RATES = 9  # one panel each, in at most a 3×3 grid
ARTICLE_LOSS_RANGE = (0.0, 30.0)  # the loss axis of the article's plots
DTYPES = ("float32", "float64")
DATASET_KINDS = ("article", "generated", "csv")
MAX_BRANCHES = 16  # runs forked mid-way, beside the optimizers × learning rates


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer by registry name, or one a student wrote (``code``, named by its file's
    ``name``), with every hyperparameter resolved to a checked value."""

    name: str
    params: Mapping[str, HyperValue] = field(default_factory=dict)
    code: OptimizerCode | None = None

    @classmethod
    def create(
        cls,
        name: str,
        params: Mapping[str, object] | None = None,
        code: OptimizerCode | None = None,
    ) -> OptimizerSpec:
        """Look ``name`` up (or read ``code``, whose name wins) and fill in defaults;
        ``ConfigError`` on anything unknown or bad."""
        try:
            optimizer = get_optimizer(name) if code is None else user_optimizer(code)
            resolved = optimizer.resolve(params)
        except CodeError as err:
            raise ConfigError(str(err)) from None
        except (KeyError, ValueError) as err:
            raise ConfigError(str(err.args[0])) from None
        return cls(optimizer.name, resolved, code)

    @property
    def optimizer(self) -> Optimizer:
        return get_optimizer(self.name) if self.code is None else user_optimizer(self.code)

    @property
    def written_by_user(self) -> bool:
        return self.code is not None

    @property
    def changed(self) -> dict[str, HyperValue]:
        """The hyperparameters that differ from the optimizer's defaults."""
        defaults = self.optimizer.defaults
        return {k: v for k, v in self.params.items() if v != defaults.get(k)}

    @property
    def key(self) -> str:
        """A stable identifier for files: ``adam``, or ``adam:beta2=0.999`` when changed."""
        changed = ",".join(f"{k}={_short(v)}" for k, v in self.changed.items())
        return f"{self.name}:{changed}" if changed else self.name

    @property
    def label(self) -> str:
        """What a legend shows: the display name, plus any setting that differs from the default."""
        changed = ", ".join(f"{k}={_short(v)}" for k, v in self.changed.items())
        return self.optimizer.display_name + (f" ({changed})" if changed else "")


def _short(value: HyperValue) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


@dataclass(frozen=True)
class DatasetSpec:
    """Which data to train on: the article's five samples, ``samples`` generated ones (with
    Gaussian label noise of std ``noise``, drawn from their own ``seed``), or a CSV file.

    Settings the kind does not use are kept but ignored, so switching kinds loses nothing.
    """

    kind: str = "article"
    samples: int = 200
    noise: float = 0.0
    seed: int = 0
    path: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in DATASET_KINDS:
            kinds = ", ".join(DATASET_KINDS)
            raise ConfigError(f"dataset must be one of {kinds}, not {self.kind!r}")
        check_limits("dataset.samples", self.samples)
        check_limits("dataset.noise", self.noise)
        check_limits("dataset.seed", self.seed)
        if self.path is not None and not isinstance(self.path, str):
            raise ConfigError(f"data file must be a path, not {self.path!r}")
        if self.kind == "csv" and not self.path:
            raise ConfigError("a csv dataset needs the path of its file")


@dataclass(frozen=True)
class BranchSpec:
    """A run forked from another at ``step``, with its own settings from there on.

    The parent is the run of optimizer ``from_optimizer`` (an :attr:`OptimizerSpec.key`) at
    learning rate ``from_lr``. The branch starts from the parent's exact state after its
    updates before ``step``, and makes the update of ``step`` itself, with ``lr``,
    ``optimizer`` and ``schedule`` where given (None: the parent's).
    """

    from_optimizer: str
    from_lr: float
    step: int
    lr: float | None = None
    optimizer: OptimizerSpec | None = None
    schedule: ScheduleSpec | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.from_optimizer, str):
            raise ConfigError(
                f"a branch's parent optimizer must be a name, not {self.from_optimizer!r}"
            )
        object.__setattr__(self, "from_lr", check_learning_rate(self.from_lr))
        check_limits("branch.step", self.step)
        if self.lr is not None:
            object.__setattr__(self, "lr", check_learning_rate(self.lr))
        if self.optimizer is not None and not isinstance(self.optimizer, OptimizerSpec):
            raise ConfigError(
                f"a branch's optimizer must be an OptimizerSpec, not {self.optimizer!r}"
            )
        if self.schedule is not None and not isinstance(self.schedule, ScheduleSpec):
            raise ConfigError(f"a branch's schedule must be a ScheduleSpec, not {self.schedule!r}")

    @property
    def parent_text(self) -> str:
        """``sgd at η = 1``: the parent, for a message."""
        return f"{self.from_optimizer} at η = {self.from_lr:g}"


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that determines an experiment's losses, bit for bit."""

    optimizers: tuple[OptimizerSpec, ...] = tuple(
        OptimizerSpec.create(name) for name in ARTICLE_OPTIMIZERS
    )
    learning_rates: tuple[float, ...] = ARTICLE_LEARNING_RATES
    seed: int = 0
    seeds: int = 1  # every optimizer × rate trains from seeds seed … seed + seeds − 1
    max_steps: int = 1000
    stop_loss: float = 0.1
    hidden: int = 3
    activation: str = "relu"  # the hidden layer's: one of engine.core.model.ACTIVATIONS
    schedule: ScheduleSpec = ScheduleSpec()
    dtype: str = "float32"
    dataset: DatasetSpec = DatasetSpec()
    batch_size: int | None = None  # None: full batch; else mini-batches shuffled each epoch
    problem: str = DEFAULT_PROBLEM  # a name in engine.problems.PROBLEMS
    start: tuple[float, float] | None = None  # a 2-D problem's start; None: the problem's own
    function: FunctionSpec | None = None  # the "function" problem's f(x, y); None: its default
    start_parameters: PlaneStart | None = None  # the MLP's start; None: θ₀, its seed's draw
    branches: tuple[BranchSpec, ...] = ()  # runs forked from others mid-way

    def __post_init__(self) -> None:
        if not self.optimizers:
            raise ConfigError("choose at least one optimizer")
        keys = [spec.key for spec in self.optimizers]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ConfigError(f"optimizer {twice[0]} is listed twice")
        if not self.learning_rates:
            raise ConfigError("give at least one learning rate")
        if len(self.learning_rates) > MAX_LEARNING_RATES:
            raise ConfigError(
                f"at most {MAX_LEARNING_RATES} learning rates (one panel each), "
                f"not {len(self.learning_rates)}"
            )
        for lr in self.learning_rates:
            check_learning_rate(lr)
        for key in ("seed", "max_steps", "hidden", "stop_loss"):
            check_limits(key, getattr(self, key))
        if self.activation not in ACTIVATIONS:
            known = ", ".join(ACTIVATIONS)
            raise ConfigError(f"activation must be one of {known}, not {self.activation!r}")
        if self.dtype not in DTYPES:
            raise ConfigError(f"dtype must be one of {', '.join(DTYPES)}, not {self.dtype!r}")
        if not isinstance(self.dataset, DatasetSpec):
            raise ConfigError(f"dataset must be a DatasetSpec, not {self.dataset!r}")
        if self.batch_size is not None:
            check_limits("batch_size", self.batch_size)
        _check_seeds(self)
        _check_problem(self)
        _check_branches(self)

    def with_changes(self, **changes) -> ExperimentConfig:
        return replace(self, **changes)


def start_text(config: ExperimentConfig) -> str:
    """Where the runs start when it was chosen ('θ₀ + 0.8·v₁ − 1.2·v₂ (Hessian plane)',
    '(−1.5, 2.5)'), or '' where the problem starts them itself."""
    if config.start_parameters is not None:
        return config.start_parameters.text
    if config.start is not None:
        return f"({config.start[0]:g}, {config.start[1]:g})".replace("-", "−")
    return ""


# What θ₀ and the MLP's planes depend on: a change to one moves a start chosen on a plane.
PLANE_SETTINGS = ("problem", "hidden", "activation", "dataset", "seed")


def with_stale_start_cleared(config: ExperimentConfig, changes: Mapping[str, object]) -> dict:
    """``changes`` to ``config``, clearing its start parameters if they move θ₀ or the planes:
    the point was chosen as θ₀ + a·v₁ + b·v₂ of a network that is no longer the one trained."""
    out = dict(changes)
    moved = any(k in out and out[k] != getattr(config, k) for k in PLANE_SETTINGS)
    if moved and "start_parameters" not in out:
        out["start_parameters"] = None
    return out


# Settings only the MLP uses, as a refusal names them: a 2-D problem takes them at their defaults.
MLP_ONLY_SETTINGS = {
    "hidden": "hidden units do",
    "dataset": "a dataset does",
    "batch_size": "a batch size does",
    "activation": "an activation does",
    "seeds": "several seeds do",
}


def _check_seeds(config: ExperimentConfig) -> None:
    """Seeds within their limits, the last seed still a seed; the draws share each step's data,
    so several of them need the full batch (each seed's run alone would shuffle its own)."""
    check_limits("seeds", config.seeds)
    if config.seed + config.seeds - 1 > SEED_LIMIT:
        raise ConfigError(f"the last seed, seed + seeds − 1, must be at most {SEED_LIMIT}")
    if config.seeds > 1 and config.branches:
        raise ConfigError(
            "a branch forks one run: with several seeds, set seeds to 1 or remove the branches"
        )
    if config.seeds > 1 and config.batch_size is not None:
        raise ConfigError(
            "several seeds train on the full batch: set the batch size to full or seeds to 1"
        )


def _check_problem(config: ExperimentConfig) -> None:
    """A known problem; for a 2-D one, no MLP-only setting and a start of two finite numbers
    (stored as a tuple of floats)."""
    name = config.problem
    if not isinstance(name, str) or name not in PROBLEMS:
        raise ConfigError(f"unknown problem {name!r} (known: {', '.join(PROBLEMS)})")
    _check_function(config)
    if not PROBLEMS[name].is_surface:
        if config.start is not None:
            raise ConfigError(
                f"a start point applies to the 2-D problems, not to the {name} problem"
            )
        if config.start_parameters is not None and not isinstance(
            config.start_parameters, PlaneStart
        ):
            raise ConfigError(
                f"start parameters must be a PlaneStart, not {config.start_parameters!r}"
            )
        return
    if config.start_parameters is not None:
        raise ConfigError(
            f"start parameters apply to the MLP, not to the {name} problem (it takes a start x, y)"
        )
    if config.seeds != 1:  # a surface's runs all start at one point: nothing to draw
        raise ConfigError(
            f"the {name} problem starts every run at one point: seeds must be 1, not {config.seeds}"
        )
    defaults = {f.name: f.default for f in fields(config)}
    for setting, what in MLP_ONLY_SETTINGS.items():
        if getattr(config, setting) != defaults[setting]:
            raise ConfigError(f"{what} not apply to the {name} problem")
    if config.start is not None:
        object.__setattr__(config, "start", check_start(config.start))


def _check_function(config: ExperimentConfig) -> None:
    """A typed f(x, y) belongs to the "function" problem alone, which has one (its default if
    none is given)."""
    if config.problem != FunctionSurface.name:
        if config.function is not None:
            raise ConfigError(
                f"a typed f(x, y) applies to the {FunctionSurface.name} problem, "
                f"not to the {config.problem} problem"
            )
    elif config.function is None:
        object.__setattr__(config, "function", FunctionSpec())
    elif not isinstance(config.function, FunctionSpec):
        raise ConfigError(f"function must be a FunctionSpec, not {config.function!r}")


def function_spec(expression: str, x_range: object = None, y_range: object = None) -> FunctionSpec:
    """``FunctionSpec`` of the text (and map ranges, None: the default) with its errors as
    ``ConfigError``: the first bad token's position, or the range that is wrong."""
    ranges = {"x_range": x_range, "y_range": y_range}
    try:
        return FunctionSpec(expression, **{k: v for k, v in ranges.items() if v is not None})
    except ValueError as err:
        raise ConfigError(f"f(x, y): {err}") from None


def _check_branches(config: ExperimentConfig) -> None:
    """At most MAX_BRANCHES, each from a run of the experiment, at a step before max steps,
    none twice."""
    branches = config.branches
    if not isinstance(branches, tuple):
        raise ConfigError(f"branches must be a tuple of BranchSpec, not {branches!r}")
    if len(branches) > MAX_BRANCHES:
        raise ConfigError(f"at most {MAX_BRANCHES} branches, not {len(branches)}")
    keys = [spec.key for spec in config.optimizers]
    for branch in branches:
        if not isinstance(branch, BranchSpec):
            raise ConfigError(f"each branch must be a BranchSpec, not {branch!r}")
        if branch.from_optimizer not in keys:
            raise ConfigError(
                f"a branch from {branch.parent_text}: the experiment has no optimizer "
                f"{branch.from_optimizer!r} (it has: {', '.join(keys)})"
            )
        if branch.from_lr not in config.learning_rates:
            rates = ", ".join(f"{lr:g}" for lr in config.learning_rates)
            raise ConfigError(
                f"a branch from {branch.parent_text}: the experiment has no learning rate "
                f"{branch.from_lr:g} (it has: {rates})"
            )
        if branch.step >= config.max_steps:
            raise ConfigError(
                f"a branch from {branch.parent_text} at step {branch.step} is beyond the "
                f"last step ({config.max_steps - 1}: max steps is {config.max_steps})"
            )
        if branches.count(branch) > 1:
            raise ConfigError(
                f"the branch from {branch.parent_text} at step {branch.step} is listed twice"
            )


def schedule_spec(name: str, params: Mapping[str, object] | None = None) -> ScheduleSpec:
    """``ScheduleSpec.create`` with its errors as ``ConfigError``."""
    try:
        return ScheduleSpec.create(name, params)
    except ValueError as err:
        raise ConfigError(str(err)) from None


def check_learning_rate(value: object) -> float:
    """A learning rate as a float, or ``ConfigError``: it must be a positive, finite number."""
    check_limits("learning_rates", value)
    return float(value)
