"""Numbers as the spec writes them, for the exported code: ``base * 2``, not 128.

An exported value is a ``Value``: the Python source that computes it from the
constructor's arguments, and the number it comes to for the spec as exported (the
exporter checks that both agree before it writes the source). Channel counts add
up and multiply (a concat of ``base * 8`` and ``base * 8`` takes ``base * 16``), so
they are kept as polynomials over the names, with anything else (``(c + 1) // 2``,
``2 ** i``) as an opaque factor; the source is written back through ``ast.unparse``,
which parenthesises as Python needs. Names are only ever identifiers the exporter
chose (a spec's name that is not one is renamed), and constants only numbers: no
spec text reaches the code as anything but a name or a literal.
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from skipcheck.specfile.expr import ExprError, evaluate

BUILTINS = frozenset({"min", "max", "abs", "int", "round"})
# a monomial: the sorted factor keys; a factor key is an atom's source text
Monomial = tuple[str, ...]


@dataclass(frozen=True)
class Poly:
    """A sum of ``coefficient × factors`` terms; factors are names or opaque expressions."""

    terms: tuple[tuple[Monomial, int], ...]
    atoms: tuple[tuple[str, str], ...]  # factor key → its source (the key itself, kept sorted)

    @staticmethod
    def const(n: int) -> Poly:
        return Poly((((), n),) if n else (), ())

    @staticmethod
    def atom(source: str) -> Poly:
        return Poly((((source,), 1),), ((source, source),))

    def _merge(self, other: Poly, terms: dict[Monomial, int]) -> Poly:
        kept = tuple(sorted((m, c) for m, c in terms.items() if c))
        atoms = dict(self.atoms) | dict(other.atoms)
        used = {a for m, _ in kept for a in m}
        return Poly(kept, tuple(sorted((k, v) for k, v in atoms.items() if k in used)))

    def __add__(self, other: Poly) -> Poly:
        terms = dict(self.terms)
        for m, c in other.terms:
            terms[m] = terms.get(m, 0) + c
        return self._merge(other, terms)

    def __neg__(self) -> Poly:
        return Poly(tuple((m, -c) for m, c in self.terms), self.atoms)

    def __sub__(self, other: Poly) -> Poly:
        return self + (-other)

    def __mul__(self, other: Poly) -> Poly:
        terms: dict[Monomial, int] = {}
        for m1, c1 in self.terms:
            for m2, c2 in other.terms:
                m = tuple(sorted(m1 + m2))
                terms[m] = terms.get(m, 0) + c1 * c2
        return self._merge(other, terms)

    @property
    def constant(self) -> int | None:
        """The number, where the polynomial has no names."""
        if not self.terms:
            return 0
        if len(self.terms) == 1 and self.terms[0][0] == ():
            return self.terms[0][1]
        return None

    def exact_div(self, n: int) -> Poly | None:
        """``self / n`` where every coefficient divides (channels after a pixel shuffle)."""
        if n == 0 or any(c % n for _, c in self.terms):
            return None
        return Poly(tuple((m, c // n) for m, c in self.terms), self.atoms)

    def names(self) -> set[str]:
        return {n for _, src in self.atoms for n in free_names(src)} - BUILTINS

    def substitute(self, values: Mapping[str, Poly]) -> Poly | None:
        """Each name replaced by its polynomial; None where a name sits in an opaque factor."""
        out = Poly.const(0)
        for monomial, coef in self.terms:
            term = Poly.const(coef)
            for key in monomial:
                if key in values:
                    term = term * values[key]
                elif free_names(key) & set(values):
                    term = term * Poly.atom(_replace_names(key, values))
                else:
                    term = term * Poly.atom(key)
            out = out + term
        return out

    def source(self) -> str:
        return ast.unparse(self.tree())

    def tree(self) -> ast.expr:
        if not self.terms:
            return ast.Constant(0)
        atoms = dict(self.atoms)
        # highest degree first, the constant last: `base * 16 + 3`
        ordered = sorted(self.terms, key=lambda t: (-len(t[0]), t[0]))
        out: ast.expr | None = None
        for monomial, coef in ordered:
            term: ast.expr | None = None
            for key in monomial:
                factor = ast.parse(atoms[key], mode="eval").body
                term = factor if term is None else ast.BinOp(term, ast.Mult(), factor)
            size = abs(coef)
            if term is None:
                term = ast.Constant(size)
            elif size != 1:
                term = ast.BinOp(term, ast.Mult(), ast.Constant(size))
            if out is None:
                out = ast.UnaryOp(ast.USub(), term) if coef < 0 else term
            else:
                out = ast.BinOp(out, ast.Sub() if coef < 0 else ast.Add(), term)
        assert out is not None
        return out


class _Names(ast.NodeTransformer):
    def __init__(self, values: Mapping[str, Poly]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.values[node.id].tree() if node.id in self.values else node


def _replace_names(source: str, values: Mapping[str, Poly]) -> str:
    """An opaque factor's source with its names replaced (``int(c * r)`` in the caller's terms)."""
    tree = _Names(values).visit(ast.parse(source, mode="eval"))
    return ast.unparse(ast.fix_missing_locations(tree))


def to_poly(tree: ast.expr) -> Poly:
    """An expression's syntax tree as a polynomial (opaque where it is not one)."""
    if isinstance(tree, ast.Constant) and type(tree.value) is int:
        return Poly.const(tree.value)
    if isinstance(tree, ast.Name):
        return Poly.atom(tree.id)
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, (ast.USub, ast.UAdd)):
        inner = to_poly(tree.operand)
        return -inner if isinstance(tree.op, ast.USub) else inner
    if isinstance(tree, ast.BinOp):
        if isinstance(tree.op, (ast.Add, ast.Sub, ast.Mult)):
            left, right = to_poly(tree.left), to_poly(tree.right)
            if isinstance(tree.op, ast.Add):
                return left + right
            return left - right if isinstance(tree.op, ast.Sub) else left * right
        if isinstance(tree.op, ast.Pow):
            base, exp = to_poly(tree.left), to_poly(tree.right)
            b, e = base.constant, exp.constant
            if e is not None and 0 <= e <= 8 and (b is not None or e <= 3):
                out = Poly.const(1)
                for _ in range(e):
                    out = out * base
                return out
        if isinstance(tree.op, (ast.Div, ast.FloorDiv)):
            left, right = to_poly(tree.left), to_poly(tree.right)
            n = right.constant
            if n is not None and left.constant is not None and n and left.constant % n == 0:
                return Poly.const(left.constant // n)
            if n is not None and isinstance(tree.op, ast.Div):
                # `/` gives a whole number where it divides (the spec's rule); keep it
                # exact only where every term divides, else it stays as written
                exact = left.exact_div(n)
                if exact is not None:
                    return exact
    return Poly.atom(ast.unparse(tree))


def free_names(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source, mode="eval")) if isinstance(n, ast.Name)}


