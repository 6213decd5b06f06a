"""What one redraw costs the window's GUI thread, without the engine or other processes in the
way: a finished experiment is replayed into the Sharpness view, the loss panels or the
Landscape tab's plots, ``--chunk`` steps a frame, and each frame's ``redraw`` and synchronous
paint are timed in thread CPU time (``time.thread_time``: what this thread spent, not what a
busy machine made it wait). Prints the median, 90th percentile and worst frame in ms.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/frame_cost.py \\
        [--rows sharpness,class+sharpness,landscape] [--steps 2000] [--chunk 20]

The rows are those of ``benchmarks/gui_responsiveness.py`` (its ``article`` is ``panels``
here); sizes are the window's panels at its 1400 × 900 (the grid 1400 × 760).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GRID_SIZE = (1400, 760)
ROWS = {  # seeds, view
    "panels": (1, "panels"),
    "sharpness": (1, "sharpness"),
    "class": (32, "panels"),
    "class+sharpness": (32, "sharpness"),
    "landscape": (1, "landscape"),
}


def timed(work) -> float:
    began = time.thread_time()
    work()
    return (time.thread_time() - began) * 1000


def show(grid) -> None:
    from PySide6.QtTest import QTest

    grid.resize(*GRID_SIZE)
    grid.show()
    QTest.qWaitForWindowExposed(grid)


def experiment_updates(seeds: int, steps: int, every: int, paths: bool):
    """The article's experiment with ``seeds`` draws run for ``steps`` steps (λ every
    ``every`` steps): its announcement and one update of everything."""
    from engine.analysis.sharpness import SharpnessTracker
    from engine.config.settings import ExperimentConfig
    from engine.experiment.batched import BatchedExperiment
    from engine.live.updates import full_update, started

    config = ExperimentConfig().with_changes(seeds=seeds, max_steps=steps, stop_loss=0.0)
    experiment = BatchedExperiment(config, record_parameters=paths)
    tracker = None if paths else SharpnessTracker(experiment, every=every)
    if tracker is None:
        experiment.run_to_end()
    else:
        tracker.run_to_end()
    return experiment, started(experiment, 0), full_update(experiment, 0, tracker)


def panel_frames(view: str, seeds: int, steps: int, chunk: int, every: int):
    """(redraw ms, paint ms) per frame of the panels replaying the experiment."""
    from engine.live.messages import update_at_step
    from gui.panels.grid import PanelGrid
    from gui.state.loss_history import LossHistory
    from gui.state.view_state import Quantity

    _, announcement, full = experiment_updates(seeds, steps, every, paths=False)
    grid = PanelGrid(live=True)
    show(grid)
    if view == "sharpness":
        grid.view.update(quantity=Quantity.SHARPNESS)
    config = announcement.config
    history = LossHistory()
    history.clear(len(announcement.runs), config.dtype, config.seeds, config.max_steps)
    grid.start(announcement, history)
    frames = []
    for step in range(chunk, steps + 1, chunk):
        update = update_at_step(full, step, since=step - chunk)  # the new columns, as played
        history.apply(update)
        frames.append((timed(lambda u=update: grid.redraw(u)), timed(grid.viewport().repaint)))
    grid.close()
    return frames


def landscape_frames(steps: int, chunk: int):
    """(redraw ms, paint ms) per frame of the Landscape tab's plots replaying the paths."""
    from engine.analysis.landscape import make_plane
    from engine.analysis.landscape_compute import compute_map
    from gui.landscape.grid import LandscapeGrid

    experiment, announcement, _ = experiment_updates(1, steps, 1, paths=True)
    paths = experiment.parameter_buffer
    plane = make_plane(experiment.problem, experiment.initial_parameters, paths=paths)
    landscape = compute_map(experiment.problem, plane)
    coordinates = plane.coordinates(paths)
    grid = LandscapeGrid()
    show(grid)
    grid.start(announcement)
    grid.set_map(landscape)
    frames = []
    for step in range(chunk, steps + 1, chunk):
        counts = np.minimum(experiment.counts, step)
        shown = coordinates[:, :step]
        frames.append(
            (timed(lambda c=counts, s=shown: grid.redraw(s, c)), timed(grid.viewport().repaint))
        )
    grid.close()
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--chunk", type=int, default=20, help="steps a frame (20)")
    parser.add_argument("--every", type=int, default=4, help="λ every this many steps (4)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import torch
    from PySide6.QtWidgets import QApplication

    torch.set_num_threads(1)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    print(
        f"platform {app.platformName()}; {args.steps} steps, {args.chunk} a frame, λ every "
        f"{args.every}; thread CPU ms a frame: median / p90 / worst"
    )
    for name in args.rows.split(","):
        seeds, view = ROWS[name]
        if view == "landscape":
            frames = landscape_frames(args.steps, args.chunk)
        else:
            frames = panel_frames(view, seeds, args.steps, args.chunk, args.every)
        cost = np.array(frames[len(frames) // 10 :])  # after the first tenth: warmed up
        parts = []
        for label, column in (("redraw", cost[:, 0]), ("paint", cost[:, 1])):
            low, high = np.percentile(column, [50, 90])
            parts.append(f"{label} {low:6.2f} / {high:6.2f} / {column.max():6.2f}")
        print(f"{name:16s} {'   '.join(parts)}   load {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
