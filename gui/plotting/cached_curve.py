"""A curve painted once into an image of device pixels and then copied, until its data, pen or
view change: the settled part of a curve that grows (the Sharpness view's lanes).

Its own image rather than Qt's ``DeviceCoordinateCache``: with that, every repaint of such an
item also made Qt paint the axes' cached grids again (measured: 139 axis paints in 30 frames
instead of 25), which cost more than the cache saved.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPaintEngine, QPainter, QTransform

from gui.plotting.helpers import LiveCurve


class CachedCurve(LiveCurve):
    """A :class:`LiveCurve` that, ``cached``, strokes its points into an image once per data,
    pen and view, and copies it at every other paint. Exports and devices with a pixel ratio
    other than 1 are stroked as usual."""

    def __init__(self, **options):
        super().__init__(**options)
        self.cached = False
        self._image: QImage | None = None
        self._key: tuple | None = None  # the device transform and rect the image was made for

    def set_cached(self, on: bool) -> None:
        """Paint from the image (worth it for many points: copying one costs about what
        stroking a few thousand does), or stroke every paint."""
        self.cached = on
        self._forget()
        self.update()

    def updateData(self, *args, **kwargs) -> None:  # noqa: N802 (pyqtgraph's name)
        self._forget()
        super().updateData(*args, **kwargs)

    def setPen(self, *args, **kwargs) -> None:  # noqa: N802 (pyqtgraph's name)
        self._forget()
        super().setPen(*args, **kwargs)

    def _forget(self) -> None:
        self._image, self._key = None, None

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        """The curve's bounds within the view's (not ``viewRect()``: a ``PlotCurveItem`` never
        forgets the first one it was asked for), so the image is never larger than the view."""
        rect = super().boundingRect()
        view = self.getViewBox()
        shown = None if view is None else self.mapRectFromView(view.viewRect())
        return rect if shown is None else rect.intersected(shown.normalized())

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self._copyable(painter):
            super().paint(painter, option, widget)
            return
        # the world transform, not the device's: that one adds where the view sits in the
        # window, which the engine adds again when the image is drawn
        transform = painter.worldTransform()
        area = transform.mapRect(self.boundingRect()).toAlignedRect()
        if area.isEmpty():
            return
        key = (transform.m11(), transform.m12(), transform.m21(), transform.m22(),
               transform.dx(), transform.dy(), area.getRect())  # fmt: skip
        if key != self._key:
            self._image, self._key = self._stroked(transform, area, option, widget), key
        painter.save()
        painter.setWorldTransform(QTransform())
        painter.drawImage(area.topLeft(), self._image)
        painter.restore()

    def _copyable(self, painter: QPainter) -> bool:
        """On screen (or a grab of it): raster pixels at a ratio of 1, not an export."""
        device = painter.device()
        return (
            self.cached
            and self._exportOpts is False
            and painter.paintEngine().type() == QPaintEngine.Type.Raster
            and device is not None
            and device.devicePixelRatioF() == 1.0
        )

    def _stroked(self, transform: QTransform, area, option, widget) -> QImage:
        """The curve stroked into a transparent image covering ``area`` (device pixels)."""
        image = QImage(area.size(), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        into = QPainter(image)
        into.setWorldTransform(transform * QTransform.fromTranslate(-area.x(), -area.y()))
        super().paint(into, option, widget)
        into.end()
        return image
