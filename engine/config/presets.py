"""Named settings that show one thing well, as changes to an :class:`ExperimentConfig`.

A preset sets only the fields it names; whatever else a caller gives (flags, a file) can be
applied on top of ``preset.apply(base)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.config.settings import ConfigError, DatasetSpec, ExperimentConfig, OptimizerSpec
from engine.optimizers.schedules import ScheduleSpec


@dataclass(frozen=True)
class Preset:
    name: str
    title: str  # for a menu
    description: str  # what it shows, in a sentence or two
    changes: Mapping[str, object] = field(default_factory=dict)  # ExperimentConfig fields

    def apply(self, base: ExperimentConfig | None = None) -> ExperimentConfig:
        """``base`` (the defaults if None) with this preset's fields set."""
        return (base or ExperimentConfig()).with_changes(**self.changes)


EDGE_OF_STABILITY = Preset(
    name="edge-of-stability",
    title="Edge of stability",
    description=(
        "A smooth (tanh) net on 20 noiseless samples, trained 5,000 steps. Gradient descent's "
        "sharpness rises until it reaches 2/η, then hovers there while the loss keeps falling "
        "on average, rising every other step; Adam does the same with its preconditioned "
        "sharpness below 38/η, and momentum never comes near its threshold."
    ),
    changes={
        "problem": "mlp",  # from a 2-D surface too: the preset names its whole model
        "start": None,
        "start_parameters": None,  # chosen on another net's plane
        "function": None,
        "optimizers": (
            OptimizerSpec.create("sgd"),
            OptimizerSpec.create("momentum"),
            OptimizerSpec.create("adam_torch"),
        ),
        "learning_rates": (0.1, 0.08, 2 / 30, 0.05),  # 2/η = 20, 25, 30, 40
        "schedule": ScheduleSpec(),  # constant: each panel's 2/η stays put
        "seed": 3,
        "max_steps": 5000,
        "stop_loss": 0.0,
        "hidden": 3,
        "activation": "tanh",
        "dataset": DatasetSpec(kind="generated", samples=20, noise=0.0, seed=0),
        "batch_size": None,
    },
)

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (EDGE_OF_STABILITY,)}


def get_preset(name: str) -> Preset:
    """The preset called ``name``, or ``ConfigError`` naming the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(PRESETS)
        raise ConfigError(f"unknown preset {name!r} (known: {known})") from None
