"""A lesson: a title and steps, each a change of settings, of what is shown, an action and text.

Plain frozen dataclasses, read from and written to JSON by :mod:`engine.lessons.reading`. A
step's settings are any subset of an experiment file's keys, applied over the settings the
previous step left (the first step's over the defaults), so every step knows its whole
:class:`ExperimentConfig` once read. Torch-free: the window reads lessons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.experiment.runs import RunKey

from engine.config.settings import BranchSpec, ExperimentConfig, OptimizerSpec

TABS = ("panels", "landscape", "sweep")  # gui.state.view_state.Tab's values
VIEWS = ("loss", "learning rate", "sharpness")  # gui.state.view_state.Quantity's values
PLANES = ("hessian", "pca", "random")
ZOOMS = (75, 100, 125, 150, 200, 250, 300)
EVENTS = {
    "end": "every run has finished",
    "divergence": "the first run diverges",
    "converged": "the first run converges",
    "threshold": "the followed run's sharpness reaches its stability threshold",
}


@dataclass(frozen=True)
class RunRef:
    """A run named by its optimizer (an :attr:`OptimizerSpec.key`) and learning rate; with
    seeds, its first seed. With ``branch_step``: instead the branch of that run made at that
    step (the first such, or the one at rate ``branch_lr``)."""

    optimizer: str
    lr: float
    branch_step: int | None = None
    branch_lr: float | None = None

    def index_in(self, runs: Sequence[RunKey]) -> int:
        """The run's index among an experiment's ``runs``, or -1 if it has none such."""
        for run in runs:
            if run.seed_index != 0:
                continue
            if self.branch_step is None and run.branch is None:
                if run.optimizer.key == self.optimizer and run.lr == self.lr:
                    return run.index
            elif self.branch_step is not None and run.branch is not None:
                branch = run.branch
                parent = (branch.from_optimizer, branch.from_lr, branch.step)
                at_rate = self.branch_lr is None or run.lr == self.branch_lr
                if parent == (self.optimizer, self.lr, self.branch_step) and at_rate:
                    return run.index
        return -1


@dataclass(frozen=True)
class Show:
    """What the window shows after the step; None leaves a field as the previous step left it,
    but for ``step``, the step shown, which is this step's alone (None: the latest)."""

    tab: str | None = None  # one of TABS
    view: str | None = None  # one of VIEWS: what the loss panels plot
    log_y: bool | None = None
    plane: str | None = None  # the landscape's plane for the MLP, one of PLANES
    landscape_3d: bool | None = None
    run: int | RunRef | None = None  # the run the inspector follows; -1: nobody
    zoom: int | None = None  # percent, one of ZOOMS
    step: int | None = None  # the step the timeline shows after this step; None: the latest

    def fields_set(self) -> dict[str, Any]:
        """The fields this step sets, by name."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Action:
    """What happens once the step is applied: a branch made (at once, as the timeline makes
    one), then play until step ``play`` (a number: the steps taken) or until an event (one of
    EVENTS); None: nothing plays."""

    play: int | str | None = None
    branch: BranchSpec | None = None

    @property
    def event(self) -> str | None:
        """The event played until, or None."""
        return self.play if isinstance(self.play, str) else None

    @property
    def until_step(self) -> int | None:
        """The step played until, or None."""
        return self.play if isinstance(self.play, int) else None


@dataclass(frozen=True)
class LessonStep:
    """One step: ``settings`` as written (the keys it changes), ``config`` the whole settings it
    applies, then ``show``, the ``action``, the ``text`` (Markdown) and whether the class
    predicts first (Predict mode: the runs start hidden until the class commits)."""

    config: ExperimentConfig
    settings: Mapping[str, Any] = field(default_factory=dict)
    show: Show = field(default_factory=Show)
    action: Action = field(default_factory=Action)
    text: str = ""
    predict: bool = False

    @property
    def config_after(self) -> ExperimentConfig:
        """The settings once the action is done: with its branch, if it makes one."""
        branch = self.action.branch
        if branch is None:
            return self.config
        return replace(self.config, branches=(*self.config.branches, branch))


@dataclass(frozen=True)
class Lesson:
    """A title and its steps; ``name`` is a built-in lesson's name or the file's stem."""

    title: str
    steps: tuple[LessonStep, ...]
    name: str = ""
    source: str = ""  # the file it was read from ("" for one written in the window)
    builtin: bool = False  # shipped with the app: its code is ours, not a stranger's

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def asks_consent(self) -> bool:
        """Its code must be shown and agreed to before it runs: a file's, not a built-in's."""
        return self.carries_code and not self.builtin

    @property
    def carries_code(self) -> bool:
        """Some step runs an optimizer written as code (shown, and asked about, first)."""
        return bool(self.code_optimizers)

    @property
    def code_optimizers(self) -> tuple[OptimizerSpec, ...]:
        """The optimizers written as code that its steps train (a branch's too), each once."""
        found: list[OptimizerSpec] = []
        for step in self.steps:
            config = step.config_after
            for spec in (*config.optimizers, *(b.optimizer for b in config.branches)):
                if spec is not None and spec.code is not None and spec not in found:
                    found.append(spec)
        return tuple(found)
