"""The Problem group's fields for your own f(x, y): the expression, checked by the engine's
whitelist parser as it is typed, and the map's window.

A bad expression is shown under the field with the position of its first bad token, and the
experiment keeps its last good one; Enter (or leaving the field) applies text that parses.
The field keeps what was typed while another problem is chosen, so choosing this one again
brings it back.
"""

from __future__ import annotations

from contextlib import ExitStack

from PySide6.QtCore import QSignalBlocker, Slot
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QWidget

from engine.config.limits import LIMITS
from engine.config.settings import ConfigError, ExperimentConfig, function_spec
from engine.problems import ExpressionError, FunctionSpec
from engine.problems.expression import ALLOWED, parse
from gui.state.experiment_model import ExperimentModel
from gui.widgets.fields import NumberField, NumberValidator

PROBLEM_STYLE = "color: #b00020;"
BAD_FIELD_STYLE = "QLineEdit { border: 2px solid #b00020; }"
EXAMPLE = "(1 - x)**2 + 100*(y - x**2)**2"


class FunctionFields(QWidget):
    """f(x, y) = [text], a line saying what is wrong with it, and x and y ranges of the map."""

    def __init__(self, model: ExperimentModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.expression = QLineEdit()
        self.expression.setPlaceholderText(EXAMPLE)
        self.expression.setToolTip(f"your own loss of x and y, e.g. {EXAMPLE}: {ALLOWED}")
        self.expression.textEdited.connect(self._check)
        self.expression.editingFinished.connect(self._apply)
        form.addRow("f(x, y) =", self.expression)
        self.complaint = QLabel()
        self.complaint.setStyleSheet(PROBLEM_STYLE)
        self.complaint.setWordWrap(True)
        self.complaint.hide()
        form.addRow(self.complaint)
        self.ranges = {}
        for axis in ("x", "y"):
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            for end in ("from", "to"):
                field = NumberField(0.0, NumberValidator.for_limits(LIMITS["start"]))
                field.setToolTip(f"the map shows {axis} {end} this")
                field.committed.connect(self._apply)
                row.addWidget(field, 1)
                if end == "from":
                    row.addWidget(QLabel("to"))
                self.ranges[axis, end] = field
            holder = QWidget()
            holder.setLayout(row)
            form.addRow(f"Map {axis}", holder)
        self._shown: FunctionSpec | None = None  # what the fields were last set to

    @property
    def problem_text(self) -> str:
        """What is wrong with the text typed ("" if nothing): the line shown under it."""
        return self.complaint.text() if self.complaint.isVisibleTo(self) else ""

    def spec(self) -> FunctionSpec | None:
        """The f and window the fields hold, or None if they are not acceptable."""
        try:
            return self._read()
        except ConfigError:
            return None

    def show_config(self, config: ExperimentConfig) -> None:
        """Show ``config``'s f and window, if it has one and it changed since last shown (so that
        an edit elsewhere keeps text still being typed); announces nothing."""
        spec = config.function
        if spec is None or spec == self._shown:
            return
        self._shown = spec
        with ExitStack() as quiet:
            for widget in (self.expression, *self.ranges.values()):
                quiet.enter_context(QSignalBlocker(widget))
            self.expression.setText(spec.expression)
            for (axis, end), field in self.ranges.items():
                field.set_value(getattr(spec, f"{axis}_range")[end == "to"])
        self._say("")

    @Slot(str)
    def _check(self, text: str) -> None:
        try:
            parse(text)
        except ExpressionError as err:
            self._say(str(err))
        else:
            self._say("")

    @Slot()
    def _apply(self) -> None:
        try:
            spec = self._read()
        except ConfigError as err:
            self._say(str(err))
            return
        self._say("")
        if spec != self.model.config.function and self.model.config.function is not None:
            self.model.update(function=spec)

    def _read(self) -> FunctionSpec:
        value = {key: field.value() for key, field in self.ranges.items()}
        return function_spec(
            self.expression.text(),
            (value["x", "from"], value["x", "to"]),
            (value["y", "from"], value["y", "to"]),
        )

    def _say(self, problem: str) -> None:
        self.complaint.setText(problem)
        self.complaint.setVisible(bool(problem))
        self.expression.setStyleSheet(BAD_FIELD_STYLE if problem else "")
