"""Fields for one number each, in the range the engine's limits give: a line edit for a real
number, a spin box for a whole one of any size; text that cannot become one is refused at the
field."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QSizePolicy, QWidget

from engine.config.limits import Limits

_NUMBER_PREFIX = re.compile(r"^[+-]?\d*\.?\d*([eE][+-]?\d*)?$")
_WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,4000}$")  # int() reads at most 4300 digits


class NumberValidator(QValidator):
    """Acceptable: a finite number in [minimum, maximum) or (minimum, ...] as configured;
    Intermediate: text that could still become one (``1e``, ``0.``); anything else: Invalid."""

    def __init__(
        self, minimum=None, maximum=None, *, exclusive_min=False, exclusive_max=False, parent=None
    ):
        super().__init__(parent)
        self.minimum, self.maximum = minimum, maximum
        self.exclusive_min, self.exclusive_max = exclusive_min, exclusive_max

    @classmethod
    def for_limits(cls, limits: Limits, parent=None) -> NumberValidator:
        """Acceptable: what the engine accepts for the setting ``limits`` bounds."""
        return cls(limits.low, limits.high, exclusive_min=limits.low_open, parent=parent)

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


class WholeNumberBox(QAbstractSpinBox):
    """A spin box for a whole-number setting of any size (a QSpinBox stops at 2**31 − 1; a seed
    goes to 2**63 − 1), its range the engine's ``limits``. ``committed`` fires with what the user
    stepped to, or typed and confirmed (Enter, or leaving the field): a typed number outside the
    range too, for the engine to refuse in one line. With ``none_text``, one step below the
    lowest number is None, shown as that text (the full batch)."""

    committed = Signal(object)  # int, or None

    def __init__(self, limits: Limits, none_text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.limits = limits
        self.none_text = none_text
        self._value: int | None = None if none_text else int(limits.low)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.editingFinished.connect(self._commit)
        self._show_value()

    def value(self) -> int | None:
        return self._value

    def set_value(self, value: int | None) -> None:
        """Show ``value``; announces nothing."""
        self._value = value
        self._show_value()

    def text_of(self, value: int | None) -> str:
        return self.none_text if value is None else str(value)

    def read(self, text: str) -> int | None:
        """The value ``text`` means (None: ``none_text``); ``ValueError`` if it means none."""
        text = text.strip()
        if self.none_text and text == self.none_text:
            return None
        if not _WHOLE_NUMBER.match(text):
            raise ValueError(f"not a whole number: {text!r}")
        return int(text)

    def validate(self, text: str, pos: int):
        """Acceptable: a number in range (or ``none_text``); Intermediate: on the way to one,
        or below the range (the engine says why on Enter); anything else: Invalid."""
        try:
            value = self.read(text)
        except ValueError:
            typed = text.strip()
            unfinished = typed in ("", "+", "-") or (
                bool(self.none_text) and self.none_text.startswith(typed)
            )
            state = QValidator.State.Intermediate if unfinished else QValidator.State.Invalid
            return state, text, pos
        if value is None or self.limits.accepts(value):
            return QValidator.State.Acceptable, text, pos
        if self.limits.high is not None and value > self.limits.high:
            return QValidator.State.Invalid, text, pos
        return QValidator.State.Intermediate, text, pos

    def sizeHint(self) -> QSize:
        """Wide enough for the widest value in range (the base class knows no values)."""
        hint = super().sizeHint()
        texts = (self.none_text, str(self.limits.low), str(self.limits.high or ""))
        widest = max(self.fontMetrics().horizontalAdvance(text) for text in texts)
        return QSize(hint.width() + widest, hint.height())

    def stepBy(self, steps: int) -> None:
        """Up or down by ``steps`` within the range (None below its lowest number), at once."""
        low, high = int(self.limits.low), self.limits.high
        try:  # from a number typed but not yet confirmed, as a QSpinBox does
            current = self.read(self.lineEdit().text())
        except ValueError:
            current = self._value
        if current is not None and not self.limits.accepts(current):
            current = self._value
        position = low - 1 if current is None else current
        floor = low - 1 if self.none_text else low
        position = max(floor, position + steps)
        if high is not None:
            position = min(int(high), position)
        self._set_and_commit(None if position < low else position)

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        value, low, high = self._value, self.limits.low, self.limits.high
        if value is None or high is None or value < high:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if value is not None and (value > low or self.none_text):
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags

    def _commit(self) -> None:
        try:
            value = self.read(self.lineEdit().text())
        except ValueError:  # unfinished text: put the value back
            value = self._value
        self._set_and_commit(value)

    def _set_and_commit(self, value: int | None) -> None:
        if value != self._value:
            if value is None or self.limits.accepts(value):
                self._value = value  # else the engine refuses it, and the field keeps its own
            self.committed.emit(value)
        self._show_value()

    def _show_value(self) -> None:
        self.lineEdit().setText(self.text_of(self._value))
