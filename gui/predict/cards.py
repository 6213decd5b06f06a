"""The class's predictions drawn on the panels: a card pinned to each panel's top-right corner,
like a legend, with a row per optimizer (its pick, then ✓ or ✗ as its run ends) and a row for
the first to converge; the score joins the grid's legend once every run has ended.

Drawn the same in the window (where rows take clicks) and in exported figures.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsTextItem

from engine.config.settings import ExperimentConfig
from engine.experiment.predictions import NO_OPTIMIZER, Outcomes, Predictions, Score, marks
from gui.panels.loss_panel import LossPanel
from gui.plotting.helpers import point_font
from gui.plotting.palette import optimizer_colour
from gui.plotting.themes import Theme

RIGHT, WRONG = "#009E73", "#D55E00"  # Okabe–Ito green and vermillion: legible on both themes
PAST_TENSE = {"converges": "converged", "stalls": "stalled", "blows up": "blew up"}
MARGIN = 8  # pixels between a card and its panel's edges
FIT = (0.6, 0.85)  # the most of a view's width and height a card takes


@dataclass(frozen=True)
class CardRow:
    """One line of a card: its HTML, and whether the keyboard cursor is on it."""

    html: str
    current: bool = False


class PickCard(QGraphicsRectItem):
    """Rows of text on a translucent card in the top-right corner of ``view`` (a ViewBox: the
    card does not pan or zoom). A click on a row calls ``on_click(row, +1)``, a right-click
    ``on_click(row, −1)``."""

    def __init__(self, view: pg.ViewBox, on_click: Callable[[int, int], None] | None = None):
        super().__init__(view)
        self.view, self.on_click = view, on_click
        self.setZValue(1000)
        self.cursor = QGraphicsRectItem(self)
        self.cursor.setPen(QPen(Qt.PenStyle.NoPen))
        self.lines: list[QGraphicsTextItem] = []
        self.theme: Theme | None = None
        view.sigResized.connect(self._place)

    def show_rows(self, rows: list[CardRow], theme: Theme) -> None:
        self.theme = theme
        while len(self.lines) < len(rows):
            self.lines.append(QGraphicsTextItem(self))
        for extra in self.lines[len(rows) :]:
            extra.setVisible(False)
        font = point_font(theme.tick_pt)
        pad = 4 * theme.scale
        y, width, current = pad, 0.0, None
        for line, row in zip(self.lines, rows):
            line.setVisible(True)
            line.setFont(font)
            line.setDefaultTextColor(QColor(theme.foreground))
            line.setHtml(row.html)
            line.setPos(pad, y)
            if row.current:
                current = (y, line.boundingRect().height())
            y += line.boundingRect().height()
            width = max(width, line.boundingRect().width())
        self.setRect(QRectF(0, 0, width + 2 * pad, y + pad))
        background = QColor(theme.background)
        background.setAlpha(200)
        self.setBrush(QBrush(background))
        self.setPen(pg.mkPen(QColor(theme.foreground), width=theme.scale))
        self.cursor.setVisible(current is not None)
        if current is not None:
            highlight = QColor(theme.foreground)
            highlight.setAlpha(45)
            self.cursor.setBrush(QBrush(highlight))
            self.cursor.setRect(QRectF(1, current[0], width + 2 * pad - 2, current[1]))
        self._place()

    def detach(self) -> None:
        """Off the view for good (predict mode ended or the panels were rebuilt)."""
        with contextlib.suppress(RuntimeError, TypeError):  # the view (and this card) is gone
            self.view.sigResized.disconnect(self._place)
            scene = self.scene()
            if scene is not None:
                scene.removeItem(self)

    def row_at(self, y: float) -> int | None:
        for index, line in enumerate(self.lines):
            top = line.pos().y()
            if line.isVisible() and top <= y < top + line.boundingRect().height():
                return index
        return None

    def _place(self, *_) -> None:
        """In the top-right corner, shrunk if need be to take at most FIT of the view's width
        and height (a small panel at a large zoom): a card never hides a whole panel."""
        width, height = self.view.width(), self.view.height()
        rect = self.rect()
        if rect.width() <= 0 or width <= 0 or height <= 0:
            return
        self.setScale(min(1.0, FIT[0] * width / rect.width(), FIT[1] * height / rect.height()))
        self.setPos(max(0.0, width - rect.width() * self.scale() - MARGIN), MARGIN)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        row = self.row_at(event.pos().y())
        if self.on_click is None or row is None:
            event.ignore()
            return
        event.accept()
        self.on_click(row, -1 if event.button() == Qt.MouseButton.RightButton else 1)


def optimizer_row_count(config: ExperimentConfig) -> int:
    """Rows that take a pick in each card: one per optimizer, then the first to converge."""
    return len(config.optimizers) + 1


def card_rows(
    config: ExperimentConfig,
    lr: float,
    predictions: Predictions,
    result: Outcomes | None,
    cursor: int | None,
    locked: bool,
) -> list[CardRow]:
    """A card's rows for the panel at ``lr``: a header, a row per optimizer, the first row.
    ``cursor`` is the pick row (0 = first optimizer) the keyboard is on; ``result`` marks picks
    right or wrong as the runs end."""
    verdict_marks, first_marks = marks(predictions, result) if result else ({}, {})
    right = sum(bool(verdict_marks.get((s.key, lr))) for s in config.optimizers)
    right += bool(first_marks.get(lr))
    judged = sum(verdict_marks.get((s.key, lr)) is not None for s in config.optimizers)
    judged += first_marks.get(lr) is not None
    header = "Predictions" + (" · locked" if locked else "")
    if judged:
        header = f"Predictions · {right} of {judged} right"
    rows = [CardRow(f"<b>{escape(header)}</b>")]
    for i, spec in enumerate(config.optimizers):
        pick = predictions.verdict(spec.key, lr)
        actual = None if result is None else result.verdicts.get((spec.key, lr))
        mark = _mark(verdict_marks.get((spec.key, lr)), PAST_TENSE[actual.value] if actual else "")
        swatch = f"<span style='color:{optimizer_colour(spec.name)}'>■</span>"
        text = f"{swatch} {escape(spec.label)}: <b>{pick.value if pick else '?'}</b>{mark}"
        rows.append(CardRow(text, cursor == i))
    first = predictions.first_pick(lr)
    labels = {spec.key: spec.label for spec in config.optimizers}
    named = "?" if first is None else "none" if first == NO_OPTIMIZER else labels.get(first, first)
    actual_first = set() if result is None else result.first.get(lr, set())
    shown = ", ".join("none" if k == NO_OPTIMIZER else labels.get(k, k) for k in actual_first)
    mark = _mark(first_marks.get(lr), shown)
    rows.append(CardRow(f"First to converge: <b>{escape(named)}</b>{mark}", cursor == i + 1))
    return rows


def _mark(right: bool | None, actual: str) -> str:
    if right is None:
        return ""
    if right:
        return f" <span style='color:{RIGHT}'>✓</span>"
    return f" <span style='color:{WRONG}'>✗ {escape(actual)}</span>"


class PredictionCards:
    """A :class:`PickCard` on every panel of a grid, and the score in its legend."""

    def __init__(self, grid, on_click: Callable[[int, int, int], None] | None = None):
        self.grid = grid
        self.on_click = on_click  # (panel, row, step)
        self.cards: list[PickCard] = []
        self._panels: list[LossPanel] = []
        self.score_sample = pg.PlotDataItem([0.0], [0.0], pen=None)
        self.score_text: str | None = None

    def show(
        self,
        config: ExperimentConfig,
        predictions: Predictions,
        result: Outcomes | None,
        cursor: tuple[int, int] | None = None,
        locked: bool = False,
        score: Score | None = None,
    ) -> None:
        """Every panel's card as the picks and results stand; the score once known."""
        if self._panels != self.grid.panels:
            self.clear()
            self._panels = list(self.grid.panels)
            for index, panel in enumerate(self._panels):
                click = None if self.on_click is None else self._click_handler(index)
                self.cards.append(PickCard(panel.plot.getViewBox(), click))
        theme = self.grid.theme
        for index, (card, lr) in enumerate(zip(self.cards, config.learning_rates)):
            row = cursor[1] if cursor is not None and cursor[0] == index else None
            card.show_rows(card_rows(config, lr, predictions, result, row, locked), theme)
            card.setVisible(True)
        self._show_score(None if score is None else f"Score: {score.text}")

    def _click_handler(self, panel: int) -> Callable[[int, int], None]:
        def clicked(row: int, step: int) -> None:
            if row > 0:  # the header takes no pick
                self.on_click(panel, row - 1, step)

        return clicked

    def _show_score(self, text: str | None) -> None:
        legend = self.grid.legend
        if text == self.score_text and (text is None or self._in_legend()):
            return
        if self._in_legend():
            legend.removeItem(self.score_sample)
        if text is not None:
            legend.addItem(self.score_sample, text)
        self.score_text = text
        self.grid.fit_layout()  # the legend's columns, with or without the score

    def _in_legend(self) -> bool:
        return any(sample.item is self.score_sample for sample, _ in self.grid.legend.items)

    def clear(self) -> None:
        """No cards and no score (predict mode off)."""
        for card in self.cards:
            card.detach()
        self.cards, self._panels = [], []
        self._show_score(None)
