"""How many columns a legend may have: as many as fit across its widget, so that a long legend
(many optimizers, a projector's zoom) wraps instead of widening the layout past the view."""

from __future__ import annotations

import pyqtgraph as pg

ITEM_SAMPLE_WIDTH, LEGEND_GAP = 20, 30  # a legend entry's sample, and room between columns


def fit_legend(legend: pg.LegendItem, available: float, most: int = 6) -> None:
    """Set ``legend``'s column count to the most (up to ``most``) whose widest entries fit
    ``available`` pixels."""
    widths = [ITEM_SAMPLE_WIDTH + label.minimumWidth() for _, label in legend.items]
    columns = min(len(widths), most)
    while columns > 1:
        per_column = [max(widths[c::columns]) for c in range(columns)]
        if sum(per_column) + LEGEND_GAP * columns <= available:
            break
        columns -= 1
    legend.setColumnCount(max(columns, 1))
