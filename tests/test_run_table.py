"""The Runs table read from the back of a room: every header and cell shows its whole text
(wrapped, never cut) at 100 % and 200 % zoom, with four and nine learning rates; with more
rates than optimizers a row per rate; branches in rows of their own."""

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyle

from engine.config.settings import BranchSpec, ExperimentConfig
from gui.plotting.pacing import SPEED_STEPS
from gui.runs.run_table import column_widths
from tests.windows import open_main_window, temporary_settings

NINE_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
SGD_DROP = BranchSpec("sgd", 1.0, 20, lr=0.1)


def trained_window(qtbot, tmp_path, config: ExperimentConfig, zoom: int = 100):
    """A window that has trained ``config`` to its end, shown at ``zoom`` percent."""
    window = open_main_window(qtbot, temporary_settings(tmp_path), config, SPEED_STEPS)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done and not window.session.playing, timeout=60_000)
    while window.view.zoom < zoom:  # as the teacher does: Ctrl+= (125, 150, 200 %)
        QTest.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    window.refresh_now()
    return window


def cut_texts(table) -> list[str]:
    """Every header and cell whose text, laid out as drawn (wrapped at spaces in the cell's
    text rectangle), does not fit where it is drawn."""
    style = table.style()
    cell_margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    header_margin = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, table)
    cells = QFontMetrics(table.font())
    cut = []
    for column in range(table.columnCount()):
        width = table.columnWidth(column) - 2 * cell_margin - 1  # the grid line takes one
        for row in range(table.rowCount()):
            item = table.item(row, column)
            if item is None:
                continue
            laid = cells.boundingRect(
                QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, item.text()
            )
            if laid.width() > width or laid.height() > table.rowHeight(row):
                cut.append(item.text())
    for header, size in (
        (table.horizontalHeader(), table.columnWidth),
        (table.verticalHeader(), lambda _: table.verticalHeader().width()),
    ):
        metrics = QFontMetrics(header.font())
        for section in range(header.count()):
            text = header.model().headerData(section, header.orientation())
            if metrics.horizontalAdvance(text) + 2 * header_margin > size(section):
                cut.append(text)
    return cut


@pytest.mark.parametrize(("rates", "zoom"), [(9, 100), (9, 200), (4, 100), (4, 200)])
def test_every_header_and_cell_shows_its_whole_text(qtbot, tmp_path, rates, zoom):
    lrs = NINE_RATES if rates == 9 else (0.001, 0.01, 0.1, 1.0)
    window = trained_window(qtbot, tmp_path, ExperimentConfig(learning_rates=lrs), zoom)
    table = window.run_table
    texts = [table.cell(run.index).text() for run in window.session.started.runs]
    assert any(text.startswith("converged @") for text in texts)  # long texts, not "ready"

    def nothing_cut():
        assert cut_texts(table) == []

    qtbot.waitUntil(nothing_cut)  # once the zoom has laid out the docks
    assert table.font().pointSizeF() == pytest.approx(window.font().pointSizeF() * zoom / 100)


def test_with_more_rates_than_optimizers_each_rate_has_a_row(qtbot, tmp_path):
    config = ExperimentConfig(learning_rates=NINE_RATES, max_steps=60, branches=(SGD_DROP,))
    window = trained_window(qtbot, tmp_path, config)
    table = window.run_table
    rows = [table.verticalHeaderItem(row).text() for row in range(table.rowCount())]
    columns = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert rows == [f"η = {lr:g}" for lr in NINE_RATES] + ["SGD η=1 → η=0.1 @ 20"]
    assert columns == ["SGD", "Momentum", "RMSprop", "Adam"]
    latest = window.session.latest.summaries
    for run in window.session.started.runs:
        cell = table.cell(run.index)
        assert latest[run.index].describe() in cell.toolTip()  # the cell shows this run
        assert table.run_at(cell.row(), cell.column()) == run.index
        if run.branch is None:
            assert (cell.row(), cell.column()) == (run.lr_index, run.optimizer_index)
            assert f"η = {run.lr:g}" in cell.toolTip() and run.label in cell.toolTip()
        else:  # its own row, under its parent's (SGD's) column
            assert (cell.row(), cell.column()) == (len(NINE_RATES), 0)
    branch = table.cell(len(window.session.started.runs) - 1)
    menu = table.context_menu(table.visualItemRect(branch).center())
    assert [action.text() for action in menu.actions()][-1] == "Remove this branch"


def test_column_widths_keep_whole_lines_if_they_fit_and_share_the_room_left():
    assert column_widths([50, 70], [30, 40], room=150) == [65, 85]  # whole lines, 30 shared
    assert column_widths([80, 90], [30, 40], room=150) == [70, 80]  # wrapped, 80 shared
    assert column_widths([80, 90], [60, 100], room=150) == [60, 100]  # wider: it scrolls
    assert sum(column_widths([10, 10, 10], [5, 5, 5], room=100)) == 100
