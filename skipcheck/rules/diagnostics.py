"""Findings are data: what is wrong, where, the shapes that disagree, and the fixes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from skipcheck.core.position import Position


@dataclass(frozen=True)
class Operand:
    """One side of a disagreement: which tensor, its shape, and how it got that shape."""

    role: str  # "running tensor", "skip e2", "declared"
    shape: str  # "1×64×127×127"
    origin: str  # "e2 (line 14): 255 → 127 (maxpool, line 14)"


@dataclass
class Diagnostic:
    """One finding, pinned to a line of the YAML."""

    code: str
    severity: str  # "error" | "warning"
    pos: Position
    message: str
    node: str | None = None
    operands: tuple[Operand, ...] = ()
    notes: tuple[str, ...] = ()
    fixes: tuple[
        Any, ...
    ] = ()  # proven fixes (skipcheck.check.fixes.Fix), shared by a site's findings

    @property
    def rule(self) -> str:
        from skipcheck.rules import RULES

        return RULES[self.code].name

    def sort_key(self) -> tuple[int, int, str]:
        return (self.pos.line, self.pos.col, self.code)
