"""A Layout as SVG text, and as a self-contained HTML page with the findings beside it.

Plain string building, no dependency: every text that comes from a spec (names, shapes,
messages) goes through ``_esc``. Colours are CSS classes with a
``prefers-color-scheme: dark`` variant, chosen to read on white and on near-black.
"""

from __future__ import annotations

import re
from html import escape

from skipcheck.draw.layout import Box, Edge, Finding, Label, Layout, text_width
from skipcheck.ops.merge import MERGES

MERGE_NAMES = tuple(cls.name for cls in MERGES)
# what each merge does, as the legend says it (tests/draw checks every merge op has words)
MERGE_WORDS = {
    "add": "summed",
    "concat": "channels stacked",
    "mul": "gated",
    "sub": "subtracted",
    "max": "elementwise maximum",
    "mean": "averaged",
}

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
PANEL_ROW = 36.0  # height of one finding in the list under the drawing

STYLE = """
.bg{fill:#ffffff}
text{fill:#1f2328;font-size:11px}
.title{font-size:15px;font-weight:600}
.sub,.shape,.detail,.op,.legend-text{fill:#59636e}
.section{font-size:12px;font-weight:600;fill:#59636e}
.stage{font-size:12px;font-weight:600}
a .box>rect{cursor:pointer}
a:hover .box>rect,a:focus .box>rect{stroke-width:2.4}
.box rect,.swatch{fill:#dbe9f6;stroke:#4a7bb7;stroke-width:1.2}
.box.error rect,.swatch.error{fill:#fde2e1;stroke:#d1242f;stroke-width:2.5}
.box.warning rect,.swatch.warning{fill:#fff1cc;stroke:#b07800;stroke-width:2}
.edge{fill:none;stroke:#59636e;stroke-width:1.4}
.edge.skip,.edge.arc{stroke:#2f80c0;stroke-dasharray:6 3}
.edge.concat{stroke-dasharray:2 3}
.edge.mul{stroke-dasharray:9 3 2 3}
.edge.band{stroke:#8c959f;stroke-width:1}
.edge.error{stroke:#d1242f;stroke-width:2.6;stroke-dasharray:none}
.edge-label{fill:#2f80c0}
.edge-label.error{fill:#d1242f;font-weight:600}
.arrowhead{fill:#59636e}
.arrowhead.error{fill:#d1242f}
.finding.error circle{fill:#d1242f}
.finding.warning circle{fill:#b07800}
.finding circle+text{fill:#ffffff;font-weight:700}
.finding.error .code{fill:#d1242f;font-weight:700}
.finding.warning .code{fill:#b07800;font-weight:700}
@media (prefers-color-scheme: dark){
.bg{fill:#0d1117}
text{fill:#e6edf3}
.sub,.shape,.detail,.op,.section,.legend-text{fill:#9198a1}
.box rect,.swatch{fill:#1c3450;stroke:#6ca4e0}
.box.error rect,.swatch.error{fill:#4a1518;stroke:#ff6b6b}
.box.warning rect,.swatch.warning{fill:#3d2e00;stroke:#e3b341}
.edge{stroke:#9198a1}
.edge.skip,.edge.arc{stroke:#58a6ff}
.edge.error{stroke:#ff6b6b}
.edge-label{fill:#58a6ff}
.edge-label.error{fill:#ff6b6b}
.arrowhead{fill:#9198a1}
.arrowhead.error{fill:#ff6b6b}
.finding.error circle{fill:#ff6b6b}
.finding.warning circle{fill:#e3b341}
.finding circle+text{fill:#0d1117}
.finding.error .code{fill:#ff6b6b}
.finding.warning .code{fill:#e3b341}
}
"""


# Characters XML 1.0 does not allow (C0 controls but tab and newlines, surrogates, U+FFFE,
# U+FFFF), and those it discourages (DEL and C1 controls, the non-characters): a name
# holding one would make the file unreadable, so each shows as U+FFFD.
_NOT_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
    + "]"
)


