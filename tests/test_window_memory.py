"""The window asked for an experiment that could outgrow the memory available: its engine
refuses it, the status bar says why in one line, and the window goes on."""

from engine.live.protocol import LIVE
from tests import engine_tasks


def test_the_status_bar_gives_the_estimate_and_the_window_goes_on(window, qtbot):
    """The article's 16 runs at 1,000,000 steps could need 1.36 GB in the window (see
    tests/test_memory.py); the engine's machine is made to have 1 GB (a new engine process is
    the test's own: nothing else sees it)."""
    qtbot.waitUntil(lambda: window.session.started is not None, timeout=60_000)
    window.engine.runner(LIVE).queue(engine_tasks.limit_memory, 10**9, interrupt=False)
    kept = window.session.started
    assert window.model.update(max_steps=1_000_000)
    qtbot.waitUntil(lambda: "could need" in window.statusBar().currentMessage())
    assert window.statusBar().currentMessage() == (
        "The engine stopped: this experiment could need 1.36 GB of memory if every run went "
        "on to max steps (1,000,000), more than the 1 GB available: "
        "lower max steps, seeds, learning rates or optimizers"
    )
    assert window.session.started is kept
    assert window.model.update(max_steps=2000)
    qtbot.waitUntil(lambda: window.session.started is not kept)
    assert window.session.started.config.max_steps == 2000


def test_settings_that_cannot_fit_are_refused_before_they_show(window, qtbot, monkeypatch):
    """Losses (float32) and rates (float64) alone of 16 runs at 1,000,000 steps are 192 MB, and
    320 MB while the rates' buffer doubles: on a machine with 100 MB left the window refuses the
    edit, and the settings keep 1,000 steps."""
    from engine.experiment import memory

    monkeypatch.setattr(memory, "available_memory", lambda: 100 * 10**6)
    with qtbot.waitSignal(window.model.refused) as refusal:
        assert not window.model.update(max_steps=1_000_000)
    assert refusal.args[0].startswith("this experiment could need 320 MB of memory")
    assert window.model.config.max_steps == 1000
