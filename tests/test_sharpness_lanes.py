"""The Sharpness view draws a lane's draws (one optimizer at one rate, several seeds) as one
curve item and one threshold item: every draw's λ is still there, no draw's curve runs into
another's, a click picks the draw under it, and seeds that share a threshold draw it once."""

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor

from engine.analysis.readings import threshold_at
from engine.analysis.sharpness import SharpnessTracker
from engine.config.presets import EDGE_OF_STABILITY
from engine.config.settings import BranchSpec, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.live.messages import update_at_step
from engine.live.updates import full_update, started
from gui.panels import lane_points, sharpness_layer
from gui.panels.grid import PanelGrid
from gui.panels.lane_points import LanePoints
from gui.panels.sharpness_lanes import LaneThresholds, computed_lines, lanes_of
from gui.panels.sharpness_layer import every_text
from gui.plotting.palette import optimizer_colour
from gui.state.loss_history import LossHistory
from gui.state.view_state import Quantity

SEEDS = 3
STEPS = 40
CONFIG = EDGE_OF_STABILITY.apply().with_changes(
    optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("momentum")),
    learning_rates=(0.05, 0.1),
    seeds=SEEDS,
    max_steps=STEPS,
    stop_loss=0.0,
)


@pytest.fixture(scope="module")
def trained():
    experiment = BatchedExperiment(CONFIG)
    tracker = SharpnessTracker(experiment, every=2)
    tracker.run_to_end()
    return experiment, tracker


def sharpness_grid(qtbot, experiment) -> tuple[PanelGrid, LossHistory]:
    """A live window's panels in the Sharpness view, started on ``experiment``, and their
    (empty) history."""
    history = LossHistory()
    history.clear(len(experiment.runs), CONFIG.dtype, SEEDS, STEPS)
    grid = PanelGrid(live=True)
    qtbot.addWidget(grid)
    grid.resize(1000, 700)
    grid.show()
    qtbot.waitExposed(grid)
    grid.view.update(quantity=Quantity.SHARPNESS)
    grid.start(started(experiment, 0), history)
    return grid, history


@pytest.fixture
def grid(qtbot, trained):
    experiment, tracker = trained
    grid, history = sharpness_grid(qtbot, experiment)
    update = full_update(experiment, 0, tracker)
    history.apply(update)
    grid.redraw(update)
    return grid


class Click:
    """What a curve's sigClicked carries: where, in the curve's coordinates."""

    def __init__(self, point: QPointF):
        self.point = point

    def pos(self) -> QPointF:
        return self.point


def test_every_draw_is_drawn_and_no_draw_runs_into_another(grid, trained):
    _, tracker = trained
    layer = grid.layers[0]
    assert len(layer.curves) == 2  # a lane per optimizer, not a curve per draw
    for lane in layer.lanes:
        assert [run.seed_index for run in lane] == list(range(SEEDS))
        x, y, connect = layer.lane_points(lane[0].index)
        start = 0
        for run in lane:
            steps = np.arange(0, STEPS + 1, 2)
            steps = steps[steps < int(tracker.experiment.counts[run.index])]
            expected = np.log10(tracker.sharpness[run.index, steps])
            part = slice(start, start + len(steps))
            np.testing.assert_array_equal(x[part], steps)
            np.testing.assert_allclose(y[part], expected, rtol=1e-12)
            assert connect[part][:-1].all() and not connect[part][-1]  # ends where it ends
            start += len(steps)
        assert start == len(x)


def painted_near(grid, image, view, point: QPointF, colour: QColor) -> bool:
    """A pixel within one of ``point`` (view coordinates) is ``colour``, give or take."""
    ratio = image.devicePixelRatio()
    at = grid.mapFromScene(view.mapViewToScene(point))
    near = [
        image.pixelColor(int((at.x() + dx) * ratio), int((at.y() + dy) * ratio))
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    ]
    return any(
        max(
            abs(c.red() - colour.red()),
            abs(c.green() - colour.green()),
            abs(c.blue() - colour.blue()),
        )
        < 40
        for c in near
    )


def test_each_draws_curve_is_painted_in_its_optimizers_colour(grid, trained):
    _, tracker = trained
    for layer in grid.layers:
        view = layer.panel.plot.getViewBox()
        for item in layer.labels.items:
            item.hide()  # a label may sit on a curve
        for lane in layer.lanes:
            for other in layer.lanes:  # alone: another optimizer's curve may cover it
                layer.curves[other[0].index].setVisible(other is lane)
            image = grid.grab().toImage()
            colour = QColor(optimizer_colour(lane[0].optimizer.name))
            for run in lane:
                for step in (10, 20):
                    value = np.log10(tracker.sharpness[run.index, step])
                    assert painted_near(grid, image, view, QPointF(step, value), colour), run


