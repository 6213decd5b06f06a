"""The Landscape tab asks for a wider map at the frame a path first leaves the window, also
after many frames whose steps were all inside it (it looks only at the steps new since)."""

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.analysis.landscape_compute import landscape_task
from engine.analysis.landscape_map import grown_window
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.core.tasks import TaskState
from engine.experiment.batched import BatchedExperiment
from engine.live.messages import update_at_step
from engine.live.updates import full_update, started
from gui.landscape.view import LandscapeView
from gui.state.session import EngineSession
from gui.state.view_state import ViewState

STEPS = 80
INSIDE = 30  # the map's window holds the path's first this many steps
CONFIG = ExperimentConfig(  # a slow run whose path creeps on: it leaves any box of its start
    optimizers=(OptimizerSpec.create("sgd"),), learning_rates=(0.01,), max_steps=STEPS
)


class Runner(QObject):
    """Takes the view's map requests instead of computing them."""

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self):
        super().__init__()
        self.requests = []

    def start(self, _task, request) -> None:
        self.requests.append(request)

    def shutdown(self) -> None:
        pass


def new_columns(full, before: int, step: int):
    """What the engine sends after ``step`` steps when it sent ``before`` already: the columns
    from ``before`` on."""
    update = update_at_step(full, step)
    cut = {
        name: getattr(update, name)[:, before:]
        for name in ("losses", "lrs", "reference_losses", "paths")
        if getattr(update, name) is not None
    }
    return replace(update, start=before, **cut)


def box(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    points = points.reshape(-1, 2)
    points = points[np.isfinite(points).all(axis=1)]
    return points.min(axis=0), points.max(axis=0)


def test_a_wider_map_is_asked_for_at_the_frame_a_path_leaves_the_window(qtbot):
    experiment = BatchedExperiment(CONFIG, record_parameters=True)
    experiment.run_to_end()
    full = full_update(experiment)
    session, runner = EngineSession(), Runner()
    view = LandscapeView(session, ViewState(), runner=runner)
    qtbot.addWidget(view)
    session.on_started(started(experiment, 0))
    (request,) = runner.requests
    first = landscape_task(TaskState(), request)
    coordinates = first.plane.coordinates(experiment.parameter_buffer)
    low, high = box(coordinates[:, :INSIDE])
    early = ((low[0], high[0]), (low[1], high[1]))
    narrow = landscape_task(TaskState(), replace(request, window=early, plane=first.plane))
    runner.finished.emit(narrow)
    leaves = next(  # the first frame whose steps are not all in the window
        step
        for step in range(1, STEPS + 1)
        if grown_window(narrow.problem, narrow.plane, narrow.window, coordinates[:, :step])
        is not None
    )
    assert leaves > 10  # frames inside it came first
    for step in range(1, STEPS + 1):
        session.on_progress(new_columns(full, step - 1, step))
        view.redraw()
        if step < leaves:
            assert len(runner.requests) == 1, step
    asked = runner.requests[1]
    expected = grown_window(narrow.problem, narrow.plane, narrow.window, coordinates[:, :leaves])
    np.testing.assert_allclose(asked.window, expected)
    assert asked.plane is narrow.plane  # the plane stays, the window grows