@dataclass(frozen=True)
class Value:
    """A number in the exported code: its source and what it comes to for this spec."""

    poly: Poly | None  # None: not arithmetic (a list, a float, a bool): ``literal`` holds it
    value: Any
    literal: str | None = None
    used: frozenset[str] = frozenset()  # the names ``literal`` reads

    @staticmethod
    def of(value: Any) -> Value:
        if type(value) is int:
            return Value(Poly.const(value), value)
        return Value(None, value, render_literal(value))

    def source(self) -> str:
        if self.poly is None:
            assert self.literal is not None
            return self.literal
        return self.poly.source()

    def names(self) -> set[str]:
        return set(self.used) if self.poly is None else self.poly.names()

    def __add__(self, other: Value) -> Value:
        if self.poly is None or other.poly is None:
            return Value.of(self.value + other.value)
        return Value(self.poly + other.poly, self.value + other.value)

    def substitute(self, values: Mapping[str, Value]) -> Value:
        """In another class's terms: names replaced by the values passed for them."""
        polys = {k: v.poly for k, v in values.items() if v.poly is not None}
        if self.poly is not None and self.poly.names() <= set(polys):
            out = self.poly.substitute(polys)
            if out is not None:
                return Value(out, self.value)
        elif not self.used:
            return self
        return Value.of(self.value)

    def times(self, n: int) -> Value:
        if self.poly is None:
            return Value.of(self.value * n)
        return Value(self.poly * Poly.const(n), self.value * n)

    def divided(self, n: int) -> Value:
        exact = None if self.poly is None else self.poly.exact_div(n)
        if exact is None or self.value % n:
            return Value.of(self.value // n)
        return Value(exact, self.value // n)


def render_literal(value: Any) -> str:
    """Plain data as Python source, by repr: a string can never end its own quotes."""
    if isinstance(value, (tuple, list)):
        inner = ", ".join(render_literal(v) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"cannot export the number {value!r}")
        return repr(value)
    raise ValueError(f"cannot export a value of type {type(value).__name__}")


def py_literal(value: Any) -> str:
    """``render_literal``, with strings quoted as ruff format writes them (double quotes
    unless the text holds one)."""
    if isinstance(value, str):
        text = repr(value)
        if '"' not in value and text.startswith("'"):
            return '"' + text[1:-1].replace("\\'", "'") + '"'
        return text
    if isinstance(value, (tuple, list)):
        inner = ", ".join(py_literal(v) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return render_literal(value)


def identifier(name: str, taken: Callable[[str], bool] = lambda _: False) -> str:
    """``name`` as a Python identifier that is no keyword and not ``taken``."""
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in name if c.isascii()) or "_"
    if out[0].isdigit():
        out = f"_{out}"
    while keyword.iskeyword(out) or keyword.issoftkeyword(out) or taken(out):
        out += "_"
    return out


def lift(
    text: Any, env: Mapping[str, Any], rename: Mapping[str, str], expected: Any
) -> Value | None:
    """The spec's ``text`` as a Value whose names are the code's (``rename``), or None.

    Only an expression that the spec's own evaluator gives ``expected`` for, in ``env``,
    is lifted; every name in it must have a name in the code. A plain number is the
    number itself. Lists lift item by item into a tuple.
    """
    if isinstance(text, list):
        if not isinstance(expected, (list, tuple)) or len(expected) != len(text):
            return None
        items = [lift(t, env, rename, e) for t, e in zip(text, expected, strict=True)]
        if any(v is None for v in items):
            return None
        parts = [v.source() for v in items if v is not None]
        src = f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"
        names = {n for v in items if v is not None for n in v.names()}
        return Value(None, tuple(expected), src, frozenset(names))
    if type(text) is int or type(text) is float or type(text) is bool:
        return Value.of(text) if text == expected and type(text) is type(expected) else None
    if not isinstance(text, str):
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval").body
        value = evaluate(text, env)
    except (ExprError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if value != expected or type(value) is not type(expected):
        return None
    functions = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) in functions:
            if node.id not in BUILTINS:  # floor, ceil: math's, not worth an import
                return None
        elif isinstance(node, ast.Name):
            if node.id not in rename:
                return None
            node.id = rename[node.id]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and type(value) is int:
            # the spec's `/` is whole where it divides, Python's never is
            node.op = ast.FloorDiv()
        elif not isinstance(
            node,
            (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call, ast.operator, ast.unaryop, ast.Load),
        ):
            return None
    if type(value) is int:
        return Value(to_poly(tree), value)
    used = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name)) - BUILTINS
    return Value(None, value, ast.unparse(tree), used)
