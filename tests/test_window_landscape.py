"""The Landscape tab in the window, driven as a user would: paths grow while a 2-D problem plays,
hover names the point, its loss and the nearest run, the MLP's plane is named with how far each
path is off it, and the Problem settings switch what the runs train."""

import csv
import json

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

import main
from engine.analysis.stability import loss_hessian
from engine.config.problem_switch import config_for_problem
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from gui.export.figure import frame_steps
from gui.export.offscreen import FIGURE_SIZE, SETTINGS_KEY
from gui.plotting.palette import optimizer_colour
from gui.shell.main_window import MainWindow
from tests.surfaces import FORMULAS

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")


@pytest.fixture
def open_window(qtbot, tmp_path):
    def make(config, speed=None):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(config, settings)
        qtbot.addWidget(window)
        if speed is not None:
            window.view.update(speed=speed)
        window.show()
        qtbot.waitExposed(window)
        window.tabs.setCurrentWidget(window.landscape_tab)
        qtbot.waitUntil(lambda: window.session.started is not None)
        qtbot.waitUntil(lambda: window.landscape.map is not None, timeout=30_000)
        window.errors = []
        window.report_error = lambda title, message: window.errors.append(message)
        return window

    return make


def steps(window):
    return window.session.steps_taken


def path_pixels(window) -> list[dict[str, int]]:
    """Per landscape plot, how many pixels within a hair of each optimizer's colour it shows."""
    window.refresh_now()
    grid = window.landscape.grid
    image = grid.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rgb = np.frombuffer(image.constBits(), dtype=np.uint8)
    rgb = rgb.reshape(image.height(), image.bytesPerLine())[:, : 3 * image.width()]
    rgb = rgb.reshape(image.height(), image.width(), 3).astype(np.int32)
    counts = []
    for plot in grid.plots:
        rect = grid.mapFromScene(plot.plot.getViewBox().sceneBoundingRect()).boundingRect()
        cell = rgb[rect.top() : rect.bottom(), rect.left() : rect.right()]
        counts.append(
            {
                name: int((np.abs(cell - _rgb(optimizer_colour(name))).max(axis=-1) <= 12).sum())
                for name in OPTIMIZERS
            }
        )
    return counts


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])


def test_paths_grow_in_every_plot_while_a_2d_problem_plays_and_go_on_reset(open_window, qtbot):
    window = open_window(config_for_problem("rosenbrock"), speed=30)  # ~30 steps a second
    window.view.update(step_arrows=False)  # paths alone (the step's arrows share their colours)
    assert len(window.landscape.grid.plots) == 4  # one per learning rate, as the panels
    before = path_pixels(window)
    window.toggle_play()
    qtbot.waitUntil(lambda: steps(window) >= 40, timeout=30_000)
    window.toggle_play()
    qtbot.waitUntil(lambda: not window.session.playing)
    paused = path_pixels(window)
    for plot, (was, now) in enumerate(zip(before, paused)):
        assert sum(now.values()) > sum(was.values()) + 60, (plot, was, now)
    for name in OPTIMIZERS:  # every optimizer's path shows somewhere
        assert sum(p[name] for p in paused) > sum(p[name] for p in before) + 20, name
    at = steps(window)
    qtbot.wait(300)
    assert steps(window) == at and path_pixels(window) == paused  # paused: nothing moves
    window.reset()
    qtbot.waitUntil(lambda: window.session.latest is None)
    after_reset = path_pixels(window)
    for was, now in zip(before, after_reset):
        assert sum(now.values()) <= sum(was.values()) + 10


def test_a_step_draws_the_paths_exactly_where_the_engine_went(open_window, qtbot):
    config = config_for_problem("saddle").with_changes(max_steps=50)
    window = open_window(config)
    for n in range(1, 4):
        window.step()
        qtbot.waitUntil(lambda n=n: steps(window) == n)
    window.refresh_now()
    expected = BatchedExperiment(config, record_parameters=True)
    expected.step(3)
    for plot in window.landscape.grid.plots:
        for index, head in plot.heads.items():
            segments = plot.drawn_segments(index).reshape(-1, 2, 2)  # each step's start and end
            points = expected.parameters(index)
            moves = np.stack([points[:-1], points[1:]], axis=1)
            distinct = [m for m in moves if not np.array_equal(m[0], m[1])]
            np.testing.assert_array_equal(segments, distinct)
            assert head.isVisible()
            assert (head.pos().x(), head.pos().y()) == tuple(expected.parameters(index)[-1])


