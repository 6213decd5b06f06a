"""Where the 3-D plots are seen from: one camera every plot follows."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal

ELEVATION_LIMIT = 90.0  # degrees: straight down (or up) at most
DISTANCE_RANGE = (1.5, 40.0)  # in box units: the box is 2 × 2 wide


@dataclass(frozen=True)
class Camera:
    """Azimuth (degrees around the vertical, 0 along +x), elevation (degrees above the plane)
    and distance from the box's centre."""

    azimuth: float = 300.0
    elevation: float = 30.0
    distance: float = 3.1

    def held(self) -> Camera:
        """The camera within its limits, its azimuth in [0, 360)."""
        low, high = DISTANCE_RANGE
        return replace(
            self,
            azimuth=self.azimuth % 360.0,
            elevation=min(ELEVATION_LIMIT, max(-ELEVATION_LIMIT, self.elevation)),
            distance=min(high, max(low, self.distance)),
        )


class SharedCamera(QObject):
    """The one camera of every 3-D plot: a plot the user turns sets it, every plot follows
    ``changed`` (setting the camera it already has emits nothing, so there is no loop)."""

    changed = Signal(object)  # Camera

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._camera = Camera()

    @property
    def camera(self) -> Camera:
        return self._camera

    def set(self, camera: Camera) -> None:
        camera = camera.held()
        if camera != self._camera:
            self._camera = camera
            self.changed.emit(camera)

    def reset(self) -> None:
        self.set(Camera())
