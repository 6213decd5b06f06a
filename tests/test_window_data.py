"""Choosing the data in the window: generated samples, a CSV file (a bad one refused), batches."""

from PySide6.QtWidgets import QFileDialog

from engine.core.data import ARTICLE_X, article_label
from tests.windows import commit_text


def choose(window, qtbot, kind):
    box = window.controls.data_kind
    box.setCurrentIndex(box.findData(kind))


def test_generated_samples_and_a_batch_size_restart_the_experiment(window, qtbot):
    controls = window.controls
    choose(window, qtbot, "generated")
    qtbot.waitUntil(lambda: window.session.started.config.dataset.kind == "generated")
    assert controls.samples.isVisible() and not controls.data_file.isVisible()
    commit_text(controls.samples, "50")
    commit_text(controls.batch_size, "8")
    qtbot.waitUntil(lambda: window.session.started.config.batch_size == 8)
    config = window.session.started.config
    assert config.dataset.samples == 50
    window.step()
    qtbot.waitUntil(lambda: window.session.steps_taken == 1)
    controls.batch_size.stepBy(-8)  # below 1: the full batch
    qtbot.waitUntil(lambda: window.session.started.config.batch_size is None)
    assert controls.batch_size.lineEdit().text() == "full batch"


def test_a_csv_file_trains_and_a_bad_one_is_refused_with_its_line(
    window, qtbot, tmp_path, monkeypatch
):
    good = tmp_path / "article.csv"
    good.write_text(
        "a,b,c,label\n"
        + "".join(f"{x0},{x1},{x2},{article_label(x0, x1, x2)}\n" for x0, x1, x2 in ARTICLE_X)
    )
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))
    choose(window, qtbot, "csv")
    qtbot.waitUntil(lambda: window.session.started.config.dataset.kind == "csv")
    assert window.controls.data_file.text() == "article.csv"
    before = window.session.started.config

    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3,4\n1,2,oops,4\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    with qtbot.waitSignal(window.model.refused) as refused:
        window.controls.data_file.click()
    assert "bad.csv line 2, column 3" in refused.args[0]
    qtbot.wait(100)
    assert window.session.started.config == before and window.model.config == before
    assert window.controls.data_file.text() == "article.csv"
