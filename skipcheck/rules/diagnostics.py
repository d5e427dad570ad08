"""Findings are data: what is wrong, where, the shapes that disagree, and the fixes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from skipcheck.core.position import Position


class ProvenFix(Protocol):
    """What a finding carries of a fix proven for it (``skipcheck.fixes.Fix`` is one; it is
    made above the engine that makes findings, so it is named here by what it offers)."""

    @property
    def title(self) -> str: ...

    @property
    def text(self) -> str: ...  # the whole file after the edit

    @property
    def safe(self) -> bool: ...

    @property
    def partial(self) -> bool: ...

    @property
    def applicability(self) -> str: ...


@dataclass(frozen=True)
class Operand:
    """One side of a disagreement: which tensor, its shape, and how it got that shape."""

    role: str  # "running tensor", "skip e2", "declared"
    shape: str  # "1×64×127×127"
    origin: str  # "e2 (line 14): 255 → 127 (maxpool, line 14)"


@dataclass(frozen=True)
class Diagnostic:
    """One finding, pinned to a line of the YAML: a value, made whole (its notes, its fixes)
    where it is made; a later step that adds to it makes a new one."""

    code: str
    severity: str  # "error" | "warning"
    pos: Position
    message: str
    node: str | None = None
    operands: tuple[Operand, ...] = ()
    notes: tuple[str, ...] = ()
    fixes: tuple[ProvenFix, ...] = ()  # shared by a site's findings

    @property
    def rule(self) -> str:
        from skipcheck.rules import RULES

        return RULES[self.code].name

    def sort_key(self) -> tuple[int, int, str]:
        return (self.pos.line, self.pos.col, self.code)
