"""The Landscape tab's 3-D view as a file: a PNG (1–3×) from the camera given, or an animated
GIF from it of the paths growing or of the camera turning once around. Drawn with OpenGL by a
:class:`SurfaceGrid` that is never shown on screen, so it needs a display with OpenGL (on a
machine without one, Xvfb: ``xvfb-run -a``)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QComboBox, QWidget

from engine.config.settings import ConfigError
from engine.core.files import atomic_write, check_writable
from engine.live.messages import LossUpdate, update_at_step
from gui.export.dialogs import FormatRows, FrameRows, OptionsDialog
from gui.export.figure import encode_gif, frame_steps, pillow_image
from gui.export.landscape import LandscapeState
from gui.export.offscreen import (
    FIGURE_SIZE,
    check_scale,
    delete_now,
    footer_text,
    png_bytes,
    settings_json,
)
from gui.export.writers import default_frame_every
from gui.landscape.caption import caption_text
from gui.landscape.paths import PathHistory
from gui.plotting.themes import Theme
from gui.state.loss_history import LossHistory
from gui.surface3d.camera import Camera
from gui.surface3d.support import unavailable_reason

FORMATS_3D = {"png": "PNG image", "gif": "Animated GIF"}
ANIMATIONS_3D = {"turn": "The camera turning once around", "paths": "The paths growing"}
TURN_FRAMES = 36  # a turning GIF's frames, 10° apart
TURN_FPS = 12.0
PATH_FRAMES = 60  # a growing GIF's frames (or one more) when no spacing is given


class SurfaceFigure:
    """A :class:`gui.surface3d.grid.SurfaceGrid` at :data:`FIGURE_SIZE`, never on screen,
    showing ``state`` from ``camera``."""

    def __init__(self, state: LandscapeState, theme: Theme, camera: Camera):
        reason = unavailable_reason()
        if reason is not None:
            raise ConfigError(f"{reason}: a 3-D landscape cannot be drawn here")
        from gui.surface3d.grid import SurfaceGrid  # loads OpenGL

        self.state, self.step = state, state.update.steps_taken
        self.grid = SurfaceGrid(theme=theme)
        self.grid.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.grid.resize(*FIGURE_SIZE)
        self.grid.show()  # the plots' OpenGL contexts are made when shown
        QCoreApplication.processEvents()
        self.history, self.paths = LossHistory(), PathHistory()
        self.grid.start(state.started, self.history)
        self.grid.set_map(state.landscape)
        self.show(state.update)
        self.grid.camera.set(camera)

    def show(self, update: LossUpdate) -> None:
        """Each run's path and head as ``update`` (from step 0) has them."""
        started, landscape = self.state.started, self.state.landscape
        self.history.clear(len(started.runs), started.config.dtype)
        self.history.apply(update)
        self.paths.clear(len(started.runs), 0 if update.paths is None else update.paths.shape[-1])
        self.paths.apply(update)
        self.grid.redraw(self.paths.coordinates(landscape.plane), self.paths.counts)
        self.grid.set_caption(caption_text(landscape, started, self.paths))
        self.step = update.steps_taken

    def image(self, scale: int = 1, camera: Camera | None = None) -> QImage:
        if camera is not None:
            self.grid.camera.set(camera)
        lead = f"loss landscape in 3-D · step {self.step}"
        footer = footer_text(lead, self.state.started.config)
        return self.grid.picture(scale, FIGURE_SIZE, footer)

    def close(self) -> None:
        delete_now(self.grid)

    def __enter__(self) -> SurfaceFigure:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def settings_text(
    state: LandscapeState, theme: Theme, camera: Camera, animation: str | None = None
) -> str:
    """JSON that reproduces the picture: every setting, the step, the plane, window and camera
    (and a GIF's animation)."""
    landscape = state.landscape
    extra = {} if animation is None else {"animation": animation}
    return settings_json(
        state.started.config,
        theme,
        step=state.update.steps_taken,
        view="landscape 3d",
        plane=landscape.plane.kind,
        window=[list(axis) for axis in landscape.window],
        azimuth=camera.azimuth,
        elevation=camera.elevation,
        **extra,
    )


