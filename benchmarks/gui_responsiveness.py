"""How the window holds up while the engine trains flat out: GUI latency, redraws, step rate.

Every row of the speed table is measured in a window of its own, playing at the speed slider's
"max" from step 0 for ``--seconds`` (8 by default) or to the experiment's end. As a teacher
would, the row's view is turned on first and Play pressed once it shows (the first λ drawn, the
Landscape tab's map); ``--at-once`` presses Play in the same instant instead, so the view's
first drawing falls in the measured frames:

* ``article``: the article's 16 runs (5,000 steps, no stopping) on the loss panels;
* ``article+sharpness``: the same with View → Sharpness on (λ every k steps, k from its cost);
* ``class``: 512 runs (32 draws per optimizer and rate, the class mode's size);
* ``class+sharpness``: 512 runs with the Sharpness view;
* ``landscape``: the article's 16 runs on the Landscape tab (every path redrawn).

For each it measures:

* GUI event-loop lateness: a 10 ms precise QTimer in the GUI thread, re-armed at every
  timeout; each timeout's lateness is its interval minus 10 ms (p50, p99, max). Target p99
  < 25 ms.
* redraws a second: ``MainWindow.pacer.redraws`` over the wall time. Target ≥ 50.
* the engine's step rate in the app (the latest update's ``steps_taken`` over the wall time)
  against its headless rate, measured in this process right after the window closed, with
  the thread count the engine process chose for the experiment and the same work (with the
  Sharpness view: a :class:`SharpnessSampler` at full speed too). Target ≥ 0.8.

The machine's load average is printed with every row: on a shared machine only figures measured
in one run compare. Qt's offscreen platform is used unless QT_QPA_PLATFORM is set; for real
painting through an X server, run it under Xvfb:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" \\
        .venv/bin/python benchmarks/gui_responsiveness.py [--rows article,class] [--repeats R]

``--preset``, ``--hidden`` and ``--max-steps`` change every row's experiment. The developer's
settings are untouched (the window gets a QSettings in a temporary INI file). The engine process
imports this file again as its main module (spawn), so everything Qt is imported in functions.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")  # before numpy, as main.py does
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROBE_MS = 10
WINDOW_SIZE = (1400, 900)
TARGET_P99_MS = 25.0
TARGET_REDRAWS_PER_S = 50.0
TARGET_STEP_RATIO = 0.8
START_TIMEOUT_S = 60.0  # for the engine to start, build the experiment and send an update
SETTLE_S = 0.3  # once the view shows, for its first drawing to be painted before Play
IGNORED_QT_MESSAGES = ("This plugin does not support propagateSizeHints",)


@dataclass(frozen=True)
class Row:
    title: str
    seeds: int = 1
    sharpness: bool = False
    tab: str = "panels"


ROWS = {
    "article": Row("16 runs"),
    "article+sharpness": Row("16 runs + Sharpness", sharpness=True),
    "class": Row("512 runs", seeds=32),
    "class+sharpness": Row("512 runs + Sharpness", seeds=32, sharpness=True),
    "landscape": Row("Landscape tab, 16 runs", tab="landscape"),
}


@dataclass(frozen=True)
class Figures:
    p50: float
    p99: float
    worst: float
    redraws: float
    app_rate: float
    headless_rate: float
    threads: int
    k: int | None
    load: float

    @property
    def ratio(self) -> float:
        return self.app_rate / self.headless_rate


class QtMessages:
    """Collects Qt's warnings (and worse) instead of letting them go to stderr unseen."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def __call__(self, kind, context, message: str) -> None:
        from PySide6.QtCore import QtMsgType

        if kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg):
            return
        if not any(text in message for text in IGNORED_QT_MESSAGES):
            self.warnings.append(message)
            print(f"Qt: {message}", file=sys.stderr)


