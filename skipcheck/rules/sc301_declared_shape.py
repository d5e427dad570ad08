"""What it checks: a shape the spec declares — ``output:`` at the top level, or
``expect:`` on a stage or a layer — that the model does not produce.

Why it matters: the declaration is the author's intent; a model that drifts from
it (a missing pool, a wrong channel count) is caught here, before training.

Example (the model ends with 1 channel at H/2):

    skipcheck: 1
    input: [N, 3, H, W]
    output: [N, 2, H, W]
    layers: [{conv: {out_channels: 1, kernel_size: 1}}, {maxpool: 2}]

Use instead: fix the model, or the declaration if the intent changed. Declared
sizes may use the input's symbols and arithmetic (``[N, 2, H/2, W/2]``):

    skipcheck: 1
    input: [N, 3, H, W]
    output: [N, 2, H, W]
    layers: [{conv: {out_channels: 2, kernel_size: 1}}]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CODE = "SC301"
NAME = "declared-shape"
SEVERITY = "error"
SUMMARY = "a declared output/expect shape the model does not produce"
TORCH_RAISES = False  # a declared shape is the author's claim, not torch's rule
FIXES = ("input_size", "declared")
# A declaration does not decide where the model runs, only where it matches the intent.
KIND = "declared"


@dataclass(frozen=True)
class DeclaredRank:
    """``what`` (the declared output, an ``expect``) has ``axes`` axes; the model's tensor
    is ``actual``."""

    what: str
    axes: int
    actual: str  # as shown
    code = CODE

    def message(self) -> str:
        return f"{self.what} with {self.axes} axes, but the model produces {self.actual}"


@dataclass(frozen=True)
class DeclaredShape:
    """``what`` says ``declared`` (each size as written); the model produces ``actual``."""

    what: str
    declared: tuple[Any, ...]  # as written: (N, 64, H/2, W/2)
    actual: tuple[Any, ...]
    show: Callable[[tuple[Any, ...]], str] = field(compare=False, repr=False)
    code = CODE

    def message(self) -> str:
        # written only if it fails: every declared shape is compared, and almost all hold
        declared = "×".join(str(d) for d in self.declared)
        return f"{self.what} {declared}, but the model produces {self.show(self.actual)}"
