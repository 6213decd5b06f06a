"""Where `.ci/dev` takes torch from: the CPU build unless a GPU or the user's pip says otherwise.

Each test runs `.ci/torch-index` with a controlled machine: its OS, NVIDIA driver and nvidia-smi
probes point into a temp dir, pip reads only the config file the test writes, and no PIP_* or
TORCH_* variable leaks in from the machine running the tests. Nothing touches the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "torch-index"
CPU_INDEX = ["--index-url", "https://download.pytorch.org/whl/cpu"]
PLAIN: list[str] = []

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the setup script is bash")


def run_choice(
    tmp_path: Path,
    *,
    os_name: str = "Linux",
    driver: bool = False,
    smi_exit: int | None = None,
    pip_conf: str | None = None,
    python: str = sys.executable,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """Run the script on a fake machine; pip_conf None means pip reads no config file at all."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "TORCH_"))}
    proc = tmp_path / "nvidia-version"
    if driver:
        proc.write_text("NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14\n")
    smi = tmp_path / "nvidia-smi"
    if smi_exit is not None:
        smi.write_text(f"#!/bin/sh\nexit {smi_exit}\n")
        smi.chmod(0o755)
    conf = tmp_path / "pip.conf"
    if pip_conf is not None:
        conf.write_text(pip_conf)
    clean |= {
        "TORCH_SETUP_OS": os_name,
        "TORCH_SETUP_NVIDIA_PROC": str(proc),
        "TORCH_SETUP_NVIDIA_SMI": str(smi),
        "PIP_CONFIG_FILE": os.devnull if pip_conf is None else str(conf),
        **env,
    }
    return subprocess.run(
        ["bash", str(SCRIPT), python], env=clean, capture_output=True, text=True, timeout=60
    )


def choose(tmp_path: Path, **machine) -> list[str]:
    """The pip arguments the script prints for this machine (empty: plain pip)."""
    result = run_choice(tmp_path, **machine)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_linux_without_gpu_and_plain_pip_takes_the_cpu_index(tmp_path):
    assert choose(tmp_path) == CPU_INDEX


def test_an_nvidia_kernel_module_means_the_default_cuda_build(tmp_path):
    assert choose(tmp_path, driver=True) == PLAIN


def test_a_working_nvidia_smi_means_the_default_cuda_build(tmp_path):
    """WSL2 has a driver but no /proc/driver/nvidia: nvidia-smi answering is enough."""
    assert choose(tmp_path, smi_exit=0) == PLAIN


def test_an_nvidia_smi_that_finds_no_driver_still_means_cpu(tmp_path):
    assert choose(tmp_path, smi_exit=9) == CPU_INDEX


@pytest.mark.parametrize(
    "pip_conf",
    [
        "[global]\nindex-url = https://mirror.example/simple\n",
        "[global]\nextra-index-url = https://mirror.example/simple\n",
        "[install]\nfind-links = /srv/wheels\n",
        "[global]\nfind_links = /srv/wheels\n",
        "[global]\nno-index = true\n",
    ],
    ids=["index-url", "extra-index-url", "install-find-links", "underscore-key", "no-index"],
)
def test_a_pip_config_with_its_own_index_or_wheelhouse_is_used_as_is(tmp_path, pip_conf):
    assert choose(tmp_path, pip_conf=pip_conf) == PLAIN


def test_a_pip_config_without_index_settings_still_takes_the_cpu_index(tmp_path):
    """A certificate or timeout says nothing about where packages come from."""
    conf = "[global]\ntimeout = 60\ncert = /etc/ssl/certs/ca-certificates.crt\n"
    assert choose(tmp_path, pip_conf=conf) == CPU_INDEX


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("PIP_INDEX_URL", "https://mirror.example/simple"),
        ("PIP_EXTRA_INDEX_URL", "https://mirror.example/simple"),
        ("PIP_FIND_LINKS", "/srv/wheels"),
        ("PIP_NO_INDEX", "1"),
    ],
)
def test_pip_environment_variables_count_as_configured(tmp_path, var, value):
    assert choose(tmp_path, **{var: value}) == PLAIN


@pytest.mark.parametrize("os_name", ["Darwin", "MINGW64_NT-10.0-19045", "FreeBSD"])
def test_other_systems_use_plain_pip(tmp_path, os_name):
    """PyPI's torch wheels for macOS and Windows carry no CUDA libraries."""
    assert choose(tmp_path, os_name=os_name) == PLAIN


def test_torch_index_url_wins_over_a_driver_and_a_configured_pip(tmp_path):
    url = "https://download.pytorch.org/whl/cu126"
    conf = "[global]\nfind-links = /srv/wheels\n"
    chosen = choose(tmp_path, driver=True, pip_conf=conf, TORCH_INDEX=url)
    assert chosen == ["--index-url", url]


def test_torch_index_pypi_forces_plain_pip_where_cpu_would_be_chosen(tmp_path):
    assert choose(tmp_path, TORCH_INDEX="pypi") == PLAIN


def test_an_empty_torch_index_means_automatic(tmp_path):
    assert choose(tmp_path, TORCH_INDEX="") == CPU_INDEX


def test_a_torch_index_that_is_no_url_stops_with_one_line(tmp_path):
    result = run_choice(tmp_path, TORCH_INDEX="cuda")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "TORCH_INDEX" in result.stderr


def test_a_python_without_pip_stops_with_one_line(tmp_path):
    """Guessing the CPU index when pip's configuration is unreadable could break a mirror."""
    result = run_choice(tmp_path, python=shutil.which("false") or "/bin/false")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "pip config" in result.stderr
