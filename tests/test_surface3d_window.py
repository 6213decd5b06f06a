"""The 3-D landscape drawn with OpenGL: ``surface3d_under_x.py``'s tests, run by pytest in a
child process on a virtual X screen (Xvfb with Mesa's software OpenGL), since this process's
Qt platform is offscreen, which has no OpenGL."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.xwindow import PROJECT_ROOT, in_ci, require_tools, x_env, xvfb

CHECKS = "tests/surface3d_under_x.py"
DEADLINE = 600  # seconds for the whole child run, on a slow shared machine


def test_the_3d_view_under_x_with_opengl(tmp_path):
    require_tools()
    with xvfb(tmp_path) as display:
        child = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", CHECKS],
            cwd=PROJECT_ROOT,
            env=x_env(display, tmp_path),
            capture_output=True,
            text=True,
            timeout=DEADLINE,
        )
    report = child.stdout[-6000:] + child.stderr[-2000:]
    if child.returncode != 0 and "needs OpenGL" in report and not in_ci():
        pytest.skip("no OpenGL on the virtual screen (install Mesa: see .ci/dev)")
    assert child.returncode == 0, report
