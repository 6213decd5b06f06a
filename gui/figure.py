"""Figures for slides and handouts: the panel grid drawn offscreen, to PNG, SVG or GIF frames.

A 2× or 3× PNG is the 1× figure, sharper: the scene is painted into an image whose device pixel
ratio is the scale (so text and legend grow with it) and every line is built that much wider
(cosmetic pens would otherwise stay one device pixel thin).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pyqtgraph.exporters
from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QEvent, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QGraphicsView, QWidget

import engine
from engine.config_io import config_to_dict
from engine.progress import ExperimentStarted, LossUpdate
from gui.history import LossHistory
from gui.panels import PanelGrid
from gui.themes import Theme

FIGURE_SIZE = (1280, 800)  # logical pixels of a 1× figure (16:10, as most slides)
SETTINGS_KEY = "optimizers-from-scratch"  # PNG text chunk carrying the settings
SCALES = (1, 2, 3)


@dataclass(frozen=True)
class FigureState:
    """What a figure shows: an experiment's settings and runs, and its losses from step 0."""

    started: ExperimentStarted
    update: LossUpdate
    log_y: bool = False
    views: tuple | None = None  # per panel ((x0, x1), (y0, y1)), to export the window's zoom

    def settings_text(self, theme: Theme) -> str:
        """JSON that reproduces the figure: every setting, the step, and the look."""
        return json.dumps(
            {
                "settings": config_to_dict(self.started.config),
                "step": self.update.steps_taken,
                "theme": theme.name,
                "log_y": self.log_y,
                "app": f"Optimizers from Scratch {engine.__version__}",
            }
        )


class Figure:
    """An offscreen :class:`PanelGrid` with a footer; reused for every frame of an animation."""

    def __init__(self, state: FigureState, theme: Theme, scale: int = 1):
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(map(str, SCALES))}, not {scale}")
        QApplication.instance() or QApplication([])
        self.state, self.theme, self.scale = state, theme, scale
        self.grid = PanelGrid(theme=theme, footer=True)
        self.grid.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.grid.resize(*FIGURE_SIZE)
        self.grid.apply_theme(theme, pen_scale=scale)
        self.history = LossHistory()
        self.history.clear(len(state.started.runs), state.started.config.dtype)
        self.grid.start(state.started, self.history)
        self.grid.set_log_y(state.log_y)
        self.grid.show()
        if state.views is not None:
            for panel, (x_range, y_range) in zip(self.grid.panels, state.views):
                panel.plot.setRange(xRange=x_range, yRange=y_range, padding=0)
            self.freeze_axes()
        self.show(state.update)

    def show(self, update: LossUpdate) -> None:
        """Draw ``update`` (losses from step 0); axes keep growing to fit, as in the window."""
        self.history.clear(len(self.state.started.runs), self.state.started.config.dtype)
        self.history.apply(update)
        self.grid.redraw(update)
        config = self.state.started.config
        self.grid.set_footer(
            f"Optimizers from Scratch · step {update.steps_taken} · seed {config.seed} · "
            f"hidden units {config.hidden} · stop loss {config.stop_loss:g} · "
            f"max steps {config.max_steps}"
        )
        QCoreApplication.processEvents()

    def freeze_axes(self) -> None:
        """Keep the current ranges for what follows (animation frames must not jump)."""
        for panel in self.grid.panels:
            panel.follow = False

    def image(self) -> QImage:
        return render_scene(self.grid, self.theme.background, self.scale)

    def png_bytes(self) -> bytes:
        image = self.image()
        image.setText(SETTINGS_KEY, self.state.settings_text(self.theme))
        return encode_image(image, "PNG")

    def svg_bytes(self) -> bytes:
        exporter = pyqtgraph.exporters.SVGExporter(self.grid.scene())
        data = exporter.export(toBytes=True)
        return bytes(data)

    def close(self) -> None:
        delete_now(self.grid)

    def __enter__(self) -> Figure:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def render_scene(view: QGraphicsView, background: str, scale: int) -> QImage:
    """``view``'s scene at FIGURE_SIZE × ``scale`` pixels. The scale is the image's device pixel
    ratio, so text and legends grow with it (lines must be built ``scale`` times wider)."""
    width, height = FIGURE_SIZE
    image = QImage(width * scale, height * scale, QImage.Format.Format_RGB32)
    image.fill(QColor(background))
    image.setDevicePixelRatio(scale)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    view.scene().render(painter, QRectF(0, 0, width, height), QRectF(0, 0, width, height))
    painter.end()
    image.setDevicePixelRatio(1)
    dots_per_metre = round(96 * scale / 0.0254)  # so a slide places 2× at 1×'s size
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    return image


def delete_now(widget: QWidget) -> None:
    """Close and delete an offscreen widget at once: Qt objects left to interpreter exit can
    crash it (exit code 139)."""
    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def encode_image(image: QImage, fmt: str) -> bytes:
    """The image as a PNG (or other Qt format) file's bytes, in memory."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt):
        raise OSError(f"Qt could not encode the image as {fmt}")
    buffer.close()
    return bytes(data.data())


def frame_steps(total: int, every: int) -> list[int]:
    """Steps shown by an animation's frames: 1, 1+every, … and always the last one."""
    if total < 1:
        return []
    steps = list(range(1, total + 1, max(1, every)))
    if steps[-1] != total:
        steps.append(total)
    return steps


def gif_bytes(state: FigureState, theme: Theme, every: int, fps: float, scale: int = 1) -> bytes:
    """An animated GIF from step 0 to the state's step: one frame every ``every`` steps.

    Frames share one palette (taken from the last, fullest frame) and Pillow stores only the
    region that changed since the previous frame, which keeps the file small.
    """
    from PIL import Image

    from engine.progress import update_at_step

    steps = frame_steps(state.update.steps_taken, every)
    if not steps:
        raise ValueError("nothing to animate yet: press Play or Step first")
    frames = []
    with Figure(state, theme, scale) as figure:
        figure.freeze_axes()
        for step in steps:
            figure.show(update_at_step(state.update, step))
            frames.append(_to_pillow(figure.image()))
    palette = frames[-1].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    frames = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    frame_ms = max(20, round(1000 / fps))
    durations = [frame_ms] * (len(frames) - 1) + [max(frame_ms, 2000)]  # hold the end
    out = io.BytesIO()
    frames[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
        comment=state.settings_text(theme).encode(),
    )
    return out.getvalue()


def _to_pillow(image: QImage):
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    return Image.frombuffer(
        "RGB",
        (rgb.width(), rgb.height()),
        bytes(rgb.constBits()),
        "raw",
        "RGB",
        rgb.bytesPerLine(),
        1,
    ).copy()
