"""The caption under the landscape's plots: it keeps the most lines it has had for an
experiment, so the plots do not jump when its note comes and goes with Play and Pause."""

import pytest

from engine.config.settings import ExperimentConfig
from engine.experiment.batched import BatchedExperiment
from gui.export.headless import trained_state
from gui.landscape.caption import caption_text
from gui.landscape.grid import LandscapeGrid
from gui.landscape.paths import PathHistory
from tests.landscape_grids import show, trained_rosenbrock

NOTE = "The step's arrows are its vectors projected on the plane."
NUMBERS = "Mean distance of each path from the plane, one number per panel"


@pytest.fixture(scope="module")
def state():
    return trained_rosenbrock(30)


def heights(grid: LandscapeGrid) -> tuple[float, float]:
    """(caption, first plot) heights, laid out now."""
    grid.ci.layout.activate()
    return grid.caption.geometry().height(), grid.plots[0].plot.geometry().height()


def test_the_plots_stay_put_when_the_note_goes_and_move_back_for_a_new_experiment(qtbot, state):
    grid = show(qtbot, state)
    grid.set_caption("Plane: the parameters (x, y) themselves.")
    caption, plot = heights(grid)

    grid.set_note(NOTE)
    with_note = heights(grid)
    assert with_note[0] > caption and with_note[1] < plot  # the note takes a line

    grid.set_note("")
    assert heights(grid) == with_note  # and keeps it: nothing moves

    grid.start(state.started)  # a new experiment: the caption takes what it needs
    grid.set_caption("Plane: the parameters (x, y) themselves.")
    assert heights(grid) == (caption, plot)


def test_an_mlp_caption_has_its_lines_before_the_runs_move():
    """Before any step each path's distance from the plane is a dash, in the lines the numbers
    take once the runs move: Play then leaves the plots where they are (a caption two lines
    longer re-laid every axis of the tab in the first frames of Play)."""
    experiment = BatchedExperiment(
        ExperimentConfig().with_changes(max_steps=2), record_parameters=True
    )
    experiment.step(2)
    state = trained_state(experiment)
    paths = PathHistory()
    paths.clear(len(experiment.runs), experiment.initial_parameters.shape[-1])
    before = caption_text(state.landscape, state.started, paths).split("<br>")
    paths.apply(state.update)
    after = caption_text(state.landscape, state.started, paths).split("<br>")
    assert len(before) == len(after) == 3
    assert before[0] == after[0] and before[2] == after[2]
    assert before[1].count("–") == len(experiment.runs) and "–" not in after[1]
    assert before[1].split(":")[0] == after[1].split(":")[0] == NUMBERS
