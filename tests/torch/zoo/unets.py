"""Hand-written PyTorch U-Nets in the styles popular repositories use, each in its own words.

- ``UNet``: strided transposed convs and a bare ``torch.cat`` (the user's crashing model:
  "Sizes of tensors must match" at 250×250; the CLI's story in docs/import.md).
- ``BilinearUNet``: ``nn.Upsample(scale_factor=2, mode="bilinear")`` then ``torch.cat``
  (usuyama/pytorch-unet).
- ``PadUNet``: pad the upsampled tensor to the skip's size, amounts from the two sizes
  (milesial/Pytorch-UNet; ``tests/torch/unet_models.py`` has the published one).
- ``CropUNet``: unpadded convs, the skip centre-cropped to the upsampled size (the original
  paper; jvanvugt/pytorch-unet with ``padding=False``).
- ``InterpUNet``: ``F.interpolate(x, size=skip.shape[2:])`` then ``torch.cat``.
- ``ResizeIfUNet``: transposed convs, and ``if x.shape != skip.shape`` resize to the skip
  (aladdinpersson's U-Net: Python control flow on sizes).
- ``AddUNet``: transposed convs merged by ``+`` (LinkNet-style decoders).

Widths are small (``width``): channels do not change which sizes run, and brute force over
every height must stay quick. Nothing here imports skipcheck: torch is the referee.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def double_conv(c_in: int, c_out: int, padding: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=padding),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=padding),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    """Four levels, max-pool down, ``ConvTranspose2d(k=2, s=2)`` up, ``torch.cat`` as is."""

    def __init__(self, in_channels: int = 3, n_classes: int = 2, width: int = 8) -> None:
        super().__init__()
        w = [width * 2**i for i in range(5)]
        self.downs = nn.ModuleList(
            [double_conv(in_channels, w[0])] + [double_conv(w[i], w[i + 1]) for i in range(4)]
        )
        self.pool = nn.MaxPool2d(2)
        self.ups = nn.ModuleList(
            [
                nn.ConvTranspose2d(w[i + 1], w[i], kernel_size=2, stride=2)
                for i in reversed(range(4))
            ]
        )
        self.convs = nn.ModuleList([double_conv(w[i] * 2, w[i]) for i in reversed(range(4))])
        self.head = nn.Conv2d(w[0], n_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        skips = []
        for i, down in enumerate(self.downs):
            x = down(x if i == 0 else self.pool(x))
            skips.append(x)
        skips.pop()
        for up, conv in zip(self.ups, self.convs, strict=True):
            skip = skips.pop()
            x = up(x)
            x = torch.cat([x, skip], dim=1)
            x = conv(x)
        return self.head(x)


class BilinearUNet(nn.Module):
    """usuyama/pytorch-unet: bilinear upsampling by 2, then ``torch.cat`` as is."""

    def __init__(self, in_channels: int = 3, n_class: int = 2, width: int = 8) -> None:
        super().__init__()
        w = width
        self.dconv_down1 = double_conv(in_channels, w)
        self.dconv_down2 = double_conv(w, w * 2)
        self.dconv_down3 = double_conv(w * 2, w * 4)
        self.dconv_down4 = double_conv(w * 4, w * 8)
        self.maxpool = nn.MaxPool2d(2)
        self.upsample = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
        self.dconv_up3 = double_conv(w * 4 + w * 8, w * 4)
        self.dconv_up2 = double_conv(w * 2 + w * 4, w * 2)
        self.dconv_up1 = double_conv(w * 2 + w, w)
        self.conv_last = nn.Conv2d(w, n_class, 1)

    def forward(self, x: Tensor) -> Tensor:
        conv1 = self.dconv_down1(x)
        x = self.maxpool(conv1)
        conv2 = self.dconv_down2(x)
        x = self.maxpool(conv2)
        conv3 = self.dconv_down3(x)
        x = self.maxpool(conv3)
        x = self.dconv_down4(x)
        x = self.upsample(x)
        x = torch.cat([x, conv3], dim=1)
        x = self.dconv_up3(x)
        x = self.upsample(x)
        x = torch.cat([x, conv2], dim=1)
        x = self.dconv_up2(x)
        x = self.upsample(x)
        x = torch.cat([x, conv1], dim=1)
        x = self.dconv_up1(x)
        return self.conv_last(x)


class PadUp(nn.Module):
    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(c_in, c_in // 2, kernel_size=2, stride=2)
        self.conv = double_conv(c_in, c_out)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        x1 = self.up(x1)
        diff_y = x2.size()[2] - x1.size()[2]
        diff_x = x2.size()[3] - x1.size()[3]
        x1 = F.pad(x1, [diff_x // 2, diff_x - diff_x // 2, diff_y // 2, diff_y - diff_y // 2])
        return self.conv(torch.cat([x2, x1], dim=1))


class PadUNet(nn.Module):
    """milesial/Pytorch-UNet's decoder: pad the upsampled tensor to the skip's size."""

    def __init__(self, n_channels: int = 3, n_classes: int = 2, width: int = 8) -> None:
        super().__init__()
        w = width
        self.inc = double_conv(n_channels, w)
        self.downs = nn.ModuleList(
            [
                nn.Sequential(nn.MaxPool2d(2), double_conv(w * 2**i, w * 2 ** (i + 1)))
                for i in range(3)
            ]
        )
        self.ups = nn.ModuleList([PadUp(w * 2 ** (i + 1), w * 2**i) for i in reversed(range(3))])
        self.outc = nn.Conv2d(w, n_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        skips = [self.inc(x)]
        for down in self.downs:
            skips.append(down(skips[-1]))
        x = skips.pop()
        for up in self.ups:
            x = up(x, skips.pop())
        return self.outc(x)


class CropUp(nn.Module):
    """jvanvugt/pytorch-unet's UNetUpBlock with ``padding=False``: crop the skip (the bridge)
    to the upsampled tensor's size, centred."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(c_in, c_out, kernel_size=2, stride=2)
        self.conv_block = double_conv(c_in, c_out, padding=0)

    def center_crop(self, layer: Tensor, target_size: torch.Size) -> Tensor:
        _, _, layer_height, layer_width = layer.size()
        diff_y = (layer_height - target_size[0]) // 2
        diff_x = (layer_width - target_size[1]) // 2
        return layer[:, :, diff_y : (diff_y + target_size[0]), diff_x : (diff_x + target_size[1])]

    def forward(self, x: Tensor, bridge: Tensor) -> Tensor:
        up = self.up(x)
        crop1 = self.center_crop(bridge, up.shape[2:])
        return self.conv_block(torch.cat([up, crop1], 1))


