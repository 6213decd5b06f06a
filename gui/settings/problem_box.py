"""The Settings dock's Problem group: which problem the runs train, and a 2-D problem's start.

Choosing a problem applies :func:`engine.config.problem_switch.config_for_problem` (its learning
rates, stop loss and max steps, and the MLP-only settings back at their defaults), as the
command line's ``--problem`` does; the start point edits ``start`` and is off for the MLP. Your
own f(x, y) brings its fields (:mod:`gui.settings.function_fields`).
"""

from __future__ import annotations

from contextlib import ExitStack

from PySide6.QtCore import QSignalBlocker, Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QWidget

from engine.config.limits import LIMITS
from engine.config.loading import problem_defaults, problem_formula
from engine.config.problem_switch import config_for_problem
from engine.config.settings import ExperimentConfig
from engine.problems import PROBLEMS, FunctionSurface, get_problem
from engine.problems.expression import ALLOWED
from gui.settings.function_fields import FunctionFields
from gui.state.experiment_model import ConfigChange, ExperimentModel
from gui.widgets.fields import NumberField, NumberValidator
from gui.widgets.setting_widgets import RULE_STYLE


class ProblemBox(QGroupBox):
    """A problem chooser, its formula, and two fields for the start (x, y)."""

    def __init__(self, model: ExperimentModel, parent: QWidget | None = None):
        super().__init__("Problem", parent)
        self.model = model
        form = QFormLayout(self)
        self.chooser = QComboBox()
        for name, problem in PROBLEMS.items():
            self.chooser.addItem(problem.display_name, name)
        self.chooser.setToolTip(
            "The article's network, a classic 2-D test surface whose two parameters are the "
            "point (x, y), or your own f(x, y); choosing one sets its learning rates, stop loss "
            "and max steps"
        )
        self.chooser.currentIndexChanged.connect(self._chosen)
        form.addRow(self.chooser)
        self.formula = QLabel()
        self.formula.setStyleSheet(RULE_STYLE)
        self.formula.setWordWrap(True)
        form.addRow(self.formula)
        self.function = FunctionFields(model)
        form.addRow(self.function)
        self.start_x = NumberField(0.0, NumberValidator.for_limits(LIMITS["start"]))
        self.start_y = NumberField(0.0, NumberValidator.for_limits(LIMITS["start"]))
        start = QHBoxLayout()
        for label, field in (("x", self.start_x), ("y", self.start_y)):
            field.setToolTip(f"where every run starts: {label}")
            field.committed.connect(self._start_edited)
            start.addWidget(QLabel(label))
            start.addWidget(field, 1)
        self.start_row = QWidget()
        self.start_row.setLayout(start)
        start.setContentsMargins(0, 0, 0, 0)
        form.addRow("Start", self.start_row)
        model.changed.connect(self._on_change)
        model.refused.connect(lambda _reason: self.show_config(self.model.config))
        self.show_config(model.config)

    @Slot(object)
    def _on_change(self, change: ConfigChange) -> None:
        self.show_config(change.new)

    def show_config(self, config: ExperimentConfig) -> None:
        """Show ``config``'s problem, its formula (with the activation in use) and start;
        announces nothing."""
        problem = get_problem(config.problem)
        typed = config.function is not None
        self.function.setVisible(typed)
        self.function.show_config(config)
        with ExitStack() as quiet:
            for widget in (self.chooser, self.start_x, self.start_y):
                quiet.enter_context(QSignalBlocker(widget))
            self.chooser.setCurrentIndex(self.chooser.findData(config.problem))
            self.formula.setText(ALLOWED if typed else problem_formula(config))
            start = config.start or problem_defaults(config).start or (0.0, 0.0)
            for field, value in zip((self.start_x, self.start_y), start):
                field.set_value(value)
                if not problem.is_surface:
                    field.setText("")  # the MLP has no start point: show none
            self.start_row.setEnabled(problem.is_surface)
            self.start_row.setToolTip(
                "" if problem.is_surface else "the MLP starts from its seed's parameters"
            )

    def _chosen(self) -> None:
        name = self.chooser.currentData()
        if name != self.model.config.problem:
            typed = self.function.spec() if name == FunctionSurface.name else None
            self.model.set_config(config_for_problem(name, self.model.config, typed))

    def _start_edited(self) -> None:
        self.model.update(start=(self.start_x.value(), self.start_y.value()))
