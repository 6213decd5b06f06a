"""Where runs start when a user chose it: a 2-D problem's (x, y), the MLP's parameters picked
on a plane. Plain validated values; the settings hold them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.config.errors import ConfigError
from engine.config.limits import LIMITS

PLANE_NAMES = {"hessian": "Hessian plane", "pca": "PCA plane", "random": "random plane"}


@dataclass(frozen=True)
class PlaneStart:
    """The MLP's start: the parameters ``values`` themselves, exactly, as picked at (a, b) on
    a view's plane θ₀ + a·v₁ + b·v₂ (``plane``, one of PLANE_NAMES; "" when the numbers were
    given as such). Plane, a and b only say where it came from (a plane is a view choice, and a
    PCA plane changes with the paths), so they take no part in comparing settings.

    With several seeds, seed ``seed`` starts at ``values`` and every other seed's own θ₀ moves
    by the same step, ``values`` − θ₀(seed): the band still shows how much the draw matters,
    now around the point chosen (one point for all would make every seed's run the same).
    """

    values: tuple[float, ...]
    plane: str = field(default="", compare=False)
    a: float = field(default=0.0, compare=False)
    b: float = field(default=0.0, compare=False)

    def __post_init__(self) -> None:
        values = self.values if isinstance(self.values, (tuple, list)) else ()
        if not values or any(_not_a_number(v) for v in values):
            raise ConfigError(f"start parameters must be a list of numbers, not {self.values!r}")
        if not all(math.isfinite(v) for v in values):
            raise ConfigError("start parameters must all be finite numbers")
        if self.plane != "" and self.plane not in PLANE_NAMES:
            known = ", ".join(PLANE_NAMES)
            raise ConfigError(f"a start's plane must be one of {known}, not {self.plane!r}")
        for name in ("a", "b"):
            value = getattr(self, name)
            if _not_a_number(value) or not math.isfinite(value):
                raise ConfigError(f"a start's {name} must be a finite number, not {value!r}")
            object.__setattr__(self, name, float(value))
        object.__setattr__(self, "values", tuple(float(v) for v in values))

    @property
    def text(self) -> str:
        """``θ₀ + 0.8·v₁ − 1.2·v₂ (Hessian plane)``: where it is, for people."""
        if not self.plane:
            return f"the θ given ({len(self.values)} numbers)"
        a = f"{'−' if self.a < 0 else '+'} {abs(self.a):g}·v₁"
        b = f"{'−' if self.b < 0 else '+'} {abs(self.b):g}·v₂"
        return f"θ₀ {a} {b} ({PLANE_NAMES[self.plane]})"


def _not_a_number(value: object) -> bool:
    return isinstance(value, bool) or not isinstance(value, (int, float))


def check_start(value: object) -> tuple[float, float]:
    """A start point as (x, y) floats, or ``ConfigError``: two finite numbers."""
    numbers = value if isinstance(value, (tuple, list)) else ()
    if len(numbers) != 2 or any(
        isinstance(v, bool) or not isinstance(v, (int, float)) for v in numbers
    ):
        raise ConfigError(f"start must be two numbers x, y, not {value!r}")
    if not all(LIMITS["start"].accepts(v) for v in numbers):
        raise ConfigError(f"start must be {LIMITS['start'].rule}, not {value!r}")
    return float(numbers[0]), float(numbers[1])
