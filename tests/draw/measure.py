"""Measure drawings in a real browser: every text element's box from ``getBBox()``.

One headless Chromium run loads a page holding any number of SVGs, a script in the page
measures each one and writes the findings into the DOM as JSON, and ``--dump-dom`` hands
the DOM back. Nothing here comes from skipcheck's layout: the boxes are the browser's.

Per drawing it reports text pairs whose boxes intersect, texts outside the canvas, and
arrows (a polyline or path with an arrowhead) whose end lies on no box's outline.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
SLACK = 0.5  # px: boxes that touch or share a hairline do not count as overlapping
REACH = 2.0  # px: how close an arrow's tip must be to a box's outline

SCRIPT = r"""
<script>
(function () {
  const SLACK = %(slack)s, REACH = %(reach)s;
  function boxOf(el) {
    const b = el.getBBox(), m = el.getCTM();
    // the drawings use no rotation or skew: a scale and a shift map the box
    return {x: b.x * m.a + m.e, y: b.y * m.d + m.f, w: b.width * m.a, h: b.height * m.d};
  }
  function crosses(a, b) {
    return Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > SLACK &&
           Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > SLACK;
  }
  function tip(el) {
    let pts;
    if (el.tagName === "polyline" || el.tagName === "polygon") {
      pts = Array.from(el.points).map(p => [p.x, p.y]);
    } else {
      const len = el.getTotalLength(), p = el.getPointAtLength(len);
      pts = [[p.x, p.y]];
    }
    const m = el.getCTM(), [x, y] = pts[pts.length - 1];
    return [x * m.a + m.e, y * m.d + m.f];
  }
  function onOutline(p, r) {
    const [x, y] = p;
    const inX = x >= r.x - REACH && x <= r.x + r.w + REACH;
    const inY = y >= r.y - REACH && y <= r.y + r.h + REACH;
    const nearX = Math.abs(x - r.x) <= REACH || Math.abs(x - r.x - r.w) <= REACH;
    const nearY = Math.abs(y - r.y) <= REACH || Math.abs(y - r.y - r.h) <= REACH;
    return (inX && nearY) || (inY && nearX);
  }
  const out = {};
  for (const svg of document.querySelectorAll("svg[data-measure]")) {
    const vb = svg.viewBox.baseVal;
    const texts = [];
    for (const t of svg.querySelectorAll("text")) {
      if (!t.textContent.trim()) continue;
      const b = boxOf(t);
      if (b.w <= 0 || b.h <= 0) continue;
      const size = parseFloat(getComputedStyle(t).fontSize);
      texts.push({text: t.textContent, size: size, ...b});
    }
    const overlaps = [], outside = [], small = [];
    for (let i = 0; i < texts.length; i++) {
      const a = texts[i];
      if (a.x < -SLACK || a.y < -SLACK || a.x + a.w > vb.width + SLACK ||
          a.y + a.h > vb.height + SLACK) outside.push(a.text);
      if (a.size < 11) small.push(a.text + " (" + a.size + "px)");
      for (let j = i + 1; j < texts.length; j++) {
        if (crosses(a, texts[j])) overlaps.push([a.text, texts[j].text]);
      }
    }
    const boxes = Array.from(svg.querySelectorAll(".box rect, rect.box")).map(boxOf);
    const dangling = [];
    let arrows = 0;
    for (const e of svg.querySelectorAll("polyline[marker-end], path[marker-end]")) {
      arrows++;
      const p = tip(e);
      if (!boxes.some(r => onOutline(p, r))) dangling.push(p.map(v => Math.round(v)).join(","));
    }
    out[svg.dataset.measure] = {
      texts: texts.length, overlaps: overlaps, outside: outside, small: small,
      arrows: arrows, dangling: dangling, width: vb.width, height: vb.height,
      u: svg.dataset.layout === "u"
    };
  }
  const pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


@dataclass(frozen=True)
class Measured:
    texts: int
    overlaps: list[list[str]]
    outside: list[str]
    small: list[str]
    arrows: int
    dangling: list[str]
    width: float
    height: float
    u: bool


def available() -> bool:
    return os.path.exists(CHROMIUM)


def tagged(svg: str, name: str) -> str:
    """The SVG with ``data-measure="name"`` on its root, so the page script finds it."""
    return re.sub(r"^<svg ", f'<svg data-measure="{html.escape(name)}" ', svg.lstrip(), count=1)


def svgs_in(page: str) -> list[str]:
    """Every top-level SVG of an HTML page (the drawing and each stage it opens)."""
    return re.findall(r"<svg .*?</svg>", page, re.S)


def measure(drawings: dict[str, str], timeout: float = 300) -> dict[str, Measured]:
    """name → SVG text, measured together in one page of one browser run."""
    body = "\n".join(f"<div>{tagged(svg, name)}</div>" for name, svg in drawings.items())
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        f"{body}{SCRIPT % {'slack': SLACK, 'reach': REACH}}</body></html>"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "measure.html"
        path.write_text(page, encoding="utf-8")
        done = subprocess.run(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={Path(tmp) / 'profile'}",
                "--dump-dom",
                path.as_uri(),
            ],
            capture_output=True,
            timeout=timeout,
            check=True,
        )
    match = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout.decode("utf-8"), re.S)
    assert match, done.stderr.decode("utf-8", "replace")[-2000:]
    raw = json.loads(html.unescape(match.group(1)))
    return {name: Measured(**value) for name, value in raw.items()}


OPENED = """
<script>
window.addEventListener("load", function () {
  const shown = document.querySelector("section.opened:target");
  const others = Array.from(document.querySelectorAll("section.opened:not(:target)"));
  const pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify({
    target: shown ? shown.id : null,
    width: shown ? shown.querySelector("svg").getBBox().width : 0,
    hidden: others.every(s => getComputedStyle(s).display === "none"),
  });
  document.body.appendChild(pre);
});
</script>
"""


def opened_in_browser(page: str, anchor: str, timeout: float = 120) -> dict[str, object]:
    """Load the page at ``#anchor`` (as a click on the box does) and say which opened view
    the browser shows, how wide its drawing is, and whether every other one is hidden."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.html"
        path.write_text(page.replace("</body>", OPENED + "</body>"), encoding="utf-8")
        done = subprocess.run(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={Path(tmp) / 'profile'}",
                "--dump-dom",
                f"{path.as_uri()}#{anchor}",
            ],
            capture_output=True,
            timeout=timeout,
            check=True,
        )
    match = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout.decode("utf-8"), re.S)
    assert match, done.stderr.decode("utf-8", "replace")[-2000:]
    result: dict[str, object] = json.loads(html.unescape(match.group(1)))
    return result
