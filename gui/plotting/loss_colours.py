"""The landscape's loss scale: one colour map over log10 of the loss, and its decade ticks, for
the 2-D map, its colour bar and the 3-D surface alike."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

LOSS_COLOUR_MAP = "viridis"  # perceptually uniform, and readable in grey


def loss_colour_map() -> pg.ColorMap:
    return pg.colormap.get(LOSS_COLOUR_MAP)


def loss_colours(log_loss: np.ndarray, colour_range: tuple[float, float]) -> np.ndarray:
    """RGBA (0…1, shape (…, 4)) of log10 losses, held within ``colour_range`` as the 2-D map's
    levels hold them."""
    low, high = colour_range
    share = np.clip((np.asarray(log_loss, dtype=np.float64) - low) / (high - low), 0.0, 1.0)
    return loss_colour_map().map(share.ravel(), mode="float").reshape(*share.shape, 4)


def decade_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks at whole powers of ten between log10 values ``low`` and ``high``, written as a
    teacher would: 0.01, 1, 100 near 1, 10⁻⁶ and 10⁸ far from it; every other decade if there
    are more than eight."""
    first, last = math.ceil(low - 1e-9), math.floor(high + 1e-9)
    step = 1 if last - first <= 8 else 2
    return [(float(k), _decade(k)) for k in range(first, last + 1, step)]


def _decade(k: int) -> str:
    if -3 <= k <= 4:
        return f"{10.0**k:g}" if k < 0 else str(10**k)
    superscript = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    return "10" + str(k).translate(superscript)
