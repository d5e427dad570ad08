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

from skipcheck.draw import draw, load, picture
from tests.conftest import SPECS
from tests.draw import corpus, measure

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
    # the drawing above its legend (whose error swatch is red in every picture)
    def drawing(name: str) -> np.ndarray:
        return render(name, tmp_path)[: int(picture(load(str(SPECS / name))).height)]

    assert red_pixels(drawing("unet_add_broken.yaml")) > 500
    assert red_pixels(drawing("unet_original.yaml")) == 0


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


# -- every drawing measured in the browser: getBBox() of every text -------------------


def _drawings(name: str, path: Path) -> dict[str, str]:
    """The SVG at depth 1 and 2, and every opened stage of the depth-1 page."""
    out = {f"{name} depth {d}": draw(str(path), "svg", depth=d)[0] for d in (1, 2)}
    page = draw(str(path), "html")[0]
    for i, svg in enumerate(measure.svgs_in(page)):
        out[f"{name} page svg {i}"] = svg
    return out


def _check(drawings: dict[str, str], is_u: dict[str, bool]) -> None:
    measured = measure.measure(drawings)
    assert set(measured) == set(drawings)
    problems = []
    for key, m in measured.items():
        assert m.texts > 3, key  # drawn and measured, not an empty page
        if m.overlaps or m.outside or m.dangling or m.small:
            problems.append((key, m.overlaps[:3], m.outside[:3], m.dangling[:3], m.small[:3]))
    assert problems == []
    for key, m in measured.items():
        name = key.split(" ")[0]
        if key.endswith("depth 1") or key.endswith("depth 2"):
            assert m.u == is_u[name], key  # U for every encoder-decoder, chains stay chains


@pytest.mark.skipif(not measure.available(), reason="no /usr/bin/chromium")
def test_every_shipped_spec_draws_without_overlap_clipping_or_dangling_arrows():
    drawings: dict[str, str] = {}
    for name in corpus.SHIPPED:
        drawings.update(_drawings(name, SPECS / name))
    _check(drawings, {name: name in corpus.SHIPPED_U for name in corpus.SHIPPED})


@pytest.mark.skipif(not measure.available(), reason="no /usr/bin/chromium")
def test_every_imported_model_draws_without_overlap_clipping_or_dangling_arrows(tmp_path):
    pytest.importorskip("torch")
    models = corpus.import_all(tmp_path)
    assert len(models) >= 8
    drawings: dict[str, str] = {}
    for name, (path, _) in models.items():
        drawings.update(_drawings(name, path))
    _check(drawings, {name: is_u for name, (_, is_u) in models.items()})


def test_the_measure_sees_an_overlap_and_a_dangling_arrow():
    # the referee itself: two texts on one spot and an arrow into nothing are caught
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200" '
        'height="100"><g class="box"><rect x="10" y="10" width="20" height="20"/></g>'
        '<text x="50" y="50">overlap</text><text x="55" y="52">here</text>'
        '<text x="190" y="50">outside</text>'
        '<polyline points="30,20 100,20" marker-end="url(#a)"/>'
        '<polyline points="100,80 30,20" marker-end="url(#a)"/></svg>'
    )
    m = measure.measure({"probe": svg})["probe"]
    assert m.overlaps == [["overlap", "here"]]
    assert m.outside == ["outside"]
    assert len(m.dangling) == 1 and m.arrows == 2


def test_a_click_on_a_stage_opens_it_and_only_it():
    page, _ = draw(str(SPECS / "unet_original.yaml"), "html")
    anchor = re.findall(r'<a href="#(open-\d+)">', page)[2]
    shown = measure.opened_in_browser(page, anchor)
    assert shown["target"] == anchor
    assert float(str(shown["width"])) > 100 and shown["hidden"] is True
