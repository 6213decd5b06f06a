"""A lesson as a printed handout: a PDF, A4 portrait, one page per step, each with the step's
figure (as the window shows it once the step's action is done) over its text.

The figures come as plain payloads (:class:`engine.lessons.pictures.StepPicture`, made in the
engine process or headless by :mod:`engine.lessons.picturing`), so that the window's process
draws a handout without torch. Each figure is drawn offscreen, as the PNG exports are, at 2×
(about 360 dots an inch across the page), and the text is the step's Markdown.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
)

from engine.core.files import atomic_write, check_writable
from engine.lessons.format import Lesson
from engine.lessons.pictures import StepPicture
from gui.export.figure import Figure, FigureState
from gui.export.landscape import LandscapeFigure, LandscapeState
from gui.export.offscreen import APP_NAME, FIGURE_SIZE
from gui.export.sweep import sweep_image
from gui.plotting.themes import Theme
from gui.state.view_state import Quantity

RESOLUTION = 300  # dots an inch the pages are laid out in
MARGIN_MM = 16.0
FIGURE_SCALE = 2  # the figures' PNG scale: 2560 × 1600 pixels across 178 mm
TEXT_PT = 11.0
HEADER_PT = 9.5
INK = "#1a1a1a"
FAINT = "#6b6b6b"

HANDOUT_THEME = "presentation"  # white: a handout is printed


def export_handout(
    lesson: Lesson,
    path: str | os.PathLike,
    theme: Theme,
    pictures: Sequence[StepPicture],
) -> None:
    """Write ``lesson``'s handout to ``path``, a page per step with ``pictures`` (one per
    step, in order); written whole to a temporary file, then renamed: no half-written PDF."""
    if len(pictures) != len(lesson.steps):
        raise ValueError(f"{len(lesson.steps)} steps but {len(pictures)} pictures")
    check_writable(path)
    data = handout_bytes(lesson, theme, pictures)
    atomic_write(path, lambda handle: handle.write(data), binary=True)


def handout_bytes(lesson: Lesson, theme: Theme, pictures: Sequence[StepPicture]) -> bytes:
    """The handout as a PDF file's bytes, in memory."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setTitle(lesson.title)
    writer.setCreator(APP_NAME)
    margins = QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM)
    layout = QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, margins
    )
    layout.setUnits(QPageLayout.Unit.Millimeter)
    writer.setPageLayout(layout)
    painter = QPainter(writer)
    try:
        area = QRectF(writer.pageLayout().paintRectPixels(RESOLUTION))
        area.moveTo(0, 0)  # the painter's origin is the margins' corner
        for index, (step, picture) in enumerate(zip(lesson.steps, pictures)):
            if index:
                writer.newPage()
            image = figure_image(picture, theme)
            page = HandoutPage(lesson.title, index + 1, len(pictures), step.text, step.predict)
            page.paint(painter, area, image, picture.note)
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def figure_image(picture: StepPicture, theme: Theme, scale: int = FIGURE_SCALE) -> QImage:
    """The step's figure, drawn offscreen as the window's tab shows it."""
    if picture.tab == "landscape" and picture.landscape is not None:
        state = LandscapeState(picture.started, picture.update, picture.landscape)
        with LandscapeFigure(state, theme, scale) as figure:
            return figure.image()
    if picture.tab == "sweep" and picture.sweep is not None:
        return sweep_image(picture.sweep, picture.started.config.learning_rates, theme, scale)
    state = FigureState(
        picture.started, picture.update, picture.log_y, quantity=Quantity(picture.quantity)
    )
    with Figure(state, theme, scale) as figure:
        return figure.image()


class HandoutPage:
    """One step's page: a header (the lesson, "Step 3 of 8"), the figure across the page,
    a note under it if any, then the step's text; text too long for the page is shrunk."""

    def __init__(self, title: str, number: int, total: int, text: str, predict: bool = False):
        self.title, self.number, self.total = title, number, total
        self.text, self.predict = text, predict

    def paint(self, painter: QPainter, area: QRectF, image: QImage, note: str = "") -> None:
        """Paint the page into ``area`` (device pixels of a page at :data:`RESOLUTION`)."""
        top = self._header(painter, area)
        width, height = FIGURE_SIZE
        figure = QRectF(area.left(), top, area.width(), area.width() * height / width)
        painter.drawImage(figure, image)
        painter.setPen(QPen(QColor(FAINT), points(0.5)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(figure)
        top = figure.bottom() + points(10)
        if note:
            line = QRectF(area.left(), top, area.width(), points(HEADER_PT * 1.6))
            draw_line(painter, line, note, HEADER_PT, FAINT, italic=True)
            top = line.bottom() + points(4)
        self._text(painter, QRectF(area.left(), top, area.width(), area.bottom() - top))

    def heading(self) -> str:
        """'Step 3 of 8', and that the class predicts first if it does."""
        lead = f"Step {self.number} of {self.total}"
        return f"{lead} · predict first, then look" if self.predict else lead

    def _header(self, painter: QPainter, area: QRectF) -> float:
        line = QRectF(area.left(), area.top(), area.width(), points(HEADER_PT * 1.6))
        draw_line(painter, line, self.title, HEADER_PT, FAINT)
        draw_line(painter, line, self.heading(), HEADER_PT, INK, right=True, bold=True)
        rule = line.bottom() + points(3)
        painter.setPen(QPen(QColor(FAINT), points(0.5)))
        painter.drawLine(area.left(), rule, area.right(), rule)
        return rule + points(8)

    def _text(self, painter: QPainter, room: QRectF) -> None:
        document = QTextDocument()
        document.documentLayout().setPaintDevice(painter.device())  # points at its resolution
        document.setDefaultFont(text_font(TEXT_PT))
        document.setDocumentMargin(0)
        document.setMarkdown(self.text)
        document.setTextWidth(room.width())
        size = document.size()
        shrink = 1.0
        if size.height() > room.height():  # a long text: the whole of it, smaller, not cut off
            shrink = math.sqrt(room.height() / size.height())  # laid out wider, then scaled:
            document.setTextWidth(room.width() / shrink)  # its height goes as 1 / shrink²
            size = document.size()
            shrink = min(shrink, room.height() / size.height())
        painter.save()
        painter.translate(room.topLeft())
        painter.scale(shrink, shrink)
        document.drawContents(painter, QRectF(0, 0, size.width(), size.height()))
        painter.restore()


def draw_line(
    painter: QPainter,
    line: QRectF,
    text: str,
    size_pt: float,
    colour: str,
    *,
    right: bool = False,
    bold: bool = False,
    italic: bool = False,
) -> None:
    """One line of ``text`` in ``line``, at its left (or right) end."""
    font = text_font(size_pt)
    font.setBold(bold)
    font.setItalic(italic)
    painter.setFont(font)
    painter.setPen(QColor(colour))
    side = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
    painter.drawText(line, side | Qt.AlignmentFlag.AlignVCenter, text)


def text_font(size_pt: float) -> QFont:
    font = QFont()
    font.setPointSizeF(size_pt)
    return font


def points(value: float) -> float:
    """``value`` typographic points in device pixels at :data:`RESOLUTION`."""
    return value * RESOLUTION / 72
