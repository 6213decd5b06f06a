"""Figures drawn offscreen for files: one size, one set of scales, one footer, one settings note.

A 2× or 3× PNG is the 1× figure, sharper: the scene is painted into an image whose device pixel
ratio is the scale (so text and legend grow with it) and every line is built that much wider
(cosmetic pens would otherwise stay one device pixel thin). The panels' figure
(:mod:`gui.export.figure`)
and the sweep's (:mod:`gui.export.sweep`) are both drawn by :class:`OffscreenFigure`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Generic, TypeVar

import pyqtgraph.exporters
from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QEvent, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QGraphicsView, QWidget

import engine
from engine.config.settings import ExperimentConfig
from engine.io.experiment_file import config_to_dict
from engine.problems import get_problem
from gui.plotting.themes import Theme

APP_NAME = "Optimizers from Scratch"
FIGURE_SIZE = (1280, 800)  # logical pixels of a 1× figure (16:10, as most slides)
SCALES = (1, 2, 3)
SETTINGS_KEY = "optimizers-from-scratch"  # PNG text chunk carrying the settings


View = TypeVar("View", bound=QGraphicsView)  # with apply_theme(theme, pen_scale=…)


def check_scale(scale: int) -> None:
    """``ValueError`` unless ``scale`` is one of :data:`SCALES`."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(map(str, SCALES))}, not {scale}")


class OffscreenFigure(Generic[View]):
    """The view ``factory`` makes, shown offscreen at :data:`FIGURE_SIZE` in ``theme`` with lines
    ``scale`` times wider, and deleted on exit (or :meth:`close`). The caller fills ``widget``,
    then takes its :meth:`image`, :meth:`png_bytes` or :meth:`svg_bytes`."""

    def __init__(self, factory: Callable[[], View], theme: Theme, scale: int = 1):
        check_scale(scale)
        QApplication.instance() or QApplication([])
        self.theme, self.scale = theme, scale
        self.widget = factory()
        try:
            self.widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
            self.widget.resize(*FIGURE_SIZE)
            self.widget.apply_theme(theme, pen_scale=scale)
            self.widget.show()
        except BaseException:
            self.close()
            raise

    def image(self) -> QImage:
        """The figure at FIGURE_SIZE × scale pixels, laid out as its latest changes ask."""
        QCoreApplication.processEvents()
        return render_scene(self.widget, self.theme.background, self.scale)

    def png_bytes(self, settings: str) -> bytes:
        return png_bytes(self.image(), settings)

    def svg_bytes(self) -> bytes:
        QCoreApplication.processEvents()
        return svg_bytes(self.widget)

    def close(self) -> None:
        delete_now(self.widget)

    def __enter__(self) -> OffscreenFigure[View]:
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


def png_bytes(image: QImage, settings: str) -> bytes:
    """A PNG file of ``image`` whose :data:`SETTINGS_KEY` text chunk holds ``settings``."""
    image.setText(SETTINGS_KEY, settings)
    return encode_image(image, "PNG")


def svg_bytes(view: QGraphicsView) -> bytes:
    """An SVG file of ``view``'s scene (pyqtgraph's exporter: text stays text)."""
    # A view box applies a new range to its items only when the scene is about to paint; the
    # exporter does not paint, so without this it writes the curves where the last paint had them.
    view.scene().prepareForPaint()
    exporter = pyqtgraph.exporters.SVGExporter(view.scene())
    return bytes(exporter.export(toBytes=True))


def settings_json(config: ExperimentConfig, theme: Theme, **extra: object) -> str:
    """JSON that reproduces a figure: every setting, what ``extra`` adds (the step, the sweep's
    rates…), the theme and the app's version."""
    return json.dumps(
        {
            "settings": config_to_dict(config),
            **extra,
            "theme": theme.name,
            "app": f"{APP_NAME} {engine.__version__}",
        }
    )


def footer_text(lead: str, config: ExperimentConfig) -> str:
    """'Optimizers from Scratch · {lead} · seed 0 · hidden units 3 · stop loss 0.1 · max steps
    1000': what a figure shows (``lead``) and the settings that made it; for a 2-D problem its
    name and start instead of the hidden units."""
    problem = get_problem(config.problem)
    trained = f"hidden units {config.hidden}"
    if problem.is_surface:
        x, y = config.start or problem.defaults.start
        name = problem.display_name
        if config.function is not None:
            name = f"f(x, y) = {config.function.expression}"
        trained = f"{name} from ({x:g}, {y:g})"
    seeds = f"seed {config.seed}"
    if config.seeds > 1:
        seeds = f"seeds {config.seed}–{config.seed + config.seeds - 1}"
    return (
        f"{APP_NAME} · {lead} · {seeds} · {trained} · "
        f"stop loss {config.stop_loss:g} · max steps {config.max_steps}"
    )
