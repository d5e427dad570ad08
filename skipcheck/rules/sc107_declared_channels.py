"""What it checks: a layer that states the channels it takes (format 1.1: ``in_channels``
on ``conv`` and ``conv_transpose``, ``num_features`` on ``batchnorm``, ``in_features`` on
``linear``) and receives a different number. The parameter count follows the stated
number, as torch's does.

Why it matters: the stated number is how the weights are shaped, so torch stops at the
first forward pass ("expected input[1, 512, 28, 28] to have 1024 channels"). Stating it
is how a decoder written for a concatenated skip (``Conv2d(2 * w, w, 3)``) catches the
skip that was added instead.

Example:

    skipcheck: 1.1
    input: [1, 3, 64, 64]
    layers:
      - {conv: {out_channels: 32, kernel_size: 3, padding: 1}, name: e1}
      - conv: {out_channels: 32, kernel_size: 3, padding: 1}
      - add: e1                   # 32 channels: the skip was added
      - conv: {in_channels: 64, out_channels: 32, kernel_size: 3, padding: 1}

Use instead: concatenate, as the stated 64 channels expect (or state 32):

    skipcheck: 1.1
    input: [1, 3, 64, 64]
    layers:
      - {conv: {out_channels: 32, kernel_size: 3, padding: 1}, name: e1}
      - conv: {out_channels: 32, kernel_size: 3, padding: 1}
      - concat: e1
      - conv: {in_channels: 64, out_channels: 32, kernel_size: 3, padding: 1}
"""

from __future__ import annotations

from dataclasses import dataclass

CODE = "SC107"
NAME = "declared-channels"
SEVERITY = "error"
SUMMARY = "a layer's stated in_channels / num_features / in_features differ from its input"
SIZE_FREE = True
FIXES = ("declared",)


@dataclass(frozen=True)
class StatedInput:
    """``where`` states it takes ``stated`` channels or features (``key``) but receives
    ``received`` from ``origin``."""

    where: str
    line: int
    key: str  # in_channels, num_features, in_features
    stated: object
    received: str  # as shown: "32", "4,096 (C·H·W at the given input)"
    origin: str  # "e2 at line 14", "the input"
    code = CODE

    def message(self) -> str:
        unit = "features" if self.key == "in_features" else "channels"
        return (
            f"{self.where} (line {self.line}) takes {self.stated} {unit} "
            f"({self.key}: {self.stated}) but receives {self.received}, from {self.origin}"
        )
