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

from gui.export.offscreen import SCALES
from gui.plotting.themes import THEMES, Theme

FIGURE_FORMATS = {"png": "PNG image", "svg": "SVG vector image"}


class OptionsDialog(QDialog):
    """The theme chooser and Save/Cancel buttons every export dialog ends with (`_finish`);
    :class:`FormatRows` and :class:`FrameRows` add the rows before them."""

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


class FormatRows:
    """Mixin for an :class:`OptionsDialog`: the file's format, and the scale a PNG is drawn at
    (the only format it changes)."""

    form: QFormLayout

    def _add_format_rows(self, formats: dict[str, str]) -> None:
        """A format box offering ``formats`` (name: title), then the scale box."""
        self.format_box = QComboBox()
        for name, title in formats.items():
            self.format_box.addItem(title, name)
        self.scale_box = QComboBox()
        for scale in SCALES:
            self.scale_box.addItem(f"{scale}× ({1280 * scale}×{800 * scale})", scale)
        self.scale_box.setCurrentIndex(1)  # 2×: sharp on a projector
        self.format_box.currentIndexChanged.connect(lambda _: self._format_chosen())
        self.form.addRow("Format", self.format_box)
        self.form.addRow("Scale", self.scale_box)

    def _format_chosen(self) -> None:
        self.scale_box.setEnabled(self.format == "png")

    @property
    def format(self) -> str:
        return self.format_box.currentData()

    @property
    def scale(self) -> int:
        return int(self.scale_box.currentData())


class FrameRows:
    """Mixin for an :class:`OptionsDialog`: an animation's frame spacing and frame rate."""

    form: QFormLayout

    def _add_frame_rows(self, steps: int, every: int) -> None:
        """A frame every ``every`` steps (at most ``steps``), at 10 frames a second."""
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

    @property
    def every(self) -> int:
        return self.every_box.value()

    @property
    def fps(self) -> float:
        return self.fps_box.value()


class FigureExportDialog(FormatRows, OptionsDialog):
    """PNG (at 1×, 2× or 3×) or SVG, in either theme."""

    def __init__(self, theme: Theme, parent: QWidget | None = None):
        super().__init__("Export figure", theme, parent)
        self._add_format_rows(FIGURE_FORMATS)
        self._finish()


class AnimationExportDialog(FrameRows, OptionsDialog):
    """An animated GIF: a frame every k steps, at a chosen frame rate."""

    def __init__(self, theme: Theme, steps: int, every: int, parent: QWidget | None = None):
        super().__init__("Export animation", theme, parent)
        self._add_frame_rows(steps, every)
        self._finish()
