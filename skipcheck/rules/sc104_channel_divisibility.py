"""What it checks: channel counts that an op needs divisible — ``groups`` of a conv
(input and output channels), ``num_groups`` of a GroupNorm, ``upscale_factor²`` of a
pixel shuffle.

Why it matters: torch refuses to build the layer ("in_channels must be divisible
by groups", "num_channels must be divisible by num_groups").

Example:

    skipcheck: 1
    input: [1, 3, 32, 32]
    params: {base: 24}
    layers: [{conv: {out_channels: base, kernel_size: 3}}, {groupnorm: {num_groups: 32}}]

Use instead: channel counts that are multiples of the group count (base: 32), or
fewer groups:

    skipcheck: 1
    input: [1, 3, 32, 32]
    params: {base: 32}
    layers: [{conv: {out_channels: base, kernel_size: 3}}, {groupnorm: {num_groups: 32}}]
"""

CODE = "SC104"
NAME = "channel-divisibility"
SEVERITY = "error"
SUMMARY = "groups / num_groups / upscale factor do not divide the channels"
SIZE_FREE = True
FIXES = ("options",)
