"""Text fields that accept only numbers in range: invalid text is refused at the field."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QLineEdit, QWidget

_NUMBER_PREFIX = re.compile(r"^[+-]?\d*\.?\d*([eE][+-]?\d*)?$")


class NumberValidator(QValidator):
    """Acceptable: a finite number in [minimum, maximum) or (minimum, ...] as configured;
    Intermediate: text that could still become one (``1e``, ``0.``); anything else: Invalid."""

    def __init__(
        self, minimum=None, maximum=None, *, exclusive_min=False, exclusive_max=False, parent=None
    ):
        super().__init__(parent)
        self.minimum, self.maximum = minimum, maximum
        self.exclusive_min, self.exclusive_max = exclusive_min, exclusive_max

    def accepts(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.minimum is not None and (
            value < self.minimum or (self.exclusive_min and value == self.minimum)
        ):
            return False
        return self.maximum is None or not (
            value > self.maximum or (self.exclusive_max and value == self.maximum)
        )

    def validate(self, text: str, pos: int):
        stripped = text.strip()
        if not _NUMBER_PREFIX.match(stripped):
            return QValidator.State.Invalid, text, pos
        if stripped.startswith("-") and self.minimum is not None and self.minimum >= 0:
            return QValidator.State.Invalid, text, pos
        try:
            value = float(stripped)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        state = (
            QValidator.State.Acceptable if self.accepts(value) else QValidator.State.Intermediate
        )
        return state, text, pos


class NumberField(QLineEdit):
    """A line edit for one number. ``committed`` fires with a new valid value; leaving the field
    with unfinished text puts the last valid value back."""

    committed = Signal(float)

    def __init__(self, value: float, validator: NumberValidator, parent: QWidget | None = None):
        super().__init__(parent)
        self.setValidator(validator)
        self._value = float(value)
        self.setText(format_number(self._value))
        self.editingFinished.connect(self._commit)

    def value(self) -> float:
        return self._value

    def set_value(self, value: float) -> None:
        self._value = float(value)
        self.setText(format_number(self._value))

    def _commit(self) -> None:
        value = float(self.text())
        if value != self._value:
            self._value = value
            self.committed.emit(value)
        self.setText(format_number(self._value))

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        if not self.hasAcceptableInput():
            self.setText(format_number(self._value))


def format_number(value: float) -> str:
    """Short and exact: ``0.001``, ``1``, ``1e-05``."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
