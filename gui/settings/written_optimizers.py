"""The Settings dock's boxes for the optimizers the user wrote: one per optimizer in the model's
``written`` list, ticked like the built-ins', each with Edit (its code in the editor) and Remove.

The boxes are rebuilt when the list changes (a save, a removal, an opened file); which are ticked
and with which settings comes from the experiment, as for every other box.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.config.settings import ExperimentConfig, OptimizerSpec
from gui.state.experiment_model import ExperimentModel
from gui.widgets.setting_widgets import RULE_STYLE, OptimizerBox

HINT = "Write your own: Optimizers → New optimizer…"


class WrittenOptimizerList(QWidget):
    """A box per optimizer the user wrote, editing ``model``."""

    changed = Signal()  # a box ticked or one of its fields committed
    edit_requested = Signal(object)  # the OptimizerSpec whose code to open in the editor

    def __init__(self, model: ExperimentModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.hint = QLabel(HINT)
        self.hint.setStyleSheet(RULE_STYLE)
        self._layout.addWidget(self.hint)
        self.boxes: dict[str, OptimizerBox] = {}
        self._rows: list[QWidget] = []
        self._shown: tuple = ()
        model.written_changed.connect(self.show_written)
        self.show_written(model.written)

    def specs(self) -> list[OptimizerSpec]:
        """The ticked boxes' optimizers with their shown settings (``ConfigError`` if bad)."""
        return [box.spec() for box in self.boxes.values() if box.isChecked()]

    def show_config(self, config: ExperimentConfig) -> None:
        """Each box ticked, with its settings, if ``config`` selects it."""
        selected = {spec.name: spec for spec in config.optimizers}
        for name, box in self.boxes.items():
            box.show_spec(selected.get(name))

    @Slot(object)
    def show_written(self, written: tuple[OptimizerSpec, ...]) -> None:
        """A box per optimizer in ``written``; rebuilt only when one's name or code changed."""
        shown = tuple((spec.name, spec.code) for spec in written)
        if shown == self._shown:
            return
        self._shown = shown
        for row in self._rows:
            self._layout.removeWidget(row)
            row.deleteLater()
        self._rows, self.boxes = [], {}
        for spec in written:
            self._add_row(spec)
        self.hint.setVisible(not written)
        self.show_config(self.model.config)

    def _add_row(self, spec: OptimizerSpec) -> None:
        row = QWidget()
        layout = QVBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        box = self.boxes[spec.name] = OptimizerBox(spec.optimizer, code=spec.code)
        box.changed.connect(self.changed)
        layout.addWidget(box)
        buttons = QHBoxLayout()
        for text, tip, slot in (
            ("Edit", "Open its code in the Your optimizer dock", self._edit),
            ("Remove", "Take it out of the experiment (its file stays)", self._remove),
        ):
            button = QPushButton(f"{text} {spec.name}")
            button.setObjectName(f"{text.lower()}_written")
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, slot=slot, name=spec.name: slot(name))
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._layout.addWidget(row)
        self._rows.append(row)
        _match_font(row, self.font())

    def _edit(self, name: str) -> None:
        self.edit_requested.emit({spec.name: spec for spec in self.model.written}[name])

    def _remove(self, name: str) -> None:
        self.model.remove_written(name)


def _match_font(widget: QWidget, font: QFont) -> None:
    """A new row at the dock's zoom: a box under a style sheet does not inherit its font."""
    for each in (widget, *widget.findChildren(QWidget)):
        own = QFont(each.font())
        own.setPointSizeF(font.pointSizeF())
        each.setFont(own)
