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

from __future__ import annotations

from dataclasses import dataclass

CODE = "SC104"
NAME = "channel-divisibility"
SEVERITY = "error"
SUMMARY = "groups / num_groups / upscale factor do not divide the channels"
SIZE_FREE = True
FIXES = ("options",)


@dataclass(frozen=True)
class GroupsDivide:
    """A grouped conv ``where`` whose ``groups`` do not divide its ``what`` (input or
    output) ``channels``."""

    where: str
    groups: int
    what: str
    channels: object
    code = CODE

    def message(self) -> str:
        return (
            f"groups={self.groups} does not divide the {self.what} channels ({self.channels}) "
            f"of {self.where}"
        )


@dataclass(frozen=True)
class GroupedChannels:
    """A layer that splits its channels into ``groups`` groups (a GroupNorm, a channel
    shuffle), written as the report names it (``layer``), that gets ``channels`` channels."""

    layer: str
    where: str
    groups: int
    channels: object
    code = CODE

    def message(self) -> str:
        g = self.groups
        return (
            f"{self.layer} needs channels divisible by {g}, but {self.where} "
            f"gets {self.channels} channels"
        )


@dataclass(frozen=True)
class PixelShuffleChannels:
    """A pixel shuffle by ``factor`` that gets ``channels`` channels (it needs factor²)."""

    factor: int
    channels: object
    code = CODE

    def message(self) -> str:
        r = self.factor
        return f"pixel_shuffle with upscale_factor {r} needs channels divisible by {r * r}, but gets {self.channels}"
