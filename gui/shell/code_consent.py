"""Asking before someone else's code runs: an experiment file that carries optimizers written as
code shows that code, and the window opens it only if the user says to run it. The code would
run with the user's rights, like any script they run."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from engine.config.settings import OptimizerSpec


def shown_code(specs: tuple[OptimizerSpec, ...]) -> str:
    """Every optimizer's source under a line naming it and its file."""
    return "\n\n".join(
        f"# ---- {spec.name} ({spec.code.filename}) ----\n{spec.code.source.rstrip()}"
        for spec in specs
    )


class CodeConsentDialog(QDialog):
    """The code an experiment file carries, read-only, with Run it and Don't open."""

    def __init__(self, path: str, specs: tuple[OptimizerSpec, ...], parent: QWidget | None):
        super().__init__(parent)
        self.setWindowTitle("Run the code in this experiment?")
        names = ", ".join(spec.name for spec in specs)
        note = QLabel(
            f"{path} carries Python code for {names}. Opening it runs that code with your "
            "rights, like any script you run: open it only if you trust who wrote it."
        )
        note.setWordWrap(True)
        self.code = QPlainTextEdit(shown_code(specs))
        self.code.setReadOnly(True)
        self.code.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.code.setMinimumSize(560, 320)
        buttons = QDialogButtonBox()
        buttons.addButton("Run it", QDialogButtonBox.ButtonRole.AcceptRole)
        refuse = buttons.addButton("Don't open", QDialogButtonBox.ButtonRole.RejectRole)
        refuse.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.code, 1)
        layout.addWidget(buttons)


def run_code_allowed(path: str, specs: tuple[OptimizerSpec, ...], parent: QWidget | None) -> bool:
    """True if the user chose to run the code ``path`` carries."""
    return CodeConsentDialog(path, specs, parent).exec() == QDialog.DialogCode.Accepted
