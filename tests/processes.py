"""Waiting for a process to end, for the tests that stop engines and windows."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


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