def growth_steps(steps: int, every: int | None = None) -> list[int]:
    """The steps a growing GIF's frames show: 1, 1 + every, … and the last; ``every`` by
    default such that there are :data:`PATH_FRAMES` or one more (the last step)."""
    return frame_steps(steps, every or default_frame_every(steps, PATH_FRAMES))


def export_landscape_3d(
    path: str | os.PathLike,
    state: LandscapeState,
    theme: Theme,
    scale: int = 1,
    camera: Camera | None = None,
    animation: str = "turn",
    every: int | None = None,
    fps: float = 10.0,
) -> None:
    """A PNG from ``camera`` (the default one if None), or a GIF from it by the file's
    extension: ``animation`` "turn" (once around) or "paths" (growing from step 1, a frame
    every ``every`` steps, at ``fps``). ``ValueError`` for another extension or animation, or
    paths with no step to grow."""
    kind = Path(path).suffix.lower().lstrip(".")
    if kind not in FORMATS_3D:
        raise ValueError(f"a 3-D landscape is saved as .png or .gif, not {str(path)!r}")
    if animation not in ANIMATIONS_3D:
        raise ValueError(f"a 3-D GIF shows {' or '.join(ANIMATIONS_3D)}, not {animation!r}")
    check_scale(scale)
    steps = growth_steps(state.update.steps_taken, every)
    if kind == "gif" and animation == "paths" and not steps:
        raise ValueError("nothing to animate yet: press Play or Step first")
    check_writable(path)
    camera = (camera or Camera()).held()
    text = settings_text(state, theme, camera, animation if kind == "gif" else None)
    with SurfaceFigure(state, theme, camera) as figure:
        if kind == "png":
            data = png_bytes(figure.image(scale), text)
        elif animation == "turn":
            data = encode_gif(_turning(figure, camera), TURN_FPS, text)
        else:
            data = encode_gif(_growing(figure, steps), fps, text)
    atomic_write(path, lambda handle: handle.write(data), binary=True)


def _turning(figure: SurfaceFigure, camera: Camera) -> list:
    """:data:`TURN_FRAMES` pictures from ``camera`` turned once around, 10° apart."""
    turns = [
        replace(camera, azimuth=camera.azimuth + 360.0 * k / TURN_FRAMES)
        for k in range(TURN_FRAMES)
    ]
    return [pillow_image(figure.image(1, turn)) for turn in turns]


def _growing(figure: SurfaceFigure, steps: list[int]) -> list:
    """A picture of the paths and heads after each of ``steps``, from the figure's camera."""
    update, frames = figure.state.update, []
    for step in steps:
        figure.show(update_at_step(update, step))
        frames.append(pillow_image(figure.image(1)))
    return frames


class Landscape3DExportDialog(FormatRows, FrameRows, OptionsDialog):
    """The 3-D view as a PNG (1×–3×) or an animated GIF: the camera turning once around, or the
    paths growing (a frame every k steps, at a frame rate)."""

    def __init__(self, theme: Theme, steps: int, parent: QWidget | None = None):
        super().__init__("Export the 3-D landscape", theme, parent)
        self._add_format_rows(FORMATS_3D)
        self.animation_box = QComboBox()
        for name, title in ANIMATIONS_3D.items():
            self.animation_box.addItem(title, name)
        self.animation_box.currentIndexChanged.connect(lambda _: self._format_chosen())
        self.form.addRow("Animation", self.animation_box)
        self._add_frame_rows(steps, default_frame_every(steps, PATH_FRAMES))
        self._finish()
        self._format_chosen()

    def _format_chosen(self) -> None:
        super()._format_chosen()
        gif = self.format == "gif"
        self.animation_box.setEnabled(gif)
        for box in (self.every_box, self.fps_box):
            box.setEnabled(gif and self.animation == "paths")

    @property
    def animation(self) -> str:
        return self.animation_box.currentData()
