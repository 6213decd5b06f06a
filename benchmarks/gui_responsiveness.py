"""How the window holds up while the engine trains flat out: GUI latency, redraws, step rate.

One run measures, with all 16 runs of a long experiment training at the speed slider's "max":

* GUI event-loop latency: a 10 ms precise QTimer in the GUI thread, re-armed at every timeout;
  each timeout's lateness is its actual interval minus 10 ms (p50, p99, max). Target p99 < 50 ms.
* redraw rate: ``MainWindow.pacer.redraws`` (one per coalesced redraw) over the wall time.
  Target ≥ 30 redraws a second.
* engine step rate in the app (``LossUpdate.steps_taken`` of the latest update over the wall
  time) against the headless rate of ``BatchedExperiment(config).step(n)`` for the same config,
  timed in this process beforehand. Target ratio ≥ 0.5.

It measures twice: with the loss panels, then with View → Sharpness on (the engine computes
every run's sharpness every k steps, k from its cost). For the second it also prints k and the
step rate against the first. Target: at least 0.5 of the rate with the view off.

The wall time runs from the first loss update to the last (the experiment's end), or a fixed
window (``--seconds``, 8 by default), whichever comes first.

Run: python benchmarks/gui_responsiveness.py [--seconds S] [--max-steps N] [--preset NAME]
       [--hidden H] [--repeats R] [--tab landscape]
       [--seeds S]

``--preset edge-of-stability`` measures the preset (12 runs of a tanh net on 20 samples)
instead of the article's experiment; ``--hidden`` sets the hidden width (64 at most in the
window: 258 parameters, where sharpness costs the most). ``--repeats`` measures R pairs (off,
then on) and ends with each figure per pair: on a machine shared with other work the rates swing
from one minute to the next, so only a pair measured back to back compares.
``--tab landscape`` watches the Landscape tab: every run's path redrawn instead of the curves.
``--seeds S`` trains S draws per optimizer–rate pair (16 × 32 = 512 runs for the class mode's
target).

Qt's offscreen platform is used unless QT_QPA_PLATFORM is set. Offscreen, widgets paint into
memory buffers with no display server. For real painting through an X server (--xcb), run it
under Xvfb:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" \\
        .venv/bin/python benchmarks/gui_responsiveness.py

Measured with the Sharpness view (six pairs per setting, a machine with two cores running other
jobs on both): with OMP_NUM_THREADS=1, k = 11-25 and the step rate with the view on 0.56-1.03 of
the rate with it off; with torch's default two threads every small batched product waited for
the second thread, k = 537-1,715 and 0.54-1.10. Lateness and redraws missed their targets with
the view off (p99 38-143 ms, 10-20 redraws/s) and on (p99 75-211 ms, 10-15 redraws/s).

The developer's settings are untouched (the window gets a QSettings in a temporary INI file).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from PySide6.QtCore import (  # noqa: E402
    QEventLoop,
    QSettings,
    Qt,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine.config.presets import PRESETS  # noqa: E402
from engine.config.settings import ExperimentConfig  # noqa: E402
from engine.experiment.batched import BatchedExperiment  # noqa: E402
from engine.live.messages import LossUpdate, loss_update  # noqa: E402
from gui.plotting.pacing import SPEED_STEPS  # noqa: E402
from gui.shell.main_window import MainWindow  # noqa: E402
from gui.state.loss_history import LossHistory  # noqa: E402
from gui.state.view_state import Quantity  # noqa: E402

PROBE_MS = 10
WINDOW_SIZE = (1400, 900)
TARGET_P99_MS = 50.0
TARGET_REDRAWS_PER_S = 30.0
TARGET_STEP_RATIO = 0.5
START_TIMEOUT_S = 30.0  # for the engine to build the experiment and send its first update
# What the offscreen platform says about every top-level window: nothing to do with the app
# (pyproject.toml's pytest settings ignore it too).
IGNORED_QT_MESSAGES = ("This plugin does not support propagateSizeHints",)


class QtMessages:
    """Collects Qt's warnings (and worse) instead of letting them go to stderr unseen."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.ignored = 0

    def __call__(self, kind: QtMsgType, context, message: str) -> None:
        if kind == QtMsgType.QtDebugMsg or kind == QtMsgType.QtInfoMsg:
            return
        if any(text in message for text in IGNORED_QT_MESSAGES):
            self.ignored += 1
            return
        self.warnings.append(message)
        print(f"Qt: {message}", file=sys.stderr)


