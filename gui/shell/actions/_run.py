"""The Run menu and its keys: Play, Step, Reset, Run to end, Reference and Predict, the
timeline's keys (while the panels have focus) and Branch from here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenuBar, QWidget

from gui.shell.actions import make_action, view_toggle
from gui.state.experiment_model import ExperimentModel
from gui.state.session import EngineSession
from gui.state.view_state import ViewState
from gui.timeline.branching import BranchCommands
from gui.timeline.view import TimelineView


@dataclass(frozen=True)
class Transport:
    """What Play, Step, Reset and Run to end do."""

    toggle_play: Callable[[], None]
    step: Callable[[], None]
    reset: Callable[[], None]
    run_to_end: Callable[[], None]


@dataclass(frozen=True)
class RunActions:
    """The Run menu's actions the toolbar shows too."""

    transport: tuple[QAction, ...]  # Play, Step, Reset, Run to end
    reference: QAction
    predict: QAction


def add_run_menu(
    menu_bar: QMenuBar,
    host: QWidget,
    transport: Transport,
    *,
    model: ExperimentModel,
    view: ViewState,
    session: EngineSession,
    timeline: TimelineView,
    branching: BranchCommands,
) -> RunActions:
    play = make_action(host, "play", "Play", "Space", "Play or pause", transport.toggle_play)
    session.playing_changed.connect(lambda playing: play.setText("Pause" if playing else "Play"))
    actions = RunActions(
        (
            play,
            make_action(
                host, "step", "Step", "Right", "One step of every unfinished run", transport.step
            ),
            make_action(host, "reset", "Reset", "R", "Back to step 0", transport.reset),
            make_action(
                host,
                "run_to_end",
                "Run to end",
                "Ctrl+E",
                "Train every run to the end at full speed",
                transport.run_to_end,
            ),
        ),
        _reference_action(host, model),
        _predict_action(host, view),
    )
    menu = menu_bar.addMenu("&Run")
    menu.addActions([*actions.transport, actions.reference, actions.predict])
    menu.addSeparator()
    menu.addActions(_timeline_actions(host, timeline))
    menu.addAction(
        make_action(
            host,
            "branch",
            "Branch from here…",
            "B",
            "A new run from the followed run's exact state at the step shown, with another "
            "learning rate, optimizer or schedule",
            branching.branch_followed,
        )
    )
    return actions


def _reference_action(host: QWidget, model: ExperimentModel) -> QAction:
    action = make_action(
        host,
        "reference",
        "Reference",
        None,
        "Train torch.optim twins beside the runs that have one (dotted curves) and show "
        "the largest parameter difference in the Runs table",
        model.set_reference,
        checkable=True,
    )
    action.setChecked(model.reference)
    model.reference_changed.connect(action.setChecked)
    return action


def _predict_action(host: QWidget, view: ViewState) -> QAction:
    tip = (
        "Predict, then reveal: the panels start blank; pick each optimizer's fate and the first "
        "to converge (arrows, PageUp/PageDown or Tab, 1-3, or click), then Play"
    )
    return view_toggle(host, view, "predict", "Predict", "P", tip)


def _timeline_actions(host: QWidget, timeline: TimelineView) -> list[QAction]:
    """Left / Right a step back / on (Right at the furthest step is Step), Shift for ten, Home
    the first step, End the latest."""
    keys = (
        ("back", "Back a step", "Left", lambda: timeline.back(1)),
        ("back_ten", "Back ten steps", "Shift+Left", lambda: timeline.back(10)),
        ("forward_ten", "On ten steps", "Shift+Right", lambda: timeline.forward(10)),
        ("first_step", "First step", "Home", timeline.to_start),
        ("latest_step", "Latest step", "End", timeline.to_latest),
    )
    return [
        make_action(host, name, text, key, f"Timeline: {text.lower()}", slot)
        for name, text, key, slot in keys
    ]
