"""What it checks: a center crop whose margin is odd, so one side loses one row more
than the other (the crop is off-center by half a pixel).

Why it matters: the skip's features end up shifted against the running tensor's
by half a pixel; the original U-Net's tiling avoids it by choosing input sizes
with even margins.

Example (input 21: the skip is 21, the decoder makes 16, a margin of 5):

    skipcheck: 1
    input: [1, 1, 21, 21]
    encoder:
      - {stage: e1, layers: [{conv: {out_channels: 8, kernel_size: 1}}]}
      - {stage: e2, layers: [{maxpool: 2}, {conv: {out_channels: 8, kernel_size: 3}}]}
    decoder:
      - stage: d1
        layers:
          - conv_transpose: {out_channels: 8, kernel_size: 2, stride: 2}
          - concat: {skip: e1, align: center_crop}

Use instead: an input size with even crop margins (``skipcheck sizes`` marks them
as clean); here 22 gives 22 → 11 → 9 → 18, a margin of 4:

    skipcheck: 1
    input: [1, 1, 22, 22]
    encoder:
      - {stage: e1, layers: [{conv: {out_channels: 8, kernel_size: 1}}]}
      - {stage: e2, layers: [{maxpool: 2}, {conv: {out_channels: 8, kernel_size: 3}}]}
    decoder:
      - stage: d1
        layers:
          - conv_transpose: {out_channels: 8, kernel_size: 2, stride: 2}
          - concat: {skip: e1, align: center_crop}
"""

from __future__ import annotations

from dataclasses import dataclass

CODE = "SC202"
NAME = "crop-asymmetric"
SEVERITY = "warning"
SUMMARY = "a center crop with an odd margin is off-center"
FIXES = ("input_size",)


@dataclass(frozen=True)
class CropAsymmetric:
    """A center crop in ``where`` from ``skip`` to ``cropped`` with an odd margin."""

    where: str
    skip: str  # the shapes, as shown
    cropped: str
    code = CODE

    def message(self) -> str:
        return (
            f"center crop in {self.where} ({self.skip} → {self.cropped}) has an odd margin: "
            "one side loses a row more than the other"
        )
