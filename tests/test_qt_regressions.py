"""Guards for the Qt pin: live setData must not crash and SVG export must work (see README)."""

import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QTimer

LEARNING_RATES = (0.001, 0.01, 0.1, 1.0)


def two_by_two(qtbot):
    layout = pg.GraphicsLayoutWidget(size=(900, 700))
    qtbot.addWidget(layout)
    plots, curves = [], []
    for i, lr in enumerate(LEARNING_RATES):
        plot = layout.addPlot(row=i % 2, col=i // 2, title=f"Learning rate: {lr:g}")
        plot.setLabel("bottom", "step")
        plot.setLabel("left", "loss (MSE)")
        plots.append(plot)
        curves += [plot.plot(pen=pg.intColor(k, 4)) for k in range(4)]
    return layout, plots, curves


def test_soak_thousands_of_live_setdata_updates(qtbot):
    """PySide6 6.12.0 aborted here within seconds (none_dealloc in AxisItem.drawPicture)."""
    layout, plots, curves = two_by_two(qtbot)
    layout.show()
    qtbot.waitExposed(layout)
    x = np.arange(3000, dtype=float)
    y = 30 * np.exp(-x / 500)[None, :] * np.linspace(0.5, 1, len(curves))[:, None]
    updates = {"n": 0}
    timer = QTimer()

    def tick():
        n = updates["n"] = updates["n"] + 1
        for k, curve in enumerate(curves):
            curve.setData(x[: n % 500 + 2], y[k, : n % 500 + 2])
        if n % 50 == 0:
            for plot in plots:
                plot.setXRange(0, n % 500 + 2)
        if n == 2000:
            timer.stop()  # here, not after the wait: the 1 ms timer would fire on meanwhile

    timer.timeout.connect(tick)
    timer.start(1)
    qtbot.waitUntil(lambda: not timer.isActive(), timeout=120_000)
    assert updates["n"] == 2000
    assert all(len(c.getData()[0]) == 2000 % 500 + 2 for c in curves)


def test_svg_export_of_a_two_by_two_figure_parses(qtbot, tmp_path):
    """PySide6 6.11.x made pyqtgraph's SVG exporter raise in correctCoordinates."""
    layout, _, curves = two_by_two(qtbot)
    x = np.arange(100, dtype=float)
    for k, curve in enumerate(curves):
        curve.setData(x, 20 * np.exp(-x / (10 + k)))
    path = tmp_path / "figure.svg"
    pyqtgraph.exporters.SVGExporter(layout.scene()).export(str(path))
    root = ET.parse(path).getroot()
    text = "".join(root.itertext())
    for lr in LEARNING_RATES:
        assert f"Learning rate: {lr:g}" in text
    paths = [e for e in root.iter() if e.tag.endswith("path") or e.tag.endswith("polyline")]
    assert len(paths) >= len(curves)
