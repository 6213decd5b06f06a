"""The Your optimizer dock in the window: a rule written, saved into the experiment, ticked off,
re-saved, removed, opened from a file; its errors marked at their line; its font zoomed."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QFontInfo

from engine.config.settings import OptimizerSpec
from engine.optimizers.templates import template_code
from gui.plotting.palette import OKABE_ITO, optimizer_colour
from tests.windows import action, commit_text, open_main_window, temporary_settings

MINE = """name = "Slow SGD"
hyperparameters = {"scale": 0.5}


def update(params, grads, state, lr, scale):
    return params - scale * lr * grads, {}
"""


def save_text(window, text: str, qtbot) -> bool:
    """``text`` in the editor, saved; waits for the engine to run what it applied."""
    window.editor.code_view.setPlainText(text)
    saved = window.editor.save()
    if saved:
        wait_for_engine(window, qtbot)
    return saved


def wait_for_engine(window, qtbot) -> None:
    """Until the engine has started the experiment the model holds."""
    qtbot.waitUntil(lambda: window.session.started.config == window.model.config)


def names(window) -> list[str]:
    return [spec.name for spec in window.model.config.optimizers]


def legend(window) -> list[str]:
    return [label.text for _, label in window.grid.legend.items]


def test_a_template_opens_in_the_dock(window):
    dock = window.docks["editor"]
    assert not dock.isVisible()
    action(window, "new_optimizer_momentum").trigger()
    assert dock.isVisible()
    assert window.editor.text == template_code("momentum").source
    assert window.editor.code().filename == "my_momentum.py"
    assert window.editor.saved_name is None and window.editor.path is None


def test_new_optimizer_starts_from_the_chosen_template_and_undo_brings_the_text_back(window):
    window.editor.code_view.setPlainText(MINE)
    action(window, "new_optimizer").trigger()
    assert window.docks["editor"].isVisible()
    assert window.editor.text == template_code("blank").source
    window.editor.code_view.undo()
    assert window.editor.text == MINE


def test_a_syntax_error_marks_its_line_and_changes_nothing(window, qtbot):
    config = window.model.config
    generation = window.session.generation
    broken = MINE.replace("return params", "return (params")
    assert not save_text(window, broken, qtbot)
    assert window.editor.code_view.marked_line == 6
    assert window.editor.error_text.startswith("my_optimizer.py, line 6: SyntaxError")
    assert window.model.config == config and window.session.generation == generation
    assert window.controls.written.boxes == {}


def test_a_broken_contract_is_marked_at_its_def(window, qtbot):
    assert not save_text(window, MINE.replace(", scale):", "):"), qtbot)
    assert window.editor.code_view.marked_line == 5
    assert "does not take hyperparameter 'scale'" in window.editor.error_text


def test_a_save_adds_the_optimizer_with_its_colour_fields_and_legend_entry(window, qtbot):
    assert save_text(window, MINE, qtbot)
    assert names(window) == ["sgd", "momentum", "rmsprop", "adam", "Slow SGD"]
    spec = window.model.config.optimizers[-1]
    assert spec.code.source == MINE and dict(spec.params) == {"scale": 0.5}
    box = window.controls.written.boxes["Slow SGD"]
    assert box.isChecked() and list(box.editors) == ["scale"]
    assert "Slow SGD" in legend(window)
    colour = optimizer_colour("Slow SGD")
    article = {optimizer_colour(n) for n in ("sgd", "momentum", "rmsprop", "adam")}
    assert colour in OKABE_ITO and colour not in article
    assert window.editor.error_text == "" and not window.editor.modified


def test_its_runs_train_as_the_rule_says(window, qtbot):
    """Half the rate, in the file: the same losses as SGD at half the rate."""
    window.model.update(
        optimizers=(OptimizerSpec.create("sgd"),), learning_rates=(0.01, 0.02), max_steps=40
    )
    assert save_text(window, MINE, qtbot)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done, timeout=60_000)
    history = window.session.history
    runs = {(r.optimizer.name, r.lr): r.index for r in window.session.started.runs}
    np.testing.assert_allclose(
        history.losses(runs[("Slow SGD", 0.02)]), history.losses(runs[("sgd", 0.01)]), rtol=1e-5
    )


def test_a_field_edit_is_kept_when_the_rule_is_saved_again(window, qtbot):
    assert save_text(window, MINE, qtbot)
    commit_text(window.controls.written.boxes["Slow SGD"].editors["scale"], "0.25")
    wait_for_engine(window, qtbot)
    assert window.model.config.optimizers[-1].params["scale"] == 0.25
    renamed = MINE.replace("Slow SGD", "Slower SGD").replace("return params", "return 1 * params")
    assert save_text(window, renamed, qtbot)
    assert names(window)[-1] == "Slower SGD" and "Slow SGD" not in names(window)
    spec = window.model.config.optimizers[-1]
    assert spec.code.source == renamed and spec.params["scale"] == 0.25
    assert list(window.controls.written.boxes) == ["Slower SGD"]
    assert legend(window)[-1] == "Slower SGD (scale=0.25)"
    assert not [label for label in legend(window) if label.startswith("Slow SGD")]


def test_a_new_optimizer_is_added_beside_the_saved_one(window, qtbot):
    assert save_text(window, MINE, qtbot)
    action(window, "new_optimizer_momentum").trigger()
    assert save_text(window, window.editor.text, qtbot)
    assert names(window)[-2:] == ["Slow SGD", "My momentum"]


def test_a_name_taken_is_refused_with_one_line(window, qtbot):
    assert save_text(window, MINE, qtbot)
    action(window, "new_optimizer").trigger()
    config = window.model.config
    assert not save_text(window, MINE.replace("0.5", "0.7"), qtbot)
    assert "listed twice" in window.editor.error_text
    assert window.model.config == config
    assert [s.name for s in window.model.written] == ["Slow SGD"]


def test_ticked_off_it_stays_in_the_list_and_ticks_on_again(window, qtbot):
    assert save_text(window, MINE, qtbot)
    box = window.controls.written.boxes["Slow SGD"]
    box.setChecked(False)
    assert "Slow SGD" not in names(window)
    assert window.controls.written.boxes["Slow SGD"] is box and not box.isChecked()
    box.setChecked(True)
    assert names(window)[-1] == "Slow SGD"
    assert window.model.config.optimizers[-1].code.source == MINE


@pytest.mark.parametrize("where", ["editor", "settings"])
def test_remove_takes_it_out_of_the_experiment(window, qtbot, where):
    assert save_text(window, MINE, qtbot)
    if where == "editor":
        window.editor.remove_button.click()
    else:
        button = type(window.editor.remove_button)
        window.controls.written.findChild(button, "remove_written").click()
    assert names(window) == ["sgd", "momentum", "rmsprop", "adam"]
    assert window.controls.written.boxes == {} and window.model.written == ()
    assert window.editor.text == MINE  # the text stays to edit or save again


def test_edit_in_the_settings_opens_its_code(window, qtbot):
    assert save_text(window, MINE, qtbot)
    action(window, "new_optimizer").trigger()
    window.controls.written.findChild(type(window.editor.remove_button), "edit_written").click()
    assert window.editor.text == MINE and window.editor.saved_name == "Slow SGD"


def test_opened_from_a_file_it_is_saved_back_to_it(window, qtbot, tmp_path):
    path = tmp_path / "slow.py"
    path.write_text(MINE, encoding="utf-8")
    assert window.editor.open_file(path)
    assert window.editor.text == MINE and window.editor.path == path
    edited = MINE.replace("0.5", "0.75")
    assert save_text(window, edited, qtbot)
    assert path.read_text(encoding="utf-8") == edited
    spec = window.model.config.optimizers[-1]
    assert spec.code.filename == "slow.py" and spec.params["scale"] == 0.75
    assert not list(tmp_path.glob("*.partial"))


def test_an_unreadable_file_is_one_line_and_the_text_stays(window, tmp_path):
    window.editor.code_view.setPlainText(MINE)
    path = tmp_path / "binary.py"
    path.write_bytes(b"\xff\xfe\x00bad")
    assert not window.editor.open_file(path)
    assert "binary.py: could not read it" in window.editor.error_text
    assert window.editor.text == MINE


def test_save_as_writes_a_new_file(window, qtbot, tmp_path):
    window.editor.code_view.setPlainText(MINE)
    path = tmp_path / "mine.py"
    assert window.editor.save_to(path)
    wait_for_engine(window, qtbot)
    assert path.read_text(encoding="utf-8") == MINE and window.editor.path == path


def test_ctrl_s_in_the_editor_saves_it(window, qtbot):
    window.docks["editor"].show()
    window.editor.code_view.setPlainText(MINE)
    window.editor.code_view.setFocus()
    qtbot.keyClick(window.editor.code_view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert names(window)[-1] == "Slow SGD"


def test_the_editor_is_monospace_and_follows_the_zoom(window, qtbot):
    view = window.editor.code_view
    before = view.font().pointSizeF()
    gutter = view.gutter_width()
    window.view.update(zoom=200)
    assert view.font().pointSizeF() == pytest.approx(2 * before)
    assert QFontInfo(view.font()).fixedPitch() or QFontDatabase.isFixedPitch(view.font().family())
    assert view.gutter_width() > gutter


def test_an_unsaved_rule_comes_back_after_quitting(qtbot, tmp_path):
    first = open_main_window(qtbot, temporary_settings(tmp_path))
    first.editor.code_view.selectAll()
    first.editor.code_view.insertPlainText(MINE)  # as typed: unsaved
    first.close()
    again = open_main_window(qtbot, temporary_settings(tmp_path))
    assert again.editor.text == MINE and again.editor.modified
    assert "unsaved rule from last time" in again.editor.status.text()
    assert again.editor.save()
    again.close()
    assert open_main_window(qtbot, temporary_settings(tmp_path)).editor.text != MINE


def test_shown_at_a_large_zoom_the_dock_leaves_the_panels_their_room(window, qtbot):
    window.view.update(zoom=200)
    action(window, "new_optimizer").trigger()
    dock = window.docks["editor"]
    qtbot.waitUntil(lambda: dock.isVisible() and dock.width() <= round(0.35 * window.width()) + 1)


def test_check_asks_for_the_chosen_built_in_and_shows_the_answer(window):
    editor = window.editor
    assert editor.check_row.isVisibleTo(editor)  # the window connected it to the engine
    asked = []
    editor.check_requested.connect(lambda code, builtin: asked.append((code, builtin)))
    action(window, "new_optimizer_momentum").trigger()
    editor.check_row.button.click()
    assert asked == [(template_code("momentum"), "momentum")]
    editor.show_check("equals Momentum (β = 0.9) to 3e-8", True)
    assert editor.status.text() == "✓ equals Momentum (β = 0.9) to 3e-8"
    assert editor.error_text == ""
    editor.show_check("differs at step 1: m should start at 0", False, 5)
    assert editor.error_text == "differs at step 1: m should start at 0"
    assert editor.code_view.marked_line == 5


def test_check_of_code_that_does_not_read_marks_it_and_asks_nothing(window):
    editor = window.editor
    editor.enable_check()
    asked = []
    editor.check_requested.connect(lambda code, builtin: asked.append(builtin))
    editor.code_view.setPlainText("def update(:\n")
    editor.check_row.button.click()
    assert asked == [] and editor.code_view.marked_line == 1
