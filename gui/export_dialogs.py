"""Small dialogs asking how to export: format, scale and theme; frame spacing and rate."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from gui.offscreen import SCALES
from gui.themes import THEMES, Theme


class OptionsDialog(QDialog):
    """The theme chooser and Save/Cancel buttons every export dialog ends with (`_finish`)."""

    def __init__(self, title: str, theme: Theme, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout(self)
        self.theme_box = QComboBox()
        for t in THEMES.values():
            self.theme_box.addItem(t.title, t.name)
        self.theme_box.setCurrentIndex(list(THEMES).index(theme.name))

    def _finish(self) -> None:
        self.form.addRow("Theme", self.theme_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.form.addRow(buttons)

    @property
    def theme(self) -> Theme:
        return THEMES[self.theme_box.currentData()]


class FigureExportDialog(OptionsDialog):
    """PNG (at 1×, 2× or 3×) or SVG, in either theme."""

    def __init__(self, theme: Theme, parent: QWidget | None = None):
        super().__init__("Export figure", theme, parent)
        self.format_box = QComboBox()
        self.format_box.addItem("PNG image", "png")
        self.format_box.addItem("SVG vector image", "svg")
        self.scale_box = QComboBox()
        for scale in SCALES:
            self.scale_box.addItem(f"{scale}× ({1280 * scale}×{800 * scale})", scale)
        self.scale_box.setCurrentIndex(1)  # 2×: sharp on a projector
        self.format_box.currentIndexChanged.connect(
            lambda _: self.scale_box.setEnabled(self.format == "png")
        )
        self.form.addRow("Format", self.format_box)
        self.form.addRow("Scale", self.scale_box)
        self._finish()

    @property
    def format(self) -> str:
        return self.format_box.currentData()

    @property
    def scale(self) -> int:
        return int(self.scale_box.currentData())


class AnimationExportDialog(OptionsDialog):
    """An animated GIF: a frame every k steps, at a chosen frame rate."""

    def __init__(self, theme: Theme, steps: int, every: int, parent: QWidget | None = None):
        super().__init__("Export animation", theme, parent)
        self.every_box = QSpinBox()
        self.every_box.setRange(1, max(1, steps))
        self.every_box.setValue(every)
        self.every_box.setSuffix(" steps")
        self.fps_box = QDoubleSpinBox()
        self.fps_box.setRange(1, 50)
        self.fps_box.setValue(10)
        self.fps_box.setSuffix(" frames/s")
        self.form.addRow("A frame every", self.every_box)
        self.form.addRow("Frame rate", self.fps_box)
        self._finish()

    @property
    def every(self) -> int:
        return self.every_box.value()

    @property
    def fps(self) -> float:
        return self.fps_box.value()
