"""Choosing a problem and its start on the command line and in files, and --landscape exports."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import main
from engine.config.problem_switch import config_for_problem
from engine.config.settings import ExperimentConfig
from engine.experiment.batched import BatchedExperiment
from engine.io import cli
from engine.io.experiment_file import config_from_dict, read_config_file, write_config_file
from engine.problems import get_problem
from gui.export.figure import frame_steps
from gui.export.offscreen import FIGURE_SIZE, SETTINGS_KEY
from gui.plotting.palette import optimizer_colour

ROOT = Path(__file__).resolve().parents[1]


def config_of(*argv, base=None):
    return cli.config_from_args(cli.parse_args(list(argv)), base)


def test_a_problem_by_flag_brings_its_own_rates_stop_loss_and_steps():
    config = config_of("--problem", "rosenbrock")
    defaults = get_problem("rosenbrock").defaults
    assert config == config_for_problem("rosenbrock")
    assert config.learning_rates == defaults.learning_rates == (0.0003, 0.001, 0.003, 0.01)
    assert (config.stop_loss, config.max_steps) == (defaults.stop_loss, defaults.max_steps)


def test_flags_given_beside_the_problem_win_over_its_defaults():
    config = config_of(
        "--problem", "bowl", "--lrs", "0.02", "--max-steps", "50", "--stop-loss", "0.5"
    )
    assert config.problem == "bowl" and config.learning_rates == (0.02,)
    assert (config.max_steps, config.stop_loss) == (50, 0.5)


def test_the_same_problem_as_the_experiment_file_keeps_the_files_settings(tmp_path):
    saved = config_for_problem("beale").with_changes(learning_rates=(0.05,), start=(2.0, 1.0))
    assert config_of("--problem", "beale", base=saved) == saved


def test_a_start_with_a_leading_minus_is_given_with_equals():
    config = config_of("--problem", "rosenbrock", "--start=-2.5,1.5")
    assert config.start == (-2.5, 1.5)
    experiment = BatchedExperiment(config.with_changes(max_steps=1))
    np.testing.assert_array_equal(experiment.initial_parameters, np.float32([-2.5, 1.5]))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--problem", "rosenbrock", "--hidden", "5"], "hidden units do not apply"),
        (["--problem", "beale", "--dataset", "generated"], "a dataset does not apply"),
        (["--problem", "bowl", "--batch-size", "2"], "a batch size does not apply"),
        (["--problem", "saddle", "--data", "x.csv"], "a dataset does not apply"),
        (["--start=-2,2"], "a start point applies to the 2-D problems, not to the mlp"),
        (["--problem", "saddle", "--start=1"], "--start must be two numbers X,Y, not '1'"),
        (["--problem", "saddle", "--start=a,2"], "--start must be two numbers X,Y, not 'a,2'"),
        (["--problem", "saddle", "--start=inf,2"], "start must be finite"),
        (["--problem", "cube"], "unknown problem 'cube' (known: mlp, rosenbrock"),
        (["--landscape", "map.jpg"], "--landscape is saved as .png, .svg or .gif, not"),
        (["--landscape", "m.png", "--max-steps", "100000"], "--landscape keeps every path"),
    ],
)
def test_what_does_not_fit_is_one_line_exit_2_and_no_file(tmp_path, capsys, args, message):
    outputs = ["--csv", str(tmp_path / "l.csv"), "--save-config", str(tmp_path / "c.json")]
    assert main.main([*outputs, *(a.replace("m.png", str(tmp_path / "m.png")) for a in args)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("optimizers-from-scratch:")
    assert list(tmp_path.iterdir()) == []


def test_problem_and_start_round_trip_through_an_experiment_file(tmp_path):
    config = config_for_problem("himmelblau").with_changes(start=(-1.0, 0.5))
    path = tmp_path / "exp.json"
    write_config_file(path, config)
    saved = json.loads(path.read_text())
    assert saved["problem"] == "himmelblau" and saved["start"] == [-1.0, 0.5]
    assert read_config_file(path) == config


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"problem": "rosenbrock", "hidden": 4}, "hidden units do not apply to the rosenbrock"),
        ({"problem": "rosenbrock", "start": [1]}, "start: start must be two numbers"),
        ({"start": [1, 2]}, "start: a start point applies to the 2-D problems"),
        ({"problem": "cube"}, "problem: unknown problem 'cube'"),
    ],
)
def test_a_file_that_does_not_fit_its_problem_is_refused_in_one_line(settings, message):
    with pytest.raises(Exception) as caught:
        config_from_dict(settings)
    assert message in str(caught.value) and "\n" not in str(caught.value)


# --- --landscape -----------------------------------------------------------------------------


def colour_pixels(image: Image.Image, colour: str, tolerance: int = 12) -> int:
    rgb = np.asarray(image.convert("RGB"), dtype=np.int32)
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - target).max(axis=-1) <= tolerance).sum())


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_the_landscape_png_has_its_scale_the_settings_and_every_optimizers_path(tmp_path, scale):
    out = tmp_path / "map.png"
    argv = ["--problem", "rosenbrock", "--landscape", str(out), "--scale", str(scale)]
    assert main.main(argv) == 0
    with Image.open(out) as image:
        assert image.size == (FIGURE_SIZE[0] * scale, FIGURE_SIZE[1] * scale)
        settings = json.loads(image.text[SETTINGS_KEY])
        counts = {name: colour_pixels(image, optimizer_colour(name)) for name in ("sgd", "adam")}
    assert config_from_dict(settings["settings"]) == config_for_problem("rosenbrock")
    assert settings["view"] == "landscape" and settings["plane"] == "parameters"
    assert settings["step"] == 2000
    assert all(n > 100 * scale for n in counts.values()), counts


def test_the_landscape_svg_draws_each_optimizers_path_and_names_the_axes(tmp_path):
    out = tmp_path / "map.svg"
    assert main.main(["--problem", "saddle", "--landscape", str(out)]) == 0
    root = ET.parse(out).getroot()
    longest: dict[str, int] = {}  # per stroke colour, the most points a path drawn in it has
    for group in root.iter():
        for path in (e for e in group if e.tag.endswith("path")):
            colour = group.get("stroke", "").lower()
            longest[colour] = max(longest.get(colour, 0), path.get("d", "").count("L"))
    for name in ("sgd", "momentum", "rmsprop", "adam"):
        assert longest.get(optimizer_colour(name).lower(), 0) > 20, name  # a path, not a swatch
    texts = {"".join(t.itertext()).strip() for t in root.iter() if t.tag.endswith("text")}
    assert {"x", "y", "Learning rate: 0.01", "saddle point", "minimum"} <= texts


def test_the_landscape_gif_grows_its_paths_frame_by_frame(tmp_path):
    out = tmp_path / "map.gif"
    argv = ["--problem", "bowl", "--landscape", str(out), "--frame-every", "100", "--fps", "5"]
    assert main.main(argv) == 0
    steps = BatchedExperiment(config_for_problem("bowl"))
    steps.run_to_end()
    with Image.open(out) as gif:
        assert gif.n_frames == len(frame_steps(steps.steps_taken, 100))
        assert json.loads(gif.info["comment"])["view"] == "landscape"
        gif.seek(0)
        first = colour_pixels(gif, optimizer_colour("momentum"))
        gif.seek(gif.n_frames - 1)
        last = colour_pixels(gif, optimizer_colour("momentum"))
    assert last > first + 200


def test_the_mlp_landscape_names_its_plane(tmp_path):
    out = tmp_path / "net.svg"
    assert main.main(["--landscape", str(out), "--max-steps", "60"]) == 0
    root = ET.parse(out).getroot()
    text = " ".join(" ".join(t.itertext()) for t in root.iter() if t.tag.endswith("text"))
    text = " ".join(text.split())  # Qt splits a line where the font changes (θ₀)
    assert "sharpest Hessian directions at θ₀" in text and "along v₁" in text
    assert "Mean distance of each path from the plane" in text
    assert ExperimentConfig().problem == "mlp"


def test_the_real_command_writes_a_landscape_and_exits_0(tmp_path):
    """Offscreen widgets torn down wrongly crash the interpreter (exit 139)."""
    result = subprocess.run(
        [sys.executable, "main.py", "--problem", "rastrigin", "--landscape", tmp_path / "r.png"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert f"wrote {tmp_path / 'r.png'}" in result.stdout
