"""The settings side panel: optimizers and their hyperparameters, learning rates, experiment.

Built from the optimizer registry's metadata, so a new optimizer needs no change here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.config import (
    ARTICLE_LEARNING_RATES,
    MAX_SAMPLES,
    MAX_STEPS_LIMIT,
    ConfigError,
    DatasetSpec,
    ExperimentConfig,
    OptimizerSpec,
    load_dataset,
    schedule_spec,
)
from engine.data import DatasetError
from engine.optimizers import REGISTRY, Hyperparameter, Optimizer
from engine.schedules import SCHEDULES, ScheduleSpec
from gui.fields import NumberField, NumberValidator
from gui.palette import optimizer_colour

DATA_KINDS = (
    ("article", "The article's five samples"),
    ("generated", "Generated samples"),
    ("csv", "A CSV file"),
)


class OptimizerBox(QGroupBox):
    """A checkable box per optimizer: ticking it selects it; inside, its rule and settings."""

    changed = Signal()

    def __init__(self, optimizer: Optimizer, parent: QWidget | None = None):
        super().__init__(optimizer.display_name, parent)
        self.optimizer = optimizer
        self.setCheckable(True)
        self.setChecked(False)
        colour = optimizer_colour(optimizer.name)
        self.setStyleSheet(f"QGroupBox::title {{ color: {colour}; font-weight: bold; }}")
        self.setToolTip(f"{optimizer.rule}\n\n{optimizer.reference}")
        form = QFormLayout(self)
        form.setContentsMargins(8, 4, 8, 4)
        rule = QLabel(optimizer.rule)
        rule.setStyleSheet("color: #555555; font-family: monospace;")
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
        params = {
            name: editor.isChecked() if isinstance(editor, QCheckBox) else editor.value()
            for name, editor in self.editors.items()
        }
        return OptimizerSpec.create(self.optimizer.name, params)

    def show_spec(self, spec: OptimizerSpec | None) -> None:
        self.setChecked(spec is not None)
        params = spec.params if spec is not None else self.optimizer.defaults
        for name, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                editor.setChecked(bool(params[name]))
            else:
                editor.set_value(float(params[name]))


class ControlPanel(QWidget):
    """Every setting of the experiment; ``config_changed`` fires when one is committed."""

    config_changed = Signal(object)  # ExperimentConfig
    refused = Signal(str)  # a one-line reason a change was not applied

    def __init__(self, config: ExperimentConfig, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)

        optimizers = QGroupBox("Optimizers")
        opt_layout = QVBoxLayout(optimizers)
        self.optimizer_boxes = {name: OptimizerBox(opt) for name, opt in REGISTRY.items()}
        for box in self.optimizer_boxes.values():
            opt_layout.addWidget(box)
            box.changed.connect(self._apply)
        layout.addWidget(optimizers)

        rates = QGroupBox("Learning rates (one panel each)")
        grid = QGridLayout(rates)
        self.lr_fields = []
        for i, lr in enumerate(ARTICLE_LEARNING_RATES):
            field = NumberField(lr, NumberValidator(0.0, exclusive_min=True))
            field.setToolTip("a positive number, e.g. 0.01 or 1e-3")
            field.committed.connect(lambda _: self._apply())
            grid.addWidget(field, i // 2, i % 2)
            self.lr_fields.append(field)
        article = QPushButton("Article's values")
        article.setToolTip("0.001, 0.01, 0.1, 1")
        article.clicked.connect(self._article_rates)
        grid.addWidget(article, 2, 0, 1, 2)
        layout.addWidget(rates)

        schedule_box = QGroupBox("Learning-rate schedule (multiplies every panel's rate)")
        self.schedule_form = QFormLayout(schedule_box)
        self.schedule_name = QComboBox()
        for schedule in SCHEDULES.values():
            self.schedule_name.addItem(schedule.display_name, schedule.name)
        self.schedule_name.currentIndexChanged.connect(self._schedule_chosen)
        self.schedule_form.addRow(self.schedule_name)
        self.schedule_rule = QLabel()
        self.schedule_rule.setStyleSheet("color: #555555; font-family: monospace;")
        self.schedule_form.addRow(self.schedule_rule)
        self.schedule_fields: dict[str, NumberField] = {}
        self._shown_schedule = ""
        layout.addWidget(schedule_box)

        data_box = QGroupBox("Data")
        data_form = QFormLayout(data_box)
        self.data_kind = QComboBox()
        for kind, title in DATA_KINDS:
            self.data_kind.addItem(title, kind)
        self.data_kind.currentIndexChanged.connect(self._data_kind_chosen)
        data_form.addRow(self.data_kind)
        self.samples = self._spin(1, MAX_SAMPLES, "how many samples to generate")
        self.noise = NumberField(0.0, NumberValidator(0.0))
        self.noise.setToolTip("standard deviation of the Gaussian noise added to each label")
        self.noise.committed.connect(lambda _: self._apply())
        self.data_seed = self._spin(0, 2**31 - 1, "the generated samples' own seed")
        self.data_file = QPushButton("Open CSV file…")
        self.data_file.setToolTip(
            "numeric columns, the label last, an optional header row; one row per sample"
        )
        self.data_file.clicked.connect(self._choose_data_file)
        self._data_path: str | None = None
        self.batch_size = self._spin(0, MAX_SAMPLES, "samples per step; full batch: all of them")
        self.batch_size.setSpecialValueText("full batch")
        self._data_rows = {}
        for label, widget in (
            ("Samples", self.samples),
            ("Label noise", self.noise),
            ("Data seed", self.data_seed),
            ("File", self.data_file),
            ("Batch size", self.batch_size),
        ):
            data_form.addRow(label, widget)
            self._data_rows[label] = widget
        self._data_form = data_form
        layout.addWidget(data_box)

        experiment = QGroupBox("Experiment")
        form = QFormLayout(experiment)
        self.seed = self._spin(0, 2**31 - 1, "initial parameters: torch.manual_seed(seed)")
        self.max_steps = self._spin(1, MAX_STEPS_LIMIT, "losses a run records at most")
        self.hidden = self._spin(1, 64, "units in the hidden layer")
        self.stop_loss = NumberField(0.1, NumberValidator(0.0))
        self.stop_loss.setToolTip("a run stops once its loss is at or below this")
        self.stop_loss.committed.connect(lambda _: self._apply())
        form.addRow("Seed", self.seed)
        form.addRow("Max steps", self.max_steps)
        form.addRow("Stop loss", self.stop_loss)
        form.addRow("Hidden units", self.hidden)
        layout.addWidget(experiment)
        layout.addStretch(1)

        self._config = config
        self.show_config(config)

    def _spin(self, low: int, high: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setKeyboardTracking(False)
        spin.setToolTip(tip)
        spin.valueChanged.connect(lambda _: self._apply())
        return spin

    @property
    def config(self) -> ExperimentConfig:
        return self._config

    def show_config(self, config: ExperimentConfig) -> None:
        """Put ``config`` in the widgets without announcing a change."""
        self._config = config
        self._loading = True
        try:
            specs = {spec.name: spec for spec in config.optimizers}
            for name, box in self.optimizer_boxes.items():
                box.show_spec(specs.get(name))
            for field, lr in zip(self.lr_fields, config.learning_rates):
                field.set_value(lr)
            self.seed.setValue(config.seed)
            self.max_steps.setValue(config.max_steps)
            self.hidden.setValue(config.hidden)
            self.stop_loss.set_value(config.stop_loss)
            self._show_schedule(config.schedule)
            self._show_data(config.dataset, config.batch_size)
        finally:
            self._loading = False

    def _show_data(self, spec: DatasetSpec, batch_size: int | None) -> None:
        self._data_path = spec.path
        self.data_kind.setCurrentIndex(self.data_kind.findData(spec.kind))
        self.samples.setValue(spec.samples)
        self.noise.set_value(spec.noise)
        self.data_seed.setValue(min(spec.seed, 2**31 - 1))
        self._data_path = spec.path
        self.data_file.setText(Path(spec.path).name if spec.path else "Open CSV file…")
        self.batch_size.setValue(batch_size or 0)
        self._show_data_rows(spec.kind)

    def _show_data_rows(self, kind: str) -> None:
        """Only the settings the chosen data uses."""
        for label, widget in self._data_rows.items():
            visible = {
                "Samples": kind == "generated",
                "Label noise": kind == "generated",
                "Data seed": kind == "generated",
                "File": kind == "csv",
            }.get(label, True)
            self._data_form.setRowVisible(widget, visible)

    def _data_kind_chosen(self) -> None:
        if self._loading:
            return
        self._show_data_rows(self.data_kind.currentData())
        if self.data_kind.currentData() == "csv" and not self._data_path:
            self._choose_data_file()
        else:
            self._apply()

    def _choose_data_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a data file", "", "CSV (*.csv);;All (*)")
        if path:
            self._data_path = path
            self._apply()
        elif not self._data_path:  # no file: back to what was shown
            self.show_config(self._config)

    def _dataset(self) -> DatasetSpec:
        """The chosen data, read now if it is a file, so a bad one is refused before use."""
        spec = DatasetSpec(
            kind=self.data_kind.currentData(),
            samples=self.samples.value(),
            noise=self.noise.value(),
            seed=self.data_seed.value(),
            path=self._data_path,
        )
        if spec.kind == "csv":
            try:
                load_dataset(spec)
            except DatasetError as err:
                raise ConfigError(str(err)) from None
        return spec

    def _show_schedule(self, spec: ScheduleSpec) -> None:
        """The schedule's name in the box and a field per parameter, with ``spec``'s values."""
        self.schedule_name.blockSignals(True)
        self.schedule_name.setCurrentIndex(list(SCHEDULES).index(spec.name))
        self.schedule_name.blockSignals(False)
        if list(self.schedule_fields) == list(spec.params) and self._shown_schedule == spec.name:
            for key, field in self.schedule_fields.items():  # the field committing may be one
                field.set_value(float(spec.params[key]))
            return
        self._shown_schedule = spec.name
        while self.schedule_form.rowCount() > 2:
            self.schedule_form.removeRow(2)
        schedule = spec.schedule
        self.schedule_rule.setText(schedule.rule)
        self.schedule_fields = {}
        for hp in schedule.hyperparameters:
            validator = NumberValidator(
                hp.minimum, hp.maximum, exclusive_max=not hp.maximum_inclusive
            )
            field = NumberField(float(spec.params[hp.name]), validator)
            field.setToolTip(f"{hp.name}, default {hp.default:g}")
            field.committed.connect(lambda _: self._apply())
            self.schedule_form.addRow(hp.label, field)
            self.schedule_fields[hp.name] = field

    def _schedule_chosen(self) -> None:
        self._show_schedule(ScheduleSpec.create(self.schedule_name.currentData()))
        self._apply()

    def _schedule_spec(self) -> ScheduleSpec:
        name = self.schedule_name.currentData()
        params = {key: field.value() for key, field in self.schedule_fields.items()}
        return schedule_spec(name, params)

    def _article_rates(self) -> None:
        self._loading = True
        for field, lr in zip(self.lr_fields, ARTICLE_LEARNING_RATES):
            field.set_value(lr)
        self._loading = False
        self._apply()

    def _apply(self) -> None:
        if self._loading:
            return
        try:
            config = ExperimentConfig(
                optimizers=tuple(
                    box.spec() for box in self.optimizer_boxes.values() if box.isChecked()
                ),
                learning_rates=tuple(field.value() for field in self.lr_fields),
                seed=self.seed.value(),
                max_steps=self.max_steps.value(),
                stop_loss=self.stop_loss.value(),
                hidden=self.hidden.value(),
                schedule=self._schedule_spec(),
                dataset=self._dataset(),
                batch_size=self.batch_size.value() or None,
            )
        except ConfigError as err:
            self.show_config(self._config)  # nothing half-applied
            self.refused.emit(str(err))
            return
        if config != self._config:
            self._config = config
            self.config_changed.emit(config)
