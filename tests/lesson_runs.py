"""The built-in lessons' step settings, trained headless, and how a number written in a lesson's
text is read and compared: shared by the claims tests, each experiment trained once."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from engine.analysis.sharpness import SharpnessTracker
from engine.analysis.stability import problem_stability
from engine.config.settings import ExperimentConfig
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunStatus
from engine.lessons.format import Lesson, RunRef
from engine.lessons.reading import find_lesson
from engine.live.messages import PlayTarget
from engine.live.playing import Player

# Written in a lesson's text but not measured numbers: formulas, and the papers' years.
FORMULAS = (
    "(1 − x)² + 100(y − x²)²",
    "x² + (y² − 1)²/4",
    "m ← β·m + (1 − β)·g",
    "(1 − β)",
    "1 − ηλ",
    "1 − 2η",
    "2/λ₀",
    "2/λ",
    "38/η",
    "2/η",
    "Lewkowycz et al., 2020",
    "Cohen et al., 2021",
    "3-D",
)
NUMBER = re.compile(r"(?<![\w.,/])−?[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?")


def numbers_in(text: str) -> list[str]:
    """The numbers written in ``text`` (formulas left out), as written."""
    for formula in FORMULAS:
        text = text.replace(formula, " ")
    return NUMBER.findall(text)


def as_written(value: float, written: str) -> str:
    """``value`` to the precision ``written`` has, in its style (thousands commas, a minus)."""
    decimals = len(written.partition(".")[2])
    grouping = "," if "," in written else ""
    text = f"{value:{grouping}.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
    return text.replace("-", "−")


@functools.cache
def lesson(name: str) -> Lesson:
    return find_lesson(name)


def text(name: str, step: int) -> str:
    """Step ``step``'s text, counted from 1 as the lesson dock shows it."""
    return lesson(name).steps[step - 1].text


def config(name: str, step: int) -> ExperimentConfig:
    """The settings once step ``step`` (from 1) is done, its branch made."""
    return lesson(name).steps[step - 1].config_after


@dataclass
class Played:
    """An experiment of a step's settings trained to its end, and λ at every step if asked."""

    experiment: BatchedExperiment
    tracker: SharpnessTracker | None

    def index(self, optimizer: str, lr: float, branch_step: int | None = None, to=None) -> int:
        """The run of ``optimizer`` at ``lr`` (its first seed), or its branch at ``branch_step``
        (``to``: the branch's own rate, where two branch at one step)."""
        runs = self.experiment.runs
        if to is not None:
            found = [r.index for r in runs if r.branch and r.branch.step == branch_step]
            return next(i for i in found if runs[i].lr == to)
        found = RunRef(optimizer, lr, branch_step).index_in(runs)
        assert found >= 0, (optimizer, lr, branch_step)
        return found

    def losses(self, *run, **kw) -> np.ndarray:
        """The run's losses, by step (a branch's from step 0, NaN before it starts)."""
        index = self.index(*run, **kw)
        return self.experiment.loss_buffer[index, : self.experiment.counts[index]]

    def status(self, *run, **kw) -> tuple[RunStatus, int | None]:
        summary = self.experiment.summary(self.index(*run, **kw))
        return summary.status, summary.status_step

    def converged_at(self, *run, **kw) -> float:
        """The step the run converged at; NaN if it did not."""
        status, step = self.status(*run, **kw)
        return step if status == RunStatus.CONVERGED else np.nan

    def sharpness(self, *run, **kw) -> np.ndarray:
        """λ (preconditioned for adaptive rules) at every step the run recorded."""
        assert self.tracker is not None
        index = self.index(*run, **kw)
        return self.tracker.effective_sharpness()[index, : self.experiment.counts[index]]

    def threshold(self, *run, **kw) -> float:
        assert self.tracker is not None
        return float(self.tracker.thresholds[self.index(*run, **kw)])

    def path(self, *run, **kw) -> np.ndarray:
        """(steps, P) the run's parameters at each recorded step."""
        index = self.index(*run, **kw)
        return self.experiment.parameter_buffer[index, : self.experiment.counts[index]]

    def initial_sharpness(self) -> float:
        """λ₀, the largest Hessian eigenvalue at the parameters every run starts from."""
        start = torch.from_numpy(self.experiment.initial_parameters)
        return problem_stability(self.experiment.problem, start).lambda_max


_PLAYED: dict[tuple, Played] = {}


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Torch on one thread: these nets are tiny, and a busy machine's cores only slow it down."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def played(name: str, step: int, sharpness: bool = False, paths: bool = False) -> Played:
    """Step ``step``'s settings trained to the end (once per settings and options)."""
    settings = config(name, step)
    key = (repr(settings), sharpness, paths)
    if key not in _PLAYED:
        experiment = BatchedExperiment(settings, record_parameters=paths)
        tracker = SharpnessTracker(experiment) if sharpness else None
        with one_thread():
            (tracker or experiment).run_to_end()
        _PLAYED[key] = Played(experiment, tracker)
    return _PLAYED[key]


def at_step(name: str, step: int, steps: int) -> BatchedExperiment:
    """Step ``step``'s settings trained ``steps`` steps (for the inspector's view then)."""
    experiment = BatchedExperiment(config(name, step))
    experiment.step(steps)
    return experiment


def played_to_target(name: str, step: int) -> int:
    """The steps the lesson's step plays from step 0, by the engine's own rule (events checked
    after every step), following the run the lesson last chose."""
    steps = lesson(name).steps[:step]
    experiment = BatchedExperiment(steps[-1].config_after)
    run = next((s.show.run for s in reversed(steps) if s.show.run is not None), -1)
    index = run.index_in(experiment.runs) if isinstance(run, RunRef) else -1
    with one_thread():
        Player(experiment, PlayTarget(steps[-1].action.play, index)).play_to_target()
    return experiment.steps_taken


# --- what several lessons check ---

NAN = float("nan")  # a measurement that found the claim false: it matches no number


def units_dead(experiment, run: int) -> bool:
    """Every hidden ReLU unit's input is ≤ 0 on every sample: the net predicts b2 alone."""
    params = experiment.snapshot(run).params
    hidden = experiment.data.x.numpy() @ params["W1"] + params["b1"]
    return bool((hidden <= 0).all())


def only_b2_learns(experiment, run: int) -> bool:
    """The inspector's gradients are exactly 0 for every weight but b2, which is not."""
    gradient = experiment.snapshot(run).gradient
    others = [g for name, g in gradient.items() if name != "b2"]
    return all((g == 0).all() for g in others) and gradient["b2"].item() != 0


def labels_variance(name: str, step: int) -> float:
    y = played(name, step).experiment.data.y.double()
    return float(y.var(unbiased=False))


def same_when_rounded(values, decimals: int) -> float:
    """The values' common value, if they agree to ``decimals``; else NaN (the claim fails)."""
    rounded = {round(float(v), decimals) for v in values}
    return float(values[0]) if len(rounded) == 1 else NAN


def first_reach(run_sharpness: np.ndarray, threshold: float) -> int:
    return int(np.flatnonzero(run_sharpness >= threshold)[0])


ARTICLE_OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")


def diverged_at(runs: Played, optimizer: str, lr: float) -> float:
    """The step the run diverged at; NaN if it did not."""
    status, step = runs.status(optimizer, lr)
    return step if status == RunStatus.DIVERGED else NAN
