"""The code itself: a monospace plain-text editor with line numbers in a gutter, Python's
colours, four-space indents, and one line marked when the code there is wrong.

Its font is the dock's (the zoom sets its size) in a fixed-width family; the gutter and the tab
stops follow the font.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeyEvent,
    QPainter,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from gui.editor.highlighter import PythonHighlighter

INDENT = "    "
COLUMNS = 60  # the width the editor asks for: the templates' longest line and some
ERROR_LINE = "#FFD7D5"
GUTTER_TEXT, GUTTER_BACKGROUND = "#6E6E6E", "#F0F0F0"
GUTTER_PADDING = 6  # pixels either side of the numbers


class CodeView(QPlainTextEdit):
    """Python source with line numbers; :meth:`mark_line` shades a line (None: none)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._gutter = _Gutter(self)
        self._marked: int | None = None
        self.setFont(_fixed_font(self.font().pointSizeF()))
        self.highlighter = PythonHighlighter(self.document())
        self.blockCountChanged.connect(lambda _count: self._fit_gutter())
        self.updateRequest.connect(self._scroll_gutter)
        self._fit_gutter()

    @property
    def marked_line(self) -> int | None:
        return self._marked

    def mark_line(self, line: int | None) -> None:
        """Shade ``line`` (from 1) across the editor and scroll it into view."""
        self._marked = line
        selections = []
        block = self.document().findBlockByNumber(line - 1) if line else None
        if block is not None and block.isValid():
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(QColor(ERROR_LINE))
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.cursor = QTextCursor(block)
            selections.append(selection)
            self._scroll_to(block.blockNumber())
        self.setExtraSelections(selections)

    def _scroll_to(self, block_number: int) -> None:
        first = self.firstVisibleBlock().blockNumber()
        rows = max(1, self.viewport().height() // max(1, self.fontMetrics().height()))
        if not first <= block_number < first + rows - 1:
            self.verticalScrollBar().setValue(max(0, block_number - rows // 3))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        columns = self.fontMetrics().horizontalAdvance("x" * COLUMNS)
        return QSize(self.gutter_width() + columns + 2 * self.frameWidth(), 400)

    # --- keys ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Tab and not event.modifiers():
            self.insertPlainText(INDENT)
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self._new_line()
        else:
            super().keyPressEvent(event)

    def _new_line(self) -> None:
        """Enter keeps the line's indent, one deeper after a line ending in a colon."""
        line = self.textCursor().block().text()
        indent = line[: len(line) - len(line.lstrip(" "))]
        if line.rstrip().endswith(":"):
            indent += INDENT
        self.insertPlainText("\n" + indent)

    # --- font and gutter -----------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_font()

    def _fit_font(self) -> None:
        """Fixed width whatever size the zoom gave; the gutter and tab stops follow."""
        fixed = _fixed_font(self.font().pointSizeF())
        if self.font().family() != fixed.family():
            self.setFont(fixed)  # comes back here once with the fixed font
            return
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(INDENT))
        self._gutter.setFont(self.font())
        self._fit_gutter()

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 2 * GUTTER_PADDING + self.fontMetrics().horizontalAdvance("9") * max(2, digits)

    def _fit_gutter(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        area = self.contentsRect()
        self._gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def paint_gutter(self, painter: QPainter, exposed: QRect) -> None:
        """The line numbers of the visible lines, the marked one bold."""
        painter.fillRect(exposed, QColor(GUTTER_BACKGROUND))
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        width = self._gutter.width() - GUTTER_PADDING
        height = self.fontMetrics().height()
        while block.isValid() and top <= exposed.bottom():
            number = block.blockNumber() + 1
            font = QFont(self.font())
            font.setBold(number == self._marked)
            painter.setFont(font)
            painter.setPen(QColor("#B00000" if number == self._marked else GUTTER_TEXT))
            if block.isVisible():
                painter.drawText(0, top, width, height, Qt.AlignmentFlag.AlignRight, str(number))
            top += round(self.blockBoundingRect(block).height())
            block = block.next()


def _fixed_font(point_size: float) -> QFont:
    """The system's fixed-width font at ``point_size``."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(point_size)
    return font


class _Gutter(QWidget):
    """The strip left of the text where :class:`CodeView` paints its line numbers."""

    def __init__(self, view: CodeView):
        super().__init__(view)
        self._view = view

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self._view.gutter_width(), 0)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        self._view.paint_gutter(painter, event.rect())
        painter.end()
