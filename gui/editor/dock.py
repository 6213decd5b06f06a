"""The "Your optimizer" dock: a rule's code, where it came from, and what to do with it.

Save (Ctrl+S) reads the file's outline (never runs it: the engine does, in its own process),
marks the line of anything wrong, else writes the file it came from (if any) and puts the rule in
the experiment through the model, in place of its previous version. The text is never lost: a
new template replaces it as one undoable edit, hiding the dock keeps it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QEvent, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.config.settings import OptimizerSpec
from engine.optimizers.templates import TEMPLATES, template_code
from engine.optimizers.user_code import CodeError, OptimizerCode, read_outline
from gui.editor.check_row import CheckRow
from gui.editor.code_view import CodeView
from gui.state.experiment_model import ExperimentModel

UNTITLED = "my_optimizer.py"
FILE_FILTER = "Python (*.py);;All files (*)"
ERROR_STYLE = "color: #B00000; font-weight: bold;"
OK_STYLE = "color: #267F26;"


class OptimizerEditor(QWidget):
    """Edits one optimizer file at a time and saves it into ``model``."""

    message = Signal(str)  # a one-line report for the status bar
    check_requested = Signal(object, str)  # the OptimizerCode and the built-in to compare with

    def __init__(
        self, model: ExperimentModel, draft: str | None = None, parent: QWidget | None = None
    ):
        """``draft``: text left unsaved last time, shown first; else the experiment's latest
        written optimizer, else the blank template."""
        super().__init__(parent)
        self.model = model
        self._path: Path | None = None
        self._saved_name: str | None = None  # the experiment's version of this text
        self._files: dict[str, Path] = {}  # where each optimizer saved this session came from
        self._error = False
        self._untitled = UNTITLED  # the file's name in messages until it is saved to a file
        self.code_view = CodeView()
        self.code_view.textChanged.connect(self._on_edit)
        self.template = QComboBox()
        for key, title in TEMPLATES.items():
            self.template.addItem(title, key)
        self.template.setToolTip("What a new rule starts from (Ctrl+Z brings back the old text)")
        self.template.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.template.setMinimumContentsLength(8)
        self.template.activated.connect(lambda _index: self.start_from_template())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.file_label = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(self._start_row())
        layout.addLayout(self._file_row())
        layout.addWidget(self.code_view, 1)
        layout.addWidget(self.status)
        layout.addLayout(self._save_row())
        self.check_row = CheckRow()
        self.check_row.requested.connect(self._check)
        layout.addWidget(self.check_row)
        self._start(draft)

    def _start(self, draft: str | None) -> None:
        if draft is not None:
            self.start_from_template()
            self._replace_text(draft)
            self._say("Your unsaved rule from last time: Save (Ctrl+S) puts it in the experiment")
        elif self.model.written:
            self.open_spec(self.model.written[-1])
        else:
            self.start_from_template()

    def _start_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Start from"))
        row.addWidget(self.template, 1)
        new = _button("New", "Replace the text with the chosen start", self.start_from_template)
        row.addWidget(new)
        return row

    def _file_row(self) -> QHBoxLayout:
        """Where the text is saved (a long path is cut, not widening the dock), and Open…."""
        row = QHBoxLayout()
        self.file_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.file_label, 1)
        row.addWidget(_button("Open…", "Edit an optimizer file", self.ask_open))
        return row

    def _save_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.save_button = _button(
            "Save", "Into the experiment, and to its file if it has one (Ctrl+S)", self.save
        )
        row.addWidget(self.save_button)
        row.addWidget(_button("Save as…", "To a new file, then into the experiment", self.save_as))
        self.remove_button = _button("Remove", "Take it out of the experiment", self.remove)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        return row

    # --- keys ----------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        """Ctrl+S is Save anywhere in the dock (elsewhere the window's: Export figure)."""
        if event.type() == QEvent.Type.ShortcutOverride and event.matches(
            QKeySequence.StandardKey.Save
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.matches(QKeySequence.StandardKey.Save):
            self.save()
        else:
            super().keyPressEvent(event)

    # --- what it shows ---------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.code_view.toPlainText()

    @property
    def path(self) -> Path | None:
        """The file the text came from and is saved to (None: only in the experiment)."""
        return self._path

    @property
    def saved_name(self) -> str | None:
        """The name of the experiment's optimizer this text is a version of."""
        return self._saved_name

    @property
    def modified(self) -> bool:
        return self.code_view.document().isModified()

    @property
    def error_text(self) -> str:
        """The message of what is wrong with the code ("" if nothing is)."""
        return self.status.text() if self._error else ""

    @property
    def status_text(self) -> str:
        """The line under the code: what Save or Check said, or what is wrong."""
        return self.status.text()

    def code(self) -> OptimizerCode:
        return OptimizerCode(self.text, self._path.name if self._path else self._untitled)

    def mark_error(self, line: int | None, message: str) -> None:
        """``message`` under the code and ``line`` (from 1; None: the file as a whole) marked."""
        self._error = True
        self.code_view.mark_line(line)
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(message)

    def clear_error(self) -> None:
        self._error = False
        self.code_view.mark_line(None)
        self.status.setText("")

    def _say(self, text: str) -> None:
        self._error = False
        self.code_view.mark_line(None)
        self.status.setStyleSheet(OK_STYLE)
        self.status.setText(text)
        self.message.emit(text)

    def _show_file(self) -> None:
        where = str(self._path) if self._path else "not saved to a file (kept in the experiment)"
        self.file_label.setText(where)
        self.file_label.setToolTip(where)
        self.remove_button.setEnabled(self._saved_name is not None)

    @Slot()
    def _on_edit(self) -> None:
        if self.code_view.marked_line is not None:
            self.code_view.mark_line(None)  # the marked line may have moved; the message stays

    # --- starting points -------------------------------------------------------------------

    def start_from_template(self, key: str | None = None) -> None:
        """The chosen template (or ``key``'s) as a new, unsaved rule; Ctrl+Z undoes it."""
        if key is not None:
            self.template.setCurrentIndex(self.template.findData(key))
        start = template_code(self.template.currentData())
        self.check_row.choose_for_template(self.template.currentData())
        self._untitled = start.filename
        self._replace_text(start.source)
        self.code_view.document().setModified(False)  # nothing of the user's yet
        self._path, self._saved_name = None, None
        self._show_file()
        self._say("A new rule: Save (Ctrl+S) adds it to the experiment; Ctrl+Z undoes the start")

    def open_spec(self, spec: OptimizerSpec) -> None:
        """The code of the experiment's optimizer ``spec`` (a version of it is saved)."""
        self._replace_text(spec.code.source)
        self.code_view.document().setModified(False)
        self._path = self._files.get(spec.name)
        self._untitled = spec.code.filename
        self._saved_name = spec.name
        self._show_file()
        self.clear_error()

    def open_file(self, path: Path) -> bool:
        """``path``'s text to edit (not yet in the experiment: Save puts it there)."""
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            self.mark_error(None, f"{path.name}: could not read it ({err})")
            return False
        self._replace_text(source)
        self.code_view.document().setModified(False)
        self._path, self._saved_name = path, None
        self._show_file()
        self._say(f"Opened {path.name}: Save (Ctrl+S) puts it in the experiment")
        return True

    def ask_open(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Open an optimizer file", "", FILE_FILTER)
        if chosen:
            self.open_file(Path(chosen))

    def _replace_text(self, text: str) -> None:
        """One undoable edit, so Ctrl+Z brings back what was there."""
        cursor = self.code_view.textCursor()
        cursor.beginEditBlock()
        cursor.select(cursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()
        self.code_view.moveCursor(cursor.MoveOperation.Start)

    # --- saving ------------------------------------------------------------------------------

    @Slot()
    def save(self) -> bool:
        """Into the experiment (and the file it came from): False, with the line marked, if
        the code breaks the contract or the experiment refuses it."""
        code = self.code()
        try:
            outline = read_outline(code)
        except CodeError as err:
            self.mark_error(err.line, str(err))
            return False
        if self._path is not None and not self._write(self._path):
            return False
        refusals: list[str] = []
        self.model.refused.connect(refusals.append)
        try:
            saved = self.model.save_written(code, self._saved_name)
        finally:
            self.model.refused.disconnect(refusals.append)
        if not saved:
            self.mark_error(None, f"Not applied: {refusals[0] if refusals else 'refused'}")
            return False
        self._saved_name = outline.name
        if self._path is not None:
            self._files[outline.name] = self._path
        self.code_view.document().setModified(False)
        self._show_file()
        self._say(f"{outline.name} saved: restarted at step 0 with it")
        return True

    def save_as(self) -> bool:
        start = str(self._path) if self._path else self._untitled
        chosen, _ = QFileDialog.getSaveFileName(self, "Save the optimizer as", start, FILE_FILTER)
        return bool(chosen) and self.save_to(Path(chosen))

    def save_to(self, path: Path) -> bool:
        """To ``path`` from now on, then :meth:`save`."""
        previous, self._path = self._path, path
        if self.save():
            return True
        self._path = previous
        self._show_file()
        return False

    def _write(self, path: Path) -> bool:
        """The text to ``path`` whole (a temporary file renamed over it), or a marked error."""
        partial = path.with_name(path.name + ".partial")
        try:
            partial.write_text(self.text, encoding="utf-8")
            partial.replace(path)
        except OSError as err:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            self.mark_error(None, f"Could not write {path}: {err.strerror or err}")
            return False
        return True

    # --- check ---------------------------------------------------------------------------

    def enable_check(self) -> None:
        """Show the Check row: the window has connected ``check_requested`` to the engine."""
        self.check_row.show()

    def _check(self, builtin: str) -> None:
        code = self.code()
        try:
            read_outline(code)
        except CodeError as err:
            self.mark_error(err.line, str(err))
            return
        self._say(f"Checking against {self.check_row.builtin.currentText()}…")
        self.check_requested.emit(code, builtin)

    def show_check(self, message: str, equal: bool, line: int | None = None) -> None:
        """What Check found: "equals Momentum (β = 0.9) to 3e-8", or where it differs."""
        if equal:
            self._say(f"✓ {message}")
        else:
            self.mark_error(line, message)

    def remove(self) -> None:
        """The experiment's version out of it; the text stays here to edit or save again."""
        if self._saved_name is not None and self.model.remove_written(self._saved_name):
            self._say(f"{self._saved_name} removed from the experiment (its text stays here)")
            self._saved_name = None
            self._show_file()


def _button(text: str, tip: str, slot) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(lambda _=False: slot())
    return button
