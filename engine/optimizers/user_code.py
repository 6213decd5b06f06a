"""An optimizer a student wrote, as text: what the window shows, saves and sends to the engine.

The window never runs a student's code (it runs in the engine's process), yet it needs the
optimizer's name and hyperparameters for its fields and legend. :func:`read_outline` reads them
from the syntax tree alone: ``name`` and ``hyperparameters`` must be literals, and ``update``,
``init`` and ``threshold`` are found by their ``def``. Nothing here imports torch or executes code.
"""

from __future__ import annotations

import ast
import functools
import math
import os
from dataclasses import dataclass

from engine.optimizers.base import NO_THRESHOLD, Hyperparameter

UPDATE_ARGUMENTS = ("params", "grads", "state", "lr")
STEP_ARGUMENT = "step"
THRESHOLD_DECLARED = "threshold(lr, …) declared in the file"


class CodeError(ValueError):
    """What is wrong with a student's code, at which line of which file (line None: the file
    as a whole). ``str`` is the one line a user sees."""

    def __init__(self, message: str, filename: str, line: int | None = None):
        super().__init__(message)
        self.message, self.filename, self.line = message, filename, line

    def __str__(self) -> str:
        where = self.filename if self.line is None else f"{self.filename}, line {self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class CodeFailure:
    """A student's optimizer that failed in a run, as plain data for the window: which
    optimizer (its :attr:`~engine.config.settings.OptimizerSpec.key`), at which step (the
    update's number, from 1; for ``init``, the step its runs were to start at), what went wrong
    and where, so that the editor can mark the line."""

    optimizer: str
    step: int
    message: str  # e.g. "NameError: name 'bta' is not defined"
    filename: str
    line: int | None = None
    in_init: bool = False

    @classmethod
    def of(cls, error: CodeError, optimizer: str, step: int, in_init: bool = False) -> CodeFailure:
        return cls(optimizer, step, error.message, error.filename, error.line, in_init)

    def describe(self) -> str:
        """What the Runs table says: ``error at step 3: NameError: name 'bta' is not defined``."""
        when = "in init" if self.in_init else f"at step {self.step}"
        return f"error {when}: {self.message}"

    def __str__(self) -> str:
        """The one line the command line prints: the file and line, then :meth:`describe`."""
        return str(CodeError(self.describe(), self.filename, self.line))


@dataclass(frozen=True)
class OptimizerCode:
    """A student's optimizer: its source and the name of the file it came from (or will be
    saved to) for messages. Frozen and plain, so it travels inside the settings."""

    source: str
    filename: str = "my_optimizer.py"

    @property
    def stem(self) -> str:
        """The file's name without folder or ``.py``: the optimizer's name if it gives none."""
        return os.path.splitext(os.path.basename(self.filename))[0] or "my_optimizer"


@dataclass(frozen=True)
class Outline:
    """What the window needs of an optimizer file, read without running it."""

    name: str
    hyperparameters: tuple[Hyperparameter, ...]
    takes_step: bool  # update(..., step=) gets the update's number from 1
    has_init: bool
    has_threshold: bool

    @property
    def threshold_rule(self) -> str:
        return THRESHOLD_DECLARED if self.has_threshold else NO_THRESHOLD


@functools.lru_cache(maxsize=64)
def read_outline(code: OptimizerCode) -> Outline:
    """The optimizer ``code`` defines, or ``CodeError`` at the first line that breaks the
    contract (a syntax error, no ``update``, ``update`` missing an argument, a ``name`` or
    ``hyperparameters`` that is not a literal)."""
    tree = _parse(code)
    assigned = _literal_assignments(tree, code.filename)
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    name = assigned.get("name", (code.stem, None))
    if not isinstance(name[0], str) or not name[0].strip():
        raise CodeError("name must be a non-empty string", code.filename, name[1])
    hyperparameters = _hyperparameters(*assigned.get("hyperparameters", ({}, None)), code.filename)
    update = functions.get("update")
    if update is None:
        raise CodeError("the file defines no update(params, grads, state, lr, …)", code.filename)
    takes_step = _check_update(update, hyperparameters, code.filename)
    return Outline(
        name=name[0].strip(),
        hyperparameters=hyperparameters,
        takes_step=takes_step,
        has_init="init" in functions,
        has_threshold="threshold" in functions,
    )


