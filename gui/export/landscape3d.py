"""The Landscape tab's 3-D view as a file: a PNG (1–3×) from the camera given, or an animated
GIF of the camera turning once around. Drawn with OpenGL by a :class:`SurfaceGrid` that is
never shown on screen, so it needs a display with OpenGL (on a machine without one, Xvfb:
``xvfb-run -a``)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from engine.config.settings import ConfigError
from engine.core.files import atomic_write, check_writable
from gui.export.dialogs import FormatRows, OptionsDialog
from gui.export.figure import encode_gif, pillow_image
from gui.export.landscape import LandscapeState
from gui.export.offscreen import (
    FIGURE_SIZE,
    check_scale,
    delete_now,
    footer_text,
    png_bytes,
    settings_json,
)
from gui.landscape.caption import caption_text
from gui.landscape.paths import PathHistory
from gui.plotting.themes import Theme
from gui.state.loss_history import LossHistory
from gui.surface3d.camera import Camera
from gui.surface3d.support import unavailable_reason

FORMATS_3D = {"png": "PNG image", "gif": "Animated GIF: the camera turning once around"}
TURN_FRAMES = 36  # a GIF's frames, 10° apart
TURN_FPS = 12.0


class SurfaceFigure:
    """A :class:`gui.surface3d.grid.SurfaceGrid` at :data:`FIGURE_SIZE`, never on screen,
    showing ``state`` from ``camera``."""

    def __init__(self, state: LandscapeState, theme: Theme, camera: Camera):
        reason = unavailable_reason()
        if reason is not None:
            raise ConfigError(f"{reason}: a 3-D landscape cannot be drawn here")
        from gui.surface3d.grid import SurfaceGrid  # loads OpenGL

        self.state = state
        self.grid = SurfaceGrid(theme=theme)
        self.grid.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.grid.resize(*FIGURE_SIZE)
        self.grid.show()  # the plots' OpenGL contexts are made when shown
        QCoreApplication.processEvents()
        started, landscape, update = state.started, state.landscape, state.update
        history, paths = LossHistory(), PathHistory()
        history.clear(len(started.runs), started.config.dtype)
        history.apply(update)
        paths.clear(len(started.runs), 0 if update.paths is None else update.paths.shape[-1])
        paths.apply(update)
        self.grid.start(started, history)
        self.grid.set_map(landscape)
        self.grid.redraw(paths.coordinates(landscape.plane), paths.counts)
        self.grid.set_caption(caption_text(landscape, started, paths))
        self.grid.camera.set(camera)

    def image(self, scale: int = 1, camera: Camera | None = None) -> QImage:
        if camera is not None:
            self.grid.camera.set(camera)
        lead = f"loss landscape in 3-D · step {self.state.update.steps_taken}"
        footer = footer_text(lead, self.state.started.config)
        return self.grid.picture(scale, FIGURE_SIZE, footer)

    def close(self) -> None:
        delete_now(self.grid)

    def __enter__(self) -> SurfaceFigure:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def settings_text(state: LandscapeState, theme: Theme, camera: Camera) -> str:
    """JSON that reproduces the picture: every setting, the step, the plane, window and camera."""
    landscape = state.landscape
    return settings_json(
        state.started.config,
        theme,
        step=state.update.steps_taken,
        view="landscape 3d",
        plane=landscape.plane.kind,
        window=[list(axis) for axis in landscape.window],
        azimuth=camera.azimuth,
        elevation=camera.elevation,
    )


def export_landscape_3d(
    path: str | os.PathLike,
    state: LandscapeState,
    theme: Theme,
    scale: int = 1,
    camera: Camera | None = None,
) -> None:
    """A PNG from ``camera`` (the default one if None), or a GIF turning once around from it,
    by the file's extension; ``ValueError`` for any other."""
    kind = Path(path).suffix.lower().lstrip(".")
    if kind not in FORMATS_3D:
        raise ValueError(f"a 3-D landscape is saved as .png or .gif, not {str(path)!r}")
    check_scale(scale)
    check_writable(path)
    camera = (camera or Camera()).held()
    text = settings_text(state, theme, camera)
    with SurfaceFigure(state, theme, camera) as figure:
        if kind == "png":
            data = png_bytes(figure.image(scale), text)
        else:
            turns = [
                replace(camera, azimuth=camera.azimuth + 360.0 * k / TURN_FRAMES)
                for k in range(TURN_FRAMES)
            ]
            frames = [pillow_image(figure.image(1, turn)) for turn in turns]
            data = encode_gif(frames, TURN_FPS, text)
    atomic_write(path, lambda handle: handle.write(data), binary=True)


class Landscape3DExportDialog(FormatRows, OptionsDialog):
    """The 3-D view as a PNG (1×–3×) or an animated GIF of the camera turning once around."""

    def __init__(self, theme: Theme, parent: QWidget | None = None):
        super().__init__("Export the 3-D landscape", theme, parent)
        self._add_format_rows(FORMATS_3D)
        self._finish()
        self._format_chosen()
