"""A hypothesis strategy for random architectures, written as spec YAML text.

Random conv / pool / transposed conv / upsample / pixel (un)shuffle / norm layers,
residuals with add, concat and mul, long skips to earlier stages with every
``align``, crops and pads, on random 1D/2D/3D inputs. Nothing steers them towards
valid models: most break somewhere, which is the point — the verdict must match too.

``architecture(v11=True)`` adds every format-1.1 construct: stated ``in_channels`` /
``num_features`` (right or wrong), ``tile``, ``channel_layernorm``, pad modes and conv
``padding_mode``, ``sub``/``max``/``mean`` merges, named branches from earlier tensors,
a block that takes its skip as an argument, and several named outputs.
"""

from __future__ import annotations

import random
from typing import Any

import yaml
from hypothesis import strategies as st

LINEAR_MODE = {1: "linear", 2: "bilinear", 3: "trilinear"}


def axes(rng: random.Random, rank: int, lo: int, hi: int) -> int | list[int]:
    """One value for every axis, or a list with one per axis."""
    if rank > 1 and rng.random() < 0.5:
        return [rng.randint(lo, hi) for _ in range(rank)]
    return rng.randint(lo, hi)


PAD_MODES = ["reflect", "replicate", "circular"]
MERGES_11 = ["sub", "max", "mean"]


def make_layer_11(rng: random.Random, rank: int) -> dict[str, Any] | str:
    """One format-1.1 layer (stated channels are sometimes right, mostly not)."""
    kind = rng.choice(["tile", "channel_layernorm", "pad", "conv", "conv_transpose", "batchnorm"])
    if kind == "tile":
        return {"tile": rng.randint(1, 3)}
    if kind == "channel_layernorm":
        return "channel_layernorm" if rng.random() < 0.5 else {kind: {"bias": False}}
    if kind == "pad":
        if rng.random() < 0.5:
            return {"pad": {"padding": rng.randint(0, 3), "mode": rng.choice(PAD_MODES)}}
        pads = [rng.randint(0, 3) for _ in range(2 * rank)]
        return {"pad": {"padding": pads, "mode": rng.choice(PAD_MODES)}}
    if kind == "batchnorm":
        return {"batchnorm": {"num_features": rng.randint(1, 4)}}
    args: dict[str, Any] = {
        "in_channels": rng.randint(1, 4),
        "out_channels": rng.randint(1, 4),
        "kernel_size": axes(rng, rank, 1, 4),
    }
    if kind == "conv":
        args["padding"] = rng.choice([axes(rng, rank, 0, 3), "same", "valid"])
        args["padding_mode"] = rng.choice(["zeros", *PAD_MODES])
        if rng.random() < 0.3:
            args["stride"] = axes(rng, rank, 1, 2)
    return {kind: args}


def make_layer(
    rng: random.Random, rank: int, depth: int = 0, v11: bool = False
) -> dict[str, Any] | str:
    if v11 and rng.random() < 0.4:
        return make_layer_11(rng, rank)
    kinds = ["conv", "conv", "conv_transpose", "maxpool", "avgpool", "upsample", "norm", "act"]
    kinds += ["crop", "pad", "adaptive"]
    if rank == 2:
        kinds += ["pixel_shuffle", "pixel_unshuffle"]
    if depth == 0:
        kinds += ["residual", "residual"]
    kind = rng.choice(kinds)
    if kind == "conv":
        args: dict[str, Any] = {
            "out_channels": rng.randint(1, 6),
            "kernel_size": axes(rng, rank, 1, 4),
        }
        padding = rng.choice(["int", "axes", "same", "valid"])
        args["padding"] = {"int": rng.randint(0, 2), "axes": axes(rng, rank, 0, 2)}.get(
            padding, padding
        )
        if rng.random() < 0.5:
            args["stride"] = axes(rng, rank, 1, 3)
        if rng.random() < 0.5:
            args["dilation"] = axes(rng, rank, 1, 2)
        if rng.randint(0, 3) == 0:
            args["groups"] = rng.randint(2, 3)
        return {"conv": args}
    if kind == "conv_transpose":
        args = {"out_channels": rng.randint(1, 6), "kernel_size": axes(rng, rank, 1, 4)}
        for key, lo, hi in (("stride", 1, 3), ("padding", 0, 2), ("output_padding", 0, 2)):
            if rng.random() < 0.5:
                args[key] = axes(rng, rank, lo, hi)
        if rng.random() < 0.5:
            args["dilation"] = axes(rng, rank, 1, 2)
        return {"conv_transpose": args}
    if kind in ("maxpool", "avgpool"):
        args = {"kernel_size": axes(rng, rank, 1, 3)}
        if rng.random() < 0.5:
            args["stride"] = axes(rng, rank, 1, 3)
        if rng.random() < 0.5:
            args["padding"] = axes(rng, rank, 0, 2)
        if kind == "maxpool" and rng.random() < 0.5:
            args["dilation"] = axes(rng, rank, 1, 2)
        if rng.random() < 0.5:
            args["ceil_mode"] = True
        return {kind: args}
    if kind == "upsample":
        mode = rng.choice(["nearest", "nearest", LINEAR_MODE[rank], "bicubic", "area"])
        if mode == "bicubic" and rank != 2:
            mode = "nearest"
        args = {"mode": mode}
        if rng.randint(0, 4) == 0:
            args["size"] = axes(rng, rank, 1, 12)
        else:
            factors = [2, 3, 0.5, 1.5, 2.5, 0.75, 1.25, 0.3]
            if rank > 1 and rng.random() < 0.5:
                args["scale_factor"] = [rng.choice(factors) for _ in range(rank)]
            else:
                args["scale_factor"] = rng.choice(factors)
        return {"upsample": args}
    if kind == "norm":
        which = rng.choice(["batchnorm", "instancenorm", "groupnorm", "layernorm"])
        return {"groupnorm": rng.randint(1, 3)} if which == "groupnorm" else which
    if kind == "act":
        return rng.choice(["relu", "sigmoid", "identity", "gelu"])
    if kind == "crop":
        return {"crop": axes(rng, rank, 0, 2)}
    if kind == "pad":
        if rng.random() < 0.5:
            return {"pad": rng.randint(0, 2)}
        return {"pad": [rng.randint(0, 2) for _ in range(2 * rank)]}
    if kind == "adaptive":
        op = rng.choice(["adaptive_avgpool", "adaptive_maxpool", "global_avgpool"])
        return op if op == "global_avgpool" else {op: axes(rng, rank, 1, 4)}
    if kind == "pixel_shuffle":
        return {"pixel_shuffle": rng.randint(1, 2)}
    if kind == "pixel_unshuffle":
        return {"pixel_unshuffle": rng.randint(1, 2)}
    body = [make_layer(rng, rank, depth + 1, v11) for _ in range(rng.randint(1, 3))]
    merges = ["add", "add", "concat", "mul", *(MERGES_11 if v11 else [])]
    args = {"body": body, "merge": rng.choice(merges)}
    if rng.random() < 0.5:
        args["shortcut"] = [make_layer(rng, rank, depth + 1, v11) for _ in range(rng.randint(1, 2))]
    return {"residual": args}


