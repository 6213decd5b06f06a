"""Every numeric setting at the ends of its limits and just beyond, as an experiment file's
settings: the values the engine and the window must agree on."""

from __future__ import annotations

import math
import sys

from engine.config.limits import LIMITS, Limits

HUGE = 10**30  # a whole number for a setting without an upper bound


def edges(limits: Limits) -> tuple:
    """The extreme values ``limits`` accepts: its ends, or the floats nearest to an open or
    missing one."""
    if limits.whole:
        return (limits.low, HUGE if limits.high is None else limits.high)
    if limits.low is None:
        low = -sys.float_info.max
    else:
        low = math.nextafter(limits.low, math.inf) if limits.low_open else float(limits.low)
    return (low, sys.float_info.max if limits.high is None else float(limits.high))


def beyond(limits: Limits) -> tuple:
    """Values just outside ``limits`` (and the non-finite floats)."""
    if limits.whole:
        return (limits.low - 1, *(() if limits.high is None else (limits.high + 1,)))
    out = [math.inf, -math.inf, math.nan]
    if limits.low is not None:
        out.append(limits.low if limits.low_open else math.nextafter(limits.low, -math.inf))
    if limits.high is not None:
        out.append(math.nextafter(limits.high, math.inf))
    return tuple(out)


def settings_with(key: str, value) -> dict:
    """An experiment file's settings with setting ``key`` of :data:`LIMITS` at ``value``, and
    what that setting needs to apply (a generated set, a 2-D problem, a branch's parent)."""
    if key == "learning_rates":
        return {"learning_rates": [value]}
    if key == "start":
        return {"problem": "saddle", "start": [value, -value]}
    if key.startswith("dataset."):
        return {"dataset": {"kind": "generated", key.removeprefix("dataset."): value}}
    if key == "branch.step":
        parent = {"optimizer": "sgd", "lr": 1.0}
        return {
            "max_steps": LIMITS["max_steps"].high,
            "branches": [{"from": parent, "step": value}],
        }
    return {key: value}


def setting_of(config, key: str):
    """The value ``config`` holds for setting ``key`` (as :func:`settings_with` sets it)."""
    if key == "learning_rates":
        return config.learning_rates[0]
    if key == "start":
        return config.start[0]
    if key.startswith("dataset."):
        return getattr(config.dataset, key.removeprefix("dataset."))
    if key == "branch.step":
        return config.branches[0].step
    return getattr(config, key)
