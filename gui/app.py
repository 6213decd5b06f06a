"""Start the window (a placeholder until the window issue lands)."""

from __future__ import annotations

import argparse
import sys


def run_app(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    label = QLabel("Optimizers from Scratch — the window is coming; run with --csv for now.")
    label.setWindowTitle("Optimizers from Scratch")
    label.resize(600, 200)
    label.show()
    return app.exec()