def headless_rate(config: ExperimentConfig) -> tuple[float, int, float]:
    """(steps a second, steps, seconds) of ``BatchedExperiment(config).step(max_steps)``."""
    BatchedExperiment(ExperimentConfig(max_steps=100, stop_loss=0.0)).step(100)  # warm-up
    experiment = BatchedExperiment(config)
    began = time.perf_counter()
    taken = experiment.step(config.max_steps)
    seconds = time.perf_counter() - began
    return taken / seconds, taken, seconds


def update_costs(
    config: ExperimentConfig, steps: int = 60, rounds: int = 20
) -> tuple[float, float]:
    """(ms to build, ms to apply) one LossUpdate of ``steps`` new columns, the median of
    ``rounds`` updates: what the engine thread and the GUI thread pay per update."""
    experiment = BatchedExperiment(config)
    history = LossHistory(len(experiment.runs), config.dtype, config.seeds)
    build, apply, sent = [], [], 0
    for _ in range(rounds):
        experiment.step(steps)
        began = time.perf_counter()
        update = loss_update(experiment, 1, sent)
        built = time.perf_counter()
        history.apply(update)
        build.append((built - began) * 1000)
        apply.append((time.perf_counter() - built) * 1000)
        sent = update.end
    return float(np.median(build)), float(np.median(apply))


class Measurement:
    """Watches the window's updates and a latency probe from the first update to the end."""

    def __init__(self, window: MainWindow, seconds: float, sharpness: bool = False):
        self.window = window
        self.seconds = seconds
        self.loop = QEventLoop()
        self.probe = QTimer()
        self.probe.setTimerType(Qt.TimerType.PreciseTimer)
        self.probe.setSingleShot(True)  # re-armed in _on_probe: no catching up after a late one
        self.probe.timeout.connect(self._on_probe)
        self.deadline = QTimer()
        self.deadline.setSingleShot(True)
        self.deadline.timeout.connect(self._finish)
        self.sharpness = sharpness
        self.every: int | None = None  # k of the last update, with the Sharpness view on
        self.lateness_ms: list[float] = []
        self.first: LossUpdate | None = None
        self.began = self.ended = 0.0
        self.redraws_at_start = self.redraws_at_end = 0
        self.steps_at_end = 0
        self.done = False
        self.finished = False
        self._armed = 0.0
        # connected after the window's own slot, so the session's latest is this update already
        window.engine.progress.connect(self._on_progress)

    def run(self) -> bool:
        """Play at max speed and wait for the end; False if no update came in time."""
        give_up = time.perf_counter() + START_TIMEOUT_S
        while self.window.session.started is None and time.perf_counter() < give_up:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.005)
        quantity = Quantity.SHARPNESS if self.sharpness else Quantity.LOSS
        self.window.view.update(quantity=quantity, speed=SPEED_STEPS)
        self.window.toggle_play()
        QTimer.singleShot(int(START_TIMEOUT_S * 1000), self._give_up)
        self.loop.exec()
        return self.first is not None

    def _give_up(self) -> None:
        if self.first is None:
            self.loop.quit()

    def _on_progress(self, update: LossUpdate) -> None:
        if self.finished or update is not self.window.session.latest:
            return  # stale, or the measurement is over
        now = time.perf_counter()
        if self.first is None:
            self.first = update
            self.began = now
            self.redraws_at_start = self.window.pacer.redraws
            self.deadline.start(int(self.seconds * 1000))
            self._armed = now
            self.probe.start(PROBE_MS)
        self.steps_at_end = update.steps_taken
        self.every = update.sharpness_every
        self.ended = now
        if update.done:
            self.done = True
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
        if not self.done:  # the fixed window ran out first
            self.ended = time.perf_counter()
            self.steps_at_end = self.window.session.steps_taken
        self.redraws_at_end = self.window.pacer.redraws
        self.loop.quit()

    @property
    def wall(self) -> float:
        return self.ended - self.began