class Measurement:
    """Plays one window at max and watches its updates and a latency probe, from the first
    update to the end or ``seconds`` later."""

    def __init__(self, window, seconds: float, sharpness: bool, at_once: bool = False):
        from PySide6.QtCore import QEventLoop, Qt, QTimer

        self.window, self.seconds, self.sharpness = window, seconds, sharpness
        self.at_once = at_once  # Play as the view turns on, not once it shows
        self.loop = QEventLoop()
        self.probe = QTimer()
        self.probe.setTimerType(Qt.TimerType.PreciseTimer)
        self.probe.setSingleShot(True)  # re-armed in _on_probe: no catching up after a late one
        self.probe.timeout.connect(self._on_probe)
        self.deadline = QTimer()
        self.deadline.setSingleShot(True)
        self.deadline.timeout.connect(self._finish)
        self.lateness_ms: list[float] = []
        self.first_steps = self.steps = 0
        self.every: int | None = None
        self.began = self.ended = self._armed = 0.0
        self.redraws = 0
        self.played = self.started = self.finished = False
        window.engine.progress.connect(self._on_progress)  # after the window's own slot

    def run(self) -> bool:
        """Play at max and wait for the end; False if nothing came in time."""
        from PySide6.QtCore import QTimer
        from PySide6.QtGui import QAction

        from gui.plotting.pacing import SPEED_STEPS

        window = self.window
        give_up = time.perf_counter() + START_TIMEOUT_S
        while window.session.started is None and time.perf_counter() < give_up:
            self._process_events()
        if self.sharpness:
            window.findChild(QAction, "sharpness").setChecked(True)
        if not self.at_once:
            while not self._view_shows() and time.perf_counter() < give_up:
                self._process_events()
            settle = time.perf_counter() + SETTLE_S
            while time.perf_counter() < settle:
                self._process_events()
        window.view.update(speed=SPEED_STEPS)  # "max"
        self.played = True  # updates from now on are the play's
        window.toggle_play()
        QTimer.singleShot(int(START_TIMEOUT_S * 1000), self._give_up)
        self.loop.exec()
        return self.started

    def _view_shows(self) -> bool:
        """The row's view has what it shows before Play: λ at step 0, or the map."""
        window = self.window
        if self.sharpness:
            latest = window.session.latest
            return latest is not None and latest.sharpness_every is not None
        if window.tabs.currentWidget() is window.landscape:
            return window.landscape.map is not None
        return True

    @staticmethod
    def _process_events() -> None:
        from PySide6.QtCore import QEventLoop
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.005)

    def _give_up(self) -> None:
        if not self.started:
            self.loop.quit()

    def _on_progress(self, update) -> None:
        if self.finished or not self.played or update is not self.window.session.latest:
            return
        now = time.perf_counter()
        if not self.started:
            self.started, self.began, self._armed = True, now, now
            self.first_steps = update.steps_taken
            self.redraws = -self.window.pacer.redraws
            self.deadline.start(int(self.seconds * 1000))
            self.probe.start(PROBE_MS)
        self.steps, self.every, self.ended = update.steps_taken, update.sharpness_every, now
        if update.done:
            self._finish()

    def _on_probe(self) -> None:
        now = time.perf_counter()
        self.lateness_ms.append((now - self._armed) * 1000 - PROBE_MS)
        self._armed = now
        self.probe.start(PROBE_MS)

    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self.probe.stop()
        self.deadline.stop()
        self.ended = time.perf_counter()
        self.steps = self.window.session.steps_taken
        self.redraws += self.window.pacer.redraws
        self.loop.quit()

    @property
    def wall(self) -> float:
        return self.ended - self.began


def in_window(
    app, config, row: Row, seconds: float, at_once: bool
) -> tuple[Measurement, int] | None:
    """One window of ``config`` on ``row``'s tab, played at max; (measurement, the engine's
    thread count), or None if it never started. Closed as a user would close it."""
    from PySide6.QtCore import QSettings

    from gui.shell.main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="gui-responsiveness-") as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(config, settings)
        window.resize(*WINDOW_SIZE)
        window.show()
        if row.tab == "landscape":
            window.tabs.setCurrentWidget(window.landscape)
        measurement = Measurement(window, seconds, row.sharpness, at_once)
        ok = measurement.run()
        chosen = getattr(window.engine, "threads", None)  # None: an engine in this process
        window.close()
        app.processEvents()
        window.deleteLater()
        app.sendPostedEvents(None, 0)  # 0: QEvent.DeferredDelete
        del settings
    if not ok:
        print(f"no loss update within {START_TIMEOUT_S:g} s of Play", file=sys.stderr)
        return None
    return measurement, (chosen.threads if chosen is not None else 0)


