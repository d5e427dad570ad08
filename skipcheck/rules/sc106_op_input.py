"""What it checks: an op that torch refuses for this input or these parameters —
``bilinear`` on a 3D input, ``pixel_unshuffle`` on a size its factor does not divide,
pooling padding above half the kernel (dilation does not raise the limit),
``output_padding`` not below the stride, ``padding: same`` with a stride, an
``instancenorm`` or ``groupnorm`` whose groups hold a single value.

Why it matters: torch raises before any computation ("pad should be at most half
of effective kernel size", "padding='same' is not supported for strided convolutions").

Example:

    skipcheck: 1
    input: [1, 3, 64, 64]
    layers:
      - conv: {out_channels: 64, kernel_size: 3, stride: 2, padding: same}

Use instead: what the message says, e.g. ``padding: 1`` with ``stride: 2``:

    skipcheck: 1
    input: [1, 3, 64, 64]
    layers:
      - conv: {out_channels: 64, kernel_size: 3, stride: 2, padding: 1}
"""

CODE = "SC106"
NAME = "op-input"
SEVERITY = "error"
SUMMARY = "an op torch refuses for this input or these parameters"
FIXES = ("input_size", "options")
