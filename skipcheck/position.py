"""Source positions: every node of a spec remembers where it was written."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True, slots=True)
class Position:
    """A 1-based line and column in a YAML file. (Slots: a spec holds a few per value.)"""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"
