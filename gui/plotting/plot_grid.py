"""One plot per learning rate in a grid, in reading order: the loss panels' and the landscape's
layout."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

import pyqtgraph as pg

from engine.config.settings import MAX_LEARNING_RATES

T = TypeVar("T")  # what replace_plots makes of each plot


def grid_shape(count: int) -> tuple[int, int]:
    """Rows and columns for ``count`` panels: 1×1, 1×2, 2×2 for 3–4, 2×3 for 5–6, 3×3 for 7–9."""
    if not 1 <= count <= MAX_LEARNING_RATES:
        raise ValueError(f"between 1 and {MAX_LEARNING_RATES} panels, not {count}")
    columns = math.ceil(math.sqrt(count))
    return math.ceil(count / columns), columns


def replace_plots(
    cells: pg.GraphicsLayout,
    old: list[pg.PlotItem],
    count: int,
    make: Callable[[pg.PlotItem], T],
) -> list[T]:
    """``make`` on each of ``count`` new plots in ``cells``, in reading order as
    :func:`grid_shape` lays them out; the ``old`` plots leave the layout and the scene and are
    deleted. Each is made before the next is added, as the grids always did: adding them all
    first gave an exported landscape figure other column widths."""
    for plot in old:
        cells.removeItem(plot)
        plot.deleteLater()
    columns = grid_shape(count)[1]
    return [make(cells.addPlot(row=j // columns, col=j % columns)) for j in range(count)]
