"""The whitelist parser of a typed f(x, y): what it reads, and what it refuses at which column."""

import pytest

from engine.problems.expression import (
    MAX_NESTING,
    Binary,
    Call,
    Constant,
    ExpressionError,
    Number,
    Unary,
    Variable,
    parse,
)

X, Y = Variable("x"), Variable("y")


@pytest.mark.parametrize(
    "text, tree",
    [
        ("x", X),
        ("2.5e-1", Number(0.25)),
        (".5", Number(0.5)),
        ("pi * e", Binary("*", Constant("pi"), Constant("e"))),
        ("x - y - 1", Binary("-", Binary("-", X, Y), Number(1.0))),
        ("x / y * 2", Binary("*", Binary("/", X, Y), Number(2.0))),
        ("1 + x * y", Binary("+", Number(1.0), Binary("*", X, Y))),
        ("-x**2", Unary("-", Binary("**", X, Number(2.0)))),  # as Python: −(x²)
        ("x**-y", Binary("**", X, Unary("-", Y))),
        ("2**3**2", Binary("**", Number(2.0), Binary("**", Number(3.0), Number(2.0)))),
        ("x^2", Binary("**", X, Number(2.0))),
        ("x − y", Binary("-", X, Y)),  # the minus sign U+2212
        ("(x + y) * 2", Binary("*", Binary("+", X, Y), Number(2.0))),
        ("max(x, min(y, 1))", Call("max", (X, Call("min", (Y, Number(1.0)))))),
        ("+sqrt(abs(x))", Unary("+", Call("sqrt", (Call("abs", (X,)),)))),
    ],
)
def test_the_whitelist_reads_as_python_would(text, tree):
    assert parse(text) == tree


def test_every_listed_function_is_read():
    for name in ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh"):
        assert parse(f"{name}(x)") == Call(name, (X,))


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("__import__('os')", 0, "'__import__' is not allowed"),
        ("x.real", 1, "'.' is not allowed"),
        ("foo(x)", 0, "'foo' is not allowed"),
        ("x + lambda", 4, "'lambda' is not allowed"),
        ("x[0]", 1, "'[' is not allowed"),
        ('"str"', 0, "'\"' is not allowed"),
        ("1 +", 3, "ends early"),
        ("(x + 1", 0, "this '(' is never closed"),
        ("sin((x)", 3, "this '(' is never closed"),
        ("x + 1)", 5, "this ')' closes no '('"),
        ("2x", 1, "'x' here: an operator expected"),
        ("x y", 2, "'y' here"),
        ("min(x)", 0, "min takes 2 arguments, not 1"),
        ("sin(x, y)", 0, "sin takes one argument, not 2"),
        ("sin x", 4, "sin needs '(' after it"),
        ("x; y", 1, "';' is not allowed"),
        ("", 0, "type a function of x and y"),
        ("x ** * y", 5, "'*' here"),
    ],
)
def test_anything_else_is_refused_at_the_first_bad_token(text, position, words):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    message = str(caught.value)
    assert caught.value.position == position
    assert message.startswith(f"position {position}: ") and words in message
    assert "\n" not in message


def test_a_refusal_names_what_is_allowed():
    with pytest.raises(ExpressionError, match="use x, y, pi, e, numbers.*sin cos tan exp log"):
        parse("os")


def test_deep_nesting_is_refused_before_python_recursion_runs_out():
    with pytest.raises(ExpressionError, match=f"nested more than {MAX_NESTING} deep"):
        parse("(" * 200 + "x" + ")" * 200)
    with pytest.raises(ExpressionError, match="nested more than"):
        parse("-" * 400 + "x")
    assert parse("(" * 50 + "x" + ")" * 50) == X


def test_text_that_is_not_a_string_or_too_long_is_refused():
    with pytest.raises(ExpressionError, match="must be text"):
        parse(3)
    with pytest.raises(ExpressionError, match="at most 500 characters"):
        parse("x+" * 300 + "x")
