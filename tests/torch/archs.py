"""A hypothesis strategy for random architectures, written as spec YAML text.

Random conv / pool / transposed conv / upsample / pixel (un)shuffle / norm layers,
residuals with add, concat and mul, long skips to earlier stages with every
``align``, crops and pads, on random 1D/2D/3D inputs. Nothing steers them towards
valid models: most break somewhere, which is the point — the verdict must match too.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import strategies as st

LINEAR_MODE = {1: "linear", 2: "bilinear", 3: "trilinear"}


@st.composite
def axes(draw: st.DrawFn, rank: int, lo: int, hi: int) -> int | list[int]:
    """One value for every axis, or a list with one per axis."""
    if rank > 1 and draw(st.booleans()):
        return [draw(st.integers(lo, hi)) for _ in range(rank)]
    return draw(st.integers(lo, hi))


@st.composite
def layer(draw: st.DrawFn, rank: int, depth: int = 0) -> dict[str, Any] | str:
    kinds = ["conv", "conv", "conv_transpose", "maxpool", "avgpool", "upsample", "norm", "act"]
    kinds += ["crop", "pad", "adaptive"]
    if rank == 2:
        kinds += ["pixel_shuffle", "pixel_unshuffle"]
    if depth == 0:
        kinds += ["residual", "residual"]
    kind = draw(st.sampled_from(kinds))
    ch = st.integers(1, 6)
    if kind == "conv":
        args: dict[str, Any] = {"out_channels": draw(ch), "kernel_size": draw(axes(rank, 1, 4))}
        padding = draw(st.sampled_from(["int", "axes", "same", "valid"]))
        args["padding"] = {"int": draw(st.integers(0, 2)), "axes": draw(axes(rank, 0, 2))}.get(
            padding, padding
        )
        if draw(st.booleans()):
            args["stride"] = draw(axes(rank, 1, 3))
        if draw(st.booleans()):
            args["dilation"] = draw(axes(rank, 1, 2))
        if draw(st.integers(0, 3)) == 0:
            args["groups"] = draw(st.integers(2, 3))
        return {"conv": args}
    if kind == "conv_transpose":
        args = {"out_channels": draw(ch), "kernel_size": draw(axes(rank, 1, 4))}
        for key, lo, hi in (("stride", 1, 3), ("padding", 0, 2), ("output_padding", 0, 2)):
            if draw(st.booleans()):
                args[key] = draw(axes(rank, lo, hi))
        if draw(st.booleans()):
            args["dilation"] = draw(axes(rank, 1, 2))
        return {"conv_transpose": args}
    if kind in ("maxpool", "avgpool"):
        args = {"kernel_size": draw(axes(rank, 1, 3))}
        if draw(st.booleans()):
            args["stride"] = draw(axes(rank, 1, 3))
        if draw(st.booleans()):
            args["padding"] = draw(axes(rank, 0, 2))
        if kind == "maxpool" and draw(st.booleans()):
            args["dilation"] = draw(axes(rank, 1, 2))
        if draw(st.booleans()):
            args["ceil_mode"] = True
        return {kind: args}
    if kind == "upsample":
        mode = draw(st.sampled_from(["nearest", "nearest", LINEAR_MODE[rank], "bicubic", "area"]))
        if mode == "bicubic" and rank != 2:
            mode = "nearest"
        args = {"mode": mode}
        if draw(st.integers(0, 4)) == 0:
            args["size"] = draw(axes(rank, 1, 12))
        else:
            factors = st.sampled_from([2, 3, 0.5, 1.5, 2.5, 0.75, 1.25, 0.3])
            if rank > 1 and draw(st.booleans()):
                args["scale_factor"] = [draw(factors) for _ in range(rank)]
            else:
                args["scale_factor"] = draw(factors)
        return {"upsample": args}
    if kind == "norm":
        which = draw(st.sampled_from(["batchnorm", "instancenorm", "groupnorm", "layernorm"]))
        return {"groupnorm": draw(st.integers(1, 3))} if which == "groupnorm" else which
    if kind == "act":
        return draw(st.sampled_from(["relu", "sigmoid", "identity", "gelu"]))
    if kind == "crop":
        return {"crop": draw(axes(rank, 0, 2))}
    if kind == "pad":
        if draw(st.booleans()):
            return {"pad": draw(st.integers(0, 2))}
        return {"pad": [draw(st.integers(0, 2)) for _ in range(2 * rank)]}
    if kind == "adaptive":
        op = draw(st.sampled_from(["adaptive_avgpool", "adaptive_maxpool", "global_avgpool"]))
        return op if op == "global_avgpool" else {op: draw(axes(rank, 1, 4))}
    if kind == "pixel_shuffle":
        return {"pixel_shuffle": draw(st.integers(1, 2))}
    if kind == "pixel_unshuffle":
        return {"pixel_unshuffle": draw(st.integers(1, 2))}
    body = draw(st.lists(layer(rank, depth + 1), min_size=1, max_size=3))
    args = {"body": body, "merge": draw(st.sampled_from(["add", "add", "concat", "mul"]))}
    if draw(st.booleans()):
        args["shortcut"] = draw(st.lists(layer(rank, depth + 1), min_size=1, max_size=2))
    return {"residual": args}


@st.composite
def merge(draw: st.DrawFn, rank: int, earlier: list[str]) -> dict[str, Any]:
    op = draw(st.sampled_from(["add", "concat", "concat", "mul"]))
    args: dict[str, Any] = {"skip": draw(st.sampled_from(earlier))}
    align = draw(st.sampled_from(["none", "none", "center_crop", "pad", "interpolate"]))
    if align != "none":
        args["align"] = align
    if draw(st.integers(0, 3)) == 0:
        args["via"] = [{"conv": {"out_channels": draw(st.integers(1, 6)), "kernel_size": 1}}]
    return {op: args}


@st.composite
def architecture(draw: st.DrawFn) -> str:
    """A whole spec: input, then stages of layers with long skips back to earlier stages."""
    rank = draw(st.integers(1, 3))
    hi = {1: 40, 2: 24, 3: 10}[rank]
    sizes = [draw(st.integers(1, hi)) for _ in range(rank)]
    channels = draw(st.integers(1, 4))
    stages = []
    names = ["input"]
    for k in range(draw(st.integers(1, 4))):
        layers = draw(st.lists(layer(rank), min_size=1, max_size=3))
        if len(names) > 1 and draw(st.booleans()):
            layers.insert(draw(st.integers(0, len(layers))), draw(merge(rank, names)))
        stages.append({"stage": f"s{k}", "layers": layers})
        names.append(f"s{k}")
    spec = {"skipcheck": 1, "name": "random", "input": [1, channels, *sizes], "layers": stages}
    return yaml.safe_dump(spec, sort_keys=False, default_flow_style=None)
