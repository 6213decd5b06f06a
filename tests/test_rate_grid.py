"""Any number of learning rates from 1 to 9: one panel each, in a grid that follows the count,
on screen and in every exported figure; a tenth rate is refused in one line."""

import json
import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
import pytest
import shiboken6
from PIL import Image
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtWidgets import QApplication, QGraphicsItem

import main
from engine.config.settings import MAX_LEARNING_RATES, ConfigError, ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.io.experiment_file import config_from_dict, read_config_file
from engine.live.messages import ExperimentStarted
from engine.live.updates import full_update
from gui.export.figure import Figure
from gui.export.offscreen import FIGURE_SIZE
from gui.panels.grid import PanelGrid
from gui.plotting.palette import optimizer_colour
from gui.plotting.plot_grid import grid_shape
from gui.plotting.themes import DEFAULT, PRESENTATION
from gui.state.loss_history import LossHistory
from gui.state.view_state import Quantity

RATES = {
    1: (0.1,),
    2: (0.01, 0.1),
    5: (0.001, 0.01, 0.1, 1.0, 10.0),  # the issue's example: the fifth used to go missing
    9: (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0),
}
LAYOUTS = {1: (1, 1), 2: (1, 2), 3: (2, 2), 4: (2, 2), 5: (2, 3), 6: (2, 3)}
LAYOUTS |= {7: (3, 3), 8: (3, 3), 9: (3, 3)}
CURVE_COLOURS = np.array(
    [
        [int(optimizer_colour(s.name)[i : i + 2], 16) for i in (1, 3, 5)]
        for s in ExperimentConfig().optimizers
    ]
)


def test_grid_shape_is_the_issues_table():
    assert {n: grid_shape(n) for n in range(1, MAX_LEARNING_RATES + 1)} == LAYOUTS
    for count in (0, MAX_LEARNING_RATES + 1):
        with pytest.raises(ValueError):
            grid_shape(count)


# --- exported figures -----------------------------------------------------------------------


def curve_mask(image: Image.Image) -> np.ndarray:
    """Pixels close to one of the optimizers' curve colours."""
    pixels = np.asarray(image.convert("RGB")).astype(int)
    near = np.zeros(pixels.shape[:2], dtype=bool)
    for colour in CURVE_COLOURS:
        near |= (np.abs(pixels - colour) <= 40).all(axis=2)
    return near


def cells(near: np.ndarray, rows: int, cols: int) -> list[int]:
    """Curve pixels per cell of a rows × cols split of the panel area (legend, footer cut)."""
    height, width = near.shape
    top, bottom = int(height * 0.08), int(height * 0.96)
    ys = np.linspace(top, bottom, rows + 1).astype(int)
    xs = np.linspace(0, width, cols + 1).astype(int)
    return [
        int(near[ys[r] : ys[r + 1], xs[c] : xs[c + 1]].sum())
        for r in range(rows)
        for c in range(cols)
    ]


