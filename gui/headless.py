"""The figure outputs of a headless run (--png, --svg, --gif): drawn offscreen, no display."""

from __future__ import annotations

import argparse
import os

from engine.config import ConfigError, ExperimentConfig
from engine.experiment import BatchedExperiment
from engine.progress import ExperimentStarted, full_update
from engine.stability import initial_stability
from engine.sweep import run_sweep
from gui.exports import default_frame_every, export_gif, export_png, export_svg
from gui.figure import FigureState
from gui.sweep_export import export_sweep
from gui.themes import theme_named


class HeadlessFigures:
    """Checks the figure flags up front, then writes what they ask for after training."""

    def __init__(self, args: argparse.Namespace):
        try:
            self.theme = theme_named(args.theme)
        except KeyError as err:
            raise ConfigError(str(err.args[0])) from None
        if args.sweep and not args.sweep.lower().endswith((".png", ".svg", ".csv")):
            raise ConfigError(f"--sweep is saved as .png, .svg or .csv, not {args.sweep!r}")
        self.args = args

    def write(self, config: ExperimentConfig, experiment: BatchedExperiment) -> list[str]:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before the QApplication exists
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication(["optimizers-from-scratch"])
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
        if args.sweep:
            result = run_sweep(config)
            export_sweep(args.sweep, result, config.learning_rates, self.theme, args.scale)
            written.append(args.sweep)
        if args.gif:
            every = args.frame_every or default_frame_every(state.update.steps_taken)
            export_gif(args.gif, state, self.theme, every, args.fps)
            written.append(args.gif)
        app.processEvents()
        return written
