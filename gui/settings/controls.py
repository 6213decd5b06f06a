"""The Settings dock: a widget per setting of the :class:`ExperimentModel`.

Each widget edits one field of the model when the user commits a value, and shows the model's
value when the model says it changed (or refused an edit). Built from the optimizer and schedule
registries' metadata, and ranged by the engine's own limits, so a new optimizer, schedule or
limit needs no change here.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.config.limits import LIMITS
from engine.config.settings import (
    DTYPES,
    ConfigError,
    DatasetSpec,
    ExperimentConfig,
    schedule_spec,
)
from engine.core.model import ACTIVATIONS
from engine.optimizers import REGISTRY
from engine.optimizers.schedules import SCHEDULES, ScheduleSpec
from engine.problems import PROBLEMS, get_problem
from gui.settings.problem_box import ProblemBox
from gui.settings.written_optimizers import WrittenOptimizerList
from gui.state.experiment_model import ConfigChange, ExperimentModel
from gui.widgets.fields import NumberField, NumberValidator, WholeNumberBox
from gui.widgets.setting_widgets import RULE_STYLE, LearningRateList, OptimizerBox

DATA_KINDS = (
    ("article", "The article's five samples"),
    ("generated", "Generated samples"),
    ("csv", "A CSV file"),
)
GENERATED_ONLY = ("Samples", "Label noise", "Data seed")


class ControlPanel(QWidget):
    """Every setting of the experiment, editing ``model``."""

    def __init__(self, model: ExperimentModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        layout = QVBoxLayout(self)
        self.problem = ProblemBox(model)
        layout.addWidget(self.problem)

        optimizers = QGroupBox("Optimizers")
        opt_layout = QVBoxLayout(optimizers)
        self.optimizer_boxes = {name: OptimizerBox(opt) for name, opt in REGISTRY.items()}
        for box in self.optimizer_boxes.values():
            opt_layout.addWidget(box)
            box.changed.connect(self._optimizers_edited)
        self.written = WrittenOptimizerList(model)
        self.written.changed.connect(self._optimizers_edited)
        opt_layout.addWidget(self.written)
        layout.addWidget(optimizers)

        self.rates = LearningRateList()
        self.rates.edited.connect(model.set_learning_rate)
        self.rates.removed.connect(model.remove_learning_rate)
        self.rates.added.connect(model.add_learning_rate)
        self.rates.article.connect(model.article_learning_rates)
        layout.addWidget(self.rates)

        schedule_box = QGroupBox("Learning-rate schedule (multiplies every panel's rate)")
        self.schedule_form = QFormLayout(schedule_box)
        self.schedule_name = QComboBox()
        for schedule in SCHEDULES.values():
            self.schedule_name.addItem(schedule.display_name, schedule.name)
        self.schedule_name.currentIndexChanged.connect(self._schedule_chosen)
        self.schedule_form.addRow(self.schedule_name)
        self.schedule_rule = QLabel()
        self.schedule_rule.setStyleSheet(RULE_STYLE)
        self.schedule_form.addRow(self.schedule_rule)
        self.schedule_fields: dict[str, NumberField] = {}
        layout.addWidget(schedule_box)

        self.data_box = data_box = QGroupBox("Data")
        self._data_form = QFormLayout(data_box)
        self.data_kind = QComboBox()
        for kind, title in DATA_KINDS:
            self.data_kind.addItem(title, kind)
        self.data_kind.currentIndexChanged.connect(self._data_kind_chosen)
        self._data_form.addRow(self.data_kind)
        self.samples = self._whole("dataset.samples", "how many samples to generate")
        self.samples.committed.connect(lambda n: self._dataset_edited(samples=n))
        self.noise = self._number(
            "dataset.noise", "standard deviation of the Gaussian noise on each label"
        )
        self.noise.committed.connect(lambda s: self._dataset_edited(noise=s))
        self.data_seed = self._whole("dataset.seed", "the generated samples' own seed")
        self.data_seed.committed.connect(lambda n: self._dataset_edited(seed=n))
        self.data_file = QPushButton("Open CSV file…")
        self.data_file.setToolTip(
            "numeric columns, the label last, an optional header row; one row per sample"
        )
        self.data_file.clicked.connect(self._choose_data_file)
        self.batch_size = self._whole(
            "batch_size", "samples per step; the full batch is all of them", "full batch"
        )
        self.batch_size.committed.connect(lambda n: model.update(batch_size=n))
        self._data_rows = {
            "Samples": self.samples,
            "Label noise": self.noise,
            "Data seed": self.data_seed,
            "File": self.data_file,
            "Batch size": self.batch_size,
        }
        for label, widget in self._data_rows.items():
            self._data_form.addRow(label, widget)
        layout.addWidget(data_box)

        experiment = QGroupBox("Experiment")
        form = QFormLayout(experiment)
        self.seed = self._whole("seed", "initial parameters: torch.manual_seed(seed)")
        self.seed.committed.connect(lambda n: model.update(seed=n))
        self.seeds = self._whole("seeds", "initial draws per optimizer and rate, from seed on")
        self.seeds.committed.connect(lambda n: model.update(seeds=n))
        self.max_steps = self._whole("max_steps", "losses a run records at most")
        self.max_steps.committed.connect(lambda n: model.update(max_steps=n))
        self.stop_loss = self._number("stop_loss", "a run stops once its loss is at or below this")
        self.stop_loss.committed.connect(lambda v: model.update(stop_loss=v))
        self.hidden = self._whole("hidden", "units in the hidden layer")
        self.hidden.committed.connect(lambda n: model.update(hidden=n))
        self.dtype = QComboBox()
        self.dtype.addItems(DTYPES)
        self.dtype.setToolTip("float32 as the article, or float64 for every tensor")
        self.dtype.currentTextChanged.connect(lambda text: model.update(dtype=text))
        self.activation = QComboBox()
        self.activation.addItems(ACTIVATIONS)
        self.activation.currentTextChanged.connect(lambda text: model.update(activation=text))
        for label, widget in (
            ("Seed", self.seed),
            ("Seeds", self.seeds),
            ("Max steps", self.max_steps),
            ("Stop loss", self.stop_loss),
            ("Hidden units", self.hidden),
            ("Activation", self.activation),
            ("Precision", self.dtype),
        ):
            form.addRow(label, widget)
        layout.addWidget(experiment)
        layout.addStretch(1)

        model.changed.connect(self._on_config_change)
        model.refused.connect(self._on_refused)
        self._show(model.config)

    def _whole(self, setting: str, tip: str, none_text: str = "") -> WholeNumberBox:
        """A field for whole-number ``setting``, in the range the engine accepts for it."""
        limits = LIMITS[setting]
        box = WholeNumberBox(limits, none_text)
        below = f", or the {none_text} one step below" if none_text else ""
        box.setToolTip(f"{tip} ({limits.rule}{below})")
        return box

    def _number(self, setting: str, tip: str) -> NumberField:
        """A field for real-number ``setting``, in the range the engine accepts for it."""
        limits = LIMITS[setting]
        field = NumberField(0.0, NumberValidator.for_limits(limits))
        field.setToolTip(f"{tip} ({limits.rule})")
        return field

    # --- from the model --------------------------------------------------------------------

    @Slot(object)
    def _on_config_change(self, change: ConfigChange) -> None:
        self._show(change.new)

    @Slot(str)
    def _on_refused(self, _reason: str) -> None:
        self._show(self.model.config)  # put back what the edit would have changed

    def _show(self, config: ExperimentConfig) -> None:
        """Every widget shows ``config``; no widget announces the change back."""
        with ExitStack() as quiet:
            for widget in (self, *self.findChildren(QWidget)):
                quiet.enter_context(QSignalBlocker(widget))
            specs = {spec.name: spec for spec in config.optimizers}
            for name, box in self.optimizer_boxes.items():
                box.show_spec(specs.get(name))
            self.written.show_config(config)
            self.rates.show_rates(config.learning_rates)
            self.seed.set_value(config.seed)
            self.seeds.set_value(config.seeds)
            self.max_steps.set_value(config.max_steps)
            self.hidden.set_value(config.hidden)
            self.stop_loss.set_value(config.stop_loss)
            self.dtype.setCurrentText(config.dtype)
            self._show_activation(config)
            self._show_schedule(config.schedule)
            self._show_data(config.dataset, config.batch_size)
            network = not get_problem(config.problem).is_surface  # a 2-D problem has no data
            self.data_box.setEnabled(network)
            self.hidden.setEnabled(network)

    def _show_activation(self, config: ExperimentConfig) -> None:
        """The hidden layer's activation; a 2-D problem has no hidden layer to choose it for."""
        self.activation.setCurrentText(config.activation)
        surface = PROBLEMS[config.problem].is_surface
        self.activation.setEnabled(not surface)
        self.activation.setToolTip(
            "a 2-D problem has no hidden layer"
            if surface
            else "the hidden layer's: relu as the article; tanh or softplus are smooth, so the "
            "loss's curvature (sharpness) changes smoothly too"
        )

    def _show_data(self, spec: DatasetSpec, batch_size: int | None) -> None:
        self.data_kind.setCurrentIndex(self.data_kind.findData(spec.kind))
        self.samples.set_value(spec.samples)
        self.noise.set_value(spec.noise)
        self.data_seed.set_value(spec.seed)
        self.data_file.setText(Path(spec.path).name if spec.path else "Open CSV file…")
        self.batch_size.set_value(batch_size)
        for label, widget in self._data_rows.items():
            visible = {"File": spec.kind == "csv"}.get(
                label, spec.kind == "generated" if label in GENERATED_ONLY else True
            )
            self._data_form.setRowVisible(widget, visible)

    def _show_schedule(self, spec: ScheduleSpec) -> None:
        """The schedule's name in the box and a field per parameter, with ``spec``'s values."""
        self.schedule_name.setCurrentIndex(list(SCHEDULES).index(spec.name))
        if list(self.schedule_fields) != list(spec.params):
            while self.schedule_form.rowCount() > 2:
                self.schedule_form.removeRow(2)
            self.schedule_fields = {}
            for hp in spec.schedule.hyperparameters:
                validator = NumberValidator(
                    hp.minimum, hp.maximum, exclusive_max=not hp.maximum_inclusive
                )
                field = NumberField(float(spec.params[hp.name]), validator)
                field.setToolTip(f"{hp.name}, default {hp.default:g}")
                field.committed.connect(lambda _: self._schedule_edited())
                self.schedule_form.addRow(hp.label, field)
                self.schedule_fields[hp.name] = field
        self.schedule_rule.setText(spec.schedule.rule)
        for key, field in self.schedule_fields.items():
            field.set_value(float(spec.params[key]))

    # --- to the model ----------------------------------------------------------------------

    def _optimizers_edited(self) -> None:
        try:
            built_in = [box.spec() for box in self.optimizer_boxes.values() if box.isChecked()]
            specs = (*built_in, *self.written.specs())
        except ConfigError as err:
            self.model.refused.emit(str(err))
            return
        self.model.update(optimizers=specs)

    def _schedule_chosen(self) -> None:
        self.model.update(schedule=ScheduleSpec.create(self.schedule_name.currentData()))

    def _schedule_edited(self) -> None:
        params = {key: field.value() for key, field in self.schedule_fields.items()}
        try:
            spec = schedule_spec(self.model.config.schedule.name, params)
        except ConfigError as err:
            self.model.refused.emit(str(err))
            return
        self.model.update(schedule=spec)

    def _dataset_edited(self, **changes: object) -> None:
        try:
            spec = replace(self.model.config.dataset, **changes)
        except ConfigError as err:
            self.model.refused.emit(str(err))
            return
        self.model.update(dataset=spec)

    def _data_kind_chosen(self) -> None:
        kind = self.data_kind.currentData()
        if kind == "csv" and not self.model.config.dataset.path:
            self._choose_data_file()
        else:
            self._dataset_edited(kind=kind)

    def _choose_data_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a data file", "", "CSV (*.csv);;All (*)")
        if path:
            self._dataset_edited(kind="csv", path=path)
        else:  # no file: back to what the model has
            self._show(self.model.config)
