"""A trained 2-D experiment on its map, and a landscape grid showing it, for the tests of the
Landscape tab's plots."""

from engine.config.problem_switch import config_for_problem
from engine.experiment.batched import BatchedExperiment
from gui.export.headless import trained_state
from gui.export.landscape import LandscapeState
from gui.landscape.grid import LandscapeGrid


def trained_rosenbrock(steps: int) -> LandscapeState:
    """Rosenbrock trained ``steps`` steps with its paths, on its map."""
    config = config_for_problem("rosenbrock").with_changes(max_steps=steps)
    experiment = BatchedExperiment(config, record_parameters=True)
    experiment.step(steps)
    return trained_state(experiment)


def show(qtbot, state: LandscapeState, cache_paths: bool = True) -> LandscapeGrid:
    """A grid of ``state``'s plots, shown at 1000 × 700 with its map."""
    grid = LandscapeGrid(cache_paths=cache_paths)
    qtbot.addWidget(grid)
    grid.resize(1000, 700)
    grid.show()
    qtbot.waitExposed(grid)
    grid.start(state.started)
    grid.set_map(state.landscape)
    return grid
