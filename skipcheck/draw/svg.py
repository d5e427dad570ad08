"""A Layout as SVG text, and as a self-contained HTML page with the findings beside it.

Plain string building, no dependency: every text that comes from a spec (names, shapes,
messages) goes through ``_esc``. Colours are CSS classes with a
``prefers-color-scheme: dark`` variant, chosen to read on white and on near-black.
"""

from __future__ import annotations

from html import escape

from skipcheck.draw.layout import Box, Edge, Finding, Label, Layout

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
PANEL_ROW = 36.0  # height of one finding in the list under the drawing

STYLE = """
.bg{fill:#ffffff}
text{fill:#1f2328;font-size:11px}
.title{font-size:15px;font-weight:600}
.sub,.shape,.detail,.op{fill:#59636e}
.section{font-size:12px;font-weight:600;fill:#59636e;text-transform:uppercase;letter-spacing:.08em}
.stage{font-size:12px;font-weight:600}
.box rect{fill:#dbe9f6;stroke:#4a7bb7;stroke-width:1.2}
.box.error rect{fill:#fde2e1;stroke:#d1242f;stroke-width:2.5}
.box.warning rect{fill:#fff1cc;stroke:#b07800;stroke-width:2}
.edge{fill:none;stroke:#59636e;stroke-width:1.4}
.edge.skip,.edge.arc{stroke:#2f80c0;stroke-dasharray:5 3}
.edge.band{stroke:#8c959f;stroke-width:1}
.edge.error{stroke:#d1242f;stroke-width:2.6;stroke-dasharray:none}
.edge-label{fill:#2f80c0;font-size:10px}
.edge-label.error{fill:#d1242f;font-weight:600}
.arrowhead{fill:#59636e}
.arrowhead.error{fill:#d1242f}
.finding.error circle{fill:#d1242f}
.finding.warning circle{fill:#b07800}
.finding circle+text{fill:#ffffff;font-size:10px;font-weight:700}
.finding.error .code{fill:#d1242f;font-weight:700}
.finding.warning .code{fill:#b07800;font-weight:700}
@media (prefers-color-scheme: dark){
.bg{fill:#0d1117}
text{fill:#e6edf3}
.sub,.shape,.detail,.op,.section{fill:#9198a1}
.box rect{fill:#1c3450;stroke:#6ca4e0}
.box.error rect{fill:#4a1518;stroke:#ff6b6b}
.box.warning rect{fill:#3d2e00;stroke:#e3b341}
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


def _esc(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def render_svg(layout: Layout) -> str:
    """The whole picture: drawing on top, the numbered findings listed under it."""
    height = layout.height + (40 + PANEL_ROW * len(layout.findings) if layout.findings else 0)
    width = max(layout.width, 560.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" font-family="{_esc(FONT)}" role="img">',
        f"<title>{_esc(layout.title)} — skipcheck draw</title>",
        f"<style>{STYLE}</style>",
        _defs(),
        '<rect class="bg" x="0" y="0" width="100%" height="100%"/>',
        f'<text class="title" x="30" y="26">{_esc(layout.title)}</text>',
        f'<text class="sub" x="30" y="42">{_esc(layout.subtitle)}</text>',
        '<g class="edges">',
        *(_edge(e) for e in layout.edges),
        "</g>",
        '<g class="boxes">',
        *(_box(b) for b in layout.boxes),
        "</g>",
        '<g class="labels">',
        *(_label(lab) for lab in layout.labels),
        "</g>",
        *_findings(layout, layout.height + 16),
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


def _box(box: Box) -> str:
    cls = f"box {box.severity}" if box.severity else "box"
    lines = [
        f'<g class="{cls}"><title>{_esc(box.tooltip)}</title>',
        f'<rect x="{_num(box.x)}" y="{_num(box.y)}" width="{_num(box.w)}" '
        f'height="{_num(box.h)}" rx="2"/>',
        f'<text class="stage" x="{_num(box.cx)}" y="{_num(box.y - 6)}" '
        f'text-anchor="middle">{_esc(box.title)}</text>',
        f'<text class="shape" x="{_num(box.cx)}" y="{_num(box.y + box.h + 13)}" '
        f'text-anchor="middle">{_esc(box.shape)}</text>',
    ]
    if box.detail:
        lines.append(
            f'<text class="detail" x="{_num(box.cx)}" y="{_num(box.y + box.h + 26)}" '
            f'text-anchor="middle">{_esc(box.detail)}</text>'
        )
    lines.append("</g>")
    return "".join(lines)


def _edge(edge: Edge) -> str:
    cls = f"edge {edge.kind}" + (f" {edge.severity}" if edge.severity else "")
    head = "arrow-error" if edge.severity == "error" else "arrow"
    points = " ".join(f"{_num(x)},{_num(y)}" for x, y in edge.points)
    title = f"<title>{_esc(edge.tooltip)}</title>" if edge.tooltip else ""
    end = "" if edge.kind == "band" else f' marker-end="url(#{head})"'
    line = f'<polyline class="{cls}" points="{points}"{end}/>'
    label = ""
    if edge.label:
        label = _edge_label(edge)
    return f"<g>{title}{line}{label}</g>" if title or label else line


def _edge_label(edge: Edge) -> str:
    cls = "edge-label error" if edge.severity == "error" else "edge-label"
    if edge.kind == "flow":
        # a level change: name the op beside the vertical stroke
        # near the lower end, on the side away from the lower box
        (x, y1), (_, y2) = edge.points[1], edge.points[2]
        dx, anchor = (-4, "end") if y2 > y1 else (4, "start")
        return (
            f'<text class="op" x="{_num(x + dx)}" y="{_num(max(y1, y2) - 12)}" '
            f'text-anchor="{anchor}">{_esc(edge.label)}</text>'
        )
    (x1, y), (x2, _) = edge.points[1], edge.points[2]
    return (
        f'<text class="{cls}" x="{_num((x1 + x2) / 2)}" y="{_num(y - 3)}" '
        f'text-anchor="middle">{_esc(edge.label)}</text>'
    )


def _label(label: Label) -> str:
    return (
        f'<text class="{label.kind}" x="{_num(label.x)}" y="{_num(label.y)}" '
        f'text-anchor="{label.anchor}">{_esc(label.text)}</text>'
    )


def _findings(layout: Layout, top: float) -> list[str]:
    """One group per finding: its marker on the drawing and its row in the list."""
    if not layout.findings:
        return []
    out = [
        '<g class="findings">',
        f'<text class="section" x="30" y="{_num(top + 8)}">findings</text>',
    ]
    for i, f in enumerate(layout.findings):
        y = top + 30 + PANEL_ROW * i
        out.append(_finding(f, y))
    out.append("</g>")
    return out


def _finding(f: Finding, y: float) -> str:
    mx, my = f.marker
    vs = " vs ".join(f.shapes)
    return "".join(
        [
            f'<g class="finding {f.severity}" data-code="{_esc(f.code)}">',
            f"<title>{_esc(f.message)}</title>",
            f'<circle cx="{_num(mx)}" cy="{_num(my)}" r="8"/>',
            f'<text x="{_num(mx)}" y="{_num(my + 3.5)}" text-anchor="middle">{f.number}</text>',
            f'<circle cx="38" cy="{_num(y - 4)}" r="8"/>',
            f'<text x="38" y="{_num(y - 0.5)}" text-anchor="middle">{f.number}</text>',
            f'<text x="54" y="{_num(y)}"><tspan class="code">{_esc(f.code)} {_esc(f.severity)}'
            f"</tspan> line {f.line} · {_esc(f.where)}</text>",
            f'<text class="detail" x="54" y="{_num(y + 14)}">{_esc(vs or _first_line(f))}</text>',
            "</g>",
        ]
    )


def _first_line(f: Finding) -> str:
    return f.message.split("\n", 1)[0].split(": ", 1)[-1]


def render_html(layout: Layout) -> str:
    """A page that needs nothing else: the SVG inline and the findings as a list beside it."""
    items = "\n".join(
        f'<li class="{_esc(f.severity)}"><b>{f.number}. {_esc(f.code)} {_esc(f.severity)}</b> '
        f"line {f.line} · {_esc(f.where)}<pre>{_esc(f.message)}</pre></li>"
        for f in layout.findings
    )
    findings = f"<ol>{items}</ol>" if items else "<p>No findings: every merge fits.</p>"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="color-scheme" content="light dark">
<title>{_esc(layout.title)} — skipcheck draw</title>
<style>
body{{margin:0;font-family:{FONT};background:#ffffff;color:#1f2328}}
main{{display:flex;flex-wrap:wrap;gap:24px;padding:16px;align-items:flex-start}}
figure{{margin:0;flex:1 1 720px;overflow:auto}}
figure svg{{max-width:100%;height:auto}}
aside{{flex:0 1 380px}}
aside ol{{padding-left:0;list-style:none}}
aside li{{margin:0 0 12px;padding:8px 10px;border-left:4px solid #59636e}}
aside li.error{{border-color:#d1242f}}
aside li.warning{{border-color:#b07800}}
aside pre{{white-space:pre-wrap;font-size:12px;margin:6px 0 0}}
@media (prefers-color-scheme: dark){{
body{{background:#0d1117;color:#e6edf3}}
aside li.error{{border-color:#ff6b6b}}
aside li.warning{{border-color:#e3b341}}
}}
</style>
</head>
<body>
<main>
<figure>
{render_svg(layout)}</figure>
<aside>
<h2>Findings in {_esc(layout.subtitle)}</h2>
{findings}
</aside>
</main>
</body>
</html>
"""
