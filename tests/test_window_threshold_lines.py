"""In the Sharpness view a run's threshold is not taken for its λ curve: its own dashes and
weight, and its name at its end (where the line leaves the view), shared by thresholds that
coincide (Momentum's and Adam's 38/η at β = 0.9)."""

import numpy as np
import pytest

from engine.config.presets import EDGE_OF_STABILITY
from engine.config.settings import OptimizerSpec
from gui.plotting.pacing import SPEED_STEPS
from tests.windows import action, open_main_window, temporary_settings

CONFIG = EDGE_OF_STABILITY.apply().with_changes(
    optimizers=tuple(OptimizerSpec.create(n) for n in ("sgd", "momentum", "adam_torch")),
    learning_rates=(0.1, 0.05),
    max_steps=60,
)


def trained(qtbot, tmp_path, config=CONFIG):
    """A window in the Sharpness view that has trained ``config`` to its end."""
    window = open_main_window(qtbot, temporary_settings(tmp_path), config, SPEED_STEPS)
    action(window, "sharpness").setChecked(True)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done and not window.session.playing, timeout=60_000)
    window.refresh_now()
    return window


@pytest.fixture
def window(qtbot, tmp_path):
    return trained(qtbot, tmp_path)


def named_ends(layer) -> dict[str, list[tuple[float, float]]]:
    """Each label's text and the point of a line (in view coordinates) at its right end, on
    its lower or upper edge: where the label sits."""
    view = layer.panel.plot.getViewBox()
    ends = {}
    for item in layer.labels.shown:
        box = item.sceneBoundingRect()
        for corner in (box.bottomRight(), box.topRight()):
            point = view.mapSceneToView(corner)
            ends.setdefault(item.textItem.toPlainText(), []).append((point.x(), point.y()))
    return ends


def sits_at(corners: list[tuple[float, float]], x: float, y: float, view) -> bool:
    """A label's lower or upper right corner is at (x, y), within a pixel."""
    pixel_x, pixel_y = view.viewPixelSize()
    return any(abs(cx - x) <= pixel_x and abs(cy - y) <= pixel_y for cx, cy in corners)


def test_a_threshold_is_drawn_unlike_its_runs_curve(window):
    for layer in window.grid.layers:
        for run in layer.runs:
            curve = layer.curves[run.index].opts["pen"]
            threshold = layer.thresholds[run.index].opts["pen"]
            assert threshold.dashPattern() != curve.dashPattern(), run.label
            assert threshold.widthF() >= 2 * curve.widthF(), run.label
            assert threshold.color().alpha() < curve.color().alpha(), run.label
    layer = window.grid.layers[0]
    adam = next(run.index for run in layer.runs if run.optimizer.name == "adam_torch")
    assert layer.curves[adam].opts["pen"].dashPattern()  # dashed itself: the case that misled


def test_each_threshold_is_named_at_its_end(window):
    for layer, lr in zip(window.grid.layers, CONFIG.learning_rates):
        view = layer.panel.plot.getViewBox()
        end = min(float(CONFIG.max_steps), view.viewRange()[0][1])
        ends = named_ends(layer)
        assert set(ends) == {"SGD threshold", "Momentum, Adam (torch defaults) thresholds"}
        assert sits_at(ends["SGD threshold"], end, np.log10(2 / lr), view)
        momentum_adam = ends["Momentum, Adam (torch defaults) thresholds"]
        assert sits_at(momentum_adam, end, np.log10(38 / lr), view)
        for item in layer.labels.shown:  # wholly in the panel, readable
            assert view.sceneBoundingRect().contains(item.sceneBoundingRect())
    layer = window.grid.layers[0]
    layer.panel.plot.setXRange(0, 30, padding=0)  # the user looks at the first 30 steps
    view = layer.panel.plot.getViewBox()
    assert sits_at(named_ends(layer)["SGD threshold"], 30.0, np.log10(20), view)
    action(window, "sharpness").setChecked(False)
    assert all(not layer.labels.shown for layer in window.grid.layers)


def test_at_200_percent_the_labels_stay_whole_and_apart(qtbot, tmp_path):
    four_rates = CONFIG.with_changes(learning_rates=EDGE_OF_STABILITY.apply().learning_rates)
    window = trained(qtbot, tmp_path, four_rates)
    window.view.update(zoom=200)  # four small panels: a label has little room
    window.refresh_now()

    def whole_and_apart():
        for layer in window.grid.layers:
            boxes = [item.sceneBoundingRect() for item in layer.labels.shown]
            assert len(boxes) == 2
            view = layer.panel.plot.getViewBox().sceneBoundingRect()
            assert all(view.contains(box) for box in boxes)
            assert not boxes[0].intersects(boxes[1])

    qtbot.waitUntil(whole_and_apart)  # once the zoom has laid the window out
