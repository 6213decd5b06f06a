"""The optimizer editor's links to the engine, wired by the shell: Check runs in the engine's
process (it runs the student's code), and a failure of the code in the experiment marks its line
in the editor when the editor holds that file."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from engine.analysis.rule_check import CHECK_TASK, CheckResult
from engine.live.protocol import CHECK
from engine.live.worker import EngineWorker
from engine.optimizers.user_code import CodeFailure, OptimizerCode
from gui.editor.dock import OptimizerEditor
from gui.state.session import EngineSession


class EditorLink(QObject):
    """Connects ``editor`` to the engine's Check service and to ``session``'s failures."""

    def __init__(self, editor: OptimizerEditor, session: EngineSession, engine: EngineWorker):
        super().__init__(editor)
        self.editor = editor
        self.checks = engine.runner(CHECK)
        self.checks.finished.connect(self._on_checked)
        self.checks.failed.connect(lambda message: editor.show_check(message, False))
        editor.check_requested.connect(self._check)
        session.code_failed.connect(self._on_code_failed)
        editor.enable_check()

    @Slot(object, str)
    def _check(self, code: OptimizerCode, builtin: str) -> None:
        self.checks.start(CHECK_TASK, code, None, builtin)

    @Slot(object)
    def _on_checked(self, result: CheckResult | None) -> None:
        if result is not None:  # None: a newer Check replaced it
            self.editor.show_check(result.message, result.equal, result.line)

    @Slot(object)
    def _on_code_failed(self, failure: CodeFailure) -> None:
        if failure.filename == self.editor.code().filename:
            self.editor.mark_error(failure.line, failure.describe())
