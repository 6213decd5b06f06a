"""The one owner of what the window shows, with napari-style change events.

Which quantity the panels plot, on which axis, in which look and at which zoom, the step the
timeline shows, the run the inspector follows, the tab, Predict mode, the landscape's plane and
whether it is in 3-D: actions and widgets edit it, views, the status bar and exports read it;
nothing keeps its own copy. One signal per field (``view.events.log_y``) carries the new value
after it is set.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.plotting.pacing import DEFAULT_SPEED_POSITION, SPEED_STEPS
from gui.plotting.themes import DEFAULT, Theme

ZOOM_STEPS = (75, 100, 125, 150, 200, 250, 300)  # percent
PLANES = ("hessian", "pca", "random")  # the landscape's planes for the MLP


class Quantity(Enum):
    """What the loss panels plot (View → Learning rate / Sharpness; neither: the loss)."""

    LOSS = "loss"
    LEARNING_RATE = "learning rate"
    SHARPNESS = "sharpness"


class Tab(Enum):
    """The window's tabs, in their order."""

    PANELS = "panels"
    LANDSCAPE = "landscape"
    SWEEP = "sweep"


def next_zoom(percent: int, direction: int) -> int:
    """The step after (``direction`` 1) or before (−1) ``percent``, held at the ends."""
    if direction > 0:
        return next((p for p in ZOOM_STEPS if p > percent), ZOOM_STEPS[-1])
    return next((p for p in reversed(ZOOM_STEPS) if p < percent), ZOOM_STEPS[0])


@dataclass(frozen=True)
class ViewSettings:
    """What is shown, at one moment."""

    quantity: Quantity = Quantity.LOSS
    log_y: bool = False
    theme: Theme = DEFAULT  # the chosen look; the window draws it at ``zoom``
    zoom: int = 100  # percent, one of ZOOM_STEPS
    speed: int = DEFAULT_SPEED_POSITION  # the speed slider's position, 0..SPEED_STEPS
    step: int | None = None  # the step the timeline went back to; None: the latest
    run: int = -1  # the run the inspector follows (its index), or -1
    tab: Tab = Tab.PANELS
    predict: bool = False  # Predict mode: the class's picks on cards over the panels
    plane: str = "hessian"  # the landscape's plane for the MLP, one of PLANES
    landscape_3d: bool = False  # the Landscape tab shows the loss as a surface in 3-D
    step_arrows: bool = True  # the Landscape draws the followed run's step as arrows (paused)

    def __post_init__(self) -> None:
        if self.zoom not in ZOOM_STEPS:
            raise ValueError(f"zoom must be one of {ZOOM_STEPS}, not {self.zoom}")
        if not 0 <= self.speed <= SPEED_STEPS:
            raise ValueError(f"speed must be a slider position 0..{SPEED_STEPS}, not {self.speed}")
        if self.step is not None and self.step < 0:
            raise ValueError(f"the step shown must be ≥ 0 or None, not {self.step}")
        if self.plane not in PLANES:
            raise ValueError(f"plane must be one of {', '.join(PLANES)}, not {self.plane!r}")
        for name, kind in (("quantity", Quantity), ("tab", Tab), ("theme", Theme)):
            if not isinstance(getattr(self, name), kind):
                raise ValueError(f"{name} must be a {kind.__name__}")

    @property
    def zoomed_theme(self) -> Theme:
        """The theme as the window draws it: at the zoom (exports keep their own scale)."""
        return self.theme.scaled(self.zoom / 100)


FIELDS = tuple(f.name for f in fields(ViewSettings))

# One signal per field, carrying the new value, as napari's evented models do.
ViewEvents = type("ViewEvents", (QObject,), {name: Signal(object) for name in FIELDS})


@dataclass(frozen=True)
class ViewChange:
    """What one update did: the view before and after, and which fields differ."""

    old: ViewSettings
    new: ViewSettings

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n for n in FIELDS if getattr(self.old, n) != getattr(self.new, n))


class ViewState(QObject):
    """What the window shows: read its fields, change them with :meth:`update`, follow them
    through ``events`` (or ``changed``, once per update, after them)."""

    changed = Signal(object)  # ViewChange

    def __init__(self, settings: ViewSettings | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._settings = settings or ViewSettings()
        self.events = ViewEvents(self)

    @property
    def settings(self) -> ViewSettings:
        return self._settings

    def update(self, **changes: Any) -> None:
        """Set ``changes`` together (``ValueError`` for a bad value, nothing set), then emit an
        event for each field that changed, then ``changed``."""
        unknown = sorted(set(changes) - set(FIELDS))
        if unknown:
            raise ValueError(f"no view setting {unknown[0]!r} (known: {', '.join(FIELDS)})")
        change = ViewChange(self._settings, replace(self._settings, **changes))
        names = change.names
        if not names:
            return
        self._settings = change.new
        for name in FIELDS:
            if name in names:
                getattr(self.events, name).emit(getattr(change.new, name))
        self.changed.emit(change)

    # --- the fields, read-only ---------------------------------------------------------------

    @property
    def quantity(self) -> Quantity:
        return self._settings.quantity

    @property
    def log_y(self) -> bool:
        return self._settings.log_y

    @property
    def theme(self) -> Theme:
        return self._settings.theme

    @property
    def zoom(self) -> int:
        return self._settings.zoom

    @property
    def speed(self) -> int:
        return self._settings.speed

    @property
    def step(self) -> int | None:
        return self._settings.step

    @property
    def run(self) -> int:
        return self._settings.run

    @property
    def tab(self) -> Tab:
        return self._settings.tab

    @property
    def predict(self) -> bool:
        return self._settings.predict

    @property
    def plane(self) -> str:
        return self._settings.plane

    @property
    def landscape_3d(self) -> bool:
        return self._settings.landscape_3d

    @property
    def step_arrows(self) -> bool:
        return self._settings.step_arrows
