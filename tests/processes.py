"""Processes for the tests: Python code run in a process of its own, and waiting for a
process to end (the tests that stop engines and windows)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run_python(
    code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    """``code`` run by this Python with ``args`` in a process of its own, from the project's
    folder; its output captured as text."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def gone(pid: int) -> bool:
    """The process has ended (a zombie nobody has reaped yet has ended too)."""
    status = Path(f"/proc/{pid}/status")
    if status.parent.parent.exists() and sys.platform.startswith("linux"):
        try:
            return "\nState:\tZ" in status.read_text()
        except (FileNotFoundError, ProcessLookupError):
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
