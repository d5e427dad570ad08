"""What it checks: ``align: center_crop`` where the skip is smaller than the running
tensor (nothing to crop), or ``align: pad`` where the running tensor is the larger.

Why it matters: a crop cannot enlarge a tensor, nor a pad shrink one; the merge
would fail in torch.

Example (the decoder makes 66 from 32, but the skip is 64 wide):

    skipcheck: 1
    input: [1, 3, 64, 64]
    encoder:
      - {stage: e1, layers: [{conv: {out_channels: 16, kernel_size: 3, padding: 1}}]}
      - {stage: e2, layers: [{maxpool: 2}]}
    decoder:
      - stage: d1
        layers:
          - conv_transpose: {out_channels: 16, kernel_size: 4, stride: 2}
          - concat: {skip: e1, align: center_crop}

Use instead: ``align: interpolate`` (resize to the skip's size), crop the running
tensor instead, or change the padding so that the skip is the larger:

    skipcheck: 1
    input: [1, 3, 64, 64]
    encoder:
      - {stage: e1, layers: [{conv: {out_channels: 16, kernel_size: 3, padding: 1}}]}
      - {stage: e2, layers: [{maxpool: 2}]}
    decoder:
      - stage: d1
        layers:
          - conv_transpose: {out_channels: 16, kernel_size: 4, stride: 2}
          - concat: {skip: e1, align: interpolate}
"""

from __future__ import annotations

from dataclasses import dataclass

CODE = "SC105"
NAME = "crop-too-small"
SEVERITY = "error"
SUMMARY = "center_crop of a smaller skip, or pad of a larger tensor"
FIXES = ("input_size", "align", "padding")


@dataclass(frozen=True)
class CropTooSmall:
    """``where`` cannot crop the skip to (``center_crop``), or pad the running tensor to
    (``pad``), the other's size: the skip is the smaller."""

    where: str
    align: str  # "center_crop" or "pad"
    skip: str  # the shapes, as shown
    running: str
    code = CODE

    def message(self) -> str:
        what = "crop the skip to" if self.align == "center_crop" else "pad the running tensor to"
        return (
            f"{self.where} cannot {what} the other size: the skip ({self.skip}) "
            f"is smaller than the running tensor ({self.running})"
        )
