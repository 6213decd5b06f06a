"""The figure outputs of a headless run (--png, --svg, --gif, --landscape, a PNG or SVG
--sweep, a lesson's --handout): drawn offscreen, no display. A --sweep CSV needs no drawing:
:mod:`engine.io.cli` writes it."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.analysis.landscape_compute import landscape_task
from engine.analysis.landscape_map import LandscapeRequest
from engine.analysis.stability import initial_stability
from engine.analysis.sweep import SweepResult
from engine.config.settings import ConfigError, ExperimentConfig
from engine.core.tasks import TaskState
from engine.experiment.batched import BatchedExperiment
from engine.io.cli import draws_sweep
from engine.lessons.format import Lesson
from engine.lessons.pictures import StepPicture
from engine.live.messages import ExperimentStarted
from engine.live.updates import full_update
from gui.export.figure import FigureState
from gui.export.handout import HANDOUT_THEME, export_handout
from gui.export.landscape import LandscapeState, export_landscape
from gui.export.landscape3d import FORMATS_3D, export_landscape_3d
from gui.export.sweep import export_sweep
from gui.export.writers import default_frame_every, export_gif, export_png, export_svg
from gui.plotting.themes import theme_named
from gui.surface3d.camera import Camera
from gui.surface3d.support import share_gl_contexts

NO_DISPLAY = (
    "--view 3d draws with OpenGL and needs a display; on a machine without one run it under "
    "Xvfb (xvfb-run -a python main.py …) with Mesa's OpenGL installed"
)


class HeadlessFigures:
    """Checks the figure flags up front, then draws what they ask for after training."""

    def __init__(self, args: argparse.Namespace):
        try:
            self.theme = theme_named(args.theme or "default")
        except KeyError as err:
            raise ConfigError(str(err.args[0])) from None
        self.args = args
        check_view_flags(args)

    def write(
        self,
        config: ExperimentConfig,
        experiment: BatchedExperiment | None,
        sweep: SweepResult | None,
    ) -> list[str]:
        args, written = self.args, []
        if args.view == "3d":
            share_gl_contexts()  # and the display's platform: offscreen has no OpenGL
        else:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before the QApplication exists
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication(["optimizers-from-scratch"])
        if experiment is not None and (args.png or args.svg or args.gif):
            written += self._write_panels(config, experiment)
        if experiment is not None and args.landscape:
            state = trained_state(experiment)
            if args.view == "3d":
                camera = Camera(
                    azimuth=Camera.azimuth if args.azimuth is None else args.azimuth,
                    elevation=Camera.elevation if args.elevation is None else args.elevation,
                )
                export_landscape_3d(
                    args.landscape,
                    state,
                    self.theme,
                    args.scale,
                    camera,
                    args.animate or "turn",
                    args.frame_every,
                    args.fps,
                )
            else:
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


class HeadlessHandout:
    """Writes --lesson's --handout offscreen (no display), in --theme (default: the
    presentation theme, white, for paper)."""

    def __init__(self, args: argparse.Namespace):
        try:
            self.theme = theme_named(args.theme or HANDOUT_THEME)
        except KeyError as err:
            raise ConfigError(str(err.args[0])) from None

    def write(self, lesson: Lesson, pictures: Sequence[StepPicture], path: str) -> None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before the QApplication exists
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication(["optimizers-from-scratch"])
        export_handout(lesson, path, self.theme, pictures)
        app.processEvents()


def check_view_flags(args: argparse.Namespace) -> None:
    """``ConfigError`` for --view, --azimuth, --elevation and --animate that cannot be drawn,
    before any training: the 3-D view draws --landscape as PNG or GIF, on a display."""
    turned = args.azimuth is not None or args.elevation is not None
    if args.view != "3d":
        if turned:
            raise ConfigError("--azimuth and --elevation turn the 3-D view: add --view 3d")
        if args.animate is not None:
            raise ConfigError("--animate chooses the 3-D GIF's animation: add --view 3d")
        return
    if args.landscape is None:
        raise ConfigError("--view 3d draws the landscape: add --landscape FILE.png")
    suffix = Path(args.landscape).suffix.lower().lstrip(".")
    if suffix not in FORMATS_3D:
        raise ConfigError(f"--view 3d saves .png or .gif, not {args.landscape!r}")
    if args.animate is not None and suffix != "gif":
        raise ConfigError(f"--animate is for an animated GIF, not {args.landscape!r}")
    for name in ("azimuth", "elevation"):
        value = getattr(args, name)
        if value is not None and not math.isfinite(value):
            raise ConfigError(f"--{name} must be a number of degrees, not {value}")
    on_x = sys.platform.startswith("linux") or sys.platform.startswith("freebsd")
    if on_x and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise ConfigError(NO_DISPLAY)


def trained_state(experiment: BatchedExperiment) -> LandscapeState:
    """A finished experiment (its paths recorded) on the plane of the sharpest Hessian
    directions at θ₀ (a 2-D problem: its own), in a window grown to hold every path."""
    config, initial, origin = experiment.config, experiment.initial_parameters, experiment.origin
    started = ExperimentStarted(
        0, config, tuple(experiment.runs), initial_parameters=initial, origin=origin
    )
    update = full_update(experiment)
    request = LandscapeRequest(config, origin, "hessian", paths=experiment.parameter_buffer)
    return LandscapeState(started, update, landscape_task(TaskState(), request))