def _parse(code: OptimizerCode) -> ast.Module:
    try:
        return ast.parse(code.source, filename=code.filename)
    except SyntaxError as err:
        raise CodeError(f"SyntaxError: {err.msg}", code.filename, err.lineno) from None
    except ValueError as err:  # source with a NUL byte
        raise CodeError(str(err), code.filename) from None


def _literal_assignments(tree: ast.Module, filename: str) -> dict[str, tuple[object, int]]:
    """Top-level ``name = …`` and ``hyperparameters = …`` as (value, line); they must be
    literals, since the window reads them without running the file."""
    found = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign | ast.AnnAssign):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id in ("name", "hyperparameters"):
                try:
                    found[target.id] = (ast.literal_eval(node.value), node.lineno)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    raise CodeError(
                        f"{target.id} must be written out as a literal (the window reads it "
                        "without running the file)",
                        filename,
                        node.lineno,
                    ) from None
    return found


def _hyperparameters(value: object, line: int | None, filename: str) -> tuple[Hyperparameter, ...]:
    """``{"beta": 0.9, "nesterov": False}`` as fields: a number (finite) or true/false each."""
    if not isinstance(value, dict):
        raise CodeError("hyperparameters must be a dict of name: default", filename, line)
    out = []
    for key, default in value.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise CodeError(f"hyperparameter {key!r} must be a Python name", filename, line)
        if key in UPDATE_ARGUMENTS or key == STEP_ARGUMENT:
            raise CodeError(
                f"hyperparameter {key!r} would hide update's own argument", filename, line
            )
        if not isinstance(default, bool | int | float) or (
            not isinstance(default, bool) and not math.isfinite(default)
        ):
            raise CodeError(
                f"hyperparameter {key!r} must default to a finite number or True/False, "
                f"not {default!r}",
                filename,
                line,
            )
        whole = isinstance(default, int) and not isinstance(default, bool)
        out.append(
            Hyperparameter(
                key,
                default if whole or isinstance(default, bool) else float(default),
                key,
                whole=whole,
            )
        )
    return tuple(out)


def _check_update(update: ast.FunctionDef, hps: tuple[Hyperparameter, ...], filename: str) -> bool:
    """``update`` takes params, grads, state, lr, then every hyperparameter by name (or
    ``**kwargs``), and perhaps ``step``; True if it takes ``step``."""
    args = update.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    if tuple(names[:4]) != UPDATE_ARGUMENTS:
        wanted = ", ".join(UPDATE_ARGUMENTS)
        raise CodeError(
            f"update must start with ({wanted}), not ({', '.join(names[:4])})",
            filename,
            update.lineno,
        )
    accepts_any = args.kwarg is not None
    missing = [h.name for h in hps if h.name not in names and not accepts_any]
    if missing:
        raise CodeError(
            f"update does not take hyperparameter {missing[0]!r}: add it to its arguments",
            filename,
            update.lineno,
        )
    known = {*UPDATE_ARGUMENTS, STEP_ARGUMENT, *(h.name for h in hps)}
    unknown = [n for n in names if n not in known]
    defaulted = {a.arg for a in args.args[len(args.args) - len(args.defaults) :]} | {
        a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None
    }
    unfilled = [n for n in unknown if n not in defaulted]
    if unfilled:
        raise CodeError(
            f"update takes {unfilled[0]!r}, which is not a hyperparameter: add it to "
            "hyperparameters or give it a default",
            filename,
            update.lineno,
        )
    return STEP_ARGUMENT in names or accepts_any
