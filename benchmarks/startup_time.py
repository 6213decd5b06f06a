"""How soon after launch the window shows, and draws its first point of a curve (median of N).

Each launch is ``main.py`` as a user starts it (a fresh settings folder), in a process of its
own, timed from just before the process is created: "visible" when the window first paints,
"first curve point" when the first redraw after Play holds a loss, Play being pressed as the
window shows (the engine process queues it until it has built the experiment). Targets: the
window visible within 0.8 s, the first curve point within 2.5 s.

Run (Qt's offscreen platform unless QT_QPA_PLATFORM is set; under Xvfb for real painting):

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" \\
        .venv/bin/python benchmarks/startup_time.py [--launches 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_VISIBLE_S = 0.8
TARGET_FIRST_POINT_S = 2.5

LAUNCH = """
import importlib.machinery, sys, time
launched = float(sys.argv[1])
sys.path.insert(0, {root!r})
sys.argv = ["main.py"]
import main  # the launcher's own imports, as `python main.py` makes them


def watch(main_window):
    class Watched(main_window.MainWindow):
        visible = None

        def paintEvent(self, event):
            super().paintEvent(event)
            if self.visible is None:
                self.visible = time.time() - launched
                self.toggle_play()

        def _draw(self):
            cost = super()._draw()
            if self.session.steps_taken > 0 and self.visible is not None:
                print(f"{{self.visible:.3f}} {{time.time() - launched:.3f}}", flush=True)
                self.pacer.stop()
                main_window.QTimer.singleShot(0, self.close)
            return cost

    main_window.MainWindow = Watched


class WatchWhenImported:  # the window's module is patched as main.py imports it, not before
    def find_spec(self, name, path, target=None):
        if name != "gui.shell.main_window":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        run = spec.loader.exec_module
        spec.loader.exec_module = lambda module: (run(module), watch(module))
        return spec


sys.meta_path.insert(0, WatchWhenImported())
if __name__ == "__main__":
    sys.exit(main.main([]))
"""


def launch() -> tuple[float, float]:
    """(seconds to visible, seconds to the first curve point) of one launch."""
    code = LAUNCH.format(root=str(ROOT))
    with tempfile.TemporaryDirectory(prefix="startup-") as home:
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": home}
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        launched = time.time()
        done = subprocess.run(
            [sys.executable, "-c", code, repr(launched)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) < 2:
        raise RuntimeError(f"the launch failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return float(lines[0]), float(lines[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=5, help="launches (default 5)")
    args = parser.parse_args()
    times = []
    for _ in range(args.launches):
        times.append(launch())
        visible, first = times[-1]
        print(
            f"visible {visible:.2f} s, first curve point {first:.2f} s, load "
            f"{os.getloadavg()[0]:.2f}",
            flush=True,
        )
    visible = statistics.median(t[0] for t in times)
    first = statistics.median(t[1] for t in times)
    print(
        f"median of {len(times)}: visible {visible:.2f} s (target < {TARGET_VISIBLE_S:g}), "
        f"first curve point {first:.2f} s (target < {TARGET_FIRST_POINT_S:g})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
