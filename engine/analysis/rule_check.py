"""Check: does a student's optimizer compute what a built-in computes, as a course's gradient
check would say it ("equals Momentum (β = 0.9) to 3e-8", "differs at step 1: …").

What the window needs of a check, torch-free: the result it shows and the task it names;
:mod:`engine.analysis.rule_check_run` runs the check in the engine's process, where student
code runs. The window asks with ``runner(CHECK).start(CHECK_TASK, code, params, builtin_name,
builtin_params)`` (:data:`engine.live.protocol.CHECK`) and gets a :class:`CheckResult`.

"Equal" means equal to the rounding of the dtype: the largest relative difference (of each
compared tensor, ``max |mine − built-in| / max |built-in|`` per run, as the torch.optim
reference measures it) stays within :data:`TOLERANCES`, about a hundred units in the last
place: a rule written with its operations in another order lands there, a wrong rule does not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from engine.core.tasks import TaskName
from engine.optimizers.base import Hyperparameter, HyperValue

CHECK_TASK = TaskName("engine.analysis.rule_check_run", "check_task")  # named so that the
# window submits it without importing torch
TOLERANCES = {"float32": 1e-5, "float64": 1e-12}  # the largest relative difference "equal" allows


@dataclass(frozen=True)
class CheckResult:
    """What Check found; ``message`` is the one line the window shows.

    ``largest_difference`` is the largest relative difference seen (0.0: bit for bit; NaN when
    the student's code failed before anything could be compared). ``step`` is the first step
    whose result differs (0: the state ``init`` returns), None when equal or failed. ``line``
    is the line of the student's file an error came from (None: no error, or the file as a
    whole)."""

    builtin: str  # the built-in compared with, as the message names it
    equal: bool
    message: str
    largest_difference: float
    step: int | None = None
    line: int | None = None
    failed: bool = False  # the code (or a setting) failed before the end: ``message`` says how


def describe_builtin(
    display_name: str, hyperparameters: tuple[Hyperparameter, ...], values: Mapping[str, HyperValue]
) -> str:
    """``Momentum (β = 0.9)``: the built-in and its settings, by the symbols of their labels."""
    parts = []
    for h in hyperparameters:
        value = values.get(h.name, h.default)
        symbol = h.label.split(" (")[0]
        if h.is_flag:
            parts.append(symbol if value else f"no {symbol}")
        else:
            parts.append(f"{symbol} = {setting(value)}")
    if not parts:
        return display_name
    if display_name.endswith(")"):  # "Adam (torch defaults)": one pair of brackets
        return f"{display_name[:-1]}, {', '.join(parts)})"
    return f"{display_name} ({', '.join(parts)})"


def setting(value: float) -> str:
    """A setting as typed: ``0.9``, ``1e-5`` (not ``1e-05``)."""
    mantissa, _, exponent = f"{value:g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def short_number(value: float) -> str:
    """``3e-8``, ``0.12``, ``9``: one or two significant figures, without exponent padding."""
    if not math.isfinite(value):
        return "∞" if value > 0 else str(value)
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e4):
        return setting(float(f"{value:.0e}"))
    return setting(float(f"{value:.2g}"))


def agreement(builtin: str, largest: float) -> str:
    """``equals Adam to 3e-8``, or ``bit for bit`` when no digit differs."""
    precision = "bit for bit" if largest == 0.0 else f"to {short_number(largest)}"
    return f"equals {builtin} {precision}"


def disagreement(step: int, where: str, differences: list[str]) -> str:
    """``differs at step 1 on random tensors (float32): state m is 10× Momentum's``."""
    when = "in init's state" if step == 0 else f"at step {step}"
    return f"differs {when} {where}: {'; '.join(differences)}"