def test_a_click_on_a_lane_inspects_the_draw_under_it(grid, trained):
    _, tracker = trained
    clicked = []
    grid.run_clicked.connect(clicked.append)
    layer = grid.layers[1]
    steps = np.arange(2, STEPS - 1, 2)
    for lane in layer.lanes:
        curve = layer.curves[lane[0].index]
        logs = np.log10(tracker.sharpness[[run.index for run in lane]][:, steps])
        for k, run in enumerate(lane):
            apart = np.delete(np.abs(logs - logs[k]), k, axis=0).min(axis=0)
            at = int(np.argmax(apart))  # where this draw is furthest from the others
            assert apart[at] > 0.01
            curve.sigClicked.emit(curve, Click(QPointF(steps[at], logs[k, at])))
            assert clicked[-1] == run.index


def test_draws_that_share_a_threshold_draw_it_once(grid):
    layer = grid.layers[0]
    for lane in layer.lanes:
        x, y = layer.thresholds[lane[0].index].getData()
        value = threshold_at(lane[0].optimizer, lane[0].lr)
        np.testing.assert_allclose(y, np.log10([value, value]), rtol=1e-12)
        np.testing.assert_array_equal(x, [0, STEPS])


def test_a_rate_that_changes_draws_its_own_threshold_line():
    experiment = BatchedExperiment(CONFIG)
    lane = lanes_of(list(experiment.runs))[0]
    lr = lane[0].lr
    history = LossHistory()
    history.clear(len(experiment.runs), CONFIG.dtype, 1, STEPS)
    played = full_update(experiment, 0)

    def take(start: int, lrs: np.ndarray, counts: list[int]) -> None:
        """Columns from ``start`` with the lane's draws at ``lrs`` (the other runs at lr)."""
        rates = np.full((len(experiment.runs), lrs.shape[1]), lr)
        rates[: len(lane)] = lrs
        counts = np.array(counts + [counts[0]] * (len(experiment.runs) - len(lane)))
        losses = np.ones(rates.shape, dtype=CONFIG.dtype)
        history.apply(
            dataclasses.replace(played, start=start, losses=losses, lrs=rates, counts=counts)
        )

    limits = LaneThresholds(lane, max_steps=10, max_points=2048)
    assert len(limits.lines(history)) == 1  # before any step: at the draws' own rate
    take(0, np.full((SEEDS, 4), lr), [4, 4, 4])
    assert len(limits.lines(history)) == 1
    take(4, np.array([[lr, lr], [lr, lr], [lr / 2, lr / 2]]), [6, 6, 6])  # the third halves
    lines = limits.lines(history)
    assert len(lines) == 2
    x, y = lines[1]
    np.testing.assert_array_equal(x, [0, 1, 2, 3, 4, 5, 10])
    expected = threshold_at(lane[0].optimizer, np.array([lr] * 4 + [lr / 2] * 3))
    np.testing.assert_allclose(y, np.log10(expected), rtol=1e-12)
    take(6, np.array([[np.nan] * 2, [lr * 3] * 2, [np.nan] * 2]), [6, 8, 6])  # the second alone
    assert len(limits.lines(history)) == 3


def test_long_curves_are_decimated_a_draw_at_a_time():
    steps = np.arange(5000, dtype=float)
    rising = np.linspace(1, 10, 5000)
    short = np.where(np.arange(5000) < 100, rising, np.nan)
    x, y, connect, owner = computed_lines(steps, np.stack([rising, short]), max_points=512)
    assert (owner == 0).sum() <= 514 and (owner == 1).sum() == 100
    assert y[owner == 0].max() == pytest.approx(1.0) and x[owner == 0][-1] == 4999
    assert connect.sum() == len(x) - 2  # each draw joined within itself only


def test_a_lanes_rows_end_where_each_draw_stopped(trained):
    experiment, tracker = trained
    update = full_update(experiment, 0, tracker)
    counts = update.counts.copy()
    counts[1] = 20  # the second draw stopped at step 20; its later columns are not its
    history = LossHistory()
    history.clear(len(experiment.runs), CONFIG.dtype, SEEDS, STEPS)
    history.apply(dataclasses.replace(update, counts=counts))
    rows = history.sharpness_rows(np.array([0, 1, 2]))
    assert rows.shape == (3, STEPS)
    np.testing.assert_array_equal(rows[1, :20], tracker.sharpness[1, :20])
    assert np.isnan(rows[1, 20:]).all()
    x, _, _, owner = computed_lines(history.steps, rows, max_points=2048)
    np.testing.assert_array_equal(x[owner == 1], np.arange(0, 20, 2))
    np.testing.assert_array_equal(x[owner == 2], np.arange(0, STEPS, 2))


