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

from __future__ import annotations

from dataclasses import dataclass

CODE = "SC106"
NAME = "op-input"
SEVERITY = "error"
SUMMARY = "an op torch refuses for this input or these parameters"
FIXES = ("input_size", "options")


# One class per way an op refuses its input or its parameters. Shapes are given as the
# report shows them (1×64×(H - 2)×W); ``where`` names the layer as the report does.


@dataclass(frozen=True)
class NeedsSpatial:
    op: str
    x: str
    code = CODE

    def message(self) -> str:
        return f"{self.op} needs spatial axes, but its input is {self.x}"


@dataclass(frozen=True)
class ValuesPerAxis:
    """``name`` (output_size, size, scale_factor) gives ``count`` values for ``axes`` axes."""

    name: str
    count: int
    axes: int
    code = CODE

    def message(self) -> str:
        return f"{self.name} has {self.count} values for {self.axes} spatial axes"


@dataclass(frozen=True)
class PoolPadding:
    op: str
    padding: int
    kernel: int
    code = CODE

    def message(self) -> str:
        return (
            f"{self.op} padding {self.padding} is more than half the kernel ({self.kernel}); "
            "torch refuses it"
        )


@dataclass(frozen=True)
class AvgPool3dKernel:
    kernel: list[int]
    x: str
    code = CODE

    def message(self) -> str:
        return (
            f"avgpool on a 3D input needs every size ≥ its kernel {self.kernel} (torch's "
            f"avg_pool3d ignores the padding here), but gets {self.x}"
        )


@dataclass(frozen=True)
class OutputSizeUnset:
    op: str
    size: str  # as written, null for None
    code = CODE

    def message(self) -> str:
        return (
            f"{self.op} output_size {self.size} leaves the size unset; torch takes null "
            "only for single axes of a 2D or 3D input ([null, 7])"
        )


@dataclass(frozen=True)
class UpsampleSizeUnset:
    size: str  # as written, null for None
    code = CODE

    def message(self) -> str:
        return f"upsample size {self.size} leaves an axis unset (null); torch needs a size for each"


@dataclass(frozen=True)
class UpsampleHow:
    code = CODE

    def message(self) -> str:
        return "upsample needs exactly one of size or scale_factor"


@dataclass(frozen=True)
class SingleValueGroups:
    op: str
    label: str
    x: str
    code = CODE

    def message(self) -> str:
        return (
            f"{self.op} {self.label} normalises groups of a single value in {self.x}; "
            "torch refuses that"
        )


@dataclass(frozen=True)
class ModeRank:
    mode: str
    need: int
    rank: int
    x: str
    code = CODE

    def message(self) -> str:
        return (
            f"mode {self.mode!r} works on {self.need}D inputs, but this input is "
            f"{self.rank}D ({self.x})"
        )


@dataclass(frozen=True)
class AlignCornersMode:
    mode: str
    code = CODE

    def message(self) -> str:
        return (
            "align_corners can only be set with linear, bilinear, bicubic or trilinear, "
            f"not {self.mode!r}"
        )


@dataclass(frozen=True)
class ResizeToRank:
    x: str
    like: str
    code = CODE

    def message(self) -> str:
        return f"resize_to takes the size of a tensor of another rank: {self.x} to {self.like}"


@dataclass(frozen=True)
class TwoDOnly:
    op: str  # pixel_shuffle, pixel_unshuffle
    x: str
    code = CODE

    def message(self) -> str:
        return f"{self.op} works on 2D inputs (N×C×H×W), not {self.x}"


@dataclass(frozen=True)
class UnshuffleSizes:
    factor: int
    x: str
    code = CODE

    def message(self) -> str:
        r = self.factor
        return (
            f"pixel_unshuffle with downscale_factor {r} needs height and width divisible by "
            f"{r}, but gets {self.x}"
        )


@dataclass(frozen=True)
class PaddingTooWide:
    mode: str  # reflect, replicate, circular
    width: int
    where: str
    x: str
    code = CODE

    def message(self) -> str:
        than = "more than" if self.mode == "reflect" else "at least"
        return (
            f"{self.mode} padding of {self.width} in {self.where} needs every size to be "
            f"{than} the padding, but the input is {self.x}"
        )


@dataclass(frozen=True)
class SameNeedsStride:
    where: str
    stride: object  # as written
    code = CODE

    def message(self) -> str:
        return f"padding='same' needs stride 1, but {self.where} has stride {self.stride}"


@dataclass(frozen=True)
class OutputPadding:
    output_padding: int
    stride: int
    dilation: int
    code = CODE

    def message(self) -> str:
        return (
            f"output_padding {self.output_padding} must be smaller than the stride "
            f"({self.stride}) or the dilation ({self.dilation})"
        )


@dataclass(frozen=True)
class NotAnAxis:
    op: str
    dim: int
    x: str
    rank: int
    code = CODE

    def message(self) -> str:
        return (
            f"{self.op} dim={self.dim} is not an axis of {self.x} "
            f"(torch takes {-self.rank} to {self.rank - 1})"
        )


@dataclass(frozen=True)
class PReLUParameters:
    count: int
    channels: object
    code = CODE

    def message(self) -> str:
        return (
            f"PReLU with num_parameters={self.count} needs 1 or the channel count ({self.channels})"
        )


@dataclass(frozen=True)
class FlattenAxes:
    start: int
    end: int
    x: str
    rank: int
    code = CODE

    def message(self) -> str:
        n = self.rank
        return (
            f"flatten start_dim {self.start}, end_dim {self.end}: {self.x} has axes {-n} to {n - 1}"
        )


@dataclass(frozen=True)
class FlattenBatch:
    x: str
    code = CODE

    def message(self) -> str:
        return (
            f"flatten from start_dim 0 merges the batch axis of {self.x} into "
            "the features; start at 1 to keep the samples apart"
        )


@dataclass(frozen=True)
class FlattenOrder:
    start: int
    end: int
    code = CODE

    def message(self) -> str:
        return f"flatten start_dim {self.start} is after end_dim {self.end}"


@dataclass(frozen=True)
class PadPairs:
    axes: int
    count: int
    code = CODE

    def message(self) -> str:
        return (
            f"padding needs pairs for at most {self.axes} spatial axes (torch order: last "
            f"axis first), got {self.count} values"
        )


@dataclass(frozen=True)
class PadModePairs:
    mode: str
    where: str
    axes: int
    count: int
    code = CODE

    def message(self) -> str:
        rank, n = self.axes, self.count
        return (
            f"pad mode {self.mode} in {self.where} needs a pair for each of the {rank} "
            f"spatial axes ({2 * rank} values, torch's order: last axis first), got "
            f'{n}; torch: "Padding size {n} is not supported for '
            f'{rank + 2}D input" (fewer pairs pad the last axes only in mode constant)'
        )


@dataclass(frozen=True)
class ChannelSliceRange:
    """A channel slice ``where`` of channels ``start``..``stop - 1`` that gets ``channels``."""

    where: str
    start: int
    stop: int
    channels: object
    code = CODE

    def message(self) -> str:
        return (
            f"channel_slice {self.where} takes channels {self.start}..{self.stop - 1} but gets "
            f"{self.channels} channels"
        )