def between_columns(near: np.ndarray, cols: int) -> int:
    """Curve pixels just right of each column boundary, where the next panel's y axis is."""
    width = near.shape[1]
    return sum(
        int(near[:, c * width // cols + 8 : c * width // cols + 30].sum()) for c in range(1, cols)
    )


def assert_every_cell_drawn(image: Image.Image, count: int, least: int) -> None:
    rows, cols = LAYOUTS[count]
    near = curve_mask(image)
    per_cell = cells(near, rows, cols)
    assert min(per_cell[:count]) > least and sum(per_cell[count:]) == 0, per_cell
    assert between_columns(near, cols) == 0  # a column boundary of the panels is really there


@pytest.fixture(scope="module", params=sorted(RATES))
def exported(request, tmp_path_factory):
    """PNG, SVG and GIF of one headless run with ``count`` learning rates."""
    count = request.param
    folder = tmp_path_factory.mktemp(f"rates{count}")
    paths = {kind: folder / f"figure.{kind}" for kind in ("png", "svg", "gif")}
    lrs = ",".join(f"{lr:g}" for lr in RATES[count])
    flags = ["--max-steps", "100", "--stop-loss", "0", "--frame-every", "50", "--lrs", lrs]
    for kind, path in paths.items():
        flags += [f"--{kind}", str(path)]
    assert main.main(flags) == 0
    return count, paths


def test_the_png_has_a_panel_with_curves_per_rate(exported):
    count, paths = exported
    with Image.open(paths["png"]) as image:
        assert image.size == FIGURE_SIZE
        assert_every_cell_drawn(image, count, least=300)


def test_the_svg_titles_every_rate(exported):
    count, paths = exported
    text = " ".join(t.strip() for t in ET.parse(paths["svg"]).getroot().itertext())
    for lr in RATES[count]:
        assert f"Learning rate: {lr:g}" in text
    assert text.count("Learning rate: ") == count


def test_the_gifs_last_frame_draws_every_panel(exported):
    count, paths = exported
    with Image.open(paths["gif"]) as gif:
        assert gif.n_frames == 3  # steps 1, 51 and 100
        gif.seek(gif.n_frames - 1)
        assert_every_cell_drawn(gif.convert("RGB"), count, least=300)


def test_a_three_column_figure_fits_the_presentation_theme(tmp_path):
    """Its titles wrap, so three panels abreast need less than the figure's width."""
    out = tmp_path / "f.png"
    lrs = ",".join(f"{lr:g}" for lr in RATES[9])
    assert main.main(["--png", str(out), "--theme", "presentation", "--lrs", lrs]) == 0
    background = [int(PRESENTATION.background[i : i + 2], 16) for i in (1, 3, 5)]
    with Image.open(out) as image:
        right_edge = np.asarray(image.convert("RGB"))[:, -3:]
    assert (right_edge == background).all()  # the margin: nothing runs off the right edge


# --- the window -----------------------------------------------------------------------------


def open_window(qtbot, tmp_path, lrs):
    """The main window on an experiment with these rates, its settings in a temporary file."""
    from gui.shell.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ExperimentConfig(learning_rates=lrs), settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    grid = window.grid
    qtbot.waitUntil(
        lambda: len(grid.panels) == len(lrs) and all(p.plot.isVisible() for p in grid.panels)
    )
    return window


@pytest.mark.parametrize("count", sorted(RATES))
def test_the_window_shows_one_panel_per_rate_in_reading_order(qtbot, tmp_path, count):
    window = open_window(qtbot, tmp_path, RATES[count])
    grid = window.grid
    qtbot.keyClick(grid, Qt.Key.Key_Right)  # Step

    def drawn(panel) -> bool:
        """Every curve of the panel draws its run's recorded losses (one after one step)."""
        return all(
            curve.getData()[1] is not None
            and len(curve.getData()[1]) == 1
            and np.array_equal(curve.getData()[1], window.session.history.losses(index))
            for index, curve in panel.curves.items()
        )

    qtbot.waitUntil(lambda: all(drawn(panel) for panel in grid.panels))
    qtbot.waitUntil(lambda: assert_laid_out(grid, RATES[count]))
    for panel in grid.panels:
        assert panel.plot.getAxis("left").cacheMode() == (
            QGraphicsItem.CacheMode.DeviceCoordinateCache
        )
    legend = [label.text for _, label in grid.legend.items]
    assert legend == [spec.label for spec in ExperimentConfig().optimizers]


def assert_laid_out(grid, lrs) -> None:
    """One panel per rate, titled with it, row by row in a grid_shape grid, all in view."""
    rects = [panel.plot.sceneBoundingRect() for panel in grid.panels]
    tops = sorted({round(r.top()) for r in rects})
    lefts = sorted({round(r.left()) for r in rects})
    rows, cols = grid_shape(len(lrs))
    assert (len(rects), len(tops), len(lefts)) == (len(lrs), rows, cols)
    for j, rect in enumerate(rects):  # row by row, left to right
        assert (tops.index(round(rect.top())), lefts.index(round(rect.left()))) == divmod(j, cols)
    shown = grid.mapToScene(grid.viewport().rect()).boundingRect()
    for panel, rect, lr in zip(grid.panels, rects, lrs):
        assert shown.contains(rect)  # nothing cut off by the window's edge
        assert panel.plot.titleLabel.item.toPlainText().startswith(f"Learning rate: {lr:g}")
    assert len(plot_items(grid)) == len(lrs)  # none left over from an earlier grid


def test_new_settings_with_another_count_rebuild_the_windows_grid(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, RATES[2])
    for lrs in (RATES[9], (0.02, 0.2, 2.0), RATES[1]):
        assert window.model.update(learning_rates=lrs)
        qtbot.waitUntil(lambda lrs=lrs: assert_laid_out(window.grid, lrs))  # once laid out


def test_a_window_export_keeps_every_panels_zoom(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, RATES[5])
    for n in (1, 2, 3):
        window.step()
        qtbot.waitUntil(lambda n=n: window.session.history.length == n)
    window.grid.panels[4].plot.setRange(xRange=(1, 2), yRange=(5, 6), padding=0)
    state = window.files.figure_state()
    assert len(state.views) == 5
    with Figure(state, DEFAULT) as figure:
        assert len(figure.grid.panels) == 5
        x_range, y_range = figure.grid.panels[4].plot.getViewBox().viewRange()
    assert x_range == pytest.approx([1, 2]) and y_range == pytest.approx([5, 6])


# --- the grid rebuilt as the count changes ---------------------------------------------------


def started(lrs, generation=0):
    """A finished two-optimizer experiment: what the grid is started with, and its losses."""
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("adam")),
        learning_rates=lrs,
        max_steps=5,
    )
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    update = full_update(experiment, generation)
    history = LossHistory()
    history.clear(len(experiment.runs), config.dtype)
    history.apply(update)
    return ExperimentStarted(generation, config, tuple(experiment.runs)), history, update


