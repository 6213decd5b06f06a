"""Check, run: a student's rule and a built-in, side by side from the same start, compared after
every step; in the engine's process, since it runs the student's code.

Three trials, in order: random tensors in float32, the same in float64 (where a wrong factor
shows even at η = 0.001), and the article's first five steps (its MLP, its five samples, its
four learning rates, each rule on its own path). Each compares the state ``init`` returns,
then after every step the new parameters and every state tensor the two rules both name.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import torch

from engine.analysis.rule_check import (
    TOLERANCES,
    CheckResult,
    agreement,
    describe_builtin,
    disagreement,
    short_number,
)
from engine.config.loading import build_problem, load_dataset
from engine.config.settings import ARTICLE_LEARNING_RATES, ExperimentConfig
from engine.core.tasks import TaskState
from engine.optimizers import HyperValue, Optimizer, State, get_optimizer
from engine.optimizers.user import STEP_KEY, user_optimizer
from engine.optimizers.user_code import CodeError, OptimizerCode

STEPS = 5  # updates per trial: the article's first five, and five on random tensors
RANDOM_SIZE = 8  # parameters per run on random tensors
RANDOM_SEED = 0
TIME_LIMIT = 2.0  # seconds the student's code may run in one check (about 20 ms is usual)
PROPORTIONAL = 1e-3  # a difference this close to a constant factor is reported as that factor

Gradient = Callable[[torch.Tensor, int], torch.Tensor]  # (params, step) -> grads


@dataclass(frozen=True)
class Trial:
    """One start both rules take: parameters (runs, P), learning rates (runs, 1), and the
    gradient at a point and step."""

    where: str  # for a message: "on random tensors (float32)"
    dtype: str
    params: torch.Tensor
    lr: torch.Tensor
    gradient: Gradient


@dataclass(frozen=True)
class Rule:
    """An optimizer with its settings."""

    optimizer: Optimizer
    hp: Mapping[str, HyperValue]


def check_task(
    state: TaskState,
    code: OptimizerCode,
    params: Mapping[str, object] | None,
    builtin_name: str,
    builtin_params: Mapping[str, object] | None = None,
) -> CheckResult:
    """:func:`check_rule` as a task for the engine's services (it takes a few milliseconds)."""
    return check_rule(code, params, builtin_name, builtin_params)


def check_rule(
    code: OptimizerCode,
    params: Mapping[str, object] | None,
    builtin_name: str,
    builtin_params: Mapping[str, object] | None = None,
) -> CheckResult:
    """Compare the rule ``code`` defines, with hyperparameters ``params`` (None: its defaults),
    with built-in ``builtin_name`` at ``builtin_params`` (None: its defaults, with any
    setting of the same name taken from ``params``)."""
    builtin = get_optimizer(builtin_name)
    try:
        mine = user_optimizer(code)
        mine_hp = mine.resolve(params)
    except (CodeError, ValueError) as err:
        return _failed(builtin.display_name, err, "")
    if builtin_params is None:
        builtin_params = {k: v for k, v in mine_hp.items() if k in builtin.defaults}
    try:
        theirs = Rule(builtin, builtin.resolve(builtin_params))
    except ValueError as err:  # a setting the built-in refuses (β = 1 from the student's field)
        return CheckResult(builtin.display_name, False, str(err), math.nan, failed=True)
    label = describe_builtin(builtin.display_name, builtin.hyperparameters, theirs.hp)
    largest = 0.0
    with _time_limit(code.filename, TIME_LIMIT):
        for trial in trials():
            try:
                for step, difference, notes in _compare(trial, Rule(mine, mine_hp), theirs):
                    largest = max(largest, difference)
                    if difference > TOLERANCES[trial.dtype]:
                        message = disagreement(step, trial.where, notes)
                        return CheckResult(label, False, message, difference, step=step)
            except _StudentError as err:
                return _failed(label, err.error, err.when)
    return CheckResult(label, True, agreement(label, largest), largest)


def trials() -> Iterator[Trial]:
    """Random tensors in float32 and float64, then the article's first steps."""
    for dtype in ("float32", "float64"):
        yield _random_trial(dtype)
    yield _article_trial()


