"""The caption under the landscape's plots: it keeps the most lines it has had for an
experiment, so the plots do not jump when its note comes and goes with Play and Pause."""

import pytest

from gui.landscape.grid import LandscapeGrid
from tests.landscape_grids import show, trained_rosenbrock

NOTE = "The step's arrows are its vectors projected on the plane."


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
