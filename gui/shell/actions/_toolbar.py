"""The transport toolbar: Play, Step, Reset, Run to end, the speed slider (the view state's
speed), and the views' toggles."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QSlider, QToolBar, QWidget

from gui.plotting.pacing import SPEED_STEPS, speed_text
from gui.shell.actions._run import RunActions
from gui.shell.actions._view import ViewActions
from gui.state.view_state import ViewState


def add_transport_toolbar(
    host: QMainWindow, view: ViewState, run: RunActions, shown: ViewActions
) -> QToolBar:
    toolbar = QToolBar("Transport", host)
    toolbar.setObjectName("transport")
    toolbar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    toolbar.addActions(list(run.transport))
    toolbar.addSeparator()
    toolbar.addWidget(QLabel(" Speed "))
    toolbar.addWidget(_speed_slider(view, toolbar))
    label = QLabel(speed_text(view.speed))
    label.setMinimumWidth(110)
    view.events.speed.connect(lambda position: label.setText(speed_text(position)))
    toolbar.addWidget(label)
    toolbar.addSeparator()
    toolbar.addActions(
        [shown.log_y, shown.learning_rate, shown.sharpness, run.reference, run.predict]
    )
    host.addToolBar(toolbar)
    for widget in toolbar.findChildren(QWidget):
        widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return toolbar


def _speed_slider(view: ViewState, parent: QWidget) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal, parent)
    slider.setObjectName("speed")
    slider.setRange(0, SPEED_STEPS)
    slider.setValue(view.speed)
    slider.setFixedWidth(220)
    slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrow keys belong to Step
    slider.setToolTip("from 1 step a second to as fast as the machine goes")
    slider.valueChanged.connect(lambda position: view.update(speed=position))

    def show(position: int) -> None:
        with QSignalBlocker(slider):
            slider.setValue(position)

    view.events.speed.connect(show)
    return slider