def headless_rate(config, sharpness: bool, threads: int, steps: int) -> float:
    """Steps a second of the engine's work for ``steps`` steps in this process on ``threads``
    threads: the experiment, and sharpness at its own cadence if asked."""
    import torch

    from engine.experiment.batched import BatchedExperiment
    from engine.live.sharpness import SharpnessSampler

    if threads:
        torch.set_num_threads(threads)
    experiment = BatchedExperiment(config)
    sampler = SharpnessSampler(experiment) if sharpness else None
    began = time.perf_counter()
    taken = 0
    while taken < steps:
        chunk = min(50, steps - taken)
        done = sampler.step(chunk, math.inf) if sampler else experiment.step(chunk)
        if not done:
            break
        taken += done
    return taken / (time.perf_counter() - began)


def measure_row(app, config, row: Row, seconds: float, at_once: bool) -> Figures | None:
    config = config.with_changes(seeds=row.seeds)
    watched = in_window(app, config, row, seconds, at_once)
    if watched is None:
        return None
    m, threads = watched
    lateness = np.array(m.lateness_ms) if m.lateness_ms else np.zeros(1)
    p50, p99 = np.percentile(lateness, [50, 99])
    return Figures(
        p50=float(p50),
        p99=float(p99),
        worst=float(lateness.max()),
        redraws=m.redraws / m.wall,
        app_rate=(m.steps - m.first_steps) / m.wall,
        headless_rate=headless_rate(config, row.sharpness, threads, max(m.steps, 1)),
        threads=threads,
        k=m.every,
        load=os.getloadavg()[0],
    )


def print_figures(name: str, figures: Figures) -> None:
    def met(ok: bool) -> str:
        return "yes" if ok else "NO"

    f = figures
    print(
        f"{ROWS[name].title:24s} {f.redraws:7.1f} {met(f.redraws >= TARGET_REDRAWS_PER_S):>3s}"
        f" {f.p99:7.1f} {met(f.p99 < TARGET_P99_MS):>3s} {f.worst:7.1f}"
        f" {f.ratio:6.2f} {met(f.ratio >= TARGET_STEP_RATIO):>3s}"
        f" {f.app_rate:8.0f} {f.headless_rate:8.0f} {f.threads:3d} {f.k or '':>5} {f.load:5.2f}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=",".join(ROWS), help="rows, comma-separated")
    parser.add_argument("--seconds", type=float, default=8.0, help="longest window (8)")
    parser.add_argument("--max-steps", type=int, default=5000, help="steps of every run (5000)")
    parser.add_argument("--preset", help="a preset's experiment instead of the article's")
    parser.add_argument("--hidden", type=int, help="hidden units (default: the experiment's)")
    parser.add_argument("--repeats", type=int, default=1, help="times to measure every row")
    parser.add_argument(
        "--at-once", action="store_true", help="Play as the view turns on, not once it shows"
    )
    args = parser.parse_args()
    names = [name.strip() for name in args.rows.split(",")]
    if unknown := [name for name in names if name not in ROWS]:
        parser.error(f"unknown rows {unknown}; known: {', '.join(ROWS)}")

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from engine.config.presets import PRESETS
    from engine.config.settings import ExperimentConfig

    config = PRESETS[args.preset].apply() if args.preset else ExperimentConfig()
    config = config.with_changes(max_steps=args.max_steps, stop_loss=0.0)
    if args.hidden:
        config = config.with_changes(hidden=args.hidden)
    messages = QtMessages()
    qInstallMessageHandler(messages)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    print(
        f"platform {QApplication.platformName()}, {os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}; {config.max_steps} steps, hidden {config.hidden}, "
        f"window {WINDOW_SIZE[0]}×{WINDOW_SIZE[1]}, speed max, {args.seconds:g} s a row, "
        f"Play {'as the view turns on' if args.at_once else 'once the view shows'}"
    )
    print(
        f"targets: redraws/s ≥ {TARGET_REDRAWS_PER_S:g}, p99 < {TARGET_P99_MS:g} ms, "
        f"engine in app / headless ≥ {TARGET_STEP_RATIO:g}"
    )
    print(
        f"{'row':24s} {'redraws':>7s} {'':>3s} {'p99 ms':>7s} {'':>3s} {'max ms':>7s} "
        f"{'engine':>6s} {'':>3s} {'app st/s':>8s} {'headless':>8s} {'thr':>3s} {'k':>5s} "
        f"{'load':>5s}"
    )
    failed = False
    for _ in range(max(1, args.repeats)):
        for name in names:
            figures = measure_row(app, config, ROWS[name], args.seconds, args.at_once)
            if figures is None:
                failed = True
                continue
            print_figures(name, figures)
    qInstallMessageHandler(None)
    if messages.warnings:
        print(f"{len(messages.warnings)} Qt warning(s), printed above", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
