"""The landscape's paths in two layers: the segments that will not change in a cached layer, the
newest stroked live above them. Whatever the split, a plot shows each whole path at every frame,
a new map or experiment draws everything again, and exports show the paths as before."""

import re
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtGui import QImage

from engine.analysis.landscape_compute import landscape_task
from engine.analysis.landscape_map import LandscapeRequest
from engine.core.tasks import TaskState
from gui.export.landscape import LandscapeFigure, export_landscape
from gui.landscape.grid import LandscapeGrid
from gui.landscape.path_segments import path_segments
from gui.plotting.palette import optimizer_colour
from gui.plotting.themes import DEFAULT, PRESENTATION
from tests.landscape_grids import show, trained_rosenbrock
from tests.test_path_segments import clipped

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")


@pytest.fixture(scope="module")
def state():
    return trained_rosenbrock(300)


def wanderings(window, runs: int, steps: int, seed: int = 0) -> np.ndarray:
    """(runs, steps, 2) paths over ``window``: random walks that bounce between two points for
    a while, one that leaves the window far behind (clipped), one that creeps (its head is often
    in the cell of the step before)."""
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = window
    size = np.array([x1 - x0, y1 - y0])
    paths = (x0, y0) + size * (0.5 + np.cumsum(rng.normal(0, 0.01, (runs, steps, 2)), axis=1))
    bounce, end = steps // 3, steps // 2
    paths[:, bounce:end:2] = paths[:, [bounce - 2]]
    paths[:, bounce + 1 : end : 2] = paths[:, [bounce - 1]]
    paths[0, end:] += size * np.linspace(0, 50, steps - end)[:, None]
    paths[1] = paths[1, 0] + np.cumsum(rng.normal(0, 3e-4, (steps, 2)), axis=0) * size
    return paths


