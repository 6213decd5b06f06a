"""The editor and the engine's process: Check answers from there, and a rule that fails while the
experiment runs gets its line marked in the editor, while the other runs go on."""

from engine.optimizers.templates import template_code
from tests.test_user_code_runs import NAME_ERROR_AT_3
from tests.windows import action


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
