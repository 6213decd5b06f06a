"""The editor's own widget: Python's colours where a reader expects them, line numbers that
widen with the line count, Enter keeping the indent, and a marked line."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from gui.editor.code_view import INDENT, CodeView
from gui.editor.highlighter import COMMENT, KEYWORD, MODULE, NUMBER, STRING

SOURCE = '''def update(params, grads, state, lr):  # one step
    m = torch.zeros_like(params) * 0.9
    """a docstring
    over lines # not a comment"""
    return params - lr * grads, {"m": m}
'''


def colour_at(view: CodeView, line: int, text: str, nth: int = 0) -> str | None:
    """The colour the highlighter gave the ``nth`` ``text`` on ``line`` (from 1)."""
    block = view.document().findBlockByNumber(line - 1)
    column = -1
    for _ in range(nth + 1):
        column = block.text().index(text, column + 1)
    for fmt in block.layout().formats():
        if fmt.start <= column < fmt.start + fmt.length:
            return fmt.format.foreground().color().name()
    return None


def test_python_is_coloured(qtbot):
    view = CodeView()
    qtbot.addWidget(view)
    view.setPlainText(SOURCE)
    expected = [
        (1, "def", KEYWORD),
        (1, "# one step", COMMENT),
        (2, "torch", MODULE),
        (2, "0.9", NUMBER),
        (3, '"""a doc', STRING),
        (4, "# not a comment", STRING),
        (5, "return", KEYWORD),
        (5, '"m"', STRING),
    ]
    for line, text, colour in expected:
        assert colour_at(view, line, text) == QColor(colour).name(), (line, text)
    assert colour_at(view, 2, "m") is None  # a plain name stays plain


def test_the_gutter_widens_with_the_line_count(qtbot):
    view = CodeView()
    qtbot.addWidget(view)
    view.setPlainText("x = 1\n" * 9)
    narrow = view.gutter_width()
    view.setPlainText("x = 1\n" * 120)
    assert view.gutter_width() > narrow


def test_enter_keeps_the_indent_and_a_colon_adds_one(qtbot):
    view = CodeView()
    qtbot.addWidget(view)
    view.setPlainText("def update(params, grads, state, lr):")
    view.moveCursor(view.textCursor().MoveOperation.End)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.keyClicks(view, "m = 1")
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert view.toPlainText().splitlines()[1:] == [INDENT + "m = 1", INDENT]


def test_a_marked_line_is_shaded_and_cleared(qtbot):
    view = CodeView()
    qtbot.addWidget(view)
    view.setPlainText(SOURCE)
    view.mark_line(2)
    (selection,) = view.extraSelections()
    assert view.marked_line == 2 and selection.cursor.blockNumber() == 1
    view.mark_line(None)
    assert view.marked_line is None and view.extraSelections() == []