def close(app: QApplication, window: MainWindow) -> bool:
    """Close as a user would (settings saved, engine thread stopped), then delete the window.

    True if the engine thread has stopped.
    """
    window.close()
    stopped = not window.engine.running
    app.processEvents()
    window.deleteLater()
    app.sendPostedEvents(None, 0)  # 0: QEvent.DeferredDelete
    app.processEvents()
    return stopped


def report(
    config: ExperimentConfig,
    headless: tuple[float, int, float],
    m: Measurement,
    costs: tuple[float, float],
    view_off_rate: float | None = None,
) -> dict[str, float]:
    """Print the figures of one measurement; returns the main ones."""
    rate, steps, seconds = headless
    lateness = np.array(m.lateness_ms) if m.lateness_ms else np.zeros(1)
    p50, p99 = np.percentile(lateness, [50, 99])
    worst = float(lateness.max())
    redraw_rate = (m.redraws_at_end - m.redraws_at_start) / m.wall
    app_steps = m.steps_at_end - m.first.steps_taken
    app_rate = app_steps / m.wall
    ratio = app_rate / rate

    def met(ok: bool) -> str:
        return "yes" if ok else "NO"

    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    print(
        f"platform {QApplication.platformName()}, {cores} cores ({usable} usable), "
        f"torch threads {torch.get_num_threads()}, Python {sys.version.split()[0]}"
    )
    print(
        f"experiment: {len(config.optimizers) * len(config.learning_rates) * config.seeds} runs "
        f"({config.seeds} seed{'s' if config.seeds > 1 else ''} per optimizer and rate), "
        f"{config.activation}, hidden {config.hidden}, max_steps {config.max_steps}, "
        f"stop_loss {config.stop_loss:g}; window {WINDOW_SIZE[0]}×{WINDOW_SIZE[1]}, speed max; "
        + ("Sharpness view ON" if m.sharpness else "loss panels (Sharpness view off)")
    )
    print(f"headless: {steps} steps in {seconds:.3f} s")
    end = "experiment done" if m.done else f"fixed {m.seconds:g} s window"
    print(
        f"in the app: steps {m.first.steps_taken}→{m.steps_at_end} in {m.wall:.3f} s "
        f"(first update to {end}); {len(m.lateness_ms)} latency samples"
    )
    print()
    rows = [
        ("GUI timer lateness p50", f"{p50:.2f} ms", "", ""),
        (
            "GUI timer lateness p99",
            f"{p99:.2f} ms",
            f"< {TARGET_P99_MS:g} ms",
            met(p99 < TARGET_P99_MS),
        ),
        ("GUI timer lateness max", f"{worst:.2f} ms", "", ""),
        (
            "redraws per second",
            f"{redraw_rate:.1f}",
            f"≥ {TARGET_REDRAWS_PER_S:g}",
            met(redraw_rate >= TARGET_REDRAWS_PER_S),
        ),
        ("engine steps/s headless", f"{rate:.0f}", "", ""),
        ("engine steps/s in the app", f"{app_rate:.0f}", "", ""),
        (
            "in-app / headless step rate",
            f"{ratio:.2f}",
            f"≥ {TARGET_STEP_RATIO:g}",
            met(ratio >= TARGET_STEP_RATIO),
        ),
        ("LossUpdate build (60 steps)", f"{costs[0]:.2f} ms", "", ""),
        ("LossHistory.apply (60 steps)", f"{costs[1]:.2f} ms", "", ""),
    ]
    if m.sharpness:
        rows.append(("sharpness every k steps, k =", str(m.every), "", ""))
    if view_off_rate is not None:
        share = app_rate / view_off_rate
        rows.append(
            (
                "step rate, view on / off",
                f"{share:.2f}",
                f"≥ {TARGET_STEP_RATIO:g}",
                met(share >= TARGET_STEP_RATIO),
            )
        )
    print(f"{'figure':30s} {'measured':>12s} {'target':>10s} {'met':>4s}")
    for name, value, target, ok in rows:
        print(f"{name:30s} {value:>12s} {target:>10s} {ok:>4s}")
    figures = {"p99": p99, "redraws": redraw_rate, "steps": app_rate, "k": m.every or 0}
    if view_off_rate is not None:
        figures["on/off"] = app_rate / view_off_rate
    return figures