def _esc(text: object) -> str:
    return escape(_NOT_XML.sub("\ufffd", str(text)), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def render_svg(layout: Layout, findings_list: bool = True) -> str:
    """The whole picture: the drawing, its legend, and (``findings_list``) the numbered
    findings under it. The HTML page lists the findings beside the picture instead."""
    listed = layout.findings if findings_list else []
    width = max(
        layout.width,
        560.0,
        text_width(layout.subtitle) + 60,
        text_width(layout.title, 15, bold=True) + 60,
    )
    legend, top = _legend(layout, layout.height + 8, width)
    rows = [_finding_texts(f) for f in listed]
    for code_line, detail in rows:
        width = max(width, 60 + text_width(code_line), 60 + text_width(detail))
    height = top + (30 + PANEL_ROW * len(listed) if listed else 0)
    by_box: dict[int, list[Label]] = {}
    by_edge: dict[int, list[Label]] = {}
    loose: list[Label] = []
    for label in layout.labels:
        if label.box >= 0:
            by_box.setdefault(label.box, []).append(label)
        elif label.edge >= 0:
            by_edge.setdefault(label.edge, []).append(label)
        else:
            loose.append(label)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" font-family="{_esc(FONT)}" role="img" '
        f'data-layout="{_esc(layout.kind)}" data-depth="{layout.depth}">',
        f"<title>{_esc(layout.title)} — skipcheck draw</title>",
        f"<style>{STYLE}</style>",
        _defs(),
        '<rect class="bg" x="0" y="0" width="100%" height="100%"/>',
        f'<text class="title" x="30" y="26">{_esc(layout.title)}</text>',
        f'<text class="sub" x="30" y="44">{_esc(layout.subtitle)}</text>',
        '<g class="edges">',
        *(_edge(e, by_edge.get(i, [])) for i, e in enumerate(layout.edges)),
        "</g>",
        '<g class="boxes">',
        *(_box(b, by_box.get(i, [])) for i, b in enumerate(layout.boxes)),
        "</g>",
        *(_label(lab) for lab in loose),
        *legend,
        *_findings(layout, listed, rows, top),
        "</svg>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _defs() -> str:
    heads = "".join(
        f'<marker id="{name}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path class="{cls}" d="M0,0 L8,4 L0,8 z"/>'
        "</marker>"
        for name, cls in (("arrow", "arrowhead"), ("arrow-error", "arrowhead error"))
    )
    return f"<defs>{heads}</defs>"


def _box(box: Box, labels: list[Label]) -> str:
    cls = f"box {box.severity}" if box.severity else "box"
    tip = box.tooltip if box.title in box.tooltip else f"{box.title}\n{box.tooltip}"
    if box.opens:
        tip += "\n(click to open)"
    lines = [
        f'<g class="{cls}" data-key="{_esc(box.key)}"><title>{_esc(tip)}</title>',
        f'<rect x="{_num(box.x)}" y="{_num(box.y)}" width="{_num(box.w)}" '
        f'height="{_num(box.h)}" rx="2"/>',
        *(_label(lab) for lab in labels),
        "</g>",
    ]
    text = "".join(lines)
    return f'<a href="#{_esc(box.opens)}">{text}</a>' if box.opens else text


def _edge(edge: Edge, labels: list[Label]) -> str:
    cls = f"edge {edge.kind}" + (f" {edge.merge}" if edge.merge else "")
    cls += f" {edge.severity}" if edge.severity else ""
    head = "arrow-error" if edge.severity == "error" else "arrow"
    points = " ".join(f"{_num(x)},{_num(y)}" for x, y in edge.points)
    title = f"<title>{_esc(edge.tooltip)}</title>" if edge.tooltip else ""
    end = "" if edge.kind == "band" else f' marker-end="url(#{head})"'
    line = f'<polyline class="{cls}" points="{points}"{end}/>'
    texts = "".join(_label(lab, edge.severity) for lab in labels)
    return f"<g>{title}{line}{texts}</g>" if title or texts else line


def _label(label: Label, severity: str | None = None) -> str:
    cls = label.kind + (f" {severity}" if severity else "")
    return (
        f'<text class="{cls}" x="{_num(label.x)}" y="{_num(label.y)}" '
        f'text-anchor="{label.anchor}">{_esc(label.text)}</text>'
    )


def _legend(layout: Layout, top: float, width: float) -> tuple[list[str], float]:
    """What the line styles and colours mean: flow, each merge kind drawn, the findings."""
    items: list[tuple[str, str]] = [("flow", "the running tensor")]
    for merge in MERGE_NAMES:  # every merge op, in the order ops/merge.py lists them
        if merge in layout.merges:
            items.append((f"skip {merge}", f"skip: {merge} ({MERGE_WORDS[merge]})"))
    items += [("error", "error"), ("warning", "warning")]
    if any(b.opens for b in layout.boxes):
        items.append(("open", "click a box to open it"))
    out = ['<g class="legend">']
    x, y = 30.0, top + 20
    for kind, text in items:
        need = 34 + text_width(text) + 26
        if x + need > width - 10 and x > 30:
            x, y = 30.0, y + 24
        if kind in ("error", "warning"):
            out.append(
                f'<rect class="swatch {kind}" x="{_num(x)}" y="{_num(y - 10)}" width="26" '
                f'height="14" rx="2"/>'
            )
        elif kind == "open":
            out.append(
                f'<rect class="swatch" x="{_num(x)}" y="{_num(y - 10)}" width="26" height="14" '
                'rx="2"/>'
            )
        else:
            cls = "edge flow" if kind == "flow" else f"edge {kind}"
            out.append(
                f'<polyline class="{cls}" points="{_num(x)},{_num(y - 3)} {_num(x + 26)},'
                f'{_num(y - 3)}"/>'
            )
        out.append(
            f'<text class="legend-text" x="{_num(x + 34)}" y="{_num(y)}">{_esc(text)}</text>'
        )
        x += need
    out.append("</g>")
    return out, y + 24


def _finding_texts(f: Finding) -> tuple[str, str]:
    vs = " vs ".join(f.shapes)
    return f"{f.code} {f.severity} {f.at or f'line {f.line}'} · {f.where}", vs or _first_line(f)


def _findings(
    layout: Layout, listed: list[Finding], rows: list[tuple[str, str]], top: float
) -> list[str]:
    """One group per finding: its marker on the drawing and (if listed) its row."""
    if not layout.findings:
        return []
    out = ['<g class="findings">']
    if listed:
        out.append(f'<text class="section" x="30" y="{_num(top + 8)}">findings</text>')
    listed_numbers = {f.number for f in listed}
    for i, f in enumerate(layout.findings):
        y = top + 30 + PANEL_ROW * i
        out.append(_finding(f, y, f.number in listed_numbers))
    out.append("</g>")
    return out


def _finding(f: Finding, y: float, listed: bool) -> str:
    mx, my = f.marker
    parts = [
        f'<g class="finding {f.severity}" data-code="{_esc(f.code)}">',
        f"<title>{_esc(f.message)}</title>",
        f'<circle cx="{_num(mx)}" cy="{_num(my)}" r="9"/>',
        f'<text x="{_num(mx)}" y="{_num(my + 4)}" text-anchor="middle">{f.number}</text>',
    ]
    if listed:
        detail = " vs ".join(f.shapes) or _first_line(f)
        parts += [
            f'<circle cx="39" cy="{_num(y - 4)}" r="9"/>',
            f'<text x="39" y="{_num(y)}" text-anchor="middle">{f.number}</text>',
            f'<text x="56" y="{_num(y)}"><tspan class="code">{_esc(f.code)} '
            f"{_esc(f.severity)}</tspan> {_esc(f.at or f'line {f.line}')} · {_esc(f.where)}</text>",
            f'<text class="detail" x="56" y="{_num(y + 15)}">{_esc(detail)}</text>',
        ]
    parts.append("</g>")
    return "".join(parts)


def _first_line(f: Finding) -> str:
    return f.message.split("\n", 1)[0].split(": ", 1)[-1]


def render_html(layout: Layout, opened: list[tuple[str, str, Layout]] | None = None) -> str:
    """A page that needs nothing else: the SVG inline, the findings listed beside it once,
    and each box that has an inside opened below it, shown when its box is clicked (a
    ``:target`` rule: no script)."""
    items = "\n".join(
        f'<li class="{_esc(f.severity)}"><b>{f.number}. {_esc(f.code)} {_esc(f.severity)}</b> '
        f"{_esc(f.at or f'line {f.line}')} · {_esc(f.where)}<pre>{_esc(f.message)}</pre></li>"
        for f in layout.findings
    )
    findings = f"<ol>{items}</ol>" if items else "<p>No findings: every merge fits.</p>"
    views = "\n".join(
        f'<section class="opened" id="{_esc(anchor)}"><h2>{_esc(name)} '
        f'<a href="#top">close</a></h2>\n{render_svg(view, findings_list=False)}</section>'
        for anchor, name, view in opened or []
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="color-scheme" content="light dark">
<title>{_esc(layout.title)} — skipcheck draw</title>
<style>
body{{margin:0;font-family:{FONT};background:#ffffff;color:#1f2328}}
main{{display:flex;flex-wrap:wrap;gap:24px;padding:16px;align-items:flex-start}}
figure{{margin:0;flex:1 1 720px;overflow:auto;max-width:100%}}
aside{{flex:0 1 380px}}
aside ol{{padding-left:0;list-style:none}}
aside li{{margin:0 0 12px;padding:8px 10px;border-left:4px solid #59636e}}
aside li.error{{border-color:#d1242f}}
aside li.warning{{border-color:#b07800}}
aside pre{{white-space:pre-wrap;font-size:12px;margin:6px 0 0}}
section.opened{{display:none;padding:0 16px 16px;overflow:auto}}
section.opened:target{{display:block}}
section.opened h2{{font-size:16px}}
@media (prefers-color-scheme: dark){{
body{{background:#0d1117;color:#e6edf3}}
a{{color:#58a6ff}}
aside li.error{{border-color:#ff6b6b}}
aside li.warning{{border-color:#e3b341}}
}}
</style>
</head>
<body id="top">
<main>
<figure>
{render_svg(layout, findings_list=False)}</figure>
<aside>
<h2>Findings in {_esc(layout.subtitle)}</h2>
{findings}
</aside>
</main>
{views}
</body>
</html>
"""
