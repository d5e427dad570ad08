"""What it checks: a merge (``add``, ``concat``, ``mul``) whose tensors differ in a
spatial size (height, width, depth or length) after the merge's ``align``.

Why it matters: even ``concat`` needs equal sizes outside the channel axis; torch
stops with "Sizes of tensors must match except in dimension 1". Usually an odd
size was floored by a pool or strided conv on the way down and doubled on the way up.

Example (input 255: 255 → 127 → 63 → 126, but the skip is 127):

    - upsample: {scale_factor: 2}
    - add: e2

Use instead: an input size the model divides (256), ``align: center_crop`` when
the skip is the larger, ``align: pad`` or ``align: interpolate`` to bring the
running tensor to the skip's size, or ``padding: 1`` on 3x3 convs.
"""

CODE = "SC102"
NAME = "merge-spatial"
SEVERITY = "error"
SUMMARY = "merge of tensors with different spatial sizes"