def summary(pairs: list[tuple[dict, dict]]) -> None:
    """Each figure per pair, view off and on, and the median of the on/off step-rate ratio."""
    print(f"\n{len(pairs)} pairs, each view off then on:")

    def row(name: str, values, form: str) -> None:
        print(f"  {name:28s} " + "  ".join(format(v, form) for v in values))

    for key, name, form in (
        ("p99", "p99 lateness (ms)", "6.1f"),
        ("redraws", "redraws/s", "6.1f"),
        ("steps", "steps/s in the app", "6.0f"),
    ):
        row(f"{name}, off", [off[key] for off, _ in pairs], form)
        row(f"{name}, on", [on[key] for _, on in pairs], form)
    row("k, on", [on["k"] for _, on in pairs], "6.0f")
    ratios = [on["on/off"] for _, on in pairs]
    row("step rate on / off", ratios, "6.2f")
    print(f"  median on / off: {np.median(ratios):.2f} (target ≥ {TARGET_STEP_RATIO:g})")


def measure(
    app: QApplication,
    config: ExperimentConfig,
    seconds: float,
    sharpness: bool,
    tab: str = "panels",
) -> Measurement | None:
    """One window, played at max to the end or for ``seconds``; None if it never started."""
    with tempfile.TemporaryDirectory(prefix="gui-responsiveness-") as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(config, settings)
        window.resize(*WINDOW_SIZE)
        window.show()
        if tab == "landscape":
            window.tabs.setCurrentWidget(window.landscape)
        measurement = Measurement(window, seconds, sharpness)
        ok = measurement.run()
        stopped = close(app, window)
        del settings
    if not stopped:
        print("the engine thread still runs after window.close()", file=sys.stderr)
    if not ok:
        print(f"no loss update within {START_TIMEOUT_S:g} s of Play", file=sys.stderr)
        return None
    return measurement


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=8.0, help="longest measured window (default 8)"
    )
    parser.add_argument(
        "--max-steps", type=int, default=5000, help="steps of every run (default 5000)"
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), help="a preset's experiment")
    parser.add_argument("--hidden", type=int, help="hidden units (default: the experiment's)")
    parser.add_argument("--repeats", type=int, default=1, help="pairs to measure (default 1)")
    parser.add_argument(
        "--tab", choices=("panels", "landscape"), default="panels", help="the tab shown"
    )
    parser.add_argument(
        "--seeds", type=int, default=1, help="draws per optimizer and rate (default 1)"
    )
    args = parser.parse_args()
    config = PRESETS[args.preset].apply() if args.preset else ExperimentConfig()
    config = config.with_changes(max_steps=args.max_steps, stop_loss=0.0, seeds=args.seeds)
    if args.hidden:
        config = config.with_changes(hidden=args.hidden)

    messages = QtMessages()
    qInstallMessageHandler(messages)
    headless = headless_rate(config)
    costs = update_costs(config)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    pairs = []
    for _ in range(max(1, args.repeats)):
        off = measure(app, config, args.seconds, False, args.tab)
        on = measure(app, config, args.seconds, True, args.tab)
        if off is None or on is None:
            qInstallMessageHandler(None)
            return 1
        off_figures = report(config, headless, off, costs)
        print()
        pairs.append((off_figures, report(config, headless, on, costs, off_figures["steps"])))
        print()
    qInstallMessageHandler(None)
    if len(pairs) > 1:
        summary(pairs)
    if messages.ignored:
        print(f"({messages.ignored} offscreen-platform notice(s) ignored: {IGNORED_QT_MESSAGES})")
    if messages.warnings:
        print(f"{len(messages.warnings)} Qt warning(s), printed above", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
