"""Mend the layer that is wrong: one parameter of one layer on the mismatching path.

The classic bugs are one value: a conv that lost its ``stride: 2``, a kernel copied from
the level above, a transposed conv without ``output_padding``, an upsample with the wrong
``scale_factor``. For each layer that feeds one side of the merge but not the other (the
finding's provenance), this searches the values of ``stride``, ``kernel_size``,
``padding``, ``output_padding`` and ``scale_factor`` that give the size the merge needs,
computed from the layer's own shape rule at the concrete input; each value found is a
candidate, proven as every other one. Channel widths (``out_channels``) are mended by
``channels``.

Only values that explain the whole mismatch on every axis are proposed, so a site gets a
handful of candidates, not a sweep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction

from skipcheck.check.fixes.edit import Edit, EditError, line_col
from skipcheck.check.fixes.model import RANK_MEND, Candidate, Change
from skipcheck.check.fixes.site import Site, Value
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Node
from skipcheck.ops.base import per_axis

MAX_CANDIDATES = 6  # per site: the layers nearest the merge first
STRIDES = range(1, 5)
KERNELS = range(1, 8)
PADDINGS = range(4)
SCALES = (Fraction(1, 2), Fraction(1), Fraction(2), Fraction(4))
_SIZED = ("conv", "conv_transpose", "maxpool", "avgpool", "upsample")


def candidates(site: Site) -> Iterator[Candidate]:
    rank = len(site.table.axis_vars)
    made = 0
    for merge in site.failing_merges()[:1]:
        if len(merge.inputs) != 2:
            continue
        a, b = site.sizes(merge.inputs[0]), site.sizes(merge.inputs[1])
        if a is None or b is None or a == b or len(a) != len(b):
            continue
        sides = {merge.inputs[0]: b, merge.inputs[1]: a}  # each side must become the other
        seen: set[tuple[int, int, str]] = set()
        # nearest the merge first: the wrong layer is usually the last one before it
        for node in reversed(site.path_nodes(merge)):
            if node.op not in _SIZED or made >= MAX_CANDIDATES:
                continue
            side = site.side_of(node.id, merge)
            if side is None or side not in sides:
                continue
            wanted = _needed(site, node, side, sides[side])
            if wanted is None:
                continue
            for name, value in _values(site, node, wanted, rank):
                key = (node.pos.line, node.pos.col, name)
                if key in seen:
                    continue
                try:
                    edit, spelled = _edit(site, merge, node, name, value)
                except EditError:
                    continue
                seen.add(key)
                made += 1
                shown = value if spelled == value else f"{spelled} (= {value} here)"
                line = line_col(site.source.text, edit.start)[0]
                written = f", written at line {line}" if line != node.pos.line else ""
                yield Candidate(
                    title=f"{name}: {shown} on the {node.op} at line {node.pos.line}"
                    f" (was {_current(node, name)}{written})",
                    description=f"Set {name}: {shown} on {node.path} (line {node.pos.line}): "
                    f"its output becomes {'×'.join(map(str, wanted))}, the size the merge at "
                    f"line {merge.pos.line} needs.",
                    edits=(edit,),
                    rank=RANK_MEND,
                    changes_behaviour=True,
                    behaviour=f"the {node.op} at line {node.pos.line} takes the {name} its "
                    "merge needs",
                    in_terms=spelled != value,
                    mends=True,
                    tag=f"{name.split('_')[0]}{value}".replace(".", "_"),
                    weight=_weight(site, merge, node, name, value),
                    changes=(Change("set", (node.label,), name, value),),
                )


def _edit(site: Site, merge: Node, node: Node, name: str, value: str) -> tuple[Edit, str]:
    """The edit that sets ``name`` on this layer alone (where it reads a block argument,
    ``stride: s``, the layer's own value is replaced, not the argument), and the text it
    writes: the number spelled as another layer on the merge's paths spells it (``s``), if
    one does."""
    spellings = tuple(
        sp
        for other in site.path_nodes(merge)
        if other is not node and (found := site.value(other, name)) is not None
        if str(found.number) == value
        for sp in found.spellings
    )
    number = Value(int(value), spellings, name) if value.isdigit() else value
    spelled = site.spell(number, node.calls)
    if name in node.param_pos:
        written = site.source.value(node.param_pos[name])
        if not site.source.span(written).isdigit():
            return site.source.replace(written, spelled), spelled
    return site.set_param(node, name, number), spelled


def _weight(site: Site, merge: Node, node: Node, name: str, value: str) -> int:
    """Among mends alike, the layer that differs from its peers (the layers on the merge's
    paths that write ``name``) is the likely slip: 0 where a peer that reads the same tensor
    writes the new value (the shortcut conv's stride beside the body's first conv), 1 where
    another peer does (the decoder's transposed conv strides as the encoder's conv should);
    100 and up where the layer agrees with every peer of its kind and the edit would make
    it the odd one (the third of four stride-2 convs); else the value, a smaller one first."""
    peers = [
        other for other in site.path_nodes(merge) if other is not node and name in other.param_pos
    ]
    same = [other for other in peers if str(other.params.get(name)) == value]
    if any(_reads(site, other) == _reads(site, node) for other in same):
        return 0
    if same:
        return 1
    kind = [other for other in peers if other.op == node.op]
    if kind and all(other.params.get(name) == node.params.get(name) for other in kind):
        return 100 + int(float(value))
    return 2 + int(float(value))


def _reads(site: Site, node: Node) -> int:
    """The tensor a layer reads, through the norms and activations before it."""
    n = node.inputs[0] if node.inputs else node.id
    while True:
        x = site.graph.nodes[n]
        if len(x.inputs) != 1 or x.op in _SIZED or "out_channels" in x.params:
            return n
        if site.table.shapes.get(x.id) != site.table.shapes.get(x.inputs[0]):
            return n
        n = x.inputs[0]


def _needed(site: Site, node: Node, side: int, target: list[int]) -> list[int] | None:
    """The output size ``node`` must have for its side to reach ``target``: the layers
    between it and the merge are taken to scale sizes (a pool halves, an upsample doubles),
    which is what they do on the paths skip connections join."""
    out, reached = site.sizes(node.id), site.sizes(side)
    if out is None or reached is None:
        return None
    wanted = []
    for o, r, t in zip(out, reached, target, strict=False):
        if r == o:
            wanted.append(t)
            continue
        value = Fraction(t) * o / r if r else None
        if value is None or value.denominator != 1:
            return None
        wanted.append(int(value))
    return wanted if wanted != out else None


def _values(site: Site, node: Node, wanted: list[int], rank: int) -> Iterator[tuple[str, str]]:
    """Single-parameter values of ``node`` whose output is ``wanted`` on every axis."""
    size_in = site.sizes(node.inputs[0])
    if size_in is None:
        return
    try:
        shape = _rule(node, rank)
    except (SkipcheckError, KeyError, TypeError):
        return
    if shape is None:
        return
    rule, options = shape
    for name, values in options.items():
        for v in values:
            try:
                got = [rule(name, v, axis, x) for axis, x in enumerate(size_in)]
            except (ZeroDivisionError, ValueError):
                continue
            if got == wanted:
                yield name, _text(v)


Rule = Callable[[str, object, int, int], int]


def _rule(node: Node, rank: int) -> tuple[Rule, dict[str, list[object]]] | None:
    """The layer's size rule with one parameter replaced, and the values to try for each."""
    p = node.params
    if node.op == "upsample":
        if p.get("size") is not None or not isinstance(p.get("scale_factor"), (int, float)):
            return None
        current = Fraction(p["scale_factor"]).limit_denominator(64)

        def upsample(name: str, v: object, axis: int, x: int) -> int:
            assert isinstance(v, Fraction)
            return int(x * v)  # torch floors the scaled size

        return upsample, {"scale_factor": [s for s in SCALES if s != current]}
    if not all(isinstance(p.get(k), (int, list)) for k in ("kernel_size", "padding")):
        return None  # `padding: same` and friends: the conv keeps its size by definition
    k, pad = per_axis(node, "kernel_size", rank), per_axis(node, "padding", rank)
    d = per_axis(node, "dilation", rank) if "dilation" in p else (1,) * rank
    pooled = node.op in ("maxpool", "avgpool")
    s = k if pooled and p.get("stride") is None else per_axis(node, "stride", rank)
    if node.op == "conv_transpose":
        extra = per_axis(node, "output_padding", rank)

        def transposed(name: str, v: object, axis: int, x: int) -> int:
            kk, ss, pp, oo = k[axis], s[axis], pad[axis], extra[axis]
            kk, ss, pp, oo = (
                (int(str(v)) if n == name else c)
                for n, c in zip(
                    ("kernel_size", "stride", "padding", "output_padding"),
                    (kk, ss, pp, oo),
                    strict=True,
                )
            )
            if oo >= max(ss, d[axis]):
                raise ValueError("torch refuses output_padding ≥ stride")
            return (x - 1) * ss - 2 * pp + d[axis] * (kk - 1) + oo + 1

        return transposed, {
            "stride": _others(s, STRIDES),
            "kernel_size": _others(k, KERNELS),
            "padding": _others(pad, PADDINGS),
            "output_padding": _others(extra, range(max(max(s), max(d)))),
        }

    def strided(name: str, v: object, axis: int, x: int) -> int:
        kk, ss, pp = k[axis], s[axis], pad[axis]
        value = int(str(v))
        if name == "kernel_size":
            kk = value
            if pooled and p.get("stride") is None:
                ss = value  # a pool's stride is its kernel unless written
        elif name == "stride":
            ss = value
        else:
            pp = value
        if pooled and pp > kk // 2:
            raise ValueError("torch refuses a pool's padding over half its kernel")
        span = x + 2 * pp - d[axis] * (kk - 1) - 1
        if span < 0:
            raise ValueError("the window does not fit")
        return span // ss + 1

    # a pointwise conv (1x1, no padding) mixes channels by design: its kernel is never the
    # slip, and widening it to reach a size is a change no reviewer would make
    pointwise = node.op == "conv" and set(k) == {1} and set(pad) == {0}
    return strided, {
        "stride": _others(s, STRIDES),
        "kernel_size": [] if pointwise else _others(k, KERNELS),
        "padding": _others(pad, range(max(len(PADDINGS), max(d) * (max(k) - 1) + 1))),
    }


def _others(current: tuple[int, ...], values: range) -> list[object]:
    """The values to try: one for every axis alike, except the one written."""
    return [v for v in values if (v,) * len(current) != current]


def _current(node: Node, name: str) -> str:
    value = node.params.get(name)
    if name == "stride" and value is None:
        value = node.params.get("kernel_size")
    return "not set" if value is None else _text(value)


def _text(value: object) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else str(float(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
