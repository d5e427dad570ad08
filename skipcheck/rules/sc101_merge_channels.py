"""What it checks: an element-wise ``add`` or ``mul`` merge whose two tensors have
different channel counts (depth). ``mul`` follows torch broadcasting, so a 1-channel
gate is fine.

Why it matters: ``x + skip`` needs identical shapes; torch stops with "The size of
tensor a (128) must match the size of tensor b (64) at non-singleton dimension 1".

Example:

    skipcheck: 1
    input: [1, 3, 64, 64]
    encoder:
      - {stage: e1, layers: [{conv: {out_channels: 64, kernel_size: 3, padding: 1}}]}
      - {stage: e2, layers: [{maxpool: 2}, {conv: {out_channels: 128, kernel_size: 3, padding: 1}}]}
    decoder:
      - stage: d1
        layers:
          - upsample: {scale_factor: 2}   # 128 channels
          - add: e1                       # e1 has 64 channels

Use instead: project the skip with a 1x1 conv, or concatenate (``concat: e1``;
the next conv then sees 192 channels):

    skipcheck: 1
    input: [1, 3, 64, 64]
    encoder:
      - {stage: e1, layers: [{conv: {out_channels: 64, kernel_size: 3, padding: 1}}]}
      - {stage: e2, layers: [{maxpool: 2}, {conv: {out_channels: 128, kernel_size: 3, padding: 1}}]}
    decoder:
      - stage: d1
        layers:
          - upsample: {scale_factor: 2}
          - add: {skip: e1, via: [{conv: {out_channels: 128, kernel_size: 1}}]}
"""

from __future__ import annotations

from dataclasses import dataclass

CODE = "SC101"
NAME = "merge-channels"
SEVERITY = "error"
SUMMARY = "add/mul merge of tensors with different channel counts"
SIZE_FREE = True
FIXES = ("channels", "blocks", "shortcut")


@dataclass(frozen=True)
class MergeChannels:
    """``where`` merges ``left`` channels (the ``left_role`` tensor) with ``right``."""

    where: str
    left: object  # a channel count: a number, or a symbol
    right: object
    left_role: str  # "running tensor", "skip e2"
    right_role: str
    code = CODE

    def message(self) -> str:
        return (
            f"{self.where} merges {self.left} channels with {self.right} channels "
            f"({self.left_role} vs {self.right_role})"
        )
