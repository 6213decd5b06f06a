"""The Landscape tab: where each optimizer travels over the loss, one plot per learning rate.

It reads the session (the experiment and the paths the engine sends) and the view state, and
draws on the window's redraw pacer; the map under the paths (a plane and the loss over a window
of it) is computed by a runner (the window's engine process, or a thread of its own), once per
experiment settings, plane and window, shared by every plot. For the MLP the plane (the view
state's ``plane``) is chosen here (``BASIS_CHOICES``), and the caption says how far each path
strays from it; the window grows (a new map) when a path leaves it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine.analysis.landscape_map import (
    LANDSCAPE_TASK,
    SURFACE_RESOLUTION,
    LandscapeMap,
    LandscapeRequest,
    grown_window,
    map_key,
)
from engine.analysis.plane import GRID_RESOLUTION
from engine.core.history import PATH_BUDGET
from engine.live.messages import ExperimentStarted, LossUpdate
from engine.live.remote import RemoteRunner
from engine.live.task_runner import TaskRunner
from engine.problems import get_problem
from gui.landscape.caption import caption_text
from gui.landscape.grid import LandscapeGrid
from gui.landscape.paths import PathHistory
from gui.landscape.start_click import cleared_start, start_changes
from gui.landscape.step_arrows import StepArrows
from gui.plotting.themes import Theme
from gui.state.session import EngineSession
from gui.state.view_state import ViewState
from gui.surface3d.support import unavailable_reason

BASIS_CHOICES = (  # (basis, short name, what it is)
    ("hessian", "Sharpest Hessian", "The two sharpest Hessian directions at θ₀ (fixed: live)"),
    ("pca", "PCA of the paths", "The plane closest to every run's path (refitted at the end)"),
    ("random", "Random (Li et al.)", "Two filter-normalised random directions from the seed"),
)


class LandscapeView(QWidget):
    """The plane chooser and status line over a :class:`LandscapeGrid`; ``start_requested``
    carries the settings that start every run where the map was Shift+clicked."""

    start_requested = Signal(object)

    def __init__(
        self,
        session: EngineSession,
        view: ViewState,
        parent: QWidget | None = None,
        runner: TaskRunner | RemoteRunner | None = None,
    ):
        super().__init__(parent)
        self.session, self.view = session, view
        self.paths = PathHistory()
        self._inside: tuple = (None, 0, 0)  # a map, the paths' revision, steps seen inside it
        self.runner = runner or TaskRunner("landscape", self)
        self.runner.finished.connect(self._on_map)
        self.runner.failed.connect(self._on_failure)
        self.grid = LandscapeGrid()
        self.grid.start_requested.connect(self._on_start_requested)
        self.grid.start_cleared.connect(self._on_start_cleared)
        self.step_arrows = StepArrows(self.grid, session, view)  # fed the inspector's readings
        self.basis_box = QComboBox()
        for index, (basis, title, tip) in enumerate(BASIS_CHOICES):
            self.basis_box.addItem(title, basis)
            self.basis_box.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.basis_box.setToolTip(
            "The MLP has many parameters: the map is the plane through θ₀ spanned by two "
            "directions, and paths are drawn where they project onto it"
        )
        self.basis_box.setCurrentIndex(self.basis_box.findData(view.plane))
        self.basis_box.currentIndexChanged.connect(self._basis_chosen)
        self.refit = QPushButton("Fit to the paths")
        self.refit.setToolTip("Compute the plane (PCA) and the window again from the paths so far")
        self.refit.clicked.connect(self.fit_to_paths)
        self.toggle_3d = QPushButton("3-D")
        self.toggle_3d.setCheckable(True)
        self.toggle_3d.setToolTip(
            "The loss as a surface in 3-D, each path at the loss it had: drag to turn, wheel "
            "to zoom, double-click to reset"
        )
        self.toggle_3d.toggled.connect(lambda on: view.update(landscape_3d=on))
        if unavailable_reason() is not None:
            self.toggle_3d.setEnabled(False)
            self.toggle_3d.setToolTip(unavailable_reason())
        self.surface = None  # the 3-D view (gui.surface3d), made when first shown
        self.status = QLabel()
        # a long status must not widen the window
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.basis_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.basis_box.setMinimumContentsLength(16)
        bar = QHBoxLayout()
        self.basis_label = QLabel("Plane:")
        for widget in (self.basis_label, self.basis_box, self.refit):
            bar.addWidget(widget)
        # the status and the 3-D button share a stretch whose width the window's least width
        # ignores: a narrow window cuts the status short, the button last
        tail = QWidget()
        tail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        tail_row = QHBoxLayout(tail)
        tail_row.setContentsMargins(0, 0, 0, 0)
        tail_row.addWidget(self.status, 1)
        tail_row.addWidget(self.toggle_3d)
        bar.addWidget(tail, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self.map: LandscapeMap | None = None
        self._pending: LandscapeRequest | None = None
        self._fitted_generation = -1  # the experiment whose finished paths the plane was fitted to
        self._captioned: tuple | None = None
        self._caption_text = ""
        session.restarted.connect(self._on_started)
        session.advanced.connect(self._on_advanced)
        view.events.plane.connect(self._on_plane_change)
        view.events.landscape_3d.connect(self._show_3d)
        self._show_3d(view.landscape_3d)
        if session.started is not None:  # built as an experiment starts, before its first step
            self._on_started(session.started)

    # --- what it shows ---------------------------------------------------------------------

    @property
    def basis(self) -> str:
        """The MLP's plane: the view state's."""
        return self.view.plane

    @property
    def computing(self) -> bool:
        """A map is being computed for the experiment shown."""
        return self._pending is not None

    @property
    def caption(self) -> str:
        return self.grid.caption.text

    @Slot(float, float)
    def _on_start_requested(self, x: float, y: float) -> None:
        """Every run starts where the map was Shift+clicked (see :mod:`start_click`)."""
        started = self.session.started
        if started is not None:
            landscape = self.map if self._current(self.map) else None
            changes = start_changes(started, landscape, (x, y))
            if changes is None:
                self._say("The map is still being computed: Shift+click once it shows")
            else:
                self.start_requested.emit(changes)

    @Slot()
    def _on_start_cleared(self) -> None:
        """Ctrl+Shift+click: every run starts where the problem does (the MLP: at θ₀)."""
        if self.session.started is not None:
            self.start_requested.emit(cleared_start(self.session.started))

    def _say(self, text: str) -> None:
        """The status line (and, as it may be cut short, its tooltip)."""
        self.status.setText(text)
        self.status.setToolTip(text)

    @property
    def showing_3d(self) -> bool:
        return self.surface is not None and self.stack.currentWidget() is self.surface

    @property
    def last_paint_ms(self) -> float:
        """What painting the view shown last cost (for the redraw pacer)."""
        return self.surface.last_paint_ms if self.showing_3d else self.grid.last_paint_ms

    def apply_theme(self, theme: Theme) -> None:
        self.grid.apply_theme(theme)
        self.grid.invalidate()
        self.step_arrows.refresh()
        if self.surface is not None:
            self.surface.apply_theme(theme)

    @Slot(bool)
    def _show_3d(self, on: bool) -> None:
        """The 3-D view in place of the 2-D grid (made, and OpenGL loaded, the first time), or
        the grid again; where no OpenGL context can be made, always the grid."""
        on = on and unavailable_reason() is None
        with QSignalBlocker(self.toggle_3d):
            self.toggle_3d.setChecked(on)
        if on and self.surface is None:
            from gui.surface3d.grid import SurfaceGrid

            self.surface = SurfaceGrid(theme=self.grid.theme)
            self.surface.start_requested.connect(self._on_start_requested)
            self.surface.start_cleared.connect(self._on_start_cleared)
            self.stack.addWidget(self.surface)
            if self.session.started is not None:
                self.surface.start(self.session.started, self.session.history)
            if self._current(self.map):
                self.surface.set_map(self.map)
            self.surface.set_caption(self._caption_text)
        self.stack.setCurrentWidget(self.surface if on else self.grid)
        self.redraw()

    def shutdown(self) -> None:
        self.runner.shutdown()

    # --- from the session ------------------------------------------------------------------

    @Slot(object)
    def _on_started(self, started: ExperimentStarted) -> None:
        problem = get_problem(started.config.problem)
        size = 0 if started.initial_parameters is None else len(started.initial_parameters)
        self.paths.clear(len(started.runs), size, started.config.max_steps)
        self.grid.start(started, self.session.history)
        if self.surface is not None:
            self.surface.start(started, self.session.history)
        for widget in (self.basis_label, self.basis_box, self.refit):
            widget.setVisible(not problem.is_surface)
        self.layout().invalidate()  # a hidden tab's layout would keep the old minimum width
        self._captioned = None
        if self.map is not None and self.map.key == map_key(started.config):
            self._set_map(self.map)
            self._show_caption()
        else:
            self._request()

    @Slot(object)
    def _on_advanced(self, update: LossUpdate) -> None:
        self.paths.apply(update)
        if update.paths is None and update.end > 0:
            self._say(self._unrecorded())
        started = self.session.started
        if (
            update.done
            and self.basis == "pca"
            and started is not None
            and not get_problem(started.config.problem).is_surface
            and self._fitted_generation != started.generation
        ):
            self._fitted_generation = started.generation
            self.fit_to_paths()

    def _unrecorded(self) -> str:
        config = self.session.started.config
        return (
            f"Paths are not drawn: {len(self.session.started.runs)} runs × {config.max_steps:,} "
            f"steps × {self.paths.parameters.shape[-1] or 'all'} parameters is more than the "
            f"{PATH_BUDGET:,} numbers kept. Lower max steps (or hidden units)."
        )

    # --- maps ------------------------------------------------------------------------------

    @Slot()
    def fit_to_paths(self) -> None:
        """A new map from the paths so far: PCA's plane fitted to them, any window grown to
        hold them."""
        self._request(with_paths=True)

    @Slot(int)
    def _basis_chosen(self, index: int) -> None:
        self.view.update(plane=self.basis_box.itemData(index))

    @Slot(str)
    def _on_plane_change(self, plane: str) -> None:
        with QSignalBlocker(self.basis_box):
            self.basis_box.setCurrentIndex(self.basis_box.findData(plane))
        self._request(with_paths=self.paths.length > 0)

    def _request(self, with_paths: bool = False, window=None, keep_plane: bool = False) -> None:
        started = self.session.started
        if started is None or started.plane_origin is None:
            return
        paths = self.paths.parameters.copy() if with_paths and self.paths.recorded else None
        request = LandscapeRequest(
            started.config,
            started.plane_origin,
            self.basis,
            paths=paths,
            window=window,
            plane=self.map.plane if keep_plane and self.map is not None else None,
        )
        self._pending = request
        problem = get_problem(started.config.problem)
        side = SURFACE_RESOLUTION if problem.is_surface else GRID_RESOLUTION
        self._say(f"Computing the loss at {side} × {side} points…")
        self.runner.start(LANDSCAPE_TASK, request)

    @Slot(object)
    def _on_map(self, landscape: LandscapeMap) -> None:
        self._pending = None
        started = self.session.started
        if landscape is None or started is None or landscape.key != map_key(started.config):
            return  # for settings that have since changed; their own map is on its way
        self._set_map(landscape)
        self._captioned = None
        self._show_caption()
        (x0, x1), (y0, y1) = landscape.window
        plane = "Plane: the parameters (x, y) themselves · " if landscape.problem.is_surface else ""
        self._say(f"{plane}window x {x0:.3g} … {x1:.3g}, y {y0:.3g} … {y1:.3g}")
        self.redraw()

    def _set_map(self, landscape: LandscapeMap) -> None:
        self.map = landscape
        self.grid.set_map(landscape)
        self.step_arrows.set_plane(landscape.plane)
        if self.surface is not None:
            self.surface.set_map(landscape)

    @Slot(str)
    def _on_failure(self, message: str) -> None:
        self._pending = None
        self._say(f"Could not compute the landscape: {message}")

    # --- drawing ---------------------------------------------------------------------------

    def redraw(self) -> None:
        """Move the paths on to what has arrived (``setData`` on existing items); a path that
        left an MLP map's window asks for a wider one."""
        landscape = self.map
        if not self._current(landscape):
            return  # the new settings' map is on its way (its plane may not even fit the paths)
        coordinates = self.paths.coordinates(landscape.plane)
        if self.showing_3d:
            self.surface.redraw(coordinates, self.paths.counts)
        else:
            self.grid.redraw(coordinates, self.paths.counts)
        latest = self.session.latest
        if not self.showing_3d and latest is not None and (latest.done or not self.session.playing):
            self.grid.settle()  # a still picture: every path whole, in the runs' order
        if self._pending is None and self.paths.length:
            window = self._window_for(landscape, coordinates)
            if window is not None:
                self._request(window=window, keep_plane=True)

    def _window_for(self, landscape: LandscapeMap, coordinates: np.ndarray):
        """A wider window if the paths left ``landscape``'s, else None; the steps already seen
        inside it are not looked at again (all of 16 runs' 1,000 steps took 0.25 ms a frame)."""
        seen_map, revision, seen = self._inside
        same = seen_map is landscape and revision == self.paths.revision
        start = seen if same and seen <= coordinates.shape[1] else 0
        problem, plane, window = landscape.problem, landscape.plane, landscape.window
        if grown_window(problem, plane, window, coordinates[:, start:]) is None:
            self._inside = (landscape, self.paths.revision, coordinates.shape[1])
            return None
        return grown_window(problem, plane, window, coordinates)

    def _current(self, landscape: LandscapeMap | None) -> bool:
        """``landscape`` is a map of the experiment shown."""
        started = self.session.started
        return (
            landscape is not None
            and started is not None
            and landscape.key == map_key(started.config)
        )

    def refresh_text(self) -> None:
        """The caption's off-plane distances, when the paths have moved (a few times a second)."""
        if self.isVisible():
            self._show_caption()

    def _show_caption(self) -> None:
        landscape, started = self.map, self.session.started
        if not self._current(landscape):
            return
        state = (id(landscape), started.generation, tuple(self.paths.counts))
        if state == self._captioned:
            return
        self._captioned = state
        self._caption_text = caption_text(landscape, started, self.paths)
        self.grid.set_caption(self._caption_text)
        if self.surface is not None:
            self.surface.set_caption(self._caption_text)