def plot_items(grid):
    return [item for item in grid.scene().items() if isinstance(item, pg.PlotItem)]


def settled_widget_count() -> int:
    """The application's widgets once those already asked to go (deleteLater, perhaps by an
    earlier test's window) are gone: else their going shows up as a change in this count."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return len(QApplication.allWidgets())


def test_the_grid_rebuilds_for_a_new_count_and_reuses_panels_for_the_same(qtbot):
    grid = PanelGrid(live=True)
    qtbot.addWidget(grid)
    grid.resize(1200, 800)
    grid.show()
    clicked = []
    grid.run_clicked.connect(clicked.append)
    grid.view.update(log_y=True, quantity=Quantity.LEARNING_RATE)
    nine, history, _ = started(RATES[9])
    grid.start(nine, history)
    old = list(grid.panels)
    one, history, _ = started((0.5,))
    grid.start(one, history)
    qtbot.waitUntil(lambda: not any(shiboken6.isValid(p.plot) for p in old))  # deleted
    assert len(grid.panels) == 1 and len(plot_items(grid)) == 1
    assert grid.cells.layout.count() == 1
    widgets = settled_widget_count()  # each plot has a menu widget: none may pile up
    grid.start(nine, started(RATES[9])[1])
    old = list(grid.panels)
    grid.start(one, started((0.5,))[1])
    qtbot.waitUntil(lambda: not any(shiboken6.isValid(p.plot) for p in old))
    assert settled_widget_count() == widgets
    again, history, _ = started((0.2,), generation=1)
    kept = grid.panels[0]
    grid.start(again, history)
    assert grid.panels == [kept] and kept.plot.titleLabel.item.toPlainText() == "Learning rate: 0.2"
    five, history, update = started(RATES[5])
    grid.start(five, history)
    grid.redraw(update)
    assert len(plot_items(grid)) == 5 == grid.cells.layout.count()
    last = grid.panels[-1]
    assert last.plot.getAxis("left").logMode is True  # the grid's modes, also for new panels
    assert last.plot.getAxis("left").labelText == "learning rate"
    assert last.plot.getAxis("left").cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
    index = five.runs[-1].index
    last.curves[index].sigClicked.emit(last.curves[index], None)
    assert clicked == [index]
    x, y = last.curves[index].getData()
    np.testing.assert_allclose(10**y, history.lrs(index), rtol=1e-6)  # log10 of the lr drawn
    scene_pos = last.plot.getViewBox().mapViewToScene(last.plot.getViewBox().viewRect().center())
    grid.scene().sigMouseMoved.emit(scene_pos)
    assert last.readout.isVisible() and not grid.panels[0].readout.isVisible()
    legend = [label.text for _, label in grid.legend.items]
    assert legend == ["SGD", "Adam"]


# --- ten rates are refused ---------------------------------------------------------------


TEN = tuple(0.001 * 2**k for k in range(10))
REFUSAL = "at most 9 learning rates (one panel each), not 10"


def test_ten_rates_are_refused_by_the_config():
    with pytest.raises(ConfigError) as error:
        ExperimentConfig(learning_rates=TEN)
    assert str(error.value) == REFUSAL
    assert ExperimentConfig(learning_rates=TEN[:9]).learning_rates == TEN[:9]


def test_ten_rates_on_the_command_line_exit_2_before_any_work(tmp_path, capsys):
    lrs = ",".join(f"{lr:g}" for lr in TEN)
    outputs = [
        "--csv",
        tmp_path / "l.csv",
        "--png",
        tmp_path / "f.png",
        "--gif",
        tmp_path / "a.gif",
    ]
    assert main.main(["--lrs", lrs, *map(str, outputs)]) == 2
    out, err = capsys.readouterr()
    assert err == f"optimizers-from-scratch: error: {REFUSAL}\n" and out == ""
    assert list(tmp_path.iterdir()) == []


def test_ten_rates_in_a_config_file_name_the_key(tmp_path, capsys):
    path = tmp_path / "exp.json"
    path.write_text(json.dumps({"learning_rates": list(TEN)}))
    with pytest.raises(ConfigError) as error:
        read_config_file(path)
    assert str(error.value) == f"{path}: learning_rates: {REFUSAL}"
    with pytest.raises(ConfigError) as error:
        config_from_dict({"learning_rates": list(TEN)})
    assert str(error.value) == f"learning_rates: {REFUSAL}"
    assert main.main(["--config", str(path), "--csv", str(tmp_path / "l.csv")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.json"]
