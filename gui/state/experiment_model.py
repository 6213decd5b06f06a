"""The one owner of the experiment's settings in the window, with napari-style change events.

Widgets edit it, views read it, the engine worker is told by it; nothing the engine reports
writes back into it. Every change is validated whole (``ExperimentConfig`` refuses a bad one) and
either applied in full or refused with one line, so the settings never half-change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.config.loading import check_dataset, check_start_size
from engine.config.settings import (
    ARTICLE_LEARNING_RATES,
    MAX_LEARNING_RATES,
    ConfigError,
    ExperimentConfig,
    OptimizerSpec,
    check_learning_rate,
    with_stale_start_cleared,
)
from engine.core.data import DatasetError
from engine.experiment.branches import with_fitting_branches
from engine.experiment.memory import MemoryRefused, check_memory, record_buffers, worst_case_bytes
from engine.experiment.predictions import Predictions, Verdict
from engine.io.experiment_file import ExperimentFile
from engine.optimizers.user_code import CodeError, OptimizerCode, read_outline

FIELDS = tuple(f.name for f in fields(ExperimentConfig))

# One signal per setting (``model.events.learning_rates``), carrying the new value, as napari's
# evented models do; built from the config's own fields, so a new setting needs no change here.
ExperimentEvents = type("ExperimentEvents", (QObject,), {name: Signal(object) for name in FIELDS})


@dataclass(frozen=True)
class ConfigChange:
    """What one edit did: the settings before and after, and which fields differ."""

    old: ExperimentConfig
    new: ExperimentConfig

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n for n in FIELDS if getattr(self.old, n) != getattr(self.new, n))


class ExperimentModel(QObject):
    """The settings of the experiment shown, whether torch.optim twins train beside it, and the
    class's predictions for it: everything an experiment file holds; and the optimizers the user
    wrote, ticked or not (a ticked one is also in ``config.optimizers``)."""

    changed = Signal(object)  # ConfigChange, after the per-field events
    written_changed = Signal(object)  # tuple[OptimizerSpec, ...], before the config's events
    reference_changed = Signal(bool)
    predictions_changed = Signal(object)  # Predictions
    refused = Signal(str)  # a one-line reason an edit was not applied

    def __init__(self, config: ExperimentConfig | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._config = config or ExperimentConfig()
        self._reference = False
        self._predictions = Predictions()
        self._written = _merged((), self._config)
        self.events = ExperimentEvents(self)

    @property
    def config(self) -> ExperimentConfig:
        return self._config

    @property
    def reference(self) -> bool:
        return self._reference

    def update(self, **changes: Any) -> bool:
        """Apply ``changes`` (config field names) together, or refuse them all. Branches
        whose parent run the changes remove are dropped with it."""
        try:
            changes = with_stale_start_cleared(self._config, changes)
            return self.set_config(with_fitting_branches(self._config, **changes))
        except ConfigError as err:
            self.refused.emit(str(err))
            return False

    def set_config(self, config: ExperimentConfig) -> bool:
        """Replace every setting; a new data file is parsed (without torch) to refuse a bad one,
        and settings whose losses and rates alone could outgrow the memory available are
        refused here, before the settings shown change (the engine checks the rest)."""
        if config == self._config:
            return True
        try:
            check_memory(worst_case_bytes(record_buffers(config)), config)
        except MemoryRefused as err:
            self.refused.emit(str(err))
            return False
        if config.dataset != self._config.dataset:
            try:
                check_dataset(config.dataset)
            except DatasetError as err:
                self.refused.emit(str(err))
                return False
        try:
            check_start_size(config)
        except (ConfigError, DatasetError) as err:
            self.refused.emit(str(err))
            return False
        change = ConfigChange(self._config, config)
        self._set_written(_merged(self._written, config))
        self._config = config
        for name in sorted(change.names, key=FIELDS.index):
            getattr(self.events, name).emit(getattr(config, name))
        self.changed.emit(change)
        return True

    def set_reference(self, on: bool) -> None:
        if on != self._reference:
            self._reference = on
            self.reference_changed.emit(on)

    def open_experiment(self, opened: ExperimentFile) -> bool:
        """An experiment file's settings, then what else it holds (predictions, the reference
        switch; a file without them leaves them as they are); nothing if the settings are
        refused."""
        if not self.set_config(opened.config):
            return False
        if opened.predictions is not None:
            self.set_predictions(opened.predictions)
        if opened.reference is not None:
            self.set_reference(opened.reference)
        return True

    # --- optimizers the user wrote -----------------------------------------------------------

    @property
    def written(self) -> tuple[OptimizerSpec, ...]:
        """Each optimizer the user wrote, its latest version and settings, ticked or not."""
        return self._written

    def save_written(self, code: OptimizerCode, replacing: str | None = None) -> bool:
        """``code`` as an optimizer of the experiment, in place of the one called ``replacing``
        (its settings kept where its fields still exist), else added; ticked either way."""
        old = {spec.name: spec for spec in self._written}.get(replacing)
        try:
            outline = read_outline(code)
            names = {h.name for h in outline.hyperparameters}
            kept = {k: v for k, v in (old.changed if old else {}).items() if k in names}
            spec = OptimizerSpec.create(outline.name, kept, code)
        except (CodeError, ConfigError) as err:
            self.refused.emit(str(err))
            return False
        before = self._written
        self._set_written(_replaced(before, replacing, spec))
        if self.update(optimizers=_replaced(self._config.optimizers, replacing, spec)):
            return True
        self._set_written(before)
        return False

    def remove_written(self, name: str) -> bool:
        """The optimizer the user wrote called ``name`` out of the experiment and the list."""
        before = self._written
        self._set_written(tuple(spec for spec in before if spec.name != name))
        kept = tuple(spec for spec in self._config.optimizers if spec.name != name)
        if self.update(optimizers=kept):
            return True
        self._set_written(before)
        return False

    def _set_written(self, written: tuple[OptimizerSpec, ...]) -> None:
        if written != self._written:
            self._written = written
            self.written_changed.emit(written)

    # --- predictions: picks the class made, never what the engine reported ----------------

    @property
    def predictions(self) -> Predictions:
        return self._predictions

    def set_predictions(self, predictions: Predictions) -> None:
        if predictions != self._predictions:
            self._predictions = predictions
            self.predictions_changed.emit(predictions)

    def set_verdict(self, key: str, lr: float, verdict: Verdict | None) -> None:
        """The class's verdict for optimizer ``key`` at ``lr`` (None: no pick)."""
        self.set_predictions(self._predictions.with_verdict(key, lr, verdict))

    def set_first(self, lr: float, key: str | None) -> None:
        """Which optimizer the class says converges first at ``lr`` (NO_OPTIMIZER: none)."""
        self.set_predictions(self._predictions.with_first(lr, key))

    # --- learning rates: one panel each ----------------------------------------------------

    def set_learning_rate(self, index: int, value: object) -> bool:
        try:
            lr = check_learning_rate(value)
        except ConfigError as err:
            self.refused.emit(str(err))
            return False
        rates = list(self._config.learning_rates)
        rates[index] = lr
        return self.update(learning_rates=tuple(rates))

    def add_learning_rate(self) -> bool:
        """One more panel, ten times the largest rate (a decade up is what a class asks next)."""
        rates = self._config.learning_rates
        if len(rates) >= MAX_LEARNING_RATES:
            self.refused.emit(f"at most {MAX_LEARNING_RATES} learning rates (one panel each)")
            return False
        new = max(rates) * 10
        while new in rates:
            new *= 10
        return self.update(learning_rates=(*rates, new))

    def remove_learning_rate(self, index: int) -> bool:
        rates = self._config.learning_rates
        if len(rates) <= 1:
            self.refused.emit("keep at least one learning rate")
            return False
        return self.update(learning_rates=rates[:index] + rates[index + 1 :])

    def article_learning_rates(self) -> bool:
        return self.update(learning_rates=ARTICLE_LEARNING_RATES)


def _replaced(
    specs: tuple[OptimizerSpec, ...], name: str | None, spec: OptimizerSpec
) -> tuple[OptimizerSpec, ...]:
    """``specs`` with ``spec`` in place of the one called ``name``, or at the end."""
    names = [s.name for s in specs]
    if name not in names:
        return (*specs, spec)
    index = names.index(name)
    return (*specs[:index], spec, *specs[index + 1 :])


def _merged(
    written: tuple[OptimizerSpec, ...], config: ExperimentConfig
) -> tuple[OptimizerSpec, ...]:
    """``written`` with the user-written optimizers ``config`` selects (an opened file's, a
    ticked one's new settings) in place of those of the same name, or added."""
    for spec in config.optimizers:
        if spec.written_by_user:
            written = _replaced(written, spec.name, spec)
    return written