def hover(window, qtbot, plot_index: int, point) -> str:
    """Move the mouse over ``point`` of a plot; the readout there once it has arrived (the
    scene drops moves that come within pyqtgraph's mouse rate limit: send until one lands)."""
    grid = window.landscape.grid
    plot = grid.plots[plot_index]
    scene = plot.plot.getViewBox().mapViewToScene(QPointF(*point))
    where = QPointF(grid.mapFromScene(scene))
    viewport = grid.viewport()
    (x0, x1), (y0, y1) = plot.window

    def arrived() -> bool:
        shown = plot.readout.pos()
        near = abs(shown.x() - point[0]) < (x1 - x0) / 100
        near = near and abs(shown.y() - point[1]) < (y1 - y0) / 100
        if plot.readout.isVisible() and near:
            return True
        move = QMouseEvent(
            QEvent.Type.MouseMove,
            where,
            QPointF(viewport.mapToGlobal(where)),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(viewport, move)  # as the mouse does, wherever the cursor is
        return False

    qtbot.waitUntil(arrived)
    return plot.readout.textItem.toPlainText()


def loneliest_point(experiment, lr_index, window):
    """The (run, step) at rate ``lr_index`` farthest from every other recorded point there, in
    shares of the plot's width and height: where a hover can name only one run and step."""
    runs = [r for r in experiment.runs if r.lr_index == lr_index]
    points = [(r, k, p) for r in runs for k, p in enumerate(experiment.parameters(r.index))]
    xy = np.array([p for _, _, p in points]) / [np.ptp(window[0]), np.ptp(window[1])]
    gaps = np.linalg.norm(xy[:, None] - xy[None], axis=-1) + np.eye(len(xy)) * 1e9
    (x0, x1), (y0, y1) = window
    inside = [x0 < p[0] < x1 and y0 < p[1] < y1 for _, _, p in points]
    best = int(np.argmax(np.where(inside, gaps.min(axis=1), -1.0)))
    return points[best][0], points[best][1]


def test_hovering_names_the_point_its_loss_and_the_nearest_run(open_window, qtbot):
    config = config_for_problem("rosenbrock").with_changes(
        optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("adam")), max_steps=30
    )
    window = open_window(config)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done, timeout=30_000)
    window.refresh_now()
    grid = window.landscape.grid
    expected = BatchedExperiment(config, record_parameters=True)
    expected.run_to_end()
    run, step = loneliest_point(expected, lr_index=1, window=grid.plots[1].window)
    point = expected.parameters(run.index)[step]
    text = hover(window, qtbot, 1, point)
    assert f"nearest: {run.optimizer.label}, step {step}, loss " in text, text
    loss_line = next(line for line in text.splitlines() if line.startswith("loss "))
    shown = grid.plots[1].readout.pos()
    xs, ys = grid.map.grid.xs, grid.map.grid.ys  # the loss is read at the nearest grid node
    node = xs[np.abs(xs - shown.x()).argmin()], ys[np.abs(ys - shown.y()).argmin()]
    x, y = (torch.tensor(v, dtype=torch.float64) for v in node)
    exact = float(FORMULAS["rosenbrock"](x, y))
    assert loss_line == f"loss {exact:.5g} at the grid point ({node[0]:.4g}, {node[1]:.4g})"
    assert text.splitlines()[0] == f"x = {shown.x():.4g},  y = {shown.y():.4g}"
    far = hover(window, qtbot, 0, (2.4, -0.9))  # the bottom right corner: no run went there
    assert "no path nearby" in far and "nearest" not in far


def independent_off_plane(experiment) -> np.ndarray:
    """Each run's mean distance from the plane of the two sharpest Hessian eigenvectors at θ₀,
    over its path length, written out with numpy alone."""
    origin = experiment.initial_parameters.astype(np.float64)
    hessian = loss_hessian(torch.tensor(origin), experiment.data, experiment.layout).numpy()
    basis = np.linalg.eigh(hessian)[1][:, -2:].T
    out = []
    for run in range(len(experiment.runs)):
        path = experiment.parameters(run).astype(np.float64) - origin
        off = np.linalg.norm(path - (path @ basis.T) @ basis, axis=1)
        lengths = np.linalg.norm(np.diff(path, axis=0), axis=1)
        out.append((lengths * (off[:-1] + off[1:]) / 2).sum() / lengths.sum())
    return np.array(out)


