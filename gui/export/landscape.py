"""The Landscape tab as a figure: PNG (1–3×), SVG, or an animated GIF of the paths growing, with
the footer and the settings, drawn offscreen as the panels' figure is
(:mod:`gui.export.offscreen`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from engine.analysis.landscape_map import LandscapeMap
from engine.core.files import atomic_write, check_writable
from engine.live.messages import ExperimentStarted, LossUpdate, update_at_step
from gui.export.dialogs import FIGURE_FORMATS, FormatRows, FrameRows, OptionsDialog
from gui.export.figure import encode_gif, frame_steps, pillow_image
from gui.export.offscreen import OffscreenFigure, footer_text, settings_json
from gui.landscape.caption import caption_text
from gui.landscape.grid import LandscapeGrid
from gui.landscape.paths import PathHistory
from gui.plotting.themes import Theme
from gui.state.loss_history import LossHistory

FORMATS = ("png", "svg", "gif")


@dataclass(frozen=True)
class LandscapeState:
    """What a landscape figure shows: an experiment, its losses and paths from step 0
    (``update.paths``), and the map under them."""

    started: ExperimentStarted
    update: LossUpdate
    landscape: LandscapeMap

    def settings_text(self, theme: Theme, step: int | None = None) -> str:
        """JSON that reproduces the figure: every setting, the step, the plane and window."""
        landscape = self.landscape
        return settings_json(
            self.started.config,
            theme,
            step=self.update.steps_taken if step is None else step,
            view="landscape",
            plane=landscape.plane.kind,
            window=[list(axis) for axis in landscape.window],
        )


class LandscapeFigure:
    """An offscreen :class:`LandscapeGrid` with a caption and footer; reused for every frame."""

    def __init__(self, state: LandscapeState, theme: Theme, scale: int = 1):
        self.state, self.theme = state, theme
        figure = partial(LandscapeGrid, footer=True, cache_paths=False)  # a still picture
        self.offscreen = OffscreenFigure(figure, theme, scale)
        self.grid = self.offscreen.widget
        self.history, self.paths = LossHistory(), PathHistory()
        try:
            self.grid.start(state.started, self.history)
            self.grid.set_map(state.landscape)
            self.show(state.update)
        except BaseException:
            self.close()
            raise

    def show(self, update: LossUpdate) -> None:
        """Draw the paths of ``update`` (from step 0)."""
        started, landscape = self.state.started, self.state.landscape
        self.history.clear(len(started.runs), started.config.dtype)
        self.history.apply(update)
        size = 0 if update.paths is None else update.paths.shape[-1]
        self.paths.clear(len(started.runs), size)
        self.paths.apply(update)
        self.grid.redraw(self.paths.coordinates(landscape.plane), self.paths.counts)
        self.grid.settle()
        self.grid.set_caption(caption_text(landscape, started, self.paths))
        lead = f"loss landscape · step {update.steps_taken}"
        self.grid.set_footer(footer_text(lead, started.config))

    def image(self) -> QImage:
        return self.offscreen.image()

    def png_bytes(self) -> bytes:
        return self.offscreen.png_bytes(self.state.settings_text(self.theme))

    def svg_bytes(self) -> bytes:
        for plot in self.grid.plots:
            plot.set_vector_paths(True)
        return self.offscreen.svg_bytes()

    def close(self) -> None:
        self.offscreen.close()

    def __enter__(self) -> LandscapeFigure:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def gif_bytes(state: LandscapeState, theme: Theme, every: int, fps: float, scale: int = 1):
    """The paths growing from step 0 to the state's step, a frame every ``every`` steps."""
    steps = frame_steps(state.update.steps_taken, every)
    if not steps:
        raise ValueError("nothing to animate yet: press Play or Step first")
    frames = []
    with LandscapeFigure(state, theme, scale) as figure:
        for step in steps:
            figure.show(update_at_step(state.update, step))
            frames.append(pillow_image(figure.image()))
    return encode_gif(frames, fps, state.settings_text(theme))


def export_landscape(
    path: str | os.PathLike,
    state: LandscapeState,
    theme: Theme,
    scale: int = 1,
    every: int = 1,
    fps: float = 10.0,
) -> None:
    """PNG, SVG or GIF by the file's extension; ``ValueError`` for any other."""
    kind = Path(path).suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise ValueError(f"a landscape is saved as .png, .svg or .gif, not {str(path)!r}")
    check_writable(path)
    if kind == "gif":
        data = gif_bytes(state, theme, every, fps)
    else:
        with LandscapeFigure(state, theme, scale if kind == "png" else 1) as figure:
            data = figure.png_bytes() if kind == "png" else figure.svg_bytes()
    atomic_write(path, lambda handle: handle.write(data), binary=True)


def window_state(
    started: ExperimentStarted, update: LossUpdate, landscape: LandscapeMap, paths: PathHistory
) -> LandscapeState:
    """What the window's Landscape tab shows: ``update`` from step 0 with ``paths``' columns."""
    columns = paths.parameters.copy() if paths.recorded else None
    return LandscapeState(started, replace(update, paths=columns), landscape)


class LandscapeExportDialog(FormatRows, FrameRows, OptionsDialog):
    """PNG (1×–3×), SVG or an animated GIF (a frame every k steps, at a frame rate)."""

    def __init__(self, theme: Theme, steps: int, every: int, parent: QWidget | None = None):
        super().__init__("Export landscape", theme, parent)
        self._add_format_rows({**FIGURE_FORMATS, "gif": "Animated GIF"})
        self._add_frame_rows(steps, every)
        self._finish()
        self._format_chosen()

    def _format_chosen(self) -> None:
        super()._format_chosen()
        for box in (self.every_box, self.fps_box):
            box.setEnabled(self.format == "gif")
