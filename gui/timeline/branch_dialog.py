"""The "Branch from here…" dialog: the step, and what the branch changes from its parent."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.config.limits import LIMITS
from engine.config.settings import BranchSpec, ConfigError, ExperimentConfig, schedule_spec
from engine.experiment.runs import RunKey
from engine.optimizers import REGISTRY, Optimizer
from engine.optimizers.schedules import SCHEDULES
from engine.optimizers.user_code import OptimizerCode
from gui.widgets.fields import NumberField, NumberValidator
from gui.widgets.setting_widgets import RULE_STYLE, OptimizerBox

SAME_SCHEDULE = "as the experiment"


class BranchDialog(QDialog):
    """Pick a step (at most ``last_step``) and the branch's learning rate, optimizer (with its
    settings) and schedule; each starts as the parent's. :meth:`branch` is the result."""

    def __init__(
        self,
        parent_run: RunKey,
        step: int,
        last_step: int,
        config: ExperimentConfig,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.run, self.config = parent_run, config
        self.setWindowTitle("Branch from here")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{parent_run.label}</b> at η = {parent_run.lr:g}: a new run starts from its "
            "exact state at the step below (parameters, optimizer state, step count, schedule, "
            "mini-batch order) and makes that step's update with these settings. It is drawn "
            "dashed in this run's panel."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        layout.addLayout(form)
        self.step = QSpinBox()
        self.step.setRange(0, last_step)
        self.step.setValue(min(step, last_step))
        self.step.setToolTip(f"0 to {last_step}: the steps this run has reached")
        form.addRow("From step", self.step)
        self.lr = NumberField(parent_run.lr, NumberValidator.for_limits(LIMITS["learning_rates"]))
        self.lr.setToolTip("the branch's learning rate (a schedule multiplies it)")
        form.addRow("Learning rate", self.lr)
        self.choices = optimizer_choices(config)
        self.optimizer = QComboBox()
        for index, (optimizer, _code) in enumerate(self.choices):
            self.optimizer.addItem(optimizer.display_name, index)
        self.optimizer.setCurrentIndex(self._parent_choice())
        form.addRow("Optimizer", self.optimizer)
        self.settings: OptimizerBox | None = None
        self._settings_row = form.rowCount()
        self.schedule = QComboBox()
        self.schedule.addItem(f"{SAME_SCHEDULE} ({config.schedule.label})", None)
        for name, schedule in SCHEDULES.items():
            self.schedule.addItem(schedule.display_name, name)
        form.addRow("Schedule", self.schedule)
        self.schedule_fields: dict[str, NumberField] = {}
        self.schedule_form = QFormLayout()
        layout.addLayout(self.schedule_form)
        self.form = form
        self.error = QLabel()
        self.error.setStyleSheet("color: #D55E00;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Branch")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.optimizer.currentIndexChanged.connect(self._optimizer_chosen)
        self.schedule.currentIndexChanged.connect(self._schedule_chosen)
        self._optimizer_chosen()
        self.lr.setFocus()
        self.lr.selectAll()

    def _parent_choice(self) -> int:
        """The parent run's optimizer among the choices."""
        parent = self.run.optimizer
        return next(
            i
            for i, (optimizer, code) in enumerate(self.choices)
            if optimizer.name == parent.name and code == parent.code
        )

    def _optimizer_chosen(self) -> None:
        """The chosen optimizer's settings: the parent's if it is the parent's optimizer."""
        if self.settings is not None:
            self.form.removeRow(self.settings)
        index = self.optimizer.currentData()
        optimizer, code = self.choices[index]
        self.settings = OptimizerBox(optimizer, code=code)
        self.settings.setCheckable(False)
        self.settings.setTitle(f"{optimizer.display_name} settings")
        if index == self._parent_choice():
            self.settings.show_spec(self.run.optimizer)
            self.settings.setCheckable(False)
        self.form.insertRow(self._settings_row, self.settings)

    def _schedule_chosen(self) -> None:
        while self.schedule_form.rowCount():
            self.schedule_form.removeRow(0)
        self.schedule_fields = {}
        name = self.schedule.currentData()
        if name is None:
            return
        rule = QLabel(SCHEDULES[name].rule)
        rule.setStyleSheet(RULE_STYLE)
        self.schedule_form.addRow(rule)
        for hp in SCHEDULES[name].hyperparameters:
            validator = NumberValidator(hp.minimum, hp.maximum)
            field = NumberField(float(hp.default), validator)
            self.schedule_form.addRow(hp.label, field)
            self.schedule_fields[hp.name] = field

    def branch(self) -> BranchSpec:
        """The branch as set (``ConfigError`` if a setting is out of range); what equals the
        parent's is left unset, so a branch that changes nothing says so."""
        run = self.run
        optimizer = self.settings.spec()
        name = self.schedule.currentData()
        schedule = None
        if name is not None:
            params = {key: field.value() for key, field in self.schedule_fields.items()}
            schedule = schedule_spec(name, params)
        return BranchSpec(
            from_optimizer=run.optimizer.key,
            from_lr=run.lr,
            step=self.step.value(),
            lr=None if self.lr.value() == run.lr else self.lr.value(),
            optimizer=None if optimizer == run.optimizer else optimizer,
            schedule=None if schedule in (None, self.config.schedule) else schedule,
        )

    def accept(self) -> None:
        """Only a branch whose settings are all in range closes the dialog."""
        self.lr.clearFocus()  # commits text still being typed
        try:
            self.branch()
        except ConfigError as err:
            self.error.setText(str(err))
            return
        super().accept()


def optimizer_choices(config: ExperimentConfig) -> list[tuple[Optimizer, OptimizerCode | None]]:
    """What a branch may switch to: every built-in, then each optimizer of the experiment the
    user wrote (with its code)."""
    built_in = [(optimizer, None) for optimizer in REGISTRY.values()]
    written = [(spec.optimizer, spec.code) for spec in config.optimizers if spec.code is not None]
    return built_in + written
