"""What it checks: a merge (``add``, ``concat``, ``mul``) whose tensors differ in a
spatial size (height, width, depth or length) after the merge's ``align``.

Why it matters: even ``concat`` needs equal sizes outside the channel axis; torch
stops with "Sizes of tensors must match except in dimension 1". Usually an odd
size was floored by a pool or strided conv on the way down and doubled on the way up.

Example (input 63: 63 → 31 → 62, but the skip is 63):

    skipcheck: 1
    input: [1, 3, 63, 63]
    encoder:
      - {stage: e1, layers: [{conv: {out_channels: 32, kernel_size: 3, padding: 1}}]}
      - {stage: e2, layers: [{maxpool: 2}, {conv: {out_channels: 32, kernel_size: 3, padding: 1}}]}
    decoder:
      - stage: d1
        layers:
          - upsample: {scale_factor: 2}
          - add: e1

Use instead: an input size the model divides (64), ``align: center_crop`` when
the skip is the larger, ``align: pad`` or ``align: interpolate`` to bring the
running tensor to the skip's size, or ``padding: 1`` on 3x3 convs:

    skipcheck: 1
    input: [1, 3, 64, 64]
    encoder:
      - {stage: e1, layers: [{conv: {out_channels: 32, kernel_size: 3, padding: 1}}]}
      - {stage: e2, layers: [{maxpool: 2}, {conv: {out_channels: 32, kernel_size: 3, padding: 1}}]}
    decoder:
      - stage: d1
        layers:
          - upsample: {scale_factor: 2}
          - add: e1
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CODE = "SC102"
NAME = "merge-spatial"
SEVERITY = "error"
SUMMARY = "merge of tensors with different spatial sizes"
FIXES = ("input_size", "pool", "transpose", "mend", "blocks", "align", "padding", "shortcut")

Shown = Callable[[tuple[Any, ...]], str]  # a shape as the report writes it, 1×64×(H - 2)×W


@dataclass(frozen=True)
class MergeRank:
    """``where`` (a ``op`` merge) merges tensors of different rank."""

    op: str
    left: str  # the shapes, as shown
    right: str
    code = CODE

    def message(self) -> str:
        return f"{self.op} merges tensors of different rank: {self.left} and {self.right}"


@dataclass(frozen=True)
class GateOnBatch:
    """A ``mul`` whose shorter tensor has a symbolic batch, which torch lines up against
    ``axis`` of the longer one: it runs or fails by the batch size."""

    where: str
    shorter: str
    longer: str
    batch: str  # the batch symbol
    axis: int
    size: str  # the longer tensor's size on that axis
    code = CODE

    def message(self) -> str:
        return (
            f"{self.where} multiplies {self.shorter} by {self.longer}: torch lines them up "
            f"from the last axis, which puts the batch axis {self.batch} against axis "
            f"{self.axis} of size {self.size}, so it runs or fails by the batch size; keep "
            "the gate's rank (global_avgpool without flatten)"
        )


@dataclass(frozen=True)
class BroadcastRank:
    """A ``mul`` of tensors of different rank, lined up from the last axis (``a`` and ``b``,
    padded with 1s), where an axis pair is neither equal nor 1."""

    where: str
    left: str  # the shapes as written, before lining up
    right: str
    a: tuple[Any, ...]
    b: tuple[Any, ...]
    show: Shown = field(compare=False, repr=False)
    code = CODE

    def message(self) -> str:
        clash = [
            f"axis {k}: {self.show((r,))} vs {self.show((x,))}"
            for k, (r, x) in enumerate(zip(self.a, self.b, strict=True))
            if self.show((r,)) != self.show((x,)) and 1 not in (r, x)
        ]
        return (
            f"{self.where} multiplies tensors of different rank, {self.left} and {self.right}: "
            f"torch lines them up from the last axis ({self.show(self.a)} by "
            f"{self.show(self.b)}), and each axis pair must be equal or 1"
            + (f" ({'; '.join(clash)})" if clash else "")
        )


@dataclass(frozen=True)
class MergeSpatial:
    """``where`` merges tensors whose spatial sizes differ: per axis (its word, the running
    tensor's size, the skip's), the ones that show differently are named."""

    where: str
    axes: tuple[tuple[str, Any, Any], ...]
    show: Shown = field(compare=False, repr=False)
    code = CODE

    def message(self) -> str:  # written only if the check fails
        diffs = []
        for word, r, s in self.axes:
            rv, sv = self.show((r,)), self.show((s,))
            if rv != sv:
                diffs.append(f"{word} {rv} vs {sv}")
        detail = f" ({'; '.join(diffs)})" if diffs else ""
        return f"{self.where} merges tensors of different spatial size{detail}"
