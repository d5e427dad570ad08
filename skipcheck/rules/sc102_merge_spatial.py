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

CODE = "SC102"
NAME = "merge-spatial"
SEVERITY = "error"
SUMMARY = "merge of tensors with different spatial sizes"
FIXES = ("input_size", "pool", "transpose", "mend", "blocks", "align", "padding", "shortcut")
