"""What a lesson's handout draws of each step, as plain payloads (numpy and frozen
dataclasses): made in the engine (:mod:`engine.lessons.picturing`, with torch), drawn by the
window's process (``gui.export.handout``), which imports this module and never torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.analysis.landscape_map import LandscapeMap
from engine.analysis.sweep import SweepResult
from engine.core.tasks import TaskName
from engine.live.messages import ExperimentStarted, LossUpdate

HANDOUT_TASK = TaskName("engine.lessons.picturing", "handout_task")  # named here so that the
# window asks its engine process for a lesson's pictures without importing torch


@dataclass(frozen=True, eq=False)
class StepPicture:
    """One step's figure as the window shows it once the step's action is done: the tab
    (``"panels"``, ``"landscape"`` or ``"sweep"``), the experiment's announcement and, from
    column 0, what it recorded up to the step shown (with every run's sharpness at every step
    for the Sharpness view), what the panels plot, the landscape's map or the sweep; ``note``:
    what the page says of a view it draws otherwise than the window would."""

    tab: str
    started: ExperimentStarted
    update: LossUpdate
    quantity: str = "loss"  # one of engine.lessons.format.VIEWS
    log_y: bool = False
    landscape: LandscapeMap | None = None  # the Landscape tab's map (tab "landscape")
    sweep: SweepResult | None = None  # the learning-rate sweep (tab "sweep")
    note: str = ""

    @property
    def step(self) -> int:
        """The step the figure shows."""
        return self.update.steps_taken
