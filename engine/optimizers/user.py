"""A student's optimizer, run: the file executed once in the engine's process, its ``init``,
``update`` and ``threshold`` called through the same contract as the built-ins.

Every failure of the student's code, when it loads or at any step, becomes a :class:`CodeError`
naming the file and the line the error came from, so the engine can stop that optimizer's runs
with one message and let the others go on.
"""

from __future__ import annotations

import functools
import importlib
import math
import sys
import traceback
from collections.abc import Callable, Mapping

from engine.core.lazy import lazy_import
from engine.core.watchdog import Interrupted, guarded_call
from engine.optimizers.base import HyperValue, Optimizer, State
from engine.optimizers.terms import STATE, Term
from engine.optimizers.user_code import STEP_ARGUMENT, CodeError, OptimizerCode, read_outline

torch = lazy_import("torch", __name__)

STEP_KEY = "step"  # where the engine counts a rule's updates when it takes ``step=``


@functools.lru_cache(maxsize=64)
def user_optimizer(code: OptimizerCode) -> UserOptimizer:
    """One optimizer object per code (the file runs once per process)."""
    return UserOptimizer(code)


class UserOptimizer(Optimizer):
    """The optimizer ``code`` defines; its metadata comes from :func:`read_outline`, so building
    one runs nothing (the window may hold one); the file runs on the first call."""

    def __init__(self, code: OptimizerCode):
        outline = read_outline(code)
        self.code, self.outline = code, outline
        self.name = self.display_name = outline.name
        self.hyperparameters = outline.hyperparameters
        self.rule = f"written by you ({code.filename})"
        self.threshold_rule = outline.threshold_rule
        self._namespace: dict | None = None

    def function(self, name: str) -> Callable:
        """The file's function ``name`` (the file runs the first time one is asked for)."""
        if self._namespace is None:
            if "torch" not in sys.modules:  # the window's process, which must stay torch-free
                raise CodeError(
                    "a student's code runs in the engine's process, never in the window's",
                    self.code.filename,
                )
            namespace = {
                "torch": importlib.import_module("torch"),
                "math": math,
                "__name__": self.code.stem,
            }
            self.call(exec, compile(self.code.source, self.code.filename, "exec"), namespace)
            self._namespace = namespace
        return self._namespace[name]

    def call(self, function: Callable, *args, **kwargs):
        """``function(*args, **kwargs)`` under the watchdog (:mod:`engine.core.watchdog`), any
        exception it raises, or its being stopped, as a ``CodeError`` at the file's innermost
        line in the traceback."""
        try:
            return guarded_call(function, *args, **kwargs)
        except CodeError:
            raise
        except Interrupted as err:  # an endless loop, or Pause while it ran
            raise CodeError(err.reason, self.code.filename, self._line_of(err)) from None
        except (Exception, SystemExit) as err:  # the student's code may raise anything
            raise CodeError(
                f"{type(err).__name__}: {err}", self.code.filename, self._line_of(err)
            ) from err

    def _line_of(self, err: BaseException) -> int | None:
        lines = [
            frame.lineno
            for frame in traceback.extract_tb(err.__traceback__)
            if frame.filename == self.code.filename
        ]
        return lines[-1] if lines else getattr(err, "lineno", None)

    def fail(self, message: str, function: str) -> CodeError:
        """A contract broken by what ``function`` returned, at its ``def`` line."""
        line = getattr(self._namespace.get(function), "__code__", None)
        return CodeError(message, self.code.filename, line.co_firstlineno if line else None)

    # --- the contract ---------------------------------------------------------------------
    def init_state(self, params: torch.Tensor, hp: Mapping[str, HyperValue]) -> State:
        state = {}
        if self.outline.has_init:
            state = self.call(self.function("init"), params.clone())
            state = self._checked_state(state, params, "init")
        else:
            self.function("update")  # a file that does not load fails before the first step
        if self.outline.takes_step:
            if STEP_KEY in state:
                raise self.fail(
                    f"state key {STEP_KEY!r} is the app's step count: rename it", "init"
                )
            state[STEP_KEY] = torch.zeros_like(params[:, :1])
        return state

    def update(self, params, grads, state, lr, hp):
        own = {k: v for k, v in state.items() if not (self.outline.takes_step and k == STEP_KEY)}
        kwargs = dict(hp)
        if self.outline.takes_step:
            step = state[STEP_KEY] + 1
            kwargs[STEP_ARGUMENT] = int(step.max())
        result = self.call(
            self.function("update"), params.clone(), grads.clone(), own, lr, **kwargs
        )
        if not isinstance(result, tuple) or len(result) != 2:
            raise self.fail("update must return (new params, new state)", "update")
        new, new_state = result
        new = self._checked_params(new, params)
        new_state = self._checked_state(new_state, params, "update")
        if self.outline.takes_step:
            if STEP_KEY in new_state:
                raise self.fail(
                    f"state key {STEP_KEY!r} is the app's step count: rename it", "update"
                )
            new_state[STEP_KEY] = step
        return new, new_state

    def torch_equivalent(self, hp: Mapping[str, HyperValue]) -> str:
        return (
            f"{self.name} is written by you ({self.code.filename}): torch.optim has no twin "
            "to check it against (the editor's Check compares it with a built-in)"
        )

    def stability_threshold(self, lr: float, hp: Mapping[str, HyperValue]) -> float | None:
        if not self.outline.has_threshold:
            return None
        value = self.call(self.function("threshold"), lr, **hp)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"threshold must return a number, not {value!r}", "threshold")
        return float(value)

    def _checked_params(self, new: object, params: torch.Tensor) -> torch.Tensor:
        if not isinstance(new, torch.Tensor):
            raise self.fail(
                f"update must return params as a tensor, not {type(new).__name__}", "update"
            )
        if new.shape != params.shape or new.dtype != params.dtype:
            raise self.fail(
                f"update returned params of shape {tuple(new.shape)} and {new.dtype}; "
                f"they must keep shape {tuple(params.shape)} and {params.dtype}",
                "update",
            )
        return new

    def step_terms(self, grads, state, new_state, lr, hp):
        """The student's state vectors as they keep them, by their names (one per weight)."""
        return [
            Term(key, STATE, value, False)
            for key, value in new_state.items()
            if value.shape == grads.shape and not (self.outline.takes_step and key == STEP_KEY)
        ]

    def _checked_state(self, state: object, params: torch.Tensor, function: str) -> State:
        """A dict of tensors in the parameters' dtype, each (runs, P) like the parameters or
        (runs, 1): the shapes the inspector, branches and going back in time know how to
        read and to carry row by row."""
        if not isinstance(state, dict):
            raise self.fail(
                f"{function} must return the state as a dict, not {type(state).__name__}", function
            )
        runs = params.shape[0]
        for key, value in state.items():
            if not isinstance(value, torch.Tensor):
                raise self.fail(
                    f"state[{key!r}] must be a tensor, not {type(value).__name__}", function
                )
            shapes = ((runs, params.shape[1]), (runs, 1))
            if tuple(value.shape) not in shapes or value.dtype != params.dtype:
                raise self.fail(
                    f"state[{key!r}] has shape {tuple(value.shape)} and {value.dtype}; "
                    f"it must be {shapes[0]} like params, or {shapes[1]}, in {params.dtype}",
                    function,
                )
        return dict(state)