def frames(update, chunk: int):
    """The columns of a finished ``update`` as a playing engine sends them, ``chunk`` a time."""
    for step in range(chunk, STEPS + chunk, chunk):
        yield update_at_step(update, min(step, STEPS), since=step - chunk)


def expected_points(history, rows):
    return computed_lines(history.steps, history.sharpness_rows(rows), max_points=2048)


def test_inserting_into_a_lanes_arrays_at_once_is_numpys_insert_into_each():
    """Positions in any order, repeated, at either end; values of another dtype cast."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        n, m = int(rng.integers(0, 12)), int(rng.integers(0, 6))
        arrays = (rng.random(n), np.sort(rng.integers(0, 4, n)))
        at = rng.integers(0, n + 1, m)
        values = (rng.integers(0, 9, m), rng.integers(0, 4, m).astype(np.int32))
        merged = lane_points.inserted(arrays, at, values)
        for got, array, value in zip(merged, arrays, values, strict=True):
            expected = np.insert(array, at, value)
            assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_a_lane_taken_in_frame_by_frame_draws_what_it_would_at_once(trained, monkeypatch):
    monkeypatch.setattr(lane_points, "LIVE_POINTS", 1)  # settle often: both parts are used
    experiment, tracker = trained
    history = LossHistory()
    history.clear(len(experiment.runs), CONFIG.dtype, SEEDS, STEPS)
    rows = np.arange(SEEDS)  # the first lane: SGD at the first rate, three draws
    points = LanePoints(rows, preconditioned=False, max_points=2048)
    settles, live_seen = 0, 0
    for update in frames(full_update(experiment, 0, tracker), chunk=3):
        history.apply(update)
        assert not points.extend(history)
        if points.due > 1:
            points.settle(history)
            settles += 1
        live_x, _, connect = points.live()
        live_seen += len(live_x) > 0
        for got, want in zip(points.points(), expected_points(history, rows)):
            np.testing.assert_array_equal(got, want)
        settled_x, _, _, owner = points.settled
        starts = np.flatnonzero(np.append(True, ~connect[:-1]))[: len(live_x)]
        for first in live_x[starts]:  # joined to the draw's last settled point
            assert first in settled_x[np.searchsorted(owner, rows, side="right") - 1]
    assert settles >= 3 and live_seen >= 3
    history.clear(len(experiment.runs), CONFIG.dtype, SEEDS, STEPS)  # played again: fewer steps
    history.apply(update_at_step(full_update(experiment, 0, tracker), 10))
    assert points.extend(history)  # what was settled is gone
    points.settle(history)
    for got, want in zip(points.points(), expected_points(history, rows)):
        np.testing.assert_array_equal(got, want)


def pixels(image) -> np.ndarray:
    """(height, width, 3) RGB of ``image``."""
    image = image.convertToFormat(image.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1, 4)
    return rows[:, : image.width(), 2::-1].astype(int)


def test_settled_points_are_painted_from_a_cache_in_the_live_window(qtbot, trained, monkeypatch):
    monkeypatch.setattr(lane_points, "LIVE_POINTS", 1)
    monkeypatch.setattr(sharpness_layer, "CACHED_POINTS", 0)  # any lane: ours are short
    experiment, tracker = trained
    grid, history = sharpness_grid(qtbot, experiment)
    full = full_update(experiment, 0, tracker)
    for update in frames(full, chunk=2):
        history.apply(update)
        grid.redraw(update)
    layer = grid.layers[0]
    assert all(item.cached for item in layer.settled.values())
    view = layer.panel.plot.getViewBox()
    view.setRange(xRange=(0, STEPS / 4), padding=0)
    grid.grab()  # painted, and so bounded, while zoomed in
    view.setRange(xRange=(-STEPS, 2 * STEPS), yRange=(-1, 3), padding=0)  # zoomed out
    for item in layer.settled.values():  # the cache spans what the view shows of the points
        x, y = item.getData()
        shown = QRectF(x.min(), y.min(), np.ptp(x), np.ptp(y)).intersected(view.viewRect())
        assert item.boundingRect().contains(shown)
    for lane in layer.lanes:
        rows = np.array([run.index for run in lane])
        x, y, connect = layer.lane_points(lane[0].index)
        want = expected_points(history, rows)
        np.testing.assert_array_equal(x, want[0])
        np.testing.assert_array_equal(connect, want[2])
    test_each_draws_curve_is_painted_in_its_optimizers_colour(grid, trained)
    copied = pixels(grid.grab().toImage())
    for item in layer.settled.values():
        item.set_cached(False)
    stroked = pixels(grid.grab().toImage())
    assert (np.abs(copied - stroked).max(axis=2) > 8).mean() < 1e-3  # the same picture
    doubled = dataclasses.replace(full, sharpness=full.sharpness * 2)  # written again from 0
    history.apply(doubled)
    grid.redraw(doubled)
    for lane in layer.lanes:
        rows = np.array([run.index for run in lane])
        _, y, _ = layer.lane_points(lane[0].index)
        np.testing.assert_allclose(y, expected_points(history, rows)[1], rtol=0)
        assert y.max() == pytest.approx(np.log10(2 * np.nanmax(tracker.sharpness[rows])), rel=1e-12)


def test_a_new_k_re_lays_the_step_axis_alone(qtbot, trained):
    """k changes as the engine keeps λ within its budget: the x axis says so, and the λ axis
    of every panel is not laid out again (both re-laid made the frame 8–10 ms longer)."""
    experiment, tracker = trained
    grid, history = sharpness_grid(qtbot, experiment)
    full = full_update(experiment, 0, tracker)
    for update in (update_at_step(full, 10), update_at_step(full, 10, since=10)):
        if update.start:  # nothing new, but λ now every 4 steps
            update = dataclasses.replace(update, sharpness_every=4)
        history.apply(update)
        grid.redraw(update)
        grid.grab()  # painted: each axis' ticks laid out
        if not update.start:
            left = grid.panels[0].plot.getAxis("left").picture
    for panel in grid.panels:
        assert panel.plot.getAxis("bottom").labelText == every_text(4)
    assert left is not None and grid.panels[0].plot.getAxis("left").picture is left


def test_a_frame_that_moved_the_y_range_leaves_an_x_growth_not_yet_needed(qtbot):
    experiment = BatchedExperiment(CONFIG.with_changes(max_steps=1000))
    grid, _ = sharpness_grid(qtbot, experiment)
    panel = grid.panels[0]
    assert panel.x_extent == 50
    panel.grow_x(48, busy=True)  # the curves end within the range: it waits
    assert panel.x_extent == 50
    panel.grow_x(48)
    assert panel.x_extent == 100
    panel.grow_x(101, busy=True)  # past its end: at once (further at the pace seen)
    assert panel.x_extent > 101


def test_the_y_range_holds_every_lambda_and_threshold_in_half_decades(qtbot, trained):
    experiment, tracker = trained
    grid, history = sharpness_grid(qtbot, experiment)
    full = full_update(experiment, 0, tracker)
    sharpness = tracker.sharpness.copy()
    sharpness[:, 6:] *= 100  # λ climbs two decades after step 6: the range must follow
    for since, step in [(0, 6), (6, STEPS)]:
        update = update_at_step(full, step, since)
        update = dataclasses.replace(update, sharpness=sharpness[:, since:step].copy())
        history.apply(update)
        grid.redraw(update)
        for layer in grid.layers:
            logs = [
                np.log10(sharpness[run.index, : update.counts[run.index] : 2]) for run in layer.runs
            ]
            logs += [np.log10([threshold_at(run.optimizer, run.lr)]) for run in layer.runs]
            low, high = min(map(np.min, logs)), max(map(np.max, logs))
            assert layer.y_range == (np.floor(low * 2) / 2, np.ceil(high * 2) / 2)


def test_a_branch_draws_its_threshold_from_the_step_it_branched_at():
    """A branch's steps before its own were its parent's (no rate of its own): its line starts
    where it does, at its rate, and is drawn on to the last step."""
    branch = BranchSpec(from_optimizer="sgd", from_lr=0.05, step=5, lr=0.02)
    config = CONFIG.with_changes(seeds=1, max_steps=10, branches=(branch,))
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    history = LossHistory()
    history.clear(len(experiment.runs), config.dtype, 1, 10)
    history.apply(full_update(experiment, 0))
    lane = lanes_of(list(experiment.runs))[-1]
    assert [run.start for run in lane] == [5]
    [(x, y)] = LaneThresholds(lane, max_steps=10, max_points=2048).lines(history)
    np.testing.assert_array_equal(x, [5, 6, 7, 8, 9, 10])
    expected = threshold_at(lane[0].optimizer, np.array([0.02] * 6))
    np.testing.assert_allclose(y, np.log10(expected), rtol=1e-12)
