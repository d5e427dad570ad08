"""Render the pictures in a real headless browser and look at the pixels.

Skipped where Debian's Chromium (``apt-get install chromium``) is not installed.
"""

import os
import re
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from skipcheck.draw import draw
from tests.conftest import SPECS

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no /usr/bin/chromium")


def screenshot(svg: Path, png: Path, *flags: str) -> None:
    """Chromium's own screenshot of the SVG at its natural size."""
    match = re.search(r'width="([\d.]+)" height="([\d.]+)"', svg.read_text())
    assert match
    width, height = (int(float(v)) + 1 for v in match.groups())
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={png.parent / 'profile'}",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            *flags,
            svg.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def decode_png(data: bytes) -> np.ndarray:
    """8-bit RGB(A), non-interlaced PNG → an (h, w, channels) array; stdlib zlib only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:8], "big")
    depth, colour, interlace = header[8], header[9], header[12]
    assert depth == 8 and colour in (2, 6) and interlace == 0
    channels = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, -1)
    out = np.zeros((height, width * channels), dtype=np.int32)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        above = out[y - 1] if y else np.zeros_like(line)
        if kind == 0:
            row = line
        elif kind == 2:
            row = (line + above) & 255
        else:  # Sub, Average, Paeth depend on the pixel to the left: one by one
            row = np.zeros_like(line)
            for x in range(line.size):
                left = row[x - channels] if x >= channels else 0
                corner = above[x - channels] if x >= channels else 0
                if kind == 1:
                    predictor = left
                elif kind == 3:
                    predictor = (left + above[x]) // 2
                else:
                    p = left + above[x] - corner
                    pa, pb, pc = abs(p - left), abs(p - above[x]), abs(p - corner)
                    predictor = left if pa <= pb and pa <= pc else above[x] if pb <= pc else corner
                row[x] = (line[x] + predictor) & 255
        out[y] = row
    return out.reshape(height, width, channels)[:, :, :3]


def red_pixels(image: np.ndarray) -> int:
    r, g, b = image[:, :, 0], image[:, :, 1], image[:, :, 2]
    return int(((r > 180) & (g < 90) & (b < 90)).sum())


def render(name: str, tmp_path: Path, *flags: str) -> np.ndarray:
    svg, png = tmp_path / f"{name}.svg", tmp_path / f"{name}.png"
    svg.write_text(draw(str(SPECS / name), "svg")[0])
    screenshot(svg, png, *flags)
    return decode_png(png.read_bytes())


@pytest.mark.parametrize("name", ["unet_original.yaml", "resnet50.yaml", "unet_add_broken.yaml"])
def test_rendering_is_not_blank(name, tmp_path):
    image = render(name, tmp_path)
    background = np.all(image == image[1, 1], axis=2)
    assert 0.02 < 1 - background.mean() < 0.6  # drawn on, but not a solid block
    assert image.shape[0] > 200 and image.shape[1] > 400


def test_only_the_broken_spec_shows_red(tmp_path):
    assert red_pixels(render("unet_add_broken.yaml", tmp_path)) > 500
    assert red_pixels(render("unet_original.yaml", tmp_path)) == 0


def test_dark_viewer_gets_a_dark_background_and_still_red(tmp_path):
    image = render(
        "unet_add_broken.yaml",
        tmp_path,
        "--force-dark-mode",
        "--blink-settings=preferredColorScheme=0",
    )
    corner = image[1, 1]
    if corner.sum() > 3 * 128:
        pytest.skip("this Chromium ignores the dark-mode flags")
    r, g, b = image[:, :, 0], image[:, :, 1], image[:, :, 2]
    assert int(((r > 200) & (g < 140) & (b < 140)).sum()) > 500  # the dark theme's red