def test_the_mlp_plane_is_named_with_each_paths_distance_off_it(open_window, qtbot):
    config = ExperimentConfig(max_steps=80)
    window = open_window(config)
    view = window.landscape
    assert view.basis == "hessian" and view.basis_box.isVisible()
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done, timeout=30_000)
    qtbot.waitUntil(lambda: not view.computing, timeout=30_000)
    window.refresh_now()
    caption = view.caption
    assert "Plane through θ₀: the sharpest Hessian directions at θ₀ (λ₁ = " in caption
    expected = BatchedExperiment(config, record_parameters=True)
    expected.run_to_end()
    distances = independent_off_plane(expected)
    for i, name in enumerate(("SGD", "Momentum", "RMSprop", "Adam")):
        numbers = " ".join(f"{distances[i * 4 + j]:.2g}" for j in range(4))
        assert f"{name}</span> {numbers}" in caption, (name, numbers)
    assert view.grid.plots[0].plot.getAxis("bottom").labelText == "along v₁"
    for choice, words, axis in (
        ("pca", "the principal directions of the paths", "PC 1"),
        ("random", "filter-normalised random directions (seed 0)", "along δ"),
    ):
        view.basis_box.setCurrentIndex(view.basis_box.findData(choice))
        qtbot.waitUntil(lambda c=choice: view.map is not None and view.map.basis == c)
        window.refresh_now()
        assert words in view.caption
        assert view.grid.plots[0].plot.getAxis("bottom").labelText == axis


def test_a_2d_problem_hides_the_plane_chooser_and_says_the_map_is_exact(open_window):
    window = open_window(config_for_problem("himmelblau"))
    view = window.landscape
    assert not view.basis_box.isVisible()
    status = "Plane: the parameters (x, y) themselves · window x -5 … 5, y -5 … 5"
    assert view.status.text() == status
    assert "The map is the parameter plane itself" in view.caption
    assert len(view.grid.plots[0].marks["minimum"].data) == 4  # Himmelblau's four minima


def test_the_problem_chooser_switches_problem_and_settings(window, qtbot):
    controls = window.controls
    box = controls.problem
    assert not box.start_row.isEnabled() and controls.hidden.isEnabled()
    before = window.model.config
    box.chooser.setCurrentIndex(box.chooser.findData("beale"))
    qtbot.waitUntil(lambda: window.session.started.config.problem == "beale")
    assert window.model.config == config_for_problem("beale", before)
    assert box.start_row.isEnabled()
    assert not controls.hidden.isEnabled() and not controls.data_box.isEnabled()
    assert (box.start_x.value(), box.start_y.value()) == (1.0, 1.5)
    box.start_x.setText("-0.5")
    box.start_x.editingFinished.emit()
    qtbot.waitUntil(lambda: window.session.started.config.start == (-0.5, 1.5))
    qtbot.waitUntil(lambda: window.landscape.map is not None)
    box.chooser.setCurrentIndex(box.chooser.findData("mlp"))
    qtbot.waitUntil(lambda: window.session.started.config.problem == "mlp")
    assert window.model.config.start is None and controls.hidden.isEnabled()
    assert not box.start_row.isEnabled()


def test_panels_inspector_sweep_and_exports_work_for_a_2d_problem(open_window, qtbot, tmp_path):
    config = config_for_problem("bowl").with_changes(max_steps=60)
    window = open_window(config)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done, timeout=30_000)
    window.tabs.setCurrentIndex(0)  # the panels, hidden while the runs trained, catch up
    window.refresh_now()
    for panel in window.grid.panels:
        for index, curve in panel.curves.items():
            np.testing.assert_array_equal(curve.getData()[1], window.session.history.losses(index))
    window.grid.run_clicked.emit(3)  # as a click on its curve
    qtbot.waitUntil(lambda: window.inspector.table.rowCount() == 2)
    header = window.inspector.table.verticalHeaderItem
    assert (header(0).text(), header(1).text()) == ("x", "y")
    figure = tmp_path / "panels.png"
    assert window.files.export_figure(str(figure), scale=1), window.errors
    data = tmp_path / "losses.csv"
    assert window.files.export_data(str(data)), window.errors
    rows = data.read_text().splitlines()
    assert len(rows) == 1 + int(window.session.history.counts.sum())
    png = tmp_path / "landscape.png"
    assert window.files.export_landscape(str(png), scale=2), window.errors
    with Image.open(png) as image:
        assert image.size == (FIGURE_SIZE[0] * 2, FIGURE_SIZE[1] * 2)
        settings = json.loads(image.text[SETTINGS_KEY])
    assert settings["settings"]["problem"] == "bowl" and settings["view"] == "landscape"
    gif = tmp_path / "landscape.gif"
    assert window.files.export_landscape(str(gif), every=20, fps=5), window.errors
    with Image.open(gif) as frames:
        assert frames.n_frames == len(frame_steps(window.session.steps_taken, 20))
    assert not window.files.export_landscape(str(tmp_path / "landscape.jpg"))
    assert window.errors and "saved as .png, .svg or .gif" in window.errors[-1]
    window.tabs.setCurrentWidget(window.sweep)
    qtbot.waitUntil(lambda: window.sweep.result is not None, timeout=120_000)
    assert window.sweep.result.config.problem == "bowl"
    assert np.isfinite(window.sweep.result.final_loss).any()


