"""The editor and the engine's process: Check answers from there, and a rule that fails while the
experiment runs gets its line marked in the editor, while the other runs go on."""

import numpy as np
import pytest

from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.core.watchdog import TIME_LIMIT_VARIABLE
from engine.experiment.batched import BatchedExperiment
from engine.optimizers.templates import template_code
from tests.student_code import BAD_CODE, NAME_ERROR_AT_3
from tests.windows import action, open_main_window, temporary_settings


def test_check_compares_a_template_with_its_built_in_in_the_engine(window, qtbot):
    action(window, "new_optimizer_momentum").trigger()
    assert window.editor.check_row.isVisibleTo(window.editor)
    window.editor.check_row.button.click()
    qtbot.waitUntil(lambda: "bit for bit" in window.editor.status_text)
    assert "Momentum" in window.editor.status_text and not window.editor.error_text


def test_check_marks_the_line_a_broken_rule_fails_at(window, qtbot):
    broken = template_code("momentum").source.replace('state["m"]', 'state["mm"]', 1)
    window.editor.code_view.setPlainText(broken)
    window.editor.check_row.button.click()
    qtbot.waitUntil(lambda: window.editor.error_text != "")
    assert "KeyError" in window.editor.error_text
    line = window.editor.code_view.marked_line
    assert "mm" in broken.splitlines()[line - 1]


def test_an_error_at_step_3_marks_its_line_and_the_other_runs_go_on(window, qtbot):
    window.editor.code_view.setPlainText('name = "Typo"\n' + NAME_ERROR_AT_3)
    assert window.editor.save()
    qtbot.waitUntil(lambda: window.session.started.config == window.model.config)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.editor.error_text != "")
    assert window.editor.error_text == "error at step 3: NameError: name 'bta' is not defined"
    assert window.editor.code_view.marked_line == 5  # the line with bta
    qtbot.waitUntil(lambda: window.session.done)
    statuses = [
        window.run_table.cell(run).text() for run in range(len(window.session.started.runs))
    ]
    assert statuses[16:] == ["error at step 3: NameError: name 'bta' is not defined"] * 4
    assert not any("error" in text for text in statuses[:16]), statuses[:16]


SHORT = ExperimentConfig(optimizers=(OptimizerSpec.create("sgd"),), max_steps=40)


@pytest.mark.parametrize("case", list(BAD_CODE))
def test_each_kind_of_bad_code_marks_its_line_and_the_window_goes_on(
    qtbot, tmp_path, monkeypatch, case
):
    """The command line's bad-code cases in the window: a file that cannot be read is refused at
    Save with its line marked and the experiment unchanged; one that fails while running stops
    its own runs with the message at its line, and SGD's runs end as they would alone. The
    endless loop's limit is 0.2 s (the documented variable, set before the engine starts)."""
    monkeypatch.setenv(TIME_LIMIT_VARIABLE, "0.2")
    window = open_main_window(qtbot, temporary_settings(tmp_path), SHORT)
    source, line, words = BAD_CODE[case]
    window.editor.code_view.setPlainText(f'name = "Student"\n{source}')
    line = None if line is None else line + 1  # the name line above it
    if not window.editor.save():
        assert window.model.config == SHORT
        assert words in window.editor.error_text
        assert window.editor.code_view.marked_line == line
        return
    qtbot.waitUntil(lambda: window.session.started.config == window.model.config)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.editor.error_text != "")
    assert words in window.editor.error_text
    assert window.editor.code_view.marked_line == line
    qtbot.waitUntil(lambda: window.session.done)
    window.refresh_now()
    alone = BatchedExperiment(SHORT)
    alone.run_to_end()
    for run in range(4):  # SGD's runs, to the bit
        np.testing.assert_array_equal(window.session.history.losses(run), alone.losses(run))
        assert "error" not in window.run_table.cell(run).text()
    theirs = [window.run_table.cell(run).text() for run in range(4, 8)]
    assert all(words in text for text in theirs), theirs


def test_pause_stops_an_endless_loop_at_once_and_keeps_the_engine(qtbot, tmp_path):
    """At the default limit (5 s), Pause does not wait for it: the loop is stopped where it
    runs, its line marked, and the engine process is the same one."""
    window = open_main_window(qtbot, temporary_settings(tmp_path), SHORT)
    window.editor.code_view.setPlainText(f'name = "Student"\n{BAD_CODE["endless loop"][0]}')
    assert window.editor.save()
    qtbot.waitUntil(lambda: window.session.started.config == window.model.config)
    engine = window.engine.connection.pid
    window.toggle_play()
    qtbot.waitUntil(lambda: window.session.playing)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.editor.error_text != "")
    assert "stopped by Pause after" in window.editor.error_text
    assert window.editor.code_view.marked_line in (3, 4)  # while True: / pass
    qtbot.waitUntil(lambda: not window.session.playing)
    assert window.engine.connection.pid == engine and window.engine.death is None
