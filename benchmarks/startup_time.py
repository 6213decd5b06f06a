"""How soon after launch the window shows, and draws its first point of a curve (median of N).

Each launch is ``main.py`` as a user starts it (a fresh settings folder), in a process of its
own, timed from just before the process is created: "visible" when the window first paints,
"first curve point" when the first redraw after Play holds a loss, Play being pressed as the
window shows (the engine process queues it until it has built the experiment). Targets: the
window visible within 0.8 s, the first curve point within 2.5 s.

``--floor`` also launches, between the window's launches, the least a window of this kind needs:
Python, PySide6, numpy and pyqtgraph imported, a 1,400 × 900 main window holding one empty plot,
timed to its first paint the same way. What the app takes beyond that is its own.

``--against PATH`` launches another checkout of the app (an older commit: ``git worktree add``)
alternately with this one, launch by launch, and prints both medians and the paired difference:
one change measured against the machine's drift, which is larger than it here.

Run (Qt's offscreen platform unless QT_QPA_PLATFORM is set; under Xvfb for real painting):

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" \\
        .venv/bin/python benchmarks/startup_time.py [--launches 5] [--floor]
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


FLOOR = """
import sys, time
launched = float(sys.argv[1])
import numpy, pyqtgraph
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv[:1])


class Plot(pyqtgraph.PlotWidget):  # it covers the whole window: it paints as the window shows
    def paintEvent(self, event):
        super().paintEvent(event)
        print(f"{time.time() - launched:.3f}", flush=True)
        app.quit()


window = QMainWindow()
window.setCentralWidget(Plot())
window.resize(1400, 900)
window.show()
app.exec()
"""


def launch(code: str) -> list[float]:
    """The seconds ``code`` prints, run as a fresh process timed from just before it starts."""
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
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the launch failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return [float(line) for line in lines]


def compare(other: Path, launches: int) -> int:
    """Launch ``other`` and this checkout in turn (each first in every other pair)."""
    roots = {"this": ROOT, "other": other}
    times: dict[str, list[tuple[float, float]]] = {"this": [], "other": []}
    for pair in range(launches):
        for name in ("other", "this") if pair % 2 == 0 else ("this", "other"):
            times[name].append(tuple(launch(LAUNCH.format(root=str(roots[name])))[:2]))
        this, then = times["this"][-1], times["other"][-1]
        print(f"pair {pair + 1}: visible {then[0]:.2f} → {this[0]:.2f} s", flush=True)
    for name, label in (("other", f"{other}"), ("this", f"{ROOT}")):
        visible = statistics.median(t[0] for t in times[name])
        first = statistics.median(t[1] for t in times[name])
        print(f"{label}: visible {visible:.2f} s, first curve point {first:.2f} s (medians)")
    gains = [a[0] - b[0] for a, b in zip(times["other"], times["this"], strict=True)]
    faster = sum(gain > 0 for gain in gains)
    print(
        f"this checkout visible sooner by {statistics.median(gains):.3f} s (paired median), "
        f"sooner in {faster} of {launches} pairs"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=5, help="launches (default 5)")
    parser.add_argument(
        "--floor", action="store_true", help="also time an empty pyqtgraph window as often"
    )
    parser.add_argument(
        "--against", type=Path, help="another checkout, launched alternately with this one"
    )
    args = parser.parse_args()
    if args.against is not None:
        return compare(args.against.resolve(), args.launches)
    times, floors = [], []
    for _ in range(args.launches):
        visible, first = launch(LAUNCH.format(root=str(ROOT)))[:2]
        times.append((visible, first))
        floor = ""
        if args.floor:
            floors.append(launch(FLOOR)[0])
            floor = f", an empty pyqtgraph window {floors[-1]:.2f} s"
        print(
            f"visible {visible:.2f} s, first curve point {first:.2f} s{floor}, load "
            f"{os.getloadavg()[0]:.2f}",
            flush=True,
        )
    visible = statistics.median(t[0] for t in times)
    first = statistics.median(t[1] for t in times)
    print(
        f"median of {len(times)}: visible {visible:.2f} s (target < {TARGET_VISIBLE_S:g}), "
        f"first curve point {first:.2f} s (target < {TARGET_FIRST_POINT_S:g})"
    )
    if floors:
        print(f"an empty pyqtgraph window: visible {statistics.median(floors):.2f} s (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
