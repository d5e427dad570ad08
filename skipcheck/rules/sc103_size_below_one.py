"""What it checks: a layer whose output size would be below 1 — a kernel larger than
its (padded) input, or too many downsamplings for the input size.

Why it matters: torch stops with "Kernel size can't be greater than actual input
size" or "Output size is too small".

Example (16 → 8 → 4 → 2 → 1 → 0):

    skipcheck: 1
    input: [1, 3, 16, 16]
    layers: [{maxpool: 2}, {maxpool: 2}, {maxpool: 2}, {maxpool: 2}, {maxpool: 2}]

Use instead: a larger input (``skipcheck sizes`` gives the smallest), fewer
downsamplings, or padding:

    skipcheck: 1
    input: [1, 3, 16, 16]
    layers: [{maxpool: 2}, {maxpool: 2}, {maxpool: 2}, {maxpool: 2}]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CODE = "SC103"
NAME = "size-below-one"
SEVERITY = "error"
SUMMARY = "a layer's output size drops below 1"
FIXES = ("input_size",)


@dataclass(frozen=True)
class SizeBelowOne:
    """``where`` turns shape ``x`` into ``out``, where a size is below 1."""

    where: str
    x: tuple[Any, ...]
    out: tuple[Any, ...]
    show: Callable[[tuple[Any, ...]], str] = field(compare=False, repr=False)
    code = CODE

    def message(self) -> str:
        # written only if it fails: every conv and pool asks, and almost all pass
        return f"{self.where} turns {self.show(self.x)} into {self.show(self.out)}: a size drops below 1"
