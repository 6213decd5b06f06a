"""Widgets for one kind of setting each: an optimizer's box and the list of learning rates.

They show values and say what the user committed; they own no settings (the model does).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QWidget,
)

from engine.config.limits import LIMITS
from engine.config.settings import ARTICLE_LEARNING_RATES, MAX_LEARNING_RATES, OptimizerSpec
from engine.optimizers import Hyperparameter, Optimizer
from engine.optimizers.user_code import OptimizerCode
from gui.plotting.palette import optimizer_colour
from gui.widgets.fields import NumberField, NumberValidator

RULE_STYLE = "color: #555555; font-family: monospace;"


class OptimizerBox(QGroupBox):
    """A checkable box per optimizer: ticking it selects it; inside, its rule and settings.
    ``code``: the file of an optimizer the user wrote (its spec carries it)."""

    changed = Signal()

    def __init__(
        self, optimizer: Optimizer, parent: QWidget | None = None, code: OptimizerCode | None = None
    ):
        super().__init__(optimizer.display_name, parent)
        self.optimizer, self.code = optimizer, code
        self.setCheckable(True)
        self.setChecked(False)
        colour = optimizer_colour(optimizer.name)
        self.setStyleSheet(f"QGroupBox::title {{ color: {colour}; font-weight: bold; }}")
        self.setToolTip(f"{optimizer.rule}\n\n{optimizer.reference}")
        form = QFormLayout(self)
        form.setContentsMargins(8, 4, 8, 4)
        rule = QLabel(optimizer.rule)
        rule.setStyleSheet(RULE_STYLE)
        form.addRow(rule)
        self.editors: dict[str, QCheckBox | NumberField] = {}
        for hp in optimizer.hyperparameters:
            editor = self._editor(hp)
            self.editors[hp.name] = editor
            form.addRow(hp.label, editor)
        self.toggled.connect(lambda _: self.changed.emit())

    def _editor(self, hp: Hyperparameter) -> QCheckBox | NumberField:
        if hp.is_flag:
            box = QCheckBox()
            box.setChecked(bool(hp.default))
            box.toggled.connect(lambda _: self.changed.emit())
            return box
        validator = NumberValidator(hp.minimum, hp.maximum, exclusive_max=not hp.maximum_inclusive)
        field = NumberField(float(hp.default), validator)
        field.setToolTip(f"{hp.name}, default {hp.default}")
        field.committed.connect(lambda _: self.changed.emit())
        return field

    def spec(self) -> OptimizerSpec:
        """The optimizer with the shown settings (``ConfigError`` if one is out of range)."""
        params = {
            name: editor.isChecked() if isinstance(editor, QCheckBox) else editor.value()
            for name, editor in self.editors.items()
        }
        return OptimizerSpec.create(self.optimizer.name, params, self.code)

    def show_spec(self, spec: OptimizerSpec | None) -> None:
        """Ticked with ``spec``'s settings, or unticked with the defaults; announces nothing."""
        with QSignalBlocker(self):
            self.setChecked(spec is not None)
        params = spec.params if spec is not None else self.optimizer.defaults
        for name, editor in self.editors.items():
            with QSignalBlocker(editor):
                if isinstance(editor, QCheckBox):
                    editor.setChecked(bool(params[name]))
                else:
                    editor.set_value(float(params[name]))


class LearningRateList(QGroupBox):
    """A field per learning rate (one panel each), a button to remove each, one to add one,
    and one back to the article's four."""

    edited = Signal(int, float)  # index, new rate
    removed = Signal(int)
    added = Signal()
    article = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Learning rates (one panel each)", parent)
        self._grid = QGridLayout(self)
        self.fields: list[NumberField] = []
        self.remove_buttons: list[QPushButton] = []
        self.add_button = QPushButton("Add a rate")
        self.add_button.setToolTip(f"up to {MAX_LEARNING_RATES} panels")
        self.add_button.clicked.connect(self.added)
        self.article_button = QPushButton("Article's values")
        self.article_button.setToolTip(", ".join(f"{lr:g}" for lr in ARTICLE_LEARNING_RATES))
        self.article_button.clicked.connect(self.article)

    def show_rates(self, rates: tuple[float, ...]) -> None:
        """A field per rate with its value; rebuilt only when the count changes."""
        if len(rates) != len(self.fields):
            self._rebuild(len(rates))
        for field, lr in zip(self.fields, rates):
            field.set_value(lr)
        self.add_button.setEnabled(len(rates) < MAX_LEARNING_RATES)
        for button in self.remove_buttons:
            button.setEnabled(len(rates) > 1)

    def _rebuild(self, count: int) -> None:
        for widget in [*self.fields, *self.remove_buttons]:
            self._grid.removeWidget(widget)
            widget.deleteLater()
        self.fields, self.remove_buttons = [], []
        for i in range(count):
            field = NumberField(1.0, NumberValidator.for_limits(LIMITS["learning_rates"]))
            field.setToolTip(f"panel {i + 1}: a positive number, e.g. 0.01 or 1e-3")
            field.committed.connect(lambda value, index=i: self.edited.emit(index, value))
            remove = QPushButton("−")
            remove.setFixedWidth(28)
            remove.setToolTip(f"remove panel {i + 1}")
            remove.clicked.connect(lambda _=False, index=i: self.removed.emit(index))
            self._grid.addWidget(field, i, 0)
            self._grid.addWidget(remove, i, 1)
            self.fields.append(field)
            self.remove_buttons.append(remove)
        self._grid.addWidget(self.add_button, count, 0, 1, 2)
        self._grid.addWidget(self.article_button, count + 1, 0, 1, 2)
