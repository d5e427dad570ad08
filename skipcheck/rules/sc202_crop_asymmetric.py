"""What it checks: a center crop whose margin is odd, so one side loses one row more
than the other (the crop is off-center by half a pixel).

Why it matters: the skip's features end up shifted against the running tensor's
by half a pixel; the original U-Net's tiling avoids it by choosing input sizes
with even margins.

Example:

    - concat: {skip: enc4, align: center_crop}    # 65 → 56: margins 4 and 5

Use instead: an input size with even crop margins (``skipcheck sizes`` marks them
as clean).
"""

CODE = "SC202"
NAME = "crop-asymmetric"
SEVERITY = "warning"
SUMMARY = "a center crop with an odd margin is off-center"
