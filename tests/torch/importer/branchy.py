"""Hand-written models whose side paths start from values other side paths compute: UNet++'s
nested dense skips (Zhou et al. 2018, in the style of the reference code and of MONAI's
BasicUNetPlusPlus), and FPNs whose per-level segmentation heads are summed or concatenated
(smp's FPN: the deepest level's head is the longest path). Plain torch; used by
test_branches.py with torch as the referee."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1),
        nn.ReLU(inplace=True),
    )


class NestedUNet(nn.Module):
    """UNet++ with ``depth`` levels: X[i][j] = conv(cat(X[i][0..j-1], up(X[i+1][j-1]))); each
    nested node reads every earlier node of its level (dense skips). ``order``: the nodes
    computed as the paper's code does (``diagonal``: X[1][0], X[0][1], X[2][0], X[1][1], ...)
    or as smp's decoder does (``columns``: every X[i][1], then every X[i][2], ...).
    ``dense_first``: the earlier nodes are concatenated into one skip tensor first, which the
    node's block then concatenates with the upsampled tensor (smp's and MONAI's decoders: the
    skip is a value no running tensor passes through). With ``deep``, the top level's heads
    are summed (deep supervision)."""

    def __init__(
        self,
        c: int = 4,
        depth: int = 3,
        order: str = "diagonal",
        deep: bool = False,
        dense_first: bool = False,
    ) -> None:
        super().__init__()
        self.depth, self.order, self.dense_first = depth, order, dense_first
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
        ch = [c * 2**i for i in range(depth)]
        blocks = {"0_0": _block(3, ch[0])}
        for i in range(1, depth):
            blocks[f"{i}_0"] = _block(ch[i - 1], ch[i])
        for j in range(1, depth):
            for i in range(depth - j):
                blocks[f"{i}_{j}"] = _block(ch[i] * j + ch[i + 1], ch[i])
        self.blocks = nn.ModuleDict(blocks)
        self.heads = nn.ModuleList([nn.Conv2d(c, 2, 1) for _ in range(depth - 1 if deep else 1)])

    def node(self, x: dict[str, torch.Tensor], i: int, j: int) -> None:
        if j == 0:
            x[f"{i}_0"] = self.blocks[f"{i}_0"](self.pool(x[f"{i - 1}_0"]))
            return
        dense = [x[f"{i}_{k}"] for k in range(j)]
        up = self.up(x[f"{i + 1}_{j - 1}"])
        if self.dense_first:
            skip = torch.cat(dense, 1) if len(dense) > 1 else dense[0]
            x[f"{i}_{j}"] = self.blocks[f"{i}_{j}"](torch.cat([up, skip], 1))
        else:
            x[f"{i}_{j}"] = self.blocks[f"{i}_{j}"](torch.cat([*dense, up], 1))

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        x = {"0_0": self.blocks["0_0"](inp)}
        if self.order == "diagonal":
            for d in range(1, self.depth):
                for j in range(d + 1):
                    self.node(x, d - j, j)
        else:
            for i in range(1, self.depth):
                self.node(x, i, 0)
            for j in range(1, self.depth):
                for i in range(self.depth - j):
                    self.node(x, i, j)
        top = [x[f"0_{j}"] for j in range(self.depth - len(self.heads), self.depth)]
        out = self.heads[0](top[0])
        for head, t in zip(self.heads[1:], top[1:], strict=True):
            out = out + head(t)
        return out


class _PadUp(nn.Module):
    """Transposed conv, then milesial's pad to the skip's size (half on each side)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cout, 2, stride=2)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = self.up(x)
        dy = skip.size(2) - x.size(2)
        dx = skip.size(3) - x.size(3)
        x = F.pad(x, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
        return torch.cat([skip, x], dim=1)


class PadNestedUNet(nn.Module):
    """UNet++ whose nested nodes pad the upsampled tensor to the skip's size (odd sizes run):
    the pad reads a tensor another side path computes, as MONAI's UpCat does."""

    def __init__(self, c: int = 4) -> None:
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.conv0_0 = _block(3, c)
        self.conv1_0 = _block(c, 2 * c)
        self.conv2_0 = _block(2 * c, 4 * c)
        self.up0_1, self.conv0_1 = _PadUp(2 * c, c), _block(2 * c, c)
        self.up1_1, self.conv1_1 = _PadUp(4 * c, 2 * c), _block(4 * c, 2 * c)
        self.up0_2, self.conv0_2 = _PadUp(2 * c, c), _block(3 * c, c)
        self.final = nn.Conv2d(c, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x0_0 = self.conv0_0(x)
        x1_0 = self.conv1_0(self.pool(x0_0))
        x0_1 = self.conv0_1(self.up0_1(x1_0, x0_0))
        x2_0 = self.conv2_0(self.pool(x1_0))
        x1_1 = self.conv1_1(self.up1_1(x2_0, x1_0))
        x0_2 = self.conv0_2(self.up0_2(x1_1, torch.cat([x0_0, x0_1], 1)))
        return self.final(x0_2)


class _SegBlock(nn.Sequential):
    """smp's SegmentationBlock: a 3x3 conv, then ``n`` times (x2 upsample, 3x3 conv)."""

    def __init__(self, cin: int, cout: int, n: int) -> None:
        layers: list[nn.Module] = [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU()]
        for _ in range(n):
            layers += [nn.Upsample(scale_factor=2), nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU()]
        super().__init__(*layers)


class LevelHeadsFPN(nn.Module):
    """An FPN (top-down path with 1x1 laterals) whose every level gets its own segmentation
    head, upsampled to a quarter of the input and then summed (``merge='add'``, smp's
    default, as torch.stack(...).sum(0) or a plain sum), concatenated (``merge='cat'``) or
    averaged (``merge='mean'``, ``torch.mean(torch.stack(levels, dim=0), dim=0)``)."""

    def __init__(self, merge: str = "add", stacked: bool = False) -> None:
        super().__init__()
        self.merge, self.stacked = merge, stacked
        self.c1 = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
        self.c2 = nn.Sequential(nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.ReLU())
        self.c3 = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU())
        self.c4 = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU())
        self.top = nn.Conv2d(32, 16, 1)
        self.lateral = nn.ModuleList([nn.Conv2d(ch, 16, 1) for ch in (16, 8)])
        self.heads = nn.ModuleList([_SegBlock(16, 8, n) for n in (2, 1, 0)])
        self.final = nn.Conv2d(8 * (3 if merge == "cat" else 1), 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c2 = self.c2(self.c1(x))
        c3 = self.c3(c2)
        c4 = self.c4(c3)
        p4 = self.top(c4)
        p3 = F.interpolate(p4, scale_factor=2.0) + self.lateral[0](c3)
        p2 = F.interpolate(p3, scale_factor=2.0) + self.lateral[1](c2)
        levels = [head(p) for head, p in zip(self.heads, (p4, p3, p2), strict=True)]
        if self.merge == "cat":
            y = torch.cat(levels, dim=1)
        elif self.merge == "mean":  # MONAI's RegistrationExtractionBlock
            y = torch.mean(torch.stack(levels, dim=0), dim=0)
        elif self.stacked:
            y = torch.stack(levels).sum(dim=0)
        else:
            y = levels[0] + levels[1] + levels[2]
        return F.interpolate(self.final(y), scale_factor=4.0, mode="bilinear")


class DroppingEncoder(nn.Module):
    """smp's EfficientNetEncoder: ``forward`` runs every block and keeps the features up to
    its ``depth`` (``features[: depth + 1]``); the blocks past it run and their value is
    dropped. Unpadded 3x3 convs, so the dropped blocks decide which sizes run. ``head``:
    ``'last'`` reads the deepest kept feature only (smp's PSPNet, DeepLabV3), ``'unet'`` is a
    U-Net decoder over every kept feature (smp's Unet with ``encoder_depth`` below 5)."""

    def __init__(self, depth: int = 2, head: str = "last") -> None:
        super().__init__()
        self.depth, self.head_kind = depth, head
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(8, 8, 3, stride=2), nn.BatchNorm2d(8), nn.ReLU())
            for _ in range(5)
        )
        ups = depth if head == "unet" else 0
        self.ups = nn.ModuleList(nn.Conv2d(16, 8, 3, padding=1) for _ in range(ups))
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        features = [x]
        for block in self.blocks:
            x = block(x)
            features.append(x)
        features = features[: self.depth + 1]
        y = features[-1]
        if self.head_kind == "unet":
            for up, skip in zip(self.ups, reversed(features[:-1]), strict=True):
                y = F.interpolate(y, size=skip.shape[2:])
                y = up(torch.cat([y, skip], dim=1))
        return self.head(y)