def _random_trial(dtype: str) -> Trial:
    """A run per article learning rate; gradients fresh each step, their sizes spread over
    1e-3 … 10 across the parameters (so ε matters in some, not in others)."""
    generator = torch.Generator().manual_seed(RANDOM_SEED)
    kind = getattr(torch, dtype)
    runs = len(ARTICLE_LEARNING_RATES)
    params = torch.randn(runs, RANDOM_SIZE, generator=generator, dtype=torch.float64)
    sizes = torch.logspace(-3, 1, RANDOM_SIZE, dtype=torch.float64)
    grads = torch.randn(STEPS, runs, RANDOM_SIZE, generator=generator, dtype=torch.float64)
    grads = (grads * sizes).to(kind)
    lr = torch.tensor(ARTICLE_LEARNING_RATES, dtype=kind)[:, None]
    return Trial(f"on random tensors ({dtype})", dtype, params.to(kind), lr, _given(grads))


def _given(grads: torch.Tensor) -> Gradient:
    return lambda params, step: grads[step - 1].clone()


def _article_trial() -> Trial:
    """The article's MLP and samples, from its initial parameters, at its four rates."""
    config = ExperimentConfig()
    data = load_dataset(config.dataset).to(getattr(torch, config.dtype))
    problem = build_problem(config, data)
    start = problem.initial_parameters(config.seed, config.start)
    rates = config.learning_rates
    params = start.to(getattr(torch, config.dtype)).repeat(len(rates), 1)
    lr = torch.tensor(rates, dtype=params.dtype)[:, None]

    def gradient(point: torch.Tensor, step: int) -> torch.Tensor:
        return problem.loss_and_gradient(point, data)[1]

    return Trial("on the article's first steps", config.dtype, params, lr, gradient)


class _OutOfTime(BaseException):
    """Raised inside the student's code once it has run too long; a BaseException, so that
    neither the student's ``except Exception`` nor the contract's wrapper catches it."""

    def __init__(self, filename: str, line: int):
        super().__init__(filename, line)
        self.filename, self.line = filename, line


@contextlib.contextmanager
def _time_limit(filename: str, seconds: float) -> Iterator[None]:
    """End the student's code (the frames of ``filename``) at its next line once ``seconds``
    have passed: an endless loop ends the check, not the engine's thread. Traces this
    thread only, and only the student's frames line by line."""
    deadline = time.monotonic() + seconds

    def each_line(frame, event, arg):
        if event == "line" and time.monotonic() > deadline:
            raise _OutOfTime(frame.f_code.co_filename, frame.f_lineno)
        return each_line

    def each_call(frame, event, arg):
        return each_line if frame.f_code.co_filename == filename else None

    previous = sys.gettrace()
    sys.settrace(each_call)
    try:
        yield
    finally:
        sys.settrace(previous)


class _StudentError(Exception):
    """The student's code failed (``error``) at a point of the check (``when``)."""

    def __init__(self, error: CodeError, when: str):
        super().__init__(str(error))
        self.error, self.when = error, when


def _mine(when: str, function: Callable, *args):
    """``function(*args)`` of the student's rule, its failure marked with ``when``."""
    try:
        return function(*args)
    except CodeError as err:
        raise _StudentError(err, when) from err
    except _OutOfTime as out:
        message = f"did not finish within {TIME_LIMIT:g} s (an endless loop?)"
        error = CodeError(message, out.filename, out.line)
        raise _StudentError(error, when) from None


def _compare(trial: Trial, mine: Rule, theirs: Rule) -> Iterator[tuple[int, float, list[str]]]:
    """Step both rules from ``trial``'s start; per step (0: init's state) the largest relative
    difference and what differs beyond the tolerance, in words."""
    name = theirs.optimizer.display_name
    tolerance = TOLERANCES[trial.dtype]
    p_m, p_t = trial.params.clone(), trial.params.clone()
    s_t = theirs.optimizer.init_state(p_t, theirs.hp)
    s_m = _mine("before step 1", mine.optimizer.init_state, p_m.clone(), mine.hp)
    yield _differences(0, _shared_state(s_m, s_t), {}, name, tolerance)
    for step in range(1, STEPS + 1):
        g_m, g_t = trial.gradient(p_m, step), trial.gradient(p_t, step)
        new_t, s_t = theirs.optimizer.update(p_t, g_t, s_t, trial.lr, theirs.hp)
        update = mine.optimizer.update
        new_m, s_m = _mine(f"at step {step}", update, p_m, g_m, s_m, trial.lr, mine.hp)
        params = {"new params": (new_m, new_t, p_m, p_t)}
        yield _differences(step, _shared_state(s_m, s_t), params, name, tolerance)
        p_m, p_t = new_m, new_t


