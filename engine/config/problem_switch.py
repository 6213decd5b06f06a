"""An experiment config switched to a problem, with the settings that problem starts with.

Kept out of ``engine.problems``' own imports: ``engine.config.settings`` imports the registry.
"""

from __future__ import annotations

from dataclasses import fields, replace

from engine.config.settings import MLP_ONLY_SETTINGS, ExperimentConfig
from engine.problems import FunctionSpec, FunctionSurface, get_problem


def config_for_problem(
    name: str, base: ExperimentConfig | None = None, function: FunctionSpec | None = None
) -> ExperimentConfig:
    """``base`` (default: the default config) training problem ``name``, with that problem's
    learning rates, stop loss and max steps and its default start (a start chosen on the MLP's
    plane goes too); switching to a 2-D problem puts the MLP-only settings back to their
    defaults. Optimizers, seed, schedule and dtype are kept; so is ``base``'s typed f(x, y) if
    ``name`` is "function" and no ``function`` is given. ``KeyError`` naming the known problems
    if ``name`` is not one."""
    problem = get_problem(name)
    base = base if base is not None else ExperimentConfig()
    defaults = problem.defaults
    if name == FunctionSurface.name:
        function = function or base.function or FunctionSpec()
    changes = {
        "problem": name,
        "function": function if name == FunctionSurface.name else None,
        "start": None,
        "start_parameters": None,  # chosen on another problem's plane
        "learning_rates": defaults.learning_rates,
        "stop_loss": defaults.stop_loss,
        "max_steps": defaults.max_steps,
    }
    if problem.is_surface:
        initial = {f.name: f.default for f in fields(ExperimentConfig)}
        changes.update({setting: initial[setting] for setting in MLP_ONLY_SETTINGS})
    return replace(base, **changes)