class CropUNet(nn.Module):
    """The original U-Net: unpadded 3×3 convs, so every level loses 4 pixels."""

    def __init__(self, in_channels: int = 1, n_classes: int = 2, width: int = 8, depth: int = 3):
        super().__init__()
        w = [width * 2**i for i in range(depth + 1)]
        self.down_path = nn.ModuleList(
            [double_conv(in_channels, w[0], padding=0)]
            + [double_conv(w[i], w[i + 1], padding=0) for i in range(depth)]
        )
        self.up_path = nn.ModuleList([CropUp(w[i + 1], w[i]) for i in reversed(range(depth))])
        self.last = nn.Conv2d(w[0], n_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        blocks = []
        for i, down in enumerate(self.down_path):
            x = down(x)
            if i != len(self.down_path) - 1:
                blocks.append(x)
                x = F.max_pool2d(x, 2)
        for i, up in enumerate(self.up_path):
            x = up(x, blocks[-i - 1])
        return self.last(x)


class InterpUNet(nn.Module):
    """Stride-2 convs down; up by interpolating to the skip's size, then ``torch.cat``."""

    def __init__(self, in_channels: int = 3, n_classes: int = 2, width: int = 8) -> None:
        super().__init__()
        w = [width * 2**i for i in range(4)]
        self.stem = double_conv(in_channels, w[0])
        self.down = nn.ModuleList(
            [
                nn.Sequential(nn.Conv2d(w[i], w[i + 1], 3, stride=2, padding=1), nn.ReLU())
                for i in range(3)
            ]
        )
        self.fuse = nn.ModuleList([double_conv(w[i + 1] + w[i], w[i]) for i in reversed(range(3))])
        self.head = nn.Conv2d(w[0], n_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        feats = [self.stem(x)]
        for down in self.down:
            feats.append(down(feats[-1]))
        x = feats.pop()
        for fuse in self.fuse:
            skip = feats.pop()
            x = F.interpolate(x, size=skip.shape[2:], mode="bilinear", align_corners=False)
            x = fuse(torch.cat([x, skip], dim=1))
        return self.head(x)


class ResizeIfUNet(nn.Module):
    """aladdinpersson's U-Net: transposed convs, and a resize to the skip's size only where
    the sizes differ (``if x.shape != skip_connection.shape``)."""

    def __init__(self, in_channels: int = 3, out_channels: int = 1, features: int = 8) -> None:
        super().__init__()
        f = [features * 2**i for i in range(4)]
        self.ups = nn.ModuleList()
        self.downs = nn.ModuleList()
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        c = in_channels
        for feature in f:
            self.downs.append(double_conv(c, feature))
            c = feature
        for feature in reversed(f):
            self.ups.append(nn.ConvTranspose2d(feature * 2, feature, kernel_size=2, stride=2))
            self.ups.append(double_conv(feature * 2, feature))
        self.bottleneck = double_conv(f[-1], f[-1] * 2)
        self.final_conv = nn.Conv2d(f[0], out_channels, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        skip_connections = []
        for down in self.downs:
            x = down(x)
            skip_connections.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        skip_connections = skip_connections[::-1]
        for idx in range(0, len(self.ups), 2):
            x = self.ups[idx](x)
            skip_connection = skip_connections[idx // 2]
            if x.shape != skip_connection.shape:
                x = F.interpolate(x, size=skip_connection.shape[2:])
            concat_skip = torch.cat((skip_connection, x), dim=1)
            x = self.ups[idx + 1](concat_skip)
        return self.final_conv(x)


class AddUNet(nn.Module):
    """Stride-2 convs down, transposed convs up (``output_padding=1``), skips added."""

    def __init__(self, in_channels: int = 3, n_classes: int = 2, width: int = 8) -> None:
        super().__init__()
        w = [width * 2**i for i in range(4)]
        self.stem = nn.Sequential(nn.Conv2d(in_channels, w[0], 3, padding=1), nn.ReLU())
        self.enc = nn.ModuleList(
            [
                nn.Sequential(nn.Conv2d(w[i], w[i + 1], 3, stride=2, padding=1), nn.ReLU())
                for i in range(3)
            ]
        )
        self.dec = nn.ModuleList(
            [
                nn.ConvTranspose2d(w[i + 1], w[i], 3, stride=2, padding=1, output_padding=1)
                for i in reversed(range(3))
            ]
        )
        self.head = nn.Conv2d(w[0], n_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        skips = [self.stem(x)]
        for enc in self.enc:
            skips.append(enc(skips[-1]))
        x = skips.pop()
        for dec in self.dec:
            x = dec(x) + skips.pop()
        return self.head(x)
