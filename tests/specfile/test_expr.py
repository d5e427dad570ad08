from __future__ import annotations

import pytest

from skipcheck.specfile.expr import ExprError, evaluate


@pytest.mark.parametrize(
    ("text", "env", "value"),
    [
        ("base * 2", {"base": 64}, 128),
        ("base * 2 ** i", {"base": 64, "i": 3}, 512),
        ("(c + 1) // 2", {"c": 5}, 3),
        ("min(a, b)", {"a": 3, "b": 2}, 2),
        ("max(a, 8) - 1", {"a": 3}, 7),
        ("base / 2", {"base": 64}, 32),
        ("base / 3", {"base": 64}, 64 / 3),
        ("-x + 1", {"x": 4}, -3),
        ("7 % 4", {}, 3),
    ],
)
def test_arithmetic(text: str, env: dict[str, int], value: float) -> None:
    assert evaluate(text, env) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", "unknown function"),
        ("bsae * 2", "did you mean 'base'"),
        ("2 ** 2 ** 100", "too large"),
        ("9" * 40, "too large"),
        ("a.b", "not allowed"),
        ("lambda: 1", "not allowed"),
        ("[1, 2]", "not allowed"),
        ("1 / 0", "division by zero"),
        ("(" * 300 + "1" + ")" * 300, "characters long"),
        ("base *", "cannot read"),
        ("'text'", "not a number"),
    ],
)
def test_rejections(text: str, message: str) -> None:
    with pytest.raises(ExprError) as info:
        evaluate(text, {"base": 1, "a": 1})
    assert message in str(info.value)


def test_a_kept_value_is_told_apart_by_the_types_it_read() -> None:
    """Values are kept by the names an expression reads: 3, 3.0 and True are equal
    keys in Python, and must not give one another's results."""
    assert type(evaluate("x / 3", {"x": 3})) is int
    assert type(evaluate("x / 3", {"x": 3.0})) is float
    assert evaluate("x", {"x": 1}) == 1 and evaluate("x", {"x": True}) is True
    assert evaluate("x * 2", {"x": 4, "unused": [1]}) == 8
    assert evaluate("min(x, 5)", {"x": 7}) == 5 and evaluate("min(x, 5)", {"x": 2}) == 2
    assert evaluate("x", {"x": [1, 2]}) == [1, 2]  # a list is no key: evaluated afresh
    for _ in range(2):  # an error is never kept: said again, in full
        with pytest.raises(ExprError, match="unknown name 'y'"):
            evaluate("y + 1", {"x": 1})


def test_a_kept_value_tells_zero_from_minus_zero() -> None:
    assert str(evaluate("x * 1", {"x": 0.0})) == "0.0"
    assert str(evaluate("x * 1", {"x": -0.0})) == "-0.0"


def test_arithmetic_on_the_engines_symbols_is_never_kept() -> None:
    """The engine evaluates declared shapes over its symbols (``Affine``), whose arithmetic
    is counted as work where it is done: only values of plain numbers and words are kept."""
    from skipcheck.shapes.periodic import Affine
    from skipcheck.specfile import expr

    before = len(expr._VALUES)
    got = evaluate("H // 2 + base", {"H": Affine.symbol("H"), "base": 3})
    assert str(got) == "⌊H/2⌋ + 3"
    assert len(expr._VALUES) == before