class DroppedSide(nn.Module):
    """A residual block whose shortcut's value is also fed to a layer whose value the model
    drops (a leftover auxiliary head): the dropped step starts inside a side path."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Conv2d(3, 8, 3, padding=1)
        self.shortcut = nn.Conv2d(3, 8, 1)
        self.aux = nn.Sequential(nn.Conv2d(8, 4, 5, stride=4), nn.Conv2d(4, 4, 5))
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.shortcut(x)
        self.aux(s)  # computed, never used
        return self.head(self.body(x) + s)


class OneLevelMean(nn.Module):
    """MONAI's RegUNet with one extract level: ``torch.mean(torch.stack([m], dim=0), dim=0)``
    of a single map, resized to the input, is that map."""

    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.out = nn.Conv2d(8, 2, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = [F.interpolate(self.out(self.down(x)), size=x.shape[2:])]
        return torch.mean(torch.stack(maps, dim=0), dim=0)


class AdditiveUp(nn.Module):
    """MONAI LocalNet's AdditiveUpSampleBlock: a transposed conv, plus the input resized to
    twice its size with its two channel halves summed
    (``torch.sum(torch.stack(x.split(C // 2, dim=1), dim=-1), dim=-1)``)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2), nn.Conv2d(16, 16, 3, stride=2))
        # two blocks, as LocalNet's decoder has: their splits' parts must not clash
        self.deconvs = nn.ModuleList(
            [nn.ConvTranspose2d(16, 8, 2, 2), nn.ConvTranspose2d(8, 4, 2, 2)]
        )
        self.head = nn.Conv2d(4, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.down(x)
        for deconv in self.deconvs:
            size = [s * 2 for s in x.shape[2:]]
            resized = F.interpolate(x, size)
            halves = resized.split(split_size=resized.shape[1] // 2, dim=1)
            resized = torch.sum(torch.stack(halves, dim=-1), dim=-1)
            x = deconv(x) + resized
        return self.head(x)
