"""Check, as a course's gradient check: the rule in the editor against a chosen built-in.

The row asks; the engine's process compares (it runs student code) and the editor shows the one
line it answers. Hidden until the window connects it to the engine's Check task.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from engine.optimizers import REGISTRY
from engine.optimizers.templates import TEMPLATE_BUILTINS


class CheckRow(QWidget):
    """A built-in to compare with and a Check button; ``requested`` names the built-in."""

    requested = Signal(str)  # the built-in's registry name

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.builtin = QComboBox()
        for name, optimizer in REGISTRY.items():
            self.builtin.addItem(optimizer.display_name, name)
        self.builtin.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.builtin.setMinimumContentsLength(8)
        self.button = QPushButton("Check")
        self.button.setToolTip(
            "Compare the rule with the built-in on random tensors and the article's first "
            "steps, as a gradient check does"
        )
        self.button.clicked.connect(lambda _=False: self.requested.emit(self.builtin.currentData()))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Against"))
        layout.addWidget(self.builtin, 1)
        layout.addWidget(self.button)
        self.hide()

    def choose_for_template(self, template: str) -> None:
        """The built-in template ``template`` writes out, chosen to compare with."""
        index = self.builtin.findData(TEMPLATE_BUILTINS.get(template, template))
        if index >= 0:
            self.builtin.setCurrentIndex(index)
