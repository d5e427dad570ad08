"""``skipcheck draw``: the architecture as a picture, with the broken merge in red.

``load`` checks the spec, ``layout.layout`` positions the picture as data,
``svg.render_svg`` / ``svg.render_html`` write it out.

>>> text, errors = draw("specs/unet_add_broken.yaml", "svg")  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from skipcheck.errors import SkipcheckError
from skipcheck.graph import Graph
from skipcheck.result import FileResult

if TYPE_CHECKING:
    from skipcheck.check import Options

FORMATS = {".svg": "svg", ".html": "html", ".htm": "html"}
_SECTION = re.compile(r"^(encoder|bottleneck|decoder|head)\s*:")


def load(path: str, options: Options | None = None) -> FileResult:
    """Check the spec through the one pipeline (errors raised, not kept)."""
    from skipcheck.check import check_spec

    result = check_spec(path, options)
    if result.error is not None:
        raise result.error
    return result


def sections(graph: Graph, lines: Sequence[str]) -> dict[str, str]:
    """Stage name → the section (encoder, bottleneck, decoder, head) it is written in.

    The Graph keeps stages but not sections; a section is a top-level key, so its
    lines run from its key to the next top-level key. A stage's layers (or, for a
    layer inside a block, the call that used the block) lie in those lines.
    """
    starts: list[tuple[int, str]] = []
    for number, text in enumerate(lines, 1):
        match = _SECTION.match(text)
        if match:
            starts.append((number, match.group(1)))
        elif text[:1].isalpha():
            starts.append((number, ""))
    found: dict[str, str] = {}
    for node in graph.nodes[1:]:
        if node.stage is None or node.stage in found:
            continue
        line = node.calls[0].line if node.calls else node.pos.line
        section = ""
        for start, name in starts:
            if start <= line:
                section = name
        if section:
            found[node.stage] = section
    return found


def draw(
    path: str, fmt: str, options: Options | None = None, *, result: FileResult | None = None
) -> tuple[str, bool]:
    """The picture of one spec as ``fmt`` (svg or html), and whether it has error findings;
    ``result``: the spec already checked (a PyTorch model's, held in memory)."""
    from skipcheck.draw.layout import layout
    from skipcheck.draw.svg import render_html, render_svg

    if fmt not in ("svg", "html"):
        raise SkipcheckError(f"cannot draw as {fmt!r}: use svg or html")
    if result is None or result.error is not None:
        result = load(path, options) if result is None else _raise(result)
    assert result.graph is not None and result.table is not None  # load raised otherwise
    picture = layout(
        result.graph,
        result.table,
        result.diagnostics,
        sections(result.graph, result.lines),
    )
    text = render_svg(picture) if fmt == "svg" else render_html(picture)
    return text, not result.ok


def _raise(result: FileResult) -> FileResult:
    assert result.error is not None
    raise result.error
