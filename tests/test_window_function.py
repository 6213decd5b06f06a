"""Your own f(x, y) in the window: the field refuses as it is typed, applies what parses, keeps
what was typed across a change of problem, and the map marks its lowest point."""

import numpy as np

from engine.config.problem_switch import config_for_problem
from engine.config.settings import function_spec
from tests.windows import commit_text, open_landscape_window, temporary_settings


def open_window(qtbot, tmp_path, config):
    return open_landscape_window(qtbot, temporary_settings(tmp_path), config)


def type_text(field, text: str) -> None:
    """As a user types: the text, with the textEdited a keystroke sends (no Enter)."""
    field.setText(text)
    field.textEdited.emit(text)


def test_the_field_refuses_as_it_is_typed_and_applies_what_parses(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, config_for_problem("function"))
    fields = window.controls.problem.function
    assert fields.isVisible() and fields.expression.text() == "x**2 + 5*y**2"
    before = window.model.config
    type_text(fields.expression, "x**2 + __import__('os')")
    assert fields.problem_text.startswith("position 7: '__import__' is not allowed")
    assert "border" in fields.expression.styleSheet()
    fields.expression.editingFinished.emit()  # Enter on a bad text: the experiment keeps its f
    assert window.model.config == before and fields.problem_text
    type_text(fields.expression, "(1 - x)**2 + 100*(y - x**2)**2")
    assert fields.problem_text == "" and fields.expression.styleSheet() == ""
    assert window.model.config == before  # typing alone changes nothing
    fields.expression.editingFinished.emit()
    qtbot.waitUntil(
        lambda: (
            window.session.started.config.function.expression == "(1 - x)**2 + 100*(y - x**2)**2"
        )
    )
    qtbot.waitUntil(
        lambda: "f(x, y) = (1 - x)**2 + 100*(y - x**2)**2" in window.landscape.caption,
        timeout=30_000,
    )


def test_the_map_window_fields_set_the_window_and_refuse_an_empty_one(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, config_for_problem("function"))
    fields = window.controls.problem.function
    commit_text(fields.ranges["x", "to"], "5")
    qtbot.waitUntil(lambda: window.model.config.function.x_range == (-3.0, 5.0))
    qtbot.waitUntil(lambda: window.landscape.map.window == ((-3.0, 5.0), (-3.0, 3.0)))
    commit_text(fields.ranges["y", "from"], "7")
    assert "the map's y range must be two finite numbers, from < to" in fields.problem_text
    assert window.model.config.function.y_range == (-3.0, 3.0)


def test_the_typed_f_comes_back_after_another_problem(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, config_for_problem("function"))
    box = window.controls.problem
    type_text(box.function.expression, "x**4 + y**2")
    box.function.expression.editingFinished.emit()
    qtbot.waitUntil(lambda: window.model.config.function.expression == "x**4 + y**2")
    box.chooser.setCurrentIndex(box.chooser.findData("bowl"))
    qtbot.waitUntil(lambda: window.session.started.config.problem == "bowl")
    assert not box.function.isVisible() and window.model.config.function is None
    box.chooser.setCurrentIndex(box.chooser.findData("function"))
    qtbot.waitUntil(lambda: window.session.started.config.problem == "function")
    assert window.model.config.function.expression == "x**4 + y**2"
    assert box.function.isVisible()


def test_the_map_marks_the_lowest_grid_point_of_the_typed_f(qtbot, tmp_path):
    spec = function_spec("(x - 1)**2 + (y + 2)**2 + 1", (-3, 3), (-3, 3))
    window = open_window(qtbot, tmp_path, config_for_problem("function", function=spec))
    landscape = window.landscape.map
    grid = landscape.grid
    i, j = np.unravel_index(np.argmin(grid.loss), grid.loss.shape)
    assert landscape.minima == ((grid.xs[j], grid.ys[i]),)
    assert abs(grid.xs[j] - 1) <= 0.015 and abs(grid.ys[i] + 2) <= 0.015
    marks = window.landscape.grid.plots[0].marks["minimum"].data
    assert [(m["x"], m["y"]) for m in marks] == [(grid.xs[j], grid.ys[i])]
    assert "The star marks the map's lowest point." in window.landscape.caption
