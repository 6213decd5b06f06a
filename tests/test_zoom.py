"""The projector view: zoom scales the plots' fonts, lines and markers and the docks' text,
from 75 % to 300 %, and is remembered; the theme stays the choice of colours."""

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFontMetrics, QFontMetricsF, QImage, QPainter
from PySide6.QtTest import QTest

from engine.config.settings import ExperimentConfig
from gui.plotting.helpers import ReadableAxis, plain_number, point_font
from gui.plotting.themes import DEFAULT, PRESENTATION
from gui.shell.main_window import MainWindow
from gui.shell.zoom import DOCK_SHARE
from gui.state.view_state import ZOOM_STEPS, next_zoom
from tests.windows import open_main_window


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    def make():
        return open_main_window(qtbot, settings)

    return make


def tick_font(window):
    return window.grid.panels[0].plot.getAxis("left").style["tickFont"]


def tick_height(window) -> int:
    """How tall a tick label's text is drawn, in pixels."""
    return QFontMetrics(tick_font(window)).boundingRect("0.001").height()


def test_zoom_steps_hold_at_both_ends():
    assert [next_zoom(p, 1) for p in ZOOM_STEPS] == [*ZOOM_STEPS[1:], 300]
    assert [next_zoom(p, -1) for p in ZOOM_STEPS] == [75, *ZOOM_STEPS[:-1]]


def test_ctrl_plus_doubles_fonts_lines_and_the_docks_text(make_window, qtbot):
    window = make_window()
    assert window.view.zoom == 100
    size, height = tick_font(window).pointSize(), tick_height(window)
    dock_points = window.controls.font().pointSizeF()
    curve = window.grid.panels[0].curves[0]
    width = curve.opts["pen"].widthF()
    assert size == DEFAULT.tick_pt
    for _ in range(3):  # 125, 150, 200
        QTest.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.view.zoom == 200
    assert tick_font(window).pointSize() == 2 * size
    assert abs(tick_height(window) - 2 * height) <= 2  # the drawn text is twice as tall
    assert window.controls.font().pointSizeF() == pytest.approx(2 * dock_points)
    assert window.grid.panels[0].curves[0].opts["pen"].widthF() == pytest.approx(2 * width)
    title = window.grid.panels[0].plot.titleLabel.item.toHtml()
    assert f"font-size:{2 * DEFAULT.title_pt}pt" in title.replace(" ", "")
    assert window.view.theme is DEFAULT  # the chosen theme is unchanged: only drawn larger
    QTest.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.view.zoom == 100 and tick_font(window).pointSize() == size


def test_at_200_percent_every_panel_title_takes_the_same_form(qtbot, settings):
    """The panels' titles are laid out alike: in a 1,400-pixel window at 200 % the widest rate
    needs "η = 0.001", and the panel of η = 1 read "Learning rate: 1" beside it."""
    settings.setValue("view/zoom", 200)
    window = MainWindow(ExperimentConfig(), settings)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: len(window.grid.panels) == 4)  # the engine announced the runs
    panels = window.grid.panels
    qtbot.waitUntil(lambda: panels[0].title.form == "short")
    assert {panel.title.form for panel in panels} == {"short"}
    assert all(p.plot.titleLabel.text.startswith("<div align='center'>η =") for p in panels)


