"""Small pieces the plots share: a curve for live data, an axis whose labels keep apart, a
curve's head dot, fonts, cached pens and brushes, min/max decimation, and a seed band's text."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem


class LiveCurve(pg.PlotCurveItem):
    """A curve given new data every frame: its bounds come from two numpy reductions instead
    of pyqtgraph's general path (warning filters, fill levels, percentiles), which took half of
    a ``setData`` and bounding-box round (58 µs for 2,048 points, 35 µs here)."""

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):  # noqa: N802, N803
        data = self.xData if ax == 0 else self.yData
        if frac != 1.0 or orthoRange is not None or data is None or len(data) == 0:
            return super().dataBounds(ax, frac, orthoRange)
        low, high = float(np.fmin.reduce(data)), float(np.fmax.reduce(data))
        pen = self.opts["pen"]
        if not (math.isfinite(low) and math.isfinite(high)) or (pen and not pen.isCosmetic()):
            return super().dataBounds(ax, frac, orthoRange)  # infinities; a width in data units
        return low, high

    def generatePath(self, x, y):  # noqa: N802
        """Lines joined where ``connect`` (an array) says, as polygons: pyqtgraph serialises
        such a path through a QDataStream, five times slower for the Sharpness view's lanes."""
        connect = self.opts["connect"]
        if isinstance(connect, np.ndarray) and not self.opts["stepMode"]:
            return connected_path(x, y, connect)
        return super().generatePath(x, y)


def connected_path(x: np.ndarray, y: np.ndarray, connect: np.ndarray) -> QPainterPath:
    """The path through the points, point i joined to point i + 1 where ``connect[i]``: one
    polygon a joined stretch (a stretch of one point draws nothing, as in pyqtgraph)."""
    path = QPainterPath()
    starts = np.flatnonzero(~connect[:-1].astype(bool)) + 1
    bounds = np.concatenate(([0], starts, [len(x)]))
    lengths = np.diff(bounds)
    if not len(x) or lengths.max() < 2:
        return path
    polygon = pg.functions.create_qpolygonf(int(lengths.max()))
    points = pg.functions.ndarray_from_qpolygonf(polygon)
    for start, length in zip(bounds[:-1].tolist(), lengths.tolist()):
        if length < 2:
            continue
        polygon.resize(length)
        points[:length, 0] = x[start : start + length]
        points[:length, 1] = y[start : start + length]
        path.addPolygon(polygon)
    return path


class ReadableAxis(pg.AxisItem):
    """An axis whose tick labels never run together. pyqtgraph spaces major ticks by the axis'
    length alone, so a small panel at a projector's zoom read "200400600800"; here a horizontal
    axis' major spacing steps up (1, 2, 5, 10, …) until every label has room beside the next.
    On a log axis showing two decades or more, only the decades are labelled (pyqtgraph labelled
    every multiple: "9·10² 8·10² 7·10² …" down a panel's side, and redrawing them cost 3–5 ms
    a panel whenever the range moved); the multiples keep their ticks and grid lines."""

    labelled_decades = 0  # decades the log axis shows, as of its last tick values
    _label_room: float | None = None  # how far a label may reach past an end (the font's)

    def setTickFont(self, font: QFont | None) -> None:  # noqa: N802 (pyqtgraph's name)
        self._label_room = None
        super().setTickFont(font)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        """pyqtgraph's, with room at either end for half a label across the axis (a "0" on
        a step axis, any label on a loss axis): with the grid on it leaves none, and at a
        projector's zoom the "0" at a panel's corner went missing."""
        rect = super().boundingRect()
        if self.grid is False:
            return rect
        if self._label_room is None:
            metrics = QFontMetricsF(self.style["tickFont"] or QFont())
            across = self.orientation in ("bottom", "top")
            self._label_room = (metrics.horizontalAdvance("0") if across else metrics.height()) / 2
        room = self._label_room + 1
        if self.orientation in ("bottom", "top"):
            return rect.adjusted(-room, 0, room, 0)
        return rect.adjusted(0, -room, 0, room)

    def drawPicture(self, p: QPainter, axisSpec, tickSpecs, textSpecs) -> None:  # noqa: N802, N803
        """pyqtgraph's, clipped from the first line, not only for the text: Qt draws the grid
        lines across the plot three times faster with a clip (a plot whose two axes' pictures
        are new repaints in 3.2–3.5 ms, not 9.0–10.4 ms offscreen). The clip reaches a pixel
        past the bounding rect, where pyqtgraph's grid lines end, so not a pixel changes."""
        p.setClipRect(self.boundingRect().toAlignedRect().adjusted(-1, -1, 1, 1))
        super().drawPicture(p, axisSpec, tickSpecs, textSpecs)

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803
        levels = super().logTickValues(minVal, maxVal, size, stdTicks)
        if len(levels) == 1 and levels[0][0] is None:  # one level of decades and multiples
            values = levels[0][1]
            decades = [value for value in values if float(value).is_integer()]
            if len(decades) >= 2:
                multiples = [value for value in values if not float(value).is_integer()]
                levels = [(1.0, decades), (None, multiples)]
        self.labelled_decades = sum(len(values) for spacing, values in levels if spacing)
        return levels

    def tickStrings(self, values, scale, spacing):  # noqa: N802
        if self.logMode and spacing is None and self.labelled_decades >= 2:
            return []  # the multiples between labelled decades
        return super().tickStrings(values, scale, spacing)

    def tickSpacing(self, minVal: float, maxVal: float, size: float):  # noqa: N802, N803
        levels = super().tickSpacing(minVal, maxVal, size)
        if not levels or size <= 0 or self.orientation not in ("bottom", "top"):
            return levels
        major = levels[0][0]
        metrics = QFontMetricsF(self.style["tickFont"] or QFont())
        widest = max(
            metrics.horizontalAdvance(text)
            for text in self.tickStrings([minVal, maxVal], 1.0, major)
        )
        fits = size / (1.5 * widest + 8)  # labels with a gap of half a label between them
        span = abs(maxVal - minVal)
        if span / major <= fits:
            return levels
        while span / major > fits:
            major = next_nice(major)
        return [(major, 0.0), (major / (5 if leading_digit(major) == 5 else 2), 0.0)]


