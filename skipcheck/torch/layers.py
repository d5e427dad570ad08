"""The few layers torch has no class for, and how a model's layers are placed by path.

``export`` copies these definitions verbatim into the code it writes, so they use
only torch and must stay self-contained (no skipcheck imports, no module globals).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Merge(nn.Module):
    """A skip merge: ``op`` (add, concat, mul, sub, max, mean) of the running tensor with the skips.

    ``align`` first brings them to one size: ``center_crop`` crops each skip to the
    running tensor, ``pad`` zero-pads the running tensor to the (first) skip,
    ``interpolate`` resizes the running tensor to the (first) skip. ``add``, ``sub``,
    ``max`` and ``mean`` do not broadcast; ``mul`` broadcasts as torch does.
    """

    def __init__(self, op: str, align: str = "none") -> None:
        super().__init__()
        self.op = op
        self.align = align

    def forward(self, x: torch.Tensor, *skips: torch.Tensor) -> torch.Tensor:
        for skip in skips:
            # mul broadcasts as torch does, across ranks too; the others take one rank
            if skip.dim() != x.dim() and (self.op != "mul" or self.align != "none"):
                raise RuntimeError(
                    f"{self.op} merges tensors of different rank: "
                    f"{tuple(x.shape)} and {tuple(skip.shape)}"
                )
        if self.align == "center_crop":
            skips = tuple(_center_crop(skip, x.shape[2:]) for skip in skips)
        elif self.align == "pad":
            x = _pad_to(x, skips[0].shape[2:])
        elif self.align == "interpolate":
            x = F.interpolate(x, size=tuple(skips[0].shape[2:]))
        if self.op == "concat":
            return torch.cat([x, *skips], 1)
        total = x
        for skip in skips:
            if self.op == "mul":
                total = total * skip
                continue
            # torch's own errors first
            if self.op in ("add", "mean"):
                merged = total + skip
            elif self.op == "sub":
                merged = total - skip
            else:
                merged = torch.maximum(total, skip)
            if x.shape != skip.shape:
                raise RuntimeError(
                    f"{self.op} does not broadcast (a broadcast skip merge is almost always a bug): "
                    f"{tuple(x.shape)} and {tuple(skip.shape)}"
                )
            total = merged
        return total / (1 + len(skips)) if self.op == "mean" else total

    def extra_repr(self) -> str:
        return f"{self.op!r}, align={self.align!r}"


def _center_crop(t: torch.Tensor, size: torch.Size) -> torch.Tensor:
    for axis, want in enumerate(size):
        have = t.shape[2 + axis]
        if have < want:
            raise RuntimeError(
                f"center_crop: the skip ({have}) is smaller than the running tensor ({want})"
            )
        t = t.narrow(2 + axis, (have - want) // 2, want)
    return t


def _pad_to(t: torch.Tensor, size: torch.Size) -> torch.Tensor:
    pads: list[int] = []
    for axis in reversed(range(len(size))):  # F.pad's order starts at the last axis
        margin = size[axis] - t.shape[2 + axis]
        if margin < 0:
            raise RuntimeError(
                f"pad: the running tensor ({t.shape[2 + axis]}) "
                f"is larger than the skip ({size[axis]})"
            )
        pads += [margin // 2, margin - margin // 2]
    return F.pad(t, pads)


class Tile(nn.Module):
    """Repeat the tensor ``repeats`` times along the channels (``x.repeat(1, r, 1, ...)``)."""

    def __init__(self, repeats: int) -> None:
        super().__init__()
        self.repeats = repeats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.repeat(1, self.repeats, *([1] * (x.dim() - 2)))

    def extra_repr(self) -> str:
        return f"repeats={self.repeats}"


class ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over the channels at every position (ConvNeXt's channels-first LayerNorm)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.layer_norm(x.movedim(1, -1), self.normalized_shape, self.weight, self.bias, self.eps)
        return y.movedim(-1, 1)


class ChannelScale(nn.Module):
    """``x`` times one learnable value per channel (ConvNeXt's layer scale)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight.view(-1, *([1] * (x.dim() - 2)))


class PadSame(nn.Module):
    """TensorFlow's 'SAME' padding, from the size at run time (timm's pad_same): a
    window of ``kernel_size`` (``dilation``) at ``stride`` with no padding then gives
    ceil(size / stride)."""

    def __init__(
        self,
        kernel_size: tuple[int, ...],
        stride: tuple[int, ...],
        dilation: tuple[int, ...],
        fill: str = "zeros",
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.dilation = kernel_size, stride, dilation
        # "lowest": -inf, which a max pool never picks (timm's MaxPool2dSame)
        self.value = float("-inf") if fill == "lowest" else 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads: list[int] = []
        # F.pad's order starts at the last axis
        for axis in reversed(range(x.dim() - 2)):
            i, s = x.shape[2 + axis], self.stride[axis]
            k, d = self.kernel_size[axis], self.dilation[axis]
            pad = max((-(-i // s) - 1) * s + (k - 1) * d + 1 - i, 0)
            pads += [pad // 2, pad - pad // 2]
        return F.pad(x, pads, value=self.value)

    def extra_repr(self) -> str:
        return f"{self.kernel_size}, stride={self.stride}, dilation={self.dilation}"


class ChannelSlice(nn.Module):
    """The channels ``start..stop-1`` (``x[:, start:stop]``: part of a split)."""

    def __init__(self, start: int, stop: int) -> None:
        super().__init__()
        self.start, self.stop = start, stop

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] < self.stop:
            span = f"{self.start}..{self.stop - 1}"
            raise RuntimeError(f"channel_slice takes channels {span} of {x.shape[1]}")
        return x[:, self.start : self.stop]

    def extra_repr(self) -> str:
        return f"{self.start}, {self.stop}"


class ChannelPad(nn.Module):
    """Zero channels before and after (``F.pad``'s pair for the channel axis)."""

    def __init__(self, before: int, after: int) -> None:
        super().__init__()
        self.before, self.after = before, after

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, [0, 0] * (x.dim() - 2) + [self.before, self.after])

    def extra_repr(self) -> str:
        return f"{self.before}, {self.after}"


class ResizeTo(nn.Module):
    """``F.interpolate(x, size=like.shape[2:])``: the spatial size of another tensor."""

    def __init__(self, mode: str = "nearest", align_corners: bool | None = None):
        super().__init__()
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        if like.dim() != x.dim():
            raise RuntimeError(
                f"resize_to takes the size of a tensor of another rank: "
                f"{tuple(x.shape)} to {tuple(like.shape)}"
            )
        size, corners = tuple(like.shape[2:]), self.align_corners
        return F.interpolate(x, size=size, mode=self.mode, align_corners=corners)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}, align_corners={self.align_corners}"


class Crop(nn.Module):
    """Remove ``margin[i]`` rows/columns from both ends of spatial axis ``i``."""

    def __init__(self, margin: tuple[int, ...]) -> None:
        super().__init__()
        self.margin = tuple(margin)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for axis, m in enumerate(self.margin):
            size = x.shape[2 + axis]
            if size - 2 * m < 1:
                raise RuntimeError(f"crop margin {m} leaves nothing of size {size}")
            x = x.narrow(2 + axis, m, size - 2 * m)
        return x

    def extra_repr(self) -> str:
        return f"margin={self.margin}"


def put(root: nn.Module, path: str, layer: nn.Module) -> None:
    """Place ``layer`` at a dotted ``path`` under ``root``, making plain containers on the way.

    A layer's own sub-layers (a merge's ``via``) are placed before it; they move under it.
    """
    *parents, leaf = path.split(".")
    here = root
    for part in parents:
        child = here._modules.get(part)
        if child is None:
            child = nn.Module()
            here.add_module(part, child)
        here = child
    old = here._modules.get(leaf)
    if old is not None:
        if type(old) is not nn.Module:
            raise ValueError(f"two layers at {path}")
        for name, sub in old._modules.items():
            layer.add_module(name, sub)
    here.add_module(leaf, layer)
