"""The window's process never imports torch: the engine process does the math. A real window,
in a process of its own, trains with the Landscape tab shown, the inspector following a run and
a sweep computed, hovers the map, then says whether ``torch`` is in its ``sys.modules``."""

from __future__ import annotations

import os
import textwrap

from tests.processes import PROJECT_ROOT, run_python

WINDOW_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QEvent, QEventLoop, QSettings
    from PySide6.QtWidgets import QApplication
    from engine.config.settings import ExperimentConfig
    from gui.shell.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    settings = QSettings(sys.argv[1], QSettings.Format.IniFormat)
    window = MainWindow(ExperimentConfig(max_steps=25), settings)
    window.show()

    def wait(done, what, seconds=180):
        deadline = time.monotonic() + seconds
        while not done():
            if time.monotonic() > deadline:
                print("TIMEOUT", what, flush=True)
                sys.exit(3)
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

    wait(lambda: window.session.started is not None, "the first experiment")
    window.tabs.setCurrentWidget(window.landscape_tab)
    wait(lambda: window.landscape.map is not None, "the landscape map")
    window.grid.run_clicked.emit(1)  # as a click on a curve: the inspector follows that run
    window.run_to_end()
    wait(lambda: window.session.done, "training to the end")
    wait(lambda: "step 25" in window.inspector.summary.text(), "the inspector's last step")
    print("HOVER", window.landscape.grid.readout_text(0, (0.0, 0.0))[0].splitlines()[1])
    window.tabs.setCurrentWidget(window.sweep)
    wait(lambda: window.sweep.result is not None, "the sweep")
    print("STEPS", window.session.steps_taken, "SWEEP", window.sweep.result.final_loss.shape)
    print("TORCH_IMPORTED", "torch" in sys.modules, flush=True)
    window.close()
    window.deleteLater()  # as the app does after its event loop: Qt deletes it, not the GC
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del window
    """
)


def test_the_window_trains_maps_sweeps_and_inspects_without_importing_torch(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(PROJECT_ROOT))
    done = run_python(WINDOW_SCRIPT, str(tmp_path / "settings.ini"), env=env)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "STEPS 25 SWEEP" in out, out  # it did train and sweep
    assert "HOVER loss " in out, out  # the map's exact loss under the pointer
    assert "TORCH_IMPORTED False" in out, out + done.stderr
