"""The names at the ends of the Sharpness view's threshold lines, so that a threshold is not
taken for the curve of its colour: each sits where its line leaves the view (or ends), above
it, or below it where the top edge or a label higher up leaves no room, naming in their colours
the runs whose threshold it is; lines at one height share one label."""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pyqtgraph as pg

from gui.plotting.helpers import point_font
from gui.plotting.themes import DEFAULT, Theme

FORMS = ("full", "short", "stacked")  # a label's text, from the widest (see ThresholdLabels._html)
SAME_HEIGHT = 1e-9  # log10 units: thresholds this close are one line (e.g. 2/η for SGD, RMSprop)


class ThresholdLabels:
    """Text items on one plot, reused from frame to frame: one per label shown."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.items: list[pg.TextItem] = []
        self._texts: list[tuple | None] = []  # per item, what its text was laid out for
        self.theme = DEFAULT

    @property
    def shown(self) -> list[pg.TextItem]:
        """The labels now in view."""
        return [item for item in self.items if item.isVisible()]

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        for item in self.items:
            item.setFont(point_font(theme.tick_pt))  # laid out again at the next place()

    def place(self, lines: list[tuple[str, str, np.ndarray, np.ndarray]]) -> None:
        """A label for each height at which ``lines`` — (name, colour, x, y) each, as drawn —
        end in view."""
        view = self.plot.getViewBox()
        bottom, top = view.viewRange()[1]
        ends = self._ends(lines)
        while len(self.items) < len(ends):
            self.items.append(self._new_item())
            self._texts.append(None)
        pixel = (top - bottom) / view.height() if view.height() > 0 else 0.0  # view units
        taken: list[tuple[float, float]] = []  # the labels' spans in pixels from the top
        for k, (item, (x, y, names)) in enumerate(zip(self.items, ends)):
            self._set_text(k, names, view.width())
            height = item.boundingRect().height()
            line = (top - y) / pixel if pixel > 0 else 0.0
            free = (
                start  # above the line, else below it, where no other label is
                for start in (line - height, line)
                if 0 <= start <= view.height() - height
                and not any(start < end and start + height > begin for begin, end in taken)
            )
            start = next(free, max([line] + [end for _, end in taken]))  # else under them all
            taken.append((start, start + height))
            item.setPos(x, top - start * pixel)
            item.show()
        for item in self.items[len(ends) :]:
            item.hide()

    def _ends(self, lines: list[tuple[str, str, np.ndarray, np.ndarray]]) -> list[tuple]:
        """(x, y, {name: colour}) where the lines end in view or leave it, one per height,
        from the highest."""
        (left, right), (bottom, top) = self.plot.getViewBox().viewRange()
        ends: list[tuple[float, float, dict[str, str]]] = []
        for name, colour, x, y in lines:
            if not len(x) or x[0] > right or x[-1] < left:
                continue
            end = min(float(x[-1]), right)
            height = float(np.interp(end, x, y))
            if not bottom <= height <= top:
                continue
            same = (e for e in ends if math.isclose(e[1], height, abs_tol=SAME_HEIGHT))
            names = next((e[2] for e in same), None)
            if names is None:
                ends.append((end, height, {name: colour}))
            else:
                names.setdefault(name, colour)
        return sorted(ends, key=lambda end: -end[1])

    def _set_text(self, k: int, names: dict[str, str], room: float) -> None:
        """The ``k``-th label's text in the first form that fits ``room`` pixels across."""
        if self._texts[k] == (names, room, self.theme):
            return  # laying out HTML is not free: only when it changed
        self._texts[k] = (names, room, self.theme)
        item = self.items[k]
        for form in FORMS:
            item.setHtml(self._html(names, form))
            if item.boundingRect().width() <= room:
                return

    def _new_item(self) -> pg.TextItem:
        item = pg.TextItem(anchor=(1, 0))  # placed by its top right corner
        item.setFont(point_font(self.theme.tick_pt))
        item.setZValue(5)  # over the curves: a curve at its threshold still shows through
        self.plot.addItem(item, ignoreBounds=True)
        return item

    def _html(self, names: dict[str, str], form: str) -> str:
        """``Momentum, Adam (torch defaults) thresholds``, each name in its run's colour; in
        the "short" form without what the names add in parentheses, "stacked" a name a line."""
        if form != "full":
            names = {name.split(" (")[0]: colour for name, colour in names.items()}
        gap = ",<br>" if form == "stacked" else ", "
        who = gap.join(f'<span style="color:{c}">{escape(n)}</span>' for n, c in names.items())
        word = "threshold" if len(names) == 1 else "thresholds"
        return f'<span style="color:{self.theme.foreground}">{who} {word}</span>'