def make_merge(rng: random.Random, earlier: list[str], v11: bool = False) -> dict[str, Any]:
    op = rng.choice(["add", "concat", "concat", "mul", *(MERGES_11 if v11 else [])])
    args: dict[str, Any] = {"skip": rng.choice(earlier)}
    align = rng.choice(["none", "none", "center_crop", "pad", "interpolate"])
    if align != "none":
        args["align"] = align
    if rng.randint(0, 3) == 0:
        args["via"] = [{"conv": {"out_channels": rng.randint(1, 6), "kernel_size": 1}}]
    return {op: args}


@st.composite
def architecture(draw: st.DrawFn, v11: bool = False) -> str:
    """A whole spec: input, then stages of layers with long skips back to earlier stages."""
    rank = draw(st.integers(1, 3))
    hi = {1: 40, 2: 24, 3: 10}[rank]
    sizes = [draw(st.integers(1, hi)) for _ in range(rank)]
    channels = draw(st.integers(1, 4))
    stages = []
    names = ["input"]
    for k in range(draw(st.integers(1, 4))):
        # hypothesis draws the sizes and the shape of the model; each stage's layers
        # come from one seed, as one hypothesis draw per parameter costs more than
        # torch and skipcheck together (a failure prints the whole spec anyway)
        rng = random.Random(draw(st.integers(0, 2**32 - 1)))
        layers = [make_layer(rng, rank, v11=v11) for _ in range(draw(st.integers(1, 3)))]
        if len(names) > 1 and rng.random() < 0.5:
            layers.insert(rng.randint(0, len(layers)), make_merge(rng, names, v11))
        if v11 and rng.random() < 0.4:
            # a side branch from an earlier tensor; later stages may merge it
            branch = [make_layer(rng, rank, 1, v11) for _ in range(rng.randint(1, 2))]
            start = rng.choice(names)
            layers.insert(
                rng.randint(0, len(layers)),
                {"branch": {"name": f"b{k}", "from": start, "layers": branch}},
            )
            names.append(f"b{k}")
        if v11 and len(names) > 1 and rng.random() < 0.3:
            layers.append({"gate": {"skip": rng.choice(names)}})
        stages.append({"stage": f"s{k}", "layers": layers})
        names.append(f"s{k}")
    spec: dict[str, Any] = {
        "skipcheck": 1.1 if v11 else 1,
        "name": "random",
        "input": [1, channels, *sizes],
    }
    if v11:
        spec["blocks"] = {
            "gate": {
                "args": ["skip"],
                "layers": [
                    {
                        "mul": {
                            "skip": "skip",
                            "via": [{"conv": {"out_channels": 1, "kernel_size": 1}}, "sigmoid"],
                        }
                    }
                ],
            }
        }
        picked = sorted({draw(st.sampled_from(names[1:])) for _ in range(draw(st.integers(1, 3)))})
        spec["outputs"] = picked
    spec["layers"] = stages
    return yaml.safe_dump(spec, sort_keys=False, default_flow_style=None)
