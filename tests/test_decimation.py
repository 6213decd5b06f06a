"""GrowingBins: a curve decimated step by step as it grows equals the same curve decimated at
once, and both equal a plain numpy min/max over power-of-two bins. LiveCurve: its quicker
bounds and paths paint what pyqtgraph's would."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter

from gui.plotting.decimation import GrowingBins
from gui.plotting.helpers import LiveCurve


def reference_bins(y: np.ndarray, bins: int) -> tuple[int, np.ndarray, np.ndarray]:
    """(size, lows, highs): the smallest power-of-two size giving at most ``bins`` complete
    bins, and each complete bin's first lowest and first highest index."""
    size = 1
    while len(y) // size > bins:
        size *= 2
    complete = len(y) // size
    blocks = y[: complete * size].reshape(complete, size)
    first = np.arange(complete) * size
    return size, first + blocks.argmin(axis=1), first + blocks.argmax(axis=1)


def grown(y: np.ndarray, bins: int, rng: np.random.Generator) -> GrowingBins:
    """A GrowingBins fed ``y`` a few dozen steps at a time, as frames feed a live curve."""
    decimation, n = GrowingBins(bins), 0
    while n < len(y):
        n = min(len(y), n + int(rng.integers(1, 80)))
        decimation.min_max(np.arange(n, dtype=float), y[:n])
    return decimation


@pytest.mark.parametrize("length", [3000, 4096, 5001])
def test_a_curve_decimated_as_it_grows_equals_numpy_min_max_over_its_bins(length):
    rng = np.random.default_rng(length)
    y = np.cumsum(rng.normal(size=length)).astype(np.float32)
    y[1234] = 1e3  # a spike: it must survive
    x = np.arange(length, dtype=float)
    decimation = grown(y, 300, rng)
    dx, dy = decimation.min_max(x, y)

    size, lows, highs = reference_bins(y, 300)
    assert decimation.size == size
    np.testing.assert_array_equal(decimation.low, lows)
    np.testing.assert_array_equal(decimation.high, highs)
    index = np.sort(np.concatenate([lows, highs, np.arange(len(lows) * size, length)]))
    np.testing.assert_array_equal(np.sort(dx), x[index])  # same points, in step order
    assert np.all(np.diff(dx) >= 0)
    assert 300 < len(dx) <= 2 * 300 + size
    assert dy.max() == 1e3 and dy.min() == y.min()

    once = GrowingBins(300)
    np.testing.assert_array_equal(once.min_max(x, y)[1], dy)


def test_a_band_edge_keeps_each_bins_extreme_and_short_curves_stay_whole():
    rng = np.random.default_rng(7)
    y = rng.random(2000)
    x = np.arange(2000, dtype=float)
    size, lows, highs = reference_bins(y, 150)
    ex, ey = GrowingBins(150).edge(x, y, upper=True)
    np.testing.assert_array_equal(ex[: len(highs)], highs)
    np.testing.assert_array_equal(ey[: len(highs)], y[highs])
    np.testing.assert_array_equal(ex[len(highs) :], x[len(highs) * size :])
    short = GrowingBins(150)
    sx, sy = short.min_max(x[:300], y[:300])
    np.testing.assert_array_equal(sx, x[:300])
    np.testing.assert_array_equal(sy, y[:300])


def test_a_shorter_curve_or_a_new_width_starts_the_bins_again():
    rng = np.random.default_rng(3)
    y = rng.random(5000)
    x = np.arange(5000, dtype=float)
    decimation = GrowingBins(200)
    decimation.min_max(x, y)
    decimation.min_max(x[:1000], y[:1000])  # a different curve (the experiment restarted)
    _, lows, _ = reference_bins(y[:1000], 200)
    np.testing.assert_array_equal(decimation.low, lows)
    decimation.resize(100)
    decimation.min_max(x, y)
    _, lows, highs = reference_bins(y, 100)
    np.testing.assert_array_equal(decimation.high, highs)


@pytest.mark.parametrize("gap", [None, np.nan, np.inf])
def test_a_live_curves_bounds_are_pyqtgraphs(qapp, gap):
    y = np.linspace(0.2, 3.0, 500)
    if gap is not None:
        y[100] = gap
    x = np.arange(500, dtype=float)
    live, plain = LiveCurve(pen="r"), pg.PlotCurveItem(pen="r")
    for curve in (live, plain):
        curve.setData(x, y)
    for axis in (0, 1):
        assert live.dataBounds(axis) == plain.dataBounds(axis)
    assert LiveCurve().dataBounds(0) == (None, None)


def painted(curve: pg.PlotCurveItem) -> QImage:
    """The curve stroked, antialiased, into a 200 x 100 image (data 0..1 fills it)."""
    image = QImage(200, 100, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(200, 100)
    painter.setPen(pg.mkPen("b", width=2))
    painter.drawPath(curve.getPath())
    painter.end()
    return image


def test_a_live_curve_joined_by_an_array_paints_pyqtgraphs_pixels(qapp):
    rng = np.random.default_rng(3)
    x, y = np.tile(np.linspace(0, 1, 50), 4), rng.random(200)
    connect = np.ones(200, dtype=bool)
    connect[[49, 99, 100, 149, 199]] = False  # four lines; point 100 stands alone
    live, plain = LiveCurve(skipFiniteCheck=True), pg.PlotCurveItem(skipFiniteCheck=True)
    for curve in (live, plain):
        curve.setData(x, y, connect=connect)
    assert painted(live) == painted(plain)
    alone = painted(plain)
    connect[:] = False  # no point joined to the next: nothing drawn
    live.setData(x, y, connect=connect)
    assert painted(live) != alone
    assert live.getPath().isEmpty()
