"""The Landscape tab's page, whose view is built once the window has first painted.

The tab is hidden when the window opens (unless it was the tab shown last), and building its
view was the largest part of building the window (81 of 187 ms, cProfile, offscreen). So the page
starts empty and builds the view after the window's first paint, or sooner when the page is
shown or asked for, and at the latest when an experiment starts: the view keeps every run's
path from its first step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Slot
from PySide6.QtWidgets import QVBoxLayout, QWidget

from engine.live.messages import ExperimentStarted
from engine.live.protocol import LANDSCAPE
from engine.live.worker import EngineWorker
from gui.plotting.themes import Theme
from gui.state.experiment_model import ExperimentModel
from gui.state.session import EngineSession
from gui.state.view_state import ViewState

if TYPE_CHECKING:
    from gui.landscape.view import LandscapeView


class LandscapeTab(QWidget):
    """The page; ``view`` builds the :class:`LandscapeView` if it is not built yet. ``window``:
    the top-level window whose first paint builds it."""

    def __init__(
        self,
        window: QWidget,
        session: EngineSession,
        view: ViewState,
        engine: EngineWorker,
        model: ExperimentModel,
    ):
        super().__init__()
        self.session, self.view_state, self.engine, self.model = session, view, engine, model
        self._view: LandscapeView | None = None
        self._theme: Theme | None = None
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)
        session.restarted.connect(self._on_restarted)
        self._window = window
        window.installEventFilter(self)

    @property
    def built(self) -> bool:
        return self._view is not None

    @property
    def view(self) -> LandscapeView:
        """The tab's view, built now if it was not."""
        if self._view is None:
            self._build()
        return self._view

    def _build(self) -> None:
        from gui.landscape.view import LandscapeView  # its modules too wait for the first paint

        self._window.removeEventFilter(self)
        view = LandscapeView(self.session, self.view_state, runner=self.engine.runner(LANDSCAPE))
        self.engine.inspected.connect(view.step_arrows.show_inspection)
        view.start_requested.connect(lambda changes: self.model.update(**changes))
        if self._theme is not None:
            view.apply_theme(self._theme)
        self.layout().addWidget(view)
        view.show()  # a child added in the page's showEvent is not shown with it
        self._view = view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """The window's first paint: the view is built as soon as that paint is on screen."""
        if event.type() == QEvent.Type.Paint and self._view is None:
            self._window.removeEventFilter(self)
            QTimer.singleShot(0, self, lambda: self.view)
        return False

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.view  # noqa: B018 (built before the page first paints)
        super().showEvent(event)

    @Slot(object)
    def _on_restarted(self, _started: ExperimentStarted) -> None:
        """An experiment starts before the view was built: it is built now, and starts with
        the experiment (its own connection, made during this signal, is not called for it)."""
        self.view  # noqa: B018

    # --- what the window asks of every view, a no-op until it is built ----------------------

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        if self._view is not None:
            self._view.apply_theme(theme)

    def refresh_text(self) -> None:
        if self._view is not None:
            self._view.refresh_text()

    def shutdown(self) -> None:
        if self._view is not None:
            self._view.shutdown()