def test_zoom_is_remembered_and_keeps_the_themes_colours(make_window, settings):
    window = make_window()
    window.view.update(theme=PRESENTATION, zoom=150)
    window.close()
    again = make_window()
    assert again.view.zoom == 150
    assert tick_font(again).pointSize() == round(PRESENTATION.tick_pt * 1.5)
    assert again.grid.backgroundBrush().color().name() == PRESENTATION.background
    QTest.keyClick(again, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert again.view.zoom == 125 and settings.value("view/zoom") in (125, "125")


def test_exports_are_not_zoomed(make_window, qtbot, tmp_path):
    from PySide6.QtGui import QImage

    window = make_window()
    window.step()
    qtbot.waitUntil(lambda: window.session.steps_taken == 1)
    plain = tmp_path / "plain.png"
    assert window.files.export_figure(str(plain), scale=1)
    window.view.update(zoom=300)
    zoomed = tmp_path / "zoomed.png"
    assert window.files.export_figure(str(zoomed), scale=1)
    assert QImage(str(plain)) == QImage(str(zoomed))


@pytest.mark.parametrize("size", [(1400, 900), (1024, 768)])
def test_at_200_percent_the_docks_leave_the_panels_most_of_the_window(qtbot, settings, size):
    """A projector is often narrower than 1920: the docks' own size at 200 % took 875 of 1,400
    pixels and left the panels a sliver. Now they take at most DOCK_SHARE and scroll."""
    settings.setValue("view/zoom", 200)
    window = MainWindow(ExperimentConfig(), settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.tabs.width() >= (1 - DOCK_SHARE) * size[0] - 20)
    assert window.view.zoom == 200
    wide = {n: d.width() for n, d in window.docks.items() if d.width() > DOCK_SHARE * size[0] + 1}
    assert not {n: w for n, w in wide.items() if window.docks[n].isVisible()}, wide


def test_zoomed_tick_labels_of_a_small_panel_do_not_run_together(qapp):
    """At 200 % a 330-pixel axis over 1,000 steps labelled every 200 ("200400600800"); the
    labels now stand at least one label's width apart, and a roomy axis keeps pyqtgraph's."""
    axis = ReadableAxis("bottom")
    for points, size, expected in ((18, 330, None), (9, 600, 200.0)):
        axis.setTickFont(point_font(points))
        (major, labelled), *_ = axis.tickValues(0.0, 1000.0, size)
        widest = max(
            QFontMetricsF(point_font(points)).horizontalAdvance(text)
            for text in axis.tickStrings(labelled, 1.0, major)
        )
        assert major * size / 1000 >= 2 * widest
        if expected is not None:
            assert major == expected


def labels_of_log_axis(qtbot, low: float, high: float) -> list[str]:
    """The texts a log axis about 500 pixels long draws for log10 values ``low`` to ``high``."""
    widget = pg.PlotWidget(axisItems={"left": ReadableAxis("left")})
    qtbot.addWidget(widget)
    widget.resize(300, 560)
    widget.show()
    qtbot.waitExposed(widget)
    axis = widget.getAxis("left")
    axis.setLogMode(False, True)
    widget.setYRange(low, high, padding=0)
    qtbot.waitUntil(lambda: axis.height() > 400)
    image = QImage(400, 600, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        return [text for *_, text in axis.generateDrawSpecs(painter)[2]]
    finally:
        painter.end()


def test_a_log_axis_over_decades_labels_the_decades_alone(qtbot):
    """λ from 3 to 1,000 read "9·10² 8·10² 7·10² …" down the panel's side: with two decades or
    more in view only they are labelled; within one decade the multiples still are."""
    decades = labels_of_log_axis(qtbot, 0.5, 3.2)
    assert len(decades) == 3 and all("10" in text for text in decades), decades
    within = labels_of_log_axis(qtbot, 0.35, 0.95)  # from about 2.2 to 8.9: no decade in view
    assert len(within) >= 3, within


def test_at_200_percent_the_corner_of_a_gridded_panel_still_reads_0_on_both_axes(qtbot):
    """pyqtgraph leaves out a label that reaches past its axis' end, and with the grid on it
    allows none: at a projector's zoom the "0" of steps and of loss went missing."""
    axes = {"left": ReadableAxis("left"), "bottom": ReadableAxis("bottom")}
    widget = pg.PlotWidget(axisItems=axes)
    qtbot.addWidget(widget)
    widget.resize(450, 330)
    widget.show()
    qtbot.waitExposed(widget)
    widget.showGrid(x=True, y=True, alpha=0.15)
    for axis in axes.values():
        axis.setTickFont(point_font(18))
    widget.setRange(xRange=(0, 300), yRange=(0, 30), padding=0)
    widget.grab()  # painted, the axes ask for room for the labels' font; laid out, they have it
    qtbot.waitUntil(lambda: axes["bottom"].height() == axes["bottom"].maximumHeight())
    qtbot.waitUntil(lambda: axes["left"].width() == axes["left"].maximumWidth())
    image = QImage(500, 400, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        for name, axis in axes.items():
            texts = [text for *_, text in axis.generateDrawSpecs(painter)[2]]
            assert "0" in texts, (name, texts)
    finally:
        painter.end()


def test_a_threshold_in_a_title_reads_as_a_number_not_an_exponent():
    """The Sharpness view's title at η = 0.001 read "2/η = 2e+03"."""
    assert plain_number(2 / 0.001) == "2000"
    assert plain_number(2 / 0.0003) == "6670"  # three significant digits, as before
    assert plain_number(2 / 0.1) == "20" and plain_number(0.161) == "0.161"
    assert plain_number(2e6) == "2e+06"  # past a million the exponent is the shorter
