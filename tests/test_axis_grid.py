"""Our axes clip their grid lines from the start (Qt draws them faster clipped), yet draw the
very pixels pyqtgraph's unclipped drawing does, also where the plot sits at fractions of a
pixel (as the Sharpness view's lanes do)."""

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from gui.plotting.helpers import ReadableAxis


class UnclippedAxis(ReadableAxis):
    """Ours, drawn as pyqtgraph draws (the clip only around the text)."""

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):  # noqa: N802, N803
        pg.AxisItem.drawPicture(self, p, axisSpec, tickSpecs, textSpecs)


def gridded_plot(qtbot, axis_class: type, margins: tuple[float, ...]) -> QImage:
    widget = pg.PlotWidget(axisItems={"left": axis_class("left"), "bottom": axis_class("bottom")})
    qtbot.addWidget(widget)
    plot = widget.getPlotItem()
    plot.setContentsMargins(*margins)  # the view's edges at fractions of a pixel
    plot.showGrid(x=True, y=True, alpha=0.3)
    widget.getAxis("left").setLogMode(False, True)
    widget.setXRange(0, 1000, padding=0)
    widget.setYRange(-0.5, 3.3, padding=0)
    widget.resize(641, 377)
    widget.show()
    qtbot.waitExposed(widget)
    QApplication.sendPostedEvents()  # the layout settled
    return widget.grab().toImage()


@pytest.mark.parametrize("margins", [(0.5, 0.5, 0.5, 0.5), (0.3, 0.7, 0.2, 0.4), (0, 0, 0, 0)])
def test_a_clipped_grid_draws_the_pixels_pyqtgraph_draws(qtbot, margins):
    ours = gridded_plot(qtbot, ReadableAxis, margins)
    assert ours == gridded_plot(qtbot, UnclippedAxis, margins)