def play(grid: LandscapeGrid, paths: np.ndarray, seed: int = 1, most: int = 12):
    """Frames of ``paths`` arriving up to ``most`` steps at a time (runs at their own pace, some
    ending early); yields after each redraw the counts drawn."""
    rng = np.random.default_rng(seed)
    runs, steps, _ = paths.shape
    ends = rng.integers(steps // 2, steps + 1, runs)
    counts = np.zeros(runs, dtype=np.int64)
    while (counts < ends).any():
        counts = np.minimum(counts + rng.integers(0, most, runs), ends)
        grid.redraw(paths, counts)
        yield counts


def test_the_plots_show_each_whole_path_at_every_frame_settling_now_and_then(qtbot, state):
    grid = show(qtbot, state)
    window = state.landscape.window
    paths = wanderings(window, len(state.started.runs), 600)
    frames, both = 0, 0
    repaints = np.zeros(len(grid.plots), dtype=int)  # frames in which a settled layer changed
    held = {(p, r): 0 for p, plot in enumerate(grid.plots) for r in plot.heads}
    for counts in play(grid, paths, most=6):
        frames += 1
        if frames == 60:
            grid.settle()  # as if the runs had ended: they go on
        changed = set()
        for p, plot in enumerate(grid.plots):
            for run in plot.heads:
                expected = path_segments(clipped(paths[run, : counts[run]], window), window)
                np.testing.assert_array_equal(plot.drawn_segments(run), expected)
                settled = len(plot.settled_paths.segments(run))
                both += frames < 60 and min(settled, len(plot.live_paths.segments(run))) > 0
                if settled != held[p, run]:
                    changed.add(p)
                held[p, run] = settled
        repaints[list(changed)] += 1
    assert both > 60  # before that settle, runs drawn partly settled, partly live
    assert (repaints < frames / 3).all(), (repaints, frames)  # painted again now and then
    grid.settle()  # the runs have ended: nothing is stroked live
    for plot in grid.plots:
        for run in plot.heads:
            assert len(plot.live_paths.segments(run)) == 0
            expected = path_segments(clipped(paths[run, : counts[run]], window), window)
            np.testing.assert_array_equal(plot.drawn_segments(run), expected)


def test_a_new_map_or_experiment_draws_every_path_again(qtbot, state):
    grid = show(qtbot, state)
    paths = wanderings(state.landscape.window, len(state.started.runs), 300)
    *_, counts = play(grid, paths)
    request = LandscapeRequest(
        state.started.config, state.started.initial_parameters, window=((-1.0, 1.5), (0.0, 2.0))
    )
    wider = landscape_task(TaskState(), request)
    grid.set_map(wider)
    grid.redraw(paths, counts)
    for plot in grid.plots:
        for run in plot.heads:
            rows = clipped(paths[run, : counts[run]], wider.window)
            np.testing.assert_array_equal(
                plot.drawn_segments(run), path_segments(rows, wider.window)
            )
    grid.start(replace(state.started, generation=1))  # a new experiment: nothing drawn yet
    assert all(len(p.drawn_segments(r)) == 0 for p in grid.plots for r in p.heads)
    other = wanderings(wider.window, len(state.started.runs), 300, seed=5)
    grid.redraw(other, np.full(len(counts), 40))
    for plot in grid.plots:
        for run in plot.heads:
            rows = clipped(other[run, :40], wider.window)
            np.testing.assert_array_equal(
                plot.drawn_segments(run), path_segments(rows, wider.window)
            )


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rgb = np.frombuffer(image.constBits(), dtype=np.uint8)
    rgb = rgb.reshape(image.height(), image.bytesPerLine())[:, : 3 * image.width()]
    return rgb.reshape(image.height(), image.width(), 3).astype(np.int32)


def coloured_pixels(rgb: np.ndarray, name: str) -> int:
    colour = np.array([int(optimizer_colour(name)[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - colour).max(axis=-1) <= 12).sum())


def test_the_cached_layer_shows_what_painting_the_paths_directly_shows(qtbot, state):
    """Mid-play (settled and live segments) and once settled, a plot painting its settled
    segments from a cache looks like one painting them directly, to a level of rounding."""
    paths = wanderings(state.landscape.window, len(state.started.runs), 400)
    cached, direct = show(qtbot, state), show(qtbot, state, cache_paths=False)
    for grid in (cached, direct):
        for counts in play(grid, paths):
            if counts.sum() > 2000:
                break
    for settle in (False, True):
        if settle:
            cached.settle()
            direct.settle()
        a, b = pixels(cached.grab().toImage()), pixels(direct.grab().toImage())
        assert a.shape == b.shape
        differ = (np.abs(a - b).max(axis=-1) > 2).sum()
        assert differ <= a.shape[0] * a.shape[1] // 5000, (settle, differ)
        for name in OPTIMIZERS:
            assert coloured_pixels(a, name) > 200, (settle, name)


def test_landscape_exports_show_every_path(state, tmp_path):
    with LandscapeFigure(state, DEFAULT) as figure:
        rgb = pixels(figure.image())
    for name in OPTIMIZERS:
        assert coloured_pixels(rgb, name) > 50, name
    export_landscape(tmp_path / "paths.svg", state, DEFAULT)
    svg = (tmp_path / "paths.svg").read_text()
    strokes = re.findall(r'stroke="(#[0-9a-f]{6})" stroke-opacity="([0-9.]+)"', svg)
    plots = len(state.started.config.learning_rates)
    for name in OPTIMIZERS:  # each path one polyline in its pen (and the legend's sample)
        assert strokes.count((optimizer_colour(name).lower(), "1")) == plots + 1, name
    halos = [s for s in strokes if s[0] == "#000000" and float(s[1]) < 1]
    assert len(halos) == len(state.started.runs)


def legend_names(grid: LandscapeGrid) -> list[str]:
    return [label.text for _, label in grid.legend.items]


def test_the_legend_follows_the_runs_and_a_new_theme_but_not_each_map(qtbot, state):
    """A new map lays the legend out again only when its entries change (each time it cost
    the frame 4.4 ms); an experiment with other optimizers changes them, a theme restyles."""
    grid = show(qtbot, state)
    names = ["SGD", "Momentum", "RMSprop", "Adam", "start", "minimum"]
    assert legend_names(grid) == names
    labels = [label for _, label in grid.legend.items]
    grid.set_map(state.landscape)
    assert [label for _, label in grid.legend.items] == labels  # the same items, not new ones
    runs = tuple(r for r in state.started.runs if r.optimizer.name in ("sgd", "adam"))
    grid.start(replace(state.started, runs=runs, generation=1))
    assert legend_names(grid) == ["SGD", "Adam", "start", "minimum"]
    grid.apply_theme(PRESENTATION)
    assert {label.opts["size"] for _, label in grid.legend.items} == {f"{PRESENTATION.legend_pt}pt"}
