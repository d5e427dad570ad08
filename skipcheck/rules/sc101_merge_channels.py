"""What it checks: an element-wise ``add`` or ``mul`` merge whose two tensors have
different channel counts (depth). ``mul`` follows torch broadcasting, so a 1-channel
gate is fine.

Why it matters: ``x + skip`` needs identical shapes; torch stops with "The size of
tensor a (128) must match the size of tensor b (64) at non-singleton dimension 1".

Example:

    - upsample: {scale_factor: 2}   # 128 channels
    - add: e2                       # e2 has 64 channels

Use instead: concatenate (``concat: e2``; the next conv sees 192 channels), or
project the skip with a 1x1 conv:

    - add: {skip: e2, via: [{conv: {out_channels: 128, kernel_size: 1}}]}
"""

CODE = "SC101"
NAME = "merge-channels"
SEVERITY = "error"
SUMMARY = "add/mul merge of tensors with different channel counts"
