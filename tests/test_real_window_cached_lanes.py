"""On a real X screen, the Sharpness lanes painted from their cached images look as they do
stroked: the panels sit inside a window, away from its corner, as they do in the app (a cache
placed with the painter's device transform was drawn shifted by that offset there, and only
there: a grab of the panels alone paints them from their own corner).

The panels run in a subprocess on an Xvfb display of their own and grab the screen themselves;
without Xvfb and xdotool the test is skipped (or fails when CI is set)."""

from __future__ import annotations

import textwrap

from tests.processes import PROJECT_ROOT, run_python
from tests.xwindow import require_tools, x_env, xvfb

PANELS_SCRIPT = textwrap.dedent(
    """
    import sys
    import time
    import numpy as np
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget
    from engine.analysis.sharpness import SharpnessTracker
    from engine.config.presets import EDGE_OF_STABILITY
    from engine.config.settings import OptimizerSpec
    from engine.experiment.batched import BatchedExperiment
    from engine.live.messages import update_at_step
    from engine.live.updates import full_update, started
    from gui.panels import lane_points, sharpness_layer
    from gui.panels.grid import PanelGrid
    from gui.state.loss_history import LossHistory
    from gui.state.view_state import Quantity

    STEPS, SEEDS = 40, 3
    lane_points.LIVE_POINTS = 1  # settle every frame
    sharpness_layer.CACHED_POINTS = 0  # and cache every settled part: ours are short
    config = EDGE_OF_STABILITY.apply().with_changes(
        optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("momentum")),
        learning_rates=(0.05, 0.1), seeds=SEEDS, max_steps=STEPS, stop_loss=0.0)
    experiment = BatchedExperiment(config)
    tracker = SharpnessTracker(experiment, every=2)
    tracker.run_to_end()
    full = full_update(experiment, 0, tracker)

    app = QApplication(sys.argv[:1])
    window = QWidget()  # the panels away from the window's corner, as in the app
    layout = QHBoxLayout(window)
    layout.setContentsMargins(160, 90, 40, 30)
    grid = PanelGrid(live=True)
    layout.addWidget(grid)
    window.setGeometry(100, 80, 1200, 800)
    window.show()
    history = LossHistory()
    history.clear(len(experiment.runs), config.dtype, SEEDS, STEPS)
    grid.view.update(quantity=Quantity.SHARPNESS)
    grid.start(started(experiment, 0), history)
    for step in range(2, STEPS + 1, 2):
        update = update_at_step(full, step, since=step - 2)
        history.apply(update)
        grid.redraw(update)

    def shot():
        for _ in range(20):  # painted, and flushed to the X server
            app.processEvents()
            time.sleep(0.02)
        corner = grid.mapToGlobal(grid.rect().topLeft())
        image = app.primaryScreen().grabWindow(
            0, corner.x(), corner.y(), grid.width(), grid.height()).toImage()
        image = image.convertToFormat(QImage.Format.Format_RGB32)
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1, 4)
        return rows[:, : image.width(), 2::-1].astype(int)

    layers = grid.layers
    print("CACHED", all(item.cached for layer in layers for item in layer.settled.values()))
    copied = shot()
    for layer in layers:
        for item in layer.settled.values():
            item.set_cached(False)
    stroked = shot()
    lit = (np.abs(stroked - stroked[5, 5]).max(axis=2) > 8).mean()
    print("DIFFERENT", (np.abs(copied - stroked).max(axis=2) > 8).mean(), "DRAWN", lit)
    window.close()
    """
)


def test_cached_lanes_look_as_stroked_ones_in_a_window_on_screen(tmp_path):
    require_tools()
    with xvfb(tmp_path) as display:
        env = x_env(display, tmp_path)
        env["PYTHONPATH"] = str(PROJECT_ROOT)
        done = run_python(PANELS_SCRIPT, env=env, timeout=300)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "CACHED True" in out, out
    words = out.split()
    different = float(words[words.index("DIFFERENT") + 1])
    drawn = float(words[words.index("DRAWN") + 1])
    assert drawn > 0.02, out  # the panels have curves, axes and labels in them
    assert different < 1e-3, out  # the same picture, to within a few edge pixels
