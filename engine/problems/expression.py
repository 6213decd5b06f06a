"""A student's f(x, y), read by a whitelist: a tokenizer and a recursive-descent parser that
turn the text into a small tree of frozen dataclasses. Python never evaluates the text.

Grammar (``**`` binds tighter than a unary sign, and to the right, as in Python)::

    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("+" | "-") unary | power
    power   := atom ("**" unary)?
    atom    := number | "x" | "y" | "pi" | "e" | name "(" sum ("," sum)? ")" | "(" sum ")"

``^`` is read as ``**`` and the minus sign ``−`` (U+2212) as ``-``, as a formula is written on
paper. No torch here: the window checks what is typed as it is typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FUNCTIONS = {  # name: how many arguments
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "exp": 1,
    "log": 1,
    "sqrt": 1,
    "abs": 1,
    "tanh": 1,
    "min": 2,
    "max": 2,
}
VARIABLES = ("x", "y")
CONSTANTS = ("pi", "e")
ALLOWED = "use x, y, pi, e, numbers, + - * / ** ( ) and " + " ".join(FUNCTIONS)
MAX_LENGTH = 500  # characters: a formula, not a program
MAX_NESTING = 100  # signs, powers and parentheses inside one another


class ExpressionError(ValueError):
    """The text is not an expression of the whitelist; ``position`` is the 0-based column of the
    first bad token, and the message (one line) starts with it."""

    def __init__(self, position: int, problem: str):
        super().__init__(f"position {position}: {problem}")
        self.position = position


# --- the tree ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Variable:
    name: str  # "x" or "y"


@dataclass(frozen=True)
class Constant:
    name: str  # "pi" or "e"


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "+"
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str  # "+", "-", "*", "/" or "**"
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str  # a key of FUNCTIONS
    args: tuple[Node, ...]


Node = Number | Variable | Constant | Unary | Binary | Call


# --- tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op", "bad" or "end"
    text: str
    position: int


_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<op>\*\*|[-+*/^(),])"
)
_SPELLINGS = {"−": "-", "^": "**", "×": "*", "·": "*"}  # as written on paper


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an "end" token; a character no token starts with
    becomes a "bad" token and ends the list there."""
    tokens, position = [], 0
    while position < len(text):
        char = text[position]
        if char in _SPELLINGS:
            tokens.append(Token("op", _SPELLINGS[char], position))
            position += 1
            continue
        match = _TOKEN.match(text, position)
        if match is None:  # the parser refuses it when it gets there, after any earlier fault
            tokens.append(Token("bad", char, position))
            break
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup, match.group(), position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# --- the parser --------------------------------------------------------------------------------


def parse(text: str) -> Node:
    """The tree of ``text``, or ``ExpressionError`` naming the first bad token's position."""
    if not isinstance(text, str):
        raise ExpressionError(0, f"a function must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(MAX_LENGTH, f"at most {MAX_LENGTH} characters")
    if not text.strip():
        raise ExpressionError(0, "type a function of x and y, e.g. x**2 + 10*y**2")
    return _Parser(tokenize(text)).parse()


class _Parser:
    """One method per rule of the grammar in the module docstring."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.index = 0
        self.depth = 0  # unary() calls under way: every nesting passes through one

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def take(self, *texts: str) -> Token | None:
        """The current token, consumed, if it is an operator among ``texts``."""
        if self.token.kind == "op" and self.token.text in texts:
            self.index += 1
            return self.tokens[self.index - 1]
        return None

    def parse(self) -> Node:
        tree = self.sum()
        if self.token.text == ")":
            raise ExpressionError(self.token.position, "this ')' closes no '('")
        if self.token.kind != "end":
            raise self.unexpected("an operator")
        return tree

    def sum(self) -> Node:
        tree = self.product()
        while op := self.take("+", "-"):
            tree = Binary(op.text, tree, self.product())
        return tree

    def product(self) -> Node:
        tree = self.unary()
        while op := self.take("*", "/"):
            tree = Binary(op.text, tree, self.unary())
        return tree

    def unary(self) -> Node:
        if self.depth == MAX_NESTING:
            raise ExpressionError(self.token.position, f"nested more than {MAX_NESTING} deep")
        self.depth += 1
        try:
            if op := self.take("+", "-"):
                return Unary(op.text, self.unary())
            return self.power()
        finally:
            self.depth -= 1

    def power(self) -> Node:
        base = self.atom()
        if self.take("**"):
            return Binary("**", base, self.unary())
        return base

    def atom(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.index += 1
            return Number(float(token.text))
        if token.kind == "name":
            return self.name()
        if self.take("("):
            tree = self.sum()
            self.close(token)
            return tree
        raise self.unexpected("a number, x, y, a function or '('")

    def name(self) -> Node:
        token = self.token
        self.index += 1
        if token.text in VARIABLES:
            return Variable(token.text)
        if token.text in CONSTANTS:
            return Constant(token.text)
        if token.text not in FUNCTIONS:
            raise ExpressionError(token.position, f"{token.text!r} is not allowed ({ALLOWED})")
        opening = self.token
        if not self.take("("):
            raise ExpressionError(opening.position, f"{token.text} needs '(' after it")
        args = [self.sum()]
        while self.take(","):
            args.append(self.sum())
        self.close(opening)
        wanted = FUNCTIONS[token.text]
        if len(args) != wanted:
            count = "one argument" if wanted == 1 else f"{wanted} arguments"
            raise ExpressionError(token.position, f"{token.text} takes {count}, not {len(args)}")
        return Call(token.text, tuple(args))

    def close(self, opening: Token) -> None:
        if not self.take(")"):
            if self.token.kind == "end":
                raise ExpressionError(opening.position, "this '(' is never closed")
            raise self.unexpected("')'")

    def unexpected(self, wanted: str) -> ExpressionError:
        token = self.token
        if token.kind == "end":
            return ExpressionError(token.position, f"the expression ends early: {wanted} expected")
        known = (*VARIABLES, *CONSTANTS, *FUNCTIONS)
        if token.kind == "bad" or token.kind == "name" and token.text not in known:
            return ExpressionError(token.position, f"{token.text!r} is not allowed ({ALLOWED})")
        return ExpressionError(token.position, f"{token.text!r} here: {wanted} expected")


def variables(tree: Node) -> set[str]:
    """The variables ``tree`` uses."""
    if isinstance(tree, Variable):
        return {tree.name}
    if isinstance(tree, Unary):
        return variables(tree.operand)
    if isinstance(tree, Binary):
        return variables(tree.left) | variables(tree.right)
    if isinstance(tree, Call):
        return set().union(*(variables(arg) for arg in tree.args))
    return set()