def leading_digit(value: float) -> int:
    """1, 2 or 5 for a tick spacing of the 1-2-5 series (e.g. 5 for 0.05)."""
    return round(value / 10 ** math.floor(math.log10(value) + 1e-9))


def next_nice(value: float) -> float:
    """The next spacing of the 1-2-5 series after ``value``: 1 → 2 → 5 → 10 → 20 …"""
    exponent = math.floor(math.log10(value) + 1e-9)
    step = {1: 2, 2: 5}.get(leading_digit(value), 10)
    return step * 10.0**exponent


def add_head_dot(plot: pg.PlotItem) -> QGraphicsEllipseItem:
    """A hidden dot for a curve's head, above the curves, of a fixed size in pixels (it ignores
    the view's zoom); :func:`style_head_dot` gives it its size and colours."""
    head = QGraphicsEllipseItem()
    head.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
    head.setZValue(10)
    head.hide()
    plot.addItem(head, ignoreBounds=True)
    return head


def style_head_dot(head: QGraphicsEllipseItem, diameter: float, colour: str, pen: QPen) -> None:
    """``diameter`` pixels across, filled with ``colour`` (an optimizer's), ringed by ``pen``."""
    radius = diameter / 2
    head.setRect(-radius, -radius, diameter, diameter)
    head.setBrush(cached_brush(colour))
    head.setPen(pen)


class KeySample(pg.ItemSample):
    """A legend sample that is only a key: pyqtgraph's hides its item when clicked, which in a
    grid of plots hid one optimizer in the first plot only and showed an eye icon."""

    def mouseClickEvent(self, event) -> None:  # noqa: N802 (pyqtgraph's name)
        event.ignore()


def same_status(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return a is b if a is None or b is None else np.array_equal(a, b)


def band_text(low: float, median: float, high: float, alive: int, seeds: int) -> str:
    """'0.1234 [0.1–0.2]', and how many draws are left when some blew up."""
    if alive == 0:
        return f"all {seeds} blew up"
    left = "" if alive == seeds else f" ({alive} of {seeds} left)"
    return f"{median:.4g} [{low:.3g}–{high:.3g}]{left}"


def plain_number(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, as ``g`` writes it but without an exponent
    from 1,000 to a million: a title reads "2/η = 2000", not "2e+03"."""
    if not math.isfinite(value) or not 1e3 <= abs(value) < 1e6:
        return f"{value:.{digits}g}"
    return f"{round(value, digits - 1 - math.floor(math.log10(abs(value)))):.0f}"


def point_font(points: int) -> QFont:
    font = QFont()
    font.setPointSize(points)
    return font


@lru_cache(maxsize=64)
def cached_brush(colour: str) -> QBrush:
    return pg.mkBrush(colour)


@lru_cache(maxsize=64)
def cached_pen(colour: str, width: float) -> QPen:
    return pg.mkPen(colour, width=width)


def decimate(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``max_points`` points that keep every bin's lowest and highest value
    (so spikes survive), in step order; shorter curves come back as they are."""
    n = len(y)
    if n <= max_points:
        return x, y
    bins = max_points // 2
    size = -(-n // bins)
    usable = (n // size) * size
    blocks = y[:usable].reshape(-1, size)
    rows = np.arange(len(blocks))
    low, high = blocks.argmin(axis=1), blocks.argmax(axis=1)
    first, second = np.minimum(low, high), np.maximum(low, high)
    index = np.empty(2 * len(blocks), dtype=np.int64)
    index[0::2] = rows * size + first
    index[1::2] = rows * size + second
    index = np.concatenate([index, np.arange(usable, n)])
    return x[index], y[index]


def live_budget(held: int, pace: float, least: int) -> float:
    """How much a cached layer's live part may hold before it moves down into the cache:
    √(2 S a) (S held in the cache, a added per redraw; at least 2 ``least``). Stroking the live
    part every paint then costs about what repainting the cache does, spread over the redraws
    until the next move (a square-root rule)."""
    return max(2 * least, math.sqrt(2 * held * pace))


def to_pixel(value: float, pixel: float) -> float:
    """``value`` with the fewest decimals that stay within half a pixel of size ``pixel``: a
    click near (−1.5, 2.5) starts at exactly (−1.5, 2.5), as the start fields then show it."""
    if not (math.isfinite(pixel) and pixel > 0):
        return value
    for digits in range(-math.floor(math.log10(pixel)) - 1, 17):
        rounded = round(value, digits)
        if abs(rounded - value) <= pixel / 2:
            return rounded
    return value
