"""Whether the 3-D view can be drawn here, asked once without loading ``pyqtgraph.opengl``."""

from __future__ import annotations

import functools
import importlib.util

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

NO_GL_PLATFORMS = ("offscreen", "minimal")  # Qt platforms that make no OpenGL context
SHARED = Qt.ApplicationAttribute.AA_ShareOpenGLContexts


def share_gl_contexts() -> None:
    """Before the QApplication exists: every plot's OpenGL context shares one set of shaders
    and buffers (pyqtgraph compiles a shader once, for whichever context asks first)."""
    QCoreApplication.setAttribute(SHARED)


@functools.cache
def unavailable_reason() -> str | None:
    """Why the 3-D view cannot be shown (one line for a tooltip), or None if it can. Needs the
    QApplication; asked once per process."""
    platform = QGuiApplication.platformName()
    if platform in NO_GL_PLATFORMS:
        return f"The 3-D view needs OpenGL, which Qt's {platform} platform does not have"
    if not QCoreApplication.testAttribute(SHARED):
        return "The 3-D view needs the app started with shared OpenGL contexts"
    if importlib.util.find_spec("OpenGL") is None:
        return "The 3-D view needs PyOpenGL: pip install PyOpenGL"
    context = QOpenGLContext()
    if not context.create():
        return "The 3-D view needs OpenGL, and none could be started on this display"
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    if not (surface.isValid() and context.makeCurrent(surface)):
        return "The 3-D view needs OpenGL, and this display's could not draw"
    context.doneCurrent()
    return None
