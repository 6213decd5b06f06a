"""A student's optimizer on the command line: its CSV rows against the built-ins' to the bit,
and every kind of bad code as one line on stderr naming file and line, exit 2, no file."""

import csv
import json
import textwrap

import pytest

import main
from engine.core.watchdog import TIME_LIMIT_VARIABLE
from tests.student_code import ADAM, BAD_CODE, MOMENTUM, SGD


def write(folder, name, source):
    path = folder / name
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return str(path)


def losses_by_run(path):
    """{(optimizer, lr): [loss text, …]} from a losses CSV (the text: every digit written)."""
    runs: dict[tuple[str, str], list[str]] = {}
    with open(path, newline="") as handle:
        for optimizer, lr, _step, loss in list(csv.reader(handle))[1:]:
            runs.setdefault((optimizer, lr), []).append(loss)
    return runs


def assert_same_rows(runs, built_in, mine):
    rates = sorted({lr for _, lr in runs})
    assert len(rates) == 4
    for lr in rates:
        assert runs[(mine, lr)] == runs[(built_in, lr)], f"{mine} differs at lr {lr}"


@pytest.mark.parametrize(
    ("built_in", "source", "mine"),
    [("sgd", SGD, "My SGD"), ("momentum", MOMENTUM, "My momentum"), ("adam", ADAM, "My Adam")],
)
def test_a_rule_written_as_a_file_equals_its_built_in_bit_for_bit(
    tmp_path, capsys, built_in, source, mine
):
    rule = write(tmp_path, "rule.py", source)
    out = tmp_path / "losses.csv"
    assert main.main(["--optimizers", built_in, "--optimizer-file", rule, "--csv", str(out)]) == 0
    assert_same_rows(losses_by_run(out), built_in, mine)
    assert "My" in capsys.readouterr().out  # the summary names it too


def test_adam_with_step_and_bias_correction_equals_adam_bit_for_bit(tmp_path, capsys):
    """Its 1 − β₁ᵗ is a Python float (float64) rounded once to float32 when it divides m: the
    built-in computes the same factor in float64 and rounds it once, so every digit agrees."""
    code = {"source": textwrap.dedent(ADAM).lstrip(), "filename": "my_adam.py"}
    experiment = {
        "optimizers": [
            {"name": "adam", "params": {"bias_correction": True}},
            {"name": "My Adam", "params": {"bias_correction": True}, "code": code},
        ]
    }
    config = tmp_path / "experiment.json"
    config.write_text(json.dumps(experiment), encoding="utf-8")
    out = tmp_path / "losses.csv"
    assert main.main(["--config", str(config), "--trust", "--csv", str(out)]) == 0
    runs = losses_by_run(out)
    assert_same_rows(runs, "adam:bias_correction=true", "My Adam:bias_correction=true")


def test_without_optimizers_the_file_joins_the_default_four(tmp_path, capsys):
    out = tmp_path / "losses.csv"
    assert main.main(["--optimizer-file", write(tmp_path, "s.py", SGD), "--csv", str(out)]) == 0
    names = {name for name, _ in losses_by_run(out)}
    assert names == {"sgd", "momentum", "rmsprop", "adam", "My SGD"}


@pytest.mark.parametrize("case", list(BAD_CODE))
def test_bad_code_is_one_line_naming_file_and_line_exit_2_and_no_file(
    tmp_path, capsys, monkeypatch, case
):
    """The endless loop's limit is made 0.2 s through the documented variable; the test waits
    for the run to end, however long that takes, and asserts on what it says."""
    monkeypatch.setenv(TIME_LIMIT_VARIABLE, "0.2")
    source, line, words = BAD_CODE[case]
    rule = write(tmp_path, "student.py", source)
    out, settings = tmp_path / "losses.csv", tmp_path / "settings.json"
    argv = ["--optimizers", "sgd", "--optimizer-file", rule, "--csv", str(out)]
    code = main.main([*argv, "--save-config", str(settings)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    error = captured.err.strip()
    assert "\n" not in error
    where = rule if line is None else f"{rule}, line {line}"
    assert error.startswith(f"optimizers-from-scratch: error: {where}: ")
    assert words in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["student.py"]  # nothing written


def test_a_missing_file_is_one_line(tmp_path, capsys):
    missing = tmp_path / "nowhere.py"
    code = main.main(["--optimizer-file", str(missing), "--csv", str(tmp_path / "x.csv")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"optimizers-from-scratch: error: cannot read {missing}: No such file or directory"
    )
    assert not (tmp_path / "x.csv").exists()


def test_an_experiment_file_with_code_needs_trust(tmp_path, capsys):
    """--save-config writes the code into the file; reading it back refuses it without
    --trust (one line, exit 2, no output), and with --trust runs it to the same losses."""
    rule = write(tmp_path, "mine.py", MOMENTUM)
    saved, first = tmp_path / "shared.json", tmp_path / "first.csv"
    argv = ["--optimizers", "sgd", "--optimizer-file", rule, "--max-steps", "40"]
    assert main.main([*argv, "--csv", str(first), "--save-config", str(saved)]) == 0
    stored = json.loads(saved.read_text(encoding="utf-8"))["optimizers"][1]
    assert stored["code"] == {"source": textwrap.dedent(MOMENTUM).lstrip(), "filename": rule}
    capsys.readouterr()

    again = tmp_path / "again.csv"
    assert main.main(["--config", str(saved), "--csv", str(again)]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (
        f"optimizers-from-scratch: error: {saved} carries optimizer code ('My momentum'), "
        "which would run with your rights: read it, then add --trust to run it"
    )
    assert not again.exists()
    assert main.main(["--config", str(saved), "--trust", "--csv", str(again)]) == 0
    assert again.read_bytes() == first.read_bytes()
