"""Python's colours in the editor: keywords, strings (triple-quoted ones across lines), comments,
numbers, and the two names a rule uses without importing them, ``torch`` and ``math``.

Colours dark enough to read on a white editor from the back of a room.
"""

from __future__ import annotations

import keyword
import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

KEYWORD, STRING, COMMENT, NUMBER, MODULE, DEFINED = (
    "#0000B0",
    "#A31515",
    "#267F26",
    "#8A4B00",
    "#7A1FA2",
    "#005F87",
)
TRIPLE_QUOTES = ('"""', "'''")
INSIDE_TRIPLE = (1, 2)  # block states: the block ends inside a """ or ''' string

RULES = (  # (pattern, colour, bold); later ones win where they overlap
    (r"\b(?:" + "|".join(keyword.kwlist) + r")\b", KEYWORD, True),
    (r"\b(?:torch|math)\b", MODULE, True),
    (r"\b(?:def|class)\s+(\w+)", DEFINED, True),
    (r"\b(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\b", NUMBER, False),
)
STRING_OR_COMMENT = re.compile(r"""("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|#.*)""")


def _format(colour: str, bold: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    return fmt


class PythonHighlighter(QSyntaxHighlighter):
    """Colours ``document`` as Python, a line at a time."""

    def __init__(self, document: QTextDocument):
        super().__init__(document)
        self._rules = [(re.compile(p), _format(c, bold)) for p, c, bold in RULES]
        self._string, self._comment = _format(STRING), _format(COMMENT)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt's name)
        for pattern, fmt in self._rules:
            for match in pattern.finditer(text):
                start, end = match.span(1) if pattern.groups else match.span()
                self.setFormat(start, end - start, fmt)
        self.setCurrentBlockState(0)
        start = self._continue_triple(text)
        self._strings_and_comments(text, start)

    def _continue_triple(self, text: str) -> int:
        """A triple-quoted string open from the line above: coloured to its end; returns
        where the rest of the line starts (past the end of ``text`` if it is still open)."""
        previous = self.previousBlockState()
        if previous not in INSIDE_TRIPLE:
            return 0
        quotes = TRIPLE_QUOTES[previous - 1]
        end = text.find(quotes)
        if end < 0:
            self.setFormat(0, len(text), self._string)
            self.setCurrentBlockState(previous)
            return len(text)
        self.setFormat(0, end + 3, self._string)
        return end + 3

    def _strings_and_comments(self, text: str, start: int) -> None:
        """Strings and comments from ``start`` on, left to right (a # in a string is text)."""
        position = start
        while position < len(text):
            triple = min(
                ((text.find(q, position), i) for i, q in enumerate(TRIPLE_QUOTES)),
                key=lambda found: found[0] if found[0] >= 0 else len(text),
            )
            match = STRING_OR_COMMENT.search(text, position)
            if triple[0] >= 0 and (match is None or triple[0] <= match.start()):
                position = self._triple_from(text, triple[0], triple[1])
                continue
            if match is None:
                return
            fmt = self._comment if match.group().startswith("#") else self._string
            self.setFormat(match.start(), match.end() - match.start(), fmt)
            position = match.end()

    def _triple_from(self, text: str, start: int, kind: int) -> int:
        end = text.find(TRIPLE_QUOTES[kind], start + 3)
        if end < 0:
            self.setFormat(start, len(text) - start, self._string)
            self.setCurrentBlockState(INSIDE_TRIPLE[kind])
            return len(text)
        self.setFormat(start, end + 3 - start, self._string)
        return end + 3
