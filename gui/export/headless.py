"""The figure outputs of a headless run (--png, --svg, --gif, --landscape, a PNG or SVG
--sweep): drawn offscreen, no display. A --sweep CSV needs no drawing: :mod:`engine.io.cli`
writes it."""

from __future__ import annotations

import argparse
import os

from engine.analysis.landscape_compute import landscape_task
from engine.analysis.landscape_map import LandscapeRequest
from engine.analysis.stability import initial_stability
from engine.analysis.sweep import SweepResult
from engine.config.settings import ConfigError, ExperimentConfig
from engine.core.tasks import TaskState
from engine.experiment.batched import BatchedExperiment
from engine.io.cli import draws_sweep
from engine.live.messages import ExperimentStarted
from engine.live.updates import full_update
from gui.export.figure import FigureState
from gui.export.landscape import LandscapeState, export_landscape
from gui.export.sweep import export_sweep
from gui.export.writers import default_frame_every, export_gif, export_png, export_svg
from gui.plotting.themes import theme_named


class HeadlessFigures:
    """Checks the figure flags up front, then draws what they ask for after training."""

    def __init__(self, args: argparse.Namespace):
        try:
            self.theme = theme_named(args.theme)
        except KeyError as err:
            raise ConfigError(str(err.args[0])) from None
        self.args = args

    def write(
        self,
        config: ExperimentConfig,
        experiment: BatchedExperiment | None,
        sweep: SweepResult | None,
    ) -> list[str]:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before the QApplication exists
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication(["optimizers-from-scratch"])
        args, written = self.args, []
        if experiment is not None and (args.png or args.svg or args.gif):
            written += self._write_panels(config, experiment)
        if experiment is not None and args.landscape:
            state = trained_state(experiment)
            every = args.frame_every or default_frame_every(state.update.steps_taken)
            export_landscape(args.landscape, state, self.theme, args.scale, every, args.fps)
            written.append(args.landscape)
        if sweep is not None and draws_sweep(args):
            export_sweep(args.sweep, sweep, config.learning_rates, self.theme, args.scale)
            written.append(args.sweep)
        app.processEvents()
        return written

    def _write_panels(self, config: ExperimentConfig, experiment: BatchedExperiment) -> list[str]:
        started = ExperimentStarted(
            0,
            config,
            tuple(experiment.runs),
            stability=initial_stability(config, experiment.data),  # the titles' 2/λ₀, as on screen
        )
        state = FigureState(started, full_update(experiment))
        args, written = self.args, []
        if args.png:
            export_png(args.png, state, self.theme, args.scale)
            written.append(args.png)
        if args.svg:
            export_svg(args.svg, state, self.theme)
            written.append(args.svg)
        if args.gif:
            every = args.frame_every or default_frame_every(state.update.steps_taken)
            export_gif(args.gif, state, self.theme, every, args.fps)
            written.append(args.gif)
        return written


def trained_state(experiment: BatchedExperiment) -> LandscapeState:
    """A finished experiment (its paths recorded) on the plane of the sharpest Hessian
    directions at θ₀ (a 2-D problem: its own), in a window grown to hold every path."""
    config, initial = experiment.config, experiment.initial_parameters
    started = ExperimentStarted(0, config, tuple(experiment.runs), initial_parameters=initial)
    update = full_update(experiment)
    request = LandscapeRequest(config, initial, "hessian", paths=experiment.parameter_buffer)
    return LandscapeState(started, update, landscape_task(TaskState(), request))
