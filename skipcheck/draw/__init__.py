"""``skipcheck draw``: the architecture as a picture, with the broken merge in red.

``load`` checks the spec, ``layout.layout`` positions the picture as data,
``svg.render_svg`` / ``svg.render_html`` write it out.

>>> text, errors = draw("specs/unet_add_broken.yaml", "svg")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from skipcheck.check.result import FileResult
from skipcheck.core.errors import SkipcheckError

if TYPE_CHECKING:
    from skipcheck.check import Options
    from skipcheck.core.graph import Node
    from skipcheck.draw.layout import Layout
    from skipcheck.rules.diagnostics import Diagnostic

FORMATS = {".svg": "svg", ".html": "html", ".htm": "html"}
MAX_OPENED = 200  # a page opens at most this many boxes (each is a drawing of its own)


def load(path: str, options: Options | None = None) -> FileResult:
    """Check the spec through the one pipeline (errors raised, not kept)."""
    from skipcheck.check import check_spec

    result = check_spec(path, options)
    if result.error is not None:
        raise result.error
    return result


def picture(
    result: FileResult,
    depth: int = 1,
    focus: str | None = None,
    members: Sequence[int] | None = None,
    numbered: Sequence[tuple[int, Diagnostic, Node]] | None = None,
) -> Layout:
    """The layout of a checked spec at ``depth`` (``focus``: one box of depth - 1, opened;
    ``members``: its nodes)."""
    from skipcheck.draw.layout import layout

    assert result.graph is not None and result.table is not None  # load raised otherwise
    args = (result.graph, result.table, result.diagnostics, depth, focus, members, numbered)
    if not result.from_model:
        return layout(*args)

    def told(node: Node) -> str:  # a model reference: the model's own lines, not the spec's
        return result.told_line(node.pos.line, node.calls[0].line if node.calls else 0)

    return layout(*args, result.at_line, told)


def opened(result: FileResult, main: Layout) -> list[tuple[str, str, Layout]]:
    """Each box of ``main`` that holds more than one box one level down, drawn opened:
    (its anchor on the page, its name, its drawing). Marks the boxes that open."""
    from dataclasses import replace

    from skipcheck.draw.layout import number_findings, unit_key

    assert result.graph is not None
    members: dict[str, list[int]] = {}  # each box's nodes, found in one pass
    for node in result.graph.nodes[1:]:
        members.setdefault(unit_key(node, main.depth), []).append(node.id)
    numbered = number_findings(result.graph, result.diagnostics)
    views: list[tuple[str, str, Layout]] = []
    for index, box in enumerate(main.boxes):
        if box.key == "input" or len(views) >= MAX_OPENED or len(members.get(box.key, ())) < 2:
            continue
        inside = picture(result, main.depth + 1, box.key, members[box.key], numbered)
        if sum(1 for b in inside.boxes if not b.key.startswith("from:")) < 2:
            continue
        anchor = f"open-{index}"
        views.append((anchor, box.title, inside))
        main.boxes[index] = replace(box, opens=anchor)
    return views


def draw(
    path: str,
    fmt: str,
    options: Options | None = None,
    depth: int = 1,
    *,
    result: FileResult | None = None,
) -> tuple[str, bool]:
    """The picture of one spec as ``fmt`` (svg or html) at ``depth`` (1: one box per stage,
    2: the blocks inside, ...), and whether it has error findings; ``result``: the spec
    already checked (a PyTorch model's, held in memory)."""
    from skipcheck.draw.svg import render_html, render_svg

    if fmt not in ("svg", "html"):
        raise SkipcheckError(f"cannot draw as {fmt!r}: use svg or html")
    if depth < 1:
        raise SkipcheckError(f"--depth must be 1 or more, not {depth}")
    if result is None or result.error is not None:
        result = load(path, options) if result is None else _raise(result)
    main = picture(result, depth)
    if fmt == "svg":
        text = render_svg(main)
    else:
        views = opened(result, main)
        text = render_html(main, views)
    return text, not result.ok


def _raise(result: FileResult) -> FileResult:
    assert result.error is not None
    raise result.error
