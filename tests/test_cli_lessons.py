"""Lessons on the command line: --list-lessons, and --lesson with --handout refused in one line
(exit 2, no file) for every kind of bad input, before any work."""

from __future__ import annotations

import json

import pytest

import main
from engine.lessons.reading import builtin_lessons, find_lesson
from tests.student_code import SGD

ERROR = "optimizers-from-scratch: error: "


def lesson_file(folder, steps, name="mine.json"):
    path = folder / name
    path.write_text(json.dumps({"title": "Mine", "steps": steps}), encoding="utf-8")
    return str(path)


def refused(argv, capsys) -> str:
    """The one line ``argv`` is refused with (exit code 2)."""
    capsys.readouterr()
    assert main.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith(ERROR)
    return err.strip().removeprefix(ERROR)


def test_list_lessons_prints_each_builtin_name_and_title(capsys):
    assert main.main(["--list-lessons"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = builtin_lessons()
    assert names and lines == [f"{name}\t{find_lesson(name).title}" for name in names]
    assert "article\tThe article, step by step" in lines


def test_a_handout_is_written_with_one_line_saying_so(tmp_path, capsys):
    out = tmp_path / "mine.pdf"
    lesson = lesson_file(tmp_path, [{"text": "one"}, {"play": 3, "text": "two"}])
    assert main.main(["--lesson", lesson, "--handout", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}: 'Mine', 2 steps, a page each\n"
    assert out.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--csv", "x.csv"],
            "--lesson brings its own settings and outputs: it cannot go with --csv",
        ),
        (["--lrs", "0.1"], "--lesson brings its own settings and outputs: it cannot go with --lrs"),
        (["--theme", "dark"], "unknown theme 'dark' (known: default, presentation)"),
    ],
)
def test_flags_a_lesson_would_ignore_are_refused(tmp_path, capsys, extra, message):
    out = tmp_path / "out.pdf"
    argv = ["--lesson", "article", "--handout", str(out), *extra]
    assert refused(argv, capsys) == message
    assert list(tmp_path.iterdir()) == []


def test_a_handout_needs_a_lesson_and_a_pdf(tmp_path, capsys):
    out = tmp_path / "out.pdf"
    message = refused(["--handout", str(out)], capsys)
    assert message == "--handout writes a lesson's handout: add --lesson NAME or FILE"
    png = tmp_path / "out.png"
    message = refused(["--lesson", "article", "--handout", str(png)], capsys)
    assert message == f"--handout is saved as .pdf, not {str(png)!r}"
    missing = tmp_path / "no folder" / "out.pdf"
    assert "no folder" in refused(["--lesson", "article", "--handout", str(missing)], capsys)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_lesson_names_the_file_step_and_key_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out.pdf"
    bad = lesson_file(tmp_path, [{"text": "fine"}, {"show": {"tab": "nope"}, "text": "bad"}])
    message = refused(["--lesson", bad, "--handout", str(out)], capsys)
    assert message == f"{bad}: step 2, key 'show.tab': must be one of panels, landscape, sweep"
    unknown = refused(["--lesson", "no-such-lesson", "--handout", str(out)], capsys)
    assert unknown.startswith("no lesson 'no-such-lesson': name a lesson file or one of article")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert refused(["--lesson", str(broken), "--handout", str(out)], capsys).startswith(
        f"{broken} is not valid JSON"
    )
    assert not out.exists()


def test_a_lesson_carrying_code_runs_it_only_with_trust(tmp_path, capsys):
    out = tmp_path / "out.pdf"
    code = {"source": SGD.lstrip(), "filename": "mine.py"}
    settings = {"optimizers": ["sgd", {"name": "mine", "code": code}], "learning_rates": [0.1]}
    lesson = lesson_file(tmp_path, [{"settings": settings, "play": 5, "text": "mine"}])
    message = refused(["--lesson", lesson, "--handout", str(out)], capsys)
    assert message == (
        f"{lesson} carries optimizer code ('My SGD'), which would run with your rights: "
        "read it, then add --trust to run it"
    )
    assert not out.exists()
    assert main.main(["--lesson", lesson, "--trust", "--handout", str(out)]) == 0
    assert out.exists()