def _shared_state(mine: State, theirs: State) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """The state tensors both rules name (in the built-in's order), except the app's step count."""
    return {k: (mine[k], v) for k, v in theirs.items() if k in mine and k != STEP_KEY}


def _differences(step, states, params, name, tolerance) -> tuple[int, float, list[str]]:
    """One step's largest relative difference, and a note per tensor beyond ``tolerance``."""
    largest, notes = 0.0, []
    for key, (a, b) in states.items():
        difference = relative_difference(a, b)
        largest = max(largest, difference)
        if difference > tolerance:
            notes.append(_describe(f"state {key}", a, b, name, difference, starting=step == 0))
    for what, (a, b, before_a, before_b) in params.items():
        difference = relative_difference(a, b)
        largest = max(largest, difference)
        if difference > tolerance:
            steps = (a - before_a, b - before_b)
            note = _describe(what, a, b, name, difference, steps=steps)
            if states and not notes:  # the rule's averages are right: the step is not
                agree = "agree" if len(states) > 1 else "agrees"
                note += f", while state {' and '.join(states)} {agree}"
            notes.append(note)
    return step, largest, notes


def relative_difference(mine: torch.Tensor, theirs: torch.Tensor) -> float:
    """Per run, ``max |mine − theirs| / max |theirs|``; the largest over the runs. NaN where
    both are NaN and equal infinities count as equal; a difference from zero is infinite."""
    if mine.shape != theirs.shape:
        return math.inf
    a, b = mine.double().flatten(1), theirs.double().flatten(1)
    same = (a == b) | (a.isnan() & b.isnan())
    gap = torch.where(same, 0.0, (a - b).abs()).nan_to_num(nan=math.inf).amax(dim=1)
    scale = torch.where(b.isfinite(), b.abs(), 0.0).amax(dim=1)
    relative = torch.where(gap == 0, 0.0, gap / scale)
    return float(relative.max())


def _describe(what, a, b, name, difference, starting=False, steps=None) -> str:
    """One tensor's difference in words: the first that fits of a shape, a NaN, a start that
    should be zero, a constant factor (of the ``steps`` (new − old) for parameters: "the step
    is 0.32× Adam's"), a relative difference."""
    are, differ = ("are", "differ") if steps else ("is", "differs")
    if a.shape != b.shape:
        return f"{what} has shape {tuple(a.shape)} where {name}'s has {tuple(b.shape)}"
    broken = ~a.isfinite() & b.isfinite()
    if broken.any():
        kind = "NaN" if a[broken].isnan().any() else "infinite"
        return f"{what} {are} {kind} where {name}'s {are} finite"
    if starting and not b.any():
        return f"{what} should start at 0"
    factor = _factor(*(steps or (a, b)))
    if factor is not None:
        subject = "the step (new params − params)" if steps else what
        return f"{subject} is {short_number(factor)}× {name}'s"
    return (
        f"{what} {differ} by {short_number(100 * difference)} % "
        f"(largest relative difference {short_number(difference)})"
    )


def _factor(a: torch.Tensor, b: torch.Tensor) -> float | None:
    """c when ``a`` is c·``b`` (to :data:`PROPORTIONAL`) and c is not 1, else None."""
    a, b = a.double(), b.double()
    norm = float((b * b).sum())
    if norm == 0 or not math.isfinite(norm):
        return None
    factor = float((a * b).sum()) / norm
    residual = float((a - factor * b).abs().max()) / float(b.abs().max())
    if residual > PROPORTIONAL or abs(factor - 1) <= PROPORTIONAL:
        return None
    return factor


def _failed(label: str, error: CodeError | ValueError, when: str) -> CheckResult:
    """A check the student's code ended: its error, with the line it came from."""
    line = getattr(error, "line", None)
    message = f"error {when}: {error}" if when else str(error)
    return CheckResult(label, False, message, math.nan, line=line, failed=True)
