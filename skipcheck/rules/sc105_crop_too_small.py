"""What it checks: ``align: center_crop`` where the skip is smaller than the running
tensor (nothing to crop), or ``align: pad`` where the running tensor is the larger.

Why it matters: a crop cannot enlarge a tensor, nor a pad shrink one; the merge
would fail in torch.

Example:

    - upsample: {scale_factor: 2}              # 130 wide
    - concat: {skip: e2, align: center_crop}   # e2 is 128 wide

Use instead: ``align: interpolate`` (resize to the skip's size), crop the running
tensor instead, or change the padding so that the skip is the larger.
"""

CODE = "SC105"
NAME = "crop-too-small"
SEVERITY = "error"
SUMMARY = "center_crop of a smaller skip, or pad of a larger tensor"
