"""What it checks: a pool or strided conv whose windows do not cover its input
exactly, so torch silently drops the last rows or columns (255 → 127 with a 2x2 pool).

Why it matters: nothing fails here, but the dropped border is lost, and the size
usually comes back one short when the decoder doubles it — the classic
"Expected size 70 but got size 71".

Example:

    skipcheck: 1
    input: [1, 3, 255, 255]
    layers: [{maxpool: 2}]

Use instead: an input size the pools divide (``skipcheck sizes`` lists the clean
ones), or ``ceil_mode: true`` where a partial window is wanted:

    skipcheck: 1
    input: [1, 3, 256, 256]
    layers: [{maxpool: 2}]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CODE = "SC201"
NAME = "pool-drops-input"
SEVERITY = "warning"
SUMMARY = "a pool or strided conv silently drops the input's last rows"
FIXES = ("input_size",)


@dataclass(frozen=True)
class PoolDropsInput:
    """``where`` on shape ``x`` leaves the last rows or columns of its input unread."""

    where: str
    x: tuple[Any, ...]
    show: Callable[[tuple[Any, ...]], str] = field(compare=False, repr=False)
    code = CODE

    def message(self) -> str:
        return f"{self.where} on {self.show(self.x)} silently drops the last row(s)/column(s) of its input"