def test_the_landscape_keeps_one_plot_per_rate_as_the_rates_change(open_window, qtbot):
    window = open_window(config_for_problem("bowl").with_changes(max_steps=20))
    grid = window.landscape.grid
    for lrs in ((0.01,), (0.01, 0.02, 0.03, 0.035, 0.04), tuple(0.005 * k for k in range(1, 10))):
        assert window.model.update(learning_rates=lrs)
        qtbot.waitUntil(lambda lrs=lrs: window.session.started.config.learning_rates == lrs)
        titles = [p.plot.titleLabel.item.toPlainText() for p in grid.plots]
        assert titles == [f"Learning rate: {lr:g}" for lr in lrs]
        images = [p.image.image for p in grid.plots]  # the shared map, in the new plots too
        assert all(image is not None and image.shape == images[0].shape for image in images)
    window.step()
    qtbot.waitUntil(lambda: steps(window) == 1)
    window.refresh_now()
    assert all(head.isVisible() for p in grid.plots for head in p.heads.values())


def test_a_path_draws_each_distinct_move_between_pixels_once():
    from gui.landscape.path_segments import MAX_PATH_SEGMENTS, path_segments

    window = ((0.0, 1.0), (0.0, 1.0))
    bounce = np.array([[0.2, 0.5], [0.8, 0.5]] * 500)  # SGD between two walls, 1000 steps
    segments = path_segments(bounce, window)
    np.testing.assert_array_equal(segments, [[0.2, 0.5], [0.8, 0.5], [0.8, 0.5], [0.2, 0.5]])
    creep = np.column_stack([np.linspace(0.5, 0.5004, 50), np.full(50, 0.5)])  # within a pixel
    np.testing.assert_array_equal(path_segments(creep, window), creep[[0, -1]])  # to the head
    walk = np.random.default_rng(0).uniform(0, 1, (10_000, 2))
    thinned = path_segments(walk, window)
    assert len(thinned) == 2 * MAX_PATH_SEGMENTS
    np.testing.assert_array_equal(thinned[:2], walk[:2])  # evenly thinned, from the start


def test_new_hidden_units_draw_on_a_new_plane_only(open_window, qtbot):
    window = open_window(ExperimentConfig(max_steps=30))
    view = window.landscape
    window.step()
    qtbot.waitUntil(lambda: steps(window) == 1)
    window.refresh_now()
    assert window.model.update(hidden=5)  # 22 parameters, not 14: the old plane cannot hold them
    qtbot.waitUntil(lambda: window.session.started.config.hidden == 5)
    for n in (1, 2):
        window.step()
        qtbot.waitUntil(lambda n=n: steps(window) == n)
        window.refresh_now()  # before the new map arrives, nothing is put on the old plane
    qtbot.waitUntil(lambda: view.map is not None and view.map.plane.origin.size == 22)
    window.refresh_now()
    plot = view.grid.plots[0]
    x, y = plot.drawn_segments(next(iter(plot.heads))).T  # θ₀ and after one update: a segment
    assert len(x) == 2 and (x[0], y[0]) == pytest.approx((0.0, 0.0), abs=1e-9)


