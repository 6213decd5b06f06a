"""One learning rate's 3-D plot: the sheet, every optimizer's path and head on it, the start and
minima, a height axis in decades; it follows the shared camera and turns it."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pyqtgraph.opengl as gl
from OpenGL import GL
from pyqtgraph import Vector
from pyqtgraph.opengl import shaders
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QVector3D

from gui.plotting.loss_colours import decade_ticks
from gui.surface3d.camera import Camera, SharedCamera
from gui.surface3d.geometry import HEIGHT, SurfaceMesh, ray_hit

# Lit from above the viewer's left: a slope reads as a shade, but no face goes darker than 60 %
# of its colour, so the sheet still reads against the colour bar.
LIT = shaders.ShaderProgram(
    "surface3d-lit",
    [
        shaders.VertexShader(
            """
            uniform mat4 u_mvp;
            uniform mat3 u_normal;
            attribute vec4 a_position;
            attribute vec3 a_normal;
            attribute vec4 a_color;
            varying vec4 v_color;
            varying vec3 v_normal;
            void main() {
                v_normal = normalize(u_normal * a_normal);
                v_color = a_color;
                gl_Position = u_mvp * a_position;
            }
            """
        ),
        shaders.FragmentShader(
            """
            #ifdef GL_ES
            precision mediump float;
            #endif
            varying vec4 v_color;
            varying vec3 v_normal;
            void main() {
                float p = abs(dot(normalize(v_normal), normalize(vec3(-0.4, 0.5, 1.0))));
                gl_FragColor = vec4(v_color.rgb * (0.6 + 0.4 * p), v_color.a);
            }
            """
        ),
    ],
)
OVERLAY = {  # paths, heads and marks: depth-tested, blended, drawn over an equal depth
    GL.GL_DEPTH_TEST: True,
    GL.GL_BLEND: True,
    "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA),
    "glDepthFunc": (GL.GL_LEQUAL,),
}
HALO = (0.0, 0.0, 0.0, 0.8)
SHEET_ALPHA = 0.82  # a path that sinks below the sheet (the MLP's, off the plane) still shows
PATH_WIDTH, HALO_WIDTH = 2.5, 5.0
HEAD_SIZE, MARK_SIZE = 13.0, 12.0  # pixels
WHEEL_ZOOM = 0.999  # distance × this per wheel unit (pyqtgraph's own rate)
CLICK_SLOP = 4.0  # pixels a press may move and still be a click (not a turn)


def rgba(colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    c = QColor(colour)
    return c.redF(), c.greenF(), c.blueF(), alpha


class SurfaceCanvas(gl.GLViewWidget):
    """The sheet and, for each run shown, a path (over a dark halo) and a head ball.

    Items are made when an experiment starts; frames only ``setData`` them. Dragging orbits,
    the wheel zooms and a double click resets the shared camera, which every canvas follows.
    Shift+click on the sheet emits ``start_picked`` with the box point it met and a pixel's
    width there; Ctrl+Shift+click, ``start_cleared``.
    """

    last_paint_ms = 0.0  # what drawing the plot last cost: the redraw pacer keeps to a share
    start_picked = Signal(float, float, float)  # box x, y, and a pixel's width there
    start_cleared = Signal()

    def __init__(self, camera: SharedCamera, parent=None):
        super().__init__(parent)
        self.camera = camera
        self.sheet = gl.GLSurfacePlotItem(shader=LIT, computeNormals=True, smooth=True)
        # see-through, and drawn after the paths: a path under the sheet shows through it
        self.sheet.setGLOptions("translucent")
        self.sheet.setDepthValue(10)
        self.sheet.setVisible(False)  # until a map arrives
        self.addItem(self.sheet)
        self.frame = gl.GLLinePlotItem(mode="lines", width=1.0, antialias=True)
        self.addItem(self.frame)
        self.paths: dict[int, tuple[gl.GLLinePlotItem, gl.GLLinePlotItem]] = {}
        self.colours: dict[int, tuple] = {}
        self.heads = self._balls(HEAD_SIZE)
        self.marks = {"start": self._balls(MARK_SIZE), "minimum": self._balls(MARK_SIZE)}
        self.foreground = (0.9, 0.9, 0.9, 1.0)
        self.mesh: SurfaceMesh | None = None  # the sheet, to find where a ray meets it
        self._pressed_at: QPointF | None = None
        self.setCameraPosition(pos=Vector(0.0, 0.0, HEIGHT / 2))  # the box's middle
        self.follow(camera.camera)
        camera.changed.connect(self.follow)

    def _balls(self, size: float) -> tuple[gl.GLScatterPlotItem, gl.GLScatterPlotItem]:
        """A halo and a ball over it: (dark disc, coloured disc), both empty for now."""
        pair = (gl.GLScatterPlotItem(size=size + 4), gl.GLScatterPlotItem(size=size))
        for item in pair:
            item.setGLOptions(OVERLAY)
            item.setData(pos=np.zeros((0, 3), dtype=np.float32))
            self.addItem(item)
        return pair

    # --- what it shows -------------------------------------------------------------------------

    def set_look(self, background: str, foreground: str) -> None:
        self.setBackgroundColor(background)
        self.foreground = rgba(foreground)
        self.frame.setData(color=rgba(foreground, 0.45))

    def set_runs(self, colours: dict[int, str]) -> None:
        """An empty path and a head for each run (its index: its optimizer's colour)."""
        for halo, line in self.paths.values():
            self.removeItem(halo)
            self.removeItem(line)
        self.paths = {}
        self.colours = {index: rgba(colour) for index, colour in colours.items()}
        for index, colour in self.colours.items():
            halo = gl.GLLinePlotItem(color=HALO, width=HALO_WIDTH, antialias=True)
            line = gl.GLLinePlotItem(color=colour, width=PATH_WIDTH, antialias=True)
            for item in (halo, line):
                item.setGLOptions(OVERLAY)
                item.setData(pos=np.zeros((0, 3), dtype=np.float32))
                self.addItem(item)
            self.paths[index] = (halo, line)
        self.set_heads({})

    def set_sheet(self, mesh: SurfaceMesh, colour_range: tuple[float, float]) -> None:
        colours = mesh.colours.copy()
        colours[..., 3] = SHEET_ALPHA
        self.mesh = mesh
        self.sheet.setData(x=mesh.x, y=mesh.y, z=mesh.z, colors=colours)
        self.sheet.setVisible(True)
        self._draw_frame(colour_range)

    def _draw_frame(self, colour_range: tuple[float, float]) -> None:
        """The floor's outline and a height axis at its back corner with a tick per decade (the
        colour bar beside the plots labels them)."""
        floor = [(-1, -1), (1, -1), (1, -1), (1, 1), (1, 1), (-1, 1), (-1, 1), (-1, -1)]
        corner, top = (-1.0, 1.0), HEIGHT
        rows = [(*p, 0.0) for p in floor] + [(*corner, 0.0), (*corner, top)]
        low, high = colour_range
        ticks = decade_ticks(low, high)
        for value, _ in ticks:
            z = HEIGHT * (value - low) / (high - low)
            rows += [(*corner, z), (corner[0] - 0.06, corner[1], z)]
        self.frame.setData(pos=np.array(rows, dtype=np.float32), color=(*self.foreground[:3], 0.45))

    def set_marks(self, name: str, points: np.ndarray, fill: str, ring: str) -> None:
        """``points`` (n, 3) in the box, as balls ``fill`` ringed with ``ring``."""
        halo, ball = self.marks[name]
        halo.setData(pos=points, color=rgba(ring))
        ball.setData(pos=points, color=rgba(fill))

    def set_path(self, index: int, points: np.ndarray) -> None:
        """Run ``index``'s path as box ``points`` (n, 3)."""
        for item in self.paths[index]:
            item.setData(pos=points)

    def set_heads(self, heads: dict[int, np.ndarray]) -> None:
        """A ball at each run's newest point (box coordinates), in its optimizer's colour."""
        order = [i for i in self.colours if i in heads]
        points = np.array([heads[i] for i in order], dtype=np.float32).reshape(-1, 3)
        colours = np.array([self.colours[i] for i in order], dtype=np.float32).reshape(-1, 4)
        halo, ball = self.heads
        halo.setData(pos=points, color=HALO)
        ball.setData(pos=points, color=colours)

    def set_pixel_scale(self, scale: float) -> None:
        """Lines and balls ``scale`` times their width on screen (a 2× picture's are 2× wide)."""
        for halo, line in self.paths.values():
            halo.setData(width=HALO_WIDTH * scale)
            line.setData(width=PATH_WIDTH * scale)
        for (halo, ball), size in zip(
            (self.heads, *self.marks.values()), (HEAD_SIZE, MARK_SIZE, MARK_SIZE)
        ):
            halo.setData(size=(size + 4) * scale)
            ball.setData(size=size * scale)
        self.frame.setData(width=scale)

    def picture(self, width: int, height: int, scale: float = 1.0) -> QImage:
        """The plot drawn at ``width`` × ``height`` pixels, whatever its size on screen, its
        lines and balls ``scale`` times as wide."""
        self.set_pixel_scale(scale)
        try:
            pixels = np.ascontiguousarray(self.renderToArray((width, height)))
        finally:
            self.set_pixel_scale(1.0)
        image = QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_ARGB32)
        return image.convertToFormat(QImage.Format.Format_RGB32)  # a copy: owns its pixels

    def paintGL(self) -> None:  # noqa: N802 (Qt's name)
        began = time.perf_counter()
        super().paintGL()
        self.last_paint_ms = (time.perf_counter() - began) * 1000

    # --- the camera ----------------------------------------------------------------------------

    def follow(self, camera: Camera) -> None:
        """Show the plot from ``camera`` (the shared one)."""
        self.setCameraPosition(
            distance=camera.distance, elevation=camera.elevation, azimuth=camera.azimuth
        )

    def orbit(self, azim: float, elev: float) -> None:  # drags and arrow keys end here
        current = self.camera.camera
        self.camera.set(
            replace(current, azimuth=current.azimuth + azim, elevation=current.elevation + elev)
        )

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt's name): orbit, never pan
        position = event.position()
        last = getattr(self, "mousePos", position)
        self.mousePos = position
        if event.buttons() == Qt.MouseButton.LeftButton:
            self.orbit(-(position.x() - last.x()), position.y() - last.y())

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        delta = event.angleDelta().y() or event.angleDelta().x()
        current = self.camera.camera
        self.camera.set(replace(current, distance=current.distance * WHEEL_ZOOM**delta))

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.camera.reset()

    # --- Shift+click: where the runs start -----------------------------------------------------

    def ray(self, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
        """The ray from the eye through widget point (x, y): origin and direction, box units,
        from the matrices the plot is drawn with."""
        viewport = (0, 0, self.width(), self.height())
        matrix = self.projectionMatrix(viewport, viewport) * self.viewMatrix()
        inverse, _ = matrix.inverted()
        ndc = QVector3D(2.0 * x / self.width() - 1.0, 1.0 - 2.0 * y / self.height(), -1.0)
        near, eye = inverse.map(ndc), self.cameraPosition()
        origin = np.array([eye.x(), eye.y(), eye.z()])
        return origin, np.array([near.x(), near.y(), near.z()]) - origin

    def pick(self, x: float, y: float) -> np.ndarray | None:
        """The box point (3,) of the sheet under widget point (x, y), or None (no sheet there)."""
        if self.mesh is None or not self.sheet.visible():
            return None
        return ray_hit(self.mesh, *self.ray(x, y))

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().mousePressEvent(event)
        self._pressed_at = event.position()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        pressed, self._pressed_at = self._pressed_at, None
        where, modifiers = event.position(), event.modifiers()
        if (
            event.button() != Qt.MouseButton.LeftButton
            or not modifiers & Qt.KeyboardModifier.ShiftModifier
            or pressed is None
            or (where - pressed).manhattanLength() > CLICK_SLOP
        ):
            return
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            self.start_cleared.emit()
            return
        hit = self.pick(where.x(), where.y())
        if hit is not None:
            pixel = self.pixelSize(QVector3D(*map(float, hit)))
            self.start_picked.emit(float(hit[0]), float(hit[1]), float(pixel))