def test_clicking_the_legend_hides_nothing(open_window, qtbot):
    """The legend is a key: a click on an optimizer's sample (which pyqtgraph takes as "hide
    this item": a hidden-eye icon and, in the loss panels, one curve of the first panel gone)
    leaves every path and its sample as they were; the loss panels' legend likewise."""
    window = open_window(config_for_problem("rosenbrock").with_changes(max_steps=20))
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done, timeout=30_000)
    window.refresh_now()
    grid = window.landscape.grid
    sample, _ = grid.legend.items[0]
    assert sample.item.isVisible()  # its line is drawn, not pyqtgraph's "hidden" eye
    first = grid.runs[0]  # drawn in the first plot
    before = grid.plots[0].drawn_segments(first.index).copy()
    centre = grid.mapFromScene(sample.mapToScene(sample.boundingRect().center()))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    window.refresh_now()
    assert sample.item.isVisible()
    after = grid.plots[0].drawn_segments(first.index)
    assert len(before) and np.array_equal(after, before)
    window.tabs.setCurrentIndex(0)
    panels = window.grid
    sample, _ = panels.legend.items[0]
    centre = panels.mapFromScene(sample.mapToScene(sample.boundingRect().center()))
    qtbot.mouseClick(panels.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert sample.item.isVisible()
    assert all(curve.isVisible() for curve in panels.panels[0].curves.values())


def test_shift_click_starts_every_run_there_as_the_command_line_does(open_window, qtbot, tmp_path):
    """Shift+click on Rosenbrock's map at (−1.5, 2.5): the start is exactly that point (rounded
    to what a pixel tells apart), and the losses equal the headless run
    with --start=-1.5,2.5 to the bit; a plain click starts nothing."""
    window = open_window(config_for_problem("rosenbrock").with_changes(max_steps=50))
    grid = window.landscape.grid
    plot = grid.plots[0]
    scene = plot.plot.getViewBox().mapViewToScene(QPointF(-1.5, 2.5))
    where = grid.mapFromScene(scene)
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert window.model.config.start is None
    generation = window.session.generation
    qtbot.mouseClick(
        grid.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, where
    )
    assert window.model.config.start == (-1.5, 2.5)
    qtbot.waitUntil(lambda: window.session.generation > generation)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done)
    out = tmp_path / "headless.csv"
    assert (
        main.main(
            ["--problem", "rosenbrock", "--max-steps", "50", "--start=-1.5,2.5", "--csv", str(out)]
        )
        == 0
    )
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    for run in window.session.started.runs:
        mine = [
            r["loss"]
            for r in rows
            if r["optimizer"] == run.optimizer.key and float(r["lr"]) == run.lr
        ]
        shown = window.session.history.losses(run.index)
        np.testing.assert_array_equal(np.float32(mine), np.float32(shown))  # every digit


def send_mouse(viewport, kind, where: QPointF, buttons) -> None:
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    event = QMouseEvent(
        kind,
        where,
        QPointF(viewport.mapToGlobal(where)),
        button,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, event)


def test_dragging_the_start_square_starts_every_run_where_it_is_let_go(open_window, qtbot):
    window = open_window(config_for_problem("rosenbrock").with_changes(max_steps=50))
    grid = window.landscape.grid
    view = grid.plots[0].plot.getViewBox()

    def at(x, y) -> QPointF:
        return QPointF(grid.mapFromScene(view.mapViewToScene(QPointF(x, y))))

    viewport, held = grid.viewport(), Qt.MouseButton.LeftButton
    send_mouse(viewport, QEvent.Type.MouseButtonPress, at(-2.0, 2.0), held)
    for k in range(1, 11):  # the drag, in steps, from the start (−2, 2) to (0.5, 2.5)
        send_mouse(viewport, QEvent.Type.MouseMove, at(-2.0 + 0.25 * k, 2.0 + 0.05 * k), held)
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, at(0.5, 2.5), Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: window.model.config.start is not None)
    assert window.model.config.start == (0.5, 2.5)
    qtbot.waitUntil(lambda: window.session.started.config.start == (0.5, 2.5))


def test_switching_problem_and_rate_count_at_once_keeps_the_old_map_out(qtbot, tmp_path):
    """New plots (another rate count) do not draw the MLP's map over a 2-D problem's plane."""
    from tests.windows import open_landscape_window, temporary_settings

    window = open_landscape_window(qtbot, temporary_settings(tmp_path))
    old = window.landscape.map
    config = config_for_problem("rosenbrock").with_changes(learning_rates=(0.001, 0.003, 0.01))
    assert window.model.set_config(config)  # an exception in the Qt loop fails the test
    qtbot.waitUntil(lambda: window.session.started.config == config)
    qtbot.waitUntil(lambda: window.landscape.map is not old, timeout=30_000)
    assert len(window.landscape.grid.plots) == 3
