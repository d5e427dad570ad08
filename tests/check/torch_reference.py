"""A brute-force reference: run a Graph with torch on the meta device, size by size.

Independent of skipcheck's shape arithmetic: sizes come from torch's own
functional ops. Channels are made irrelevant (weights are shaped from the
actual input, `add`/`mul` operands are summed to one channel first), because
the size answer is about spatial sizes only. Norms act as in eval mode.
Layers whose weights depend on a spatial size (linear, layernorm) are built
at the spec's own input, as a real nn.Module would be.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from skipcheck.core.graph import Graph, Node

META = torch.device("meta")


class Refused(Exception):
    """The spec semantics refuse this size where torch slicing would not complain."""


def _conv(rank: int) -> Any:
    return (F.conv1d, F.conv2d, F.conv3d)[rank - 1]


def _tuple(v: Any, rank: int) -> tuple[int, ...]:
    return (v,) * rank if isinstance(v, int) else tuple(v)


class Reference:
    """``Reference(graph).runs([1, 1, 572, 572])`` → True/False, and the clean verdict."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.built: dict[int, Any] = {}
        self.lossy = False
        spec = [d if isinstance(d, int) else 64 for d in graph.input_dims]
        self.runs(spec)  # build size-dependent weights at the spec's input, as far as it runs

    def runs(self, dims: Sequence[int]) -> tuple[bool, bool]:
        """(runs, runs without silent loss) at this input shape."""
        self.lossy = False
        try:
            self.forward(dims)
        except (RuntimeError, ValueError, IndexError, Refused):
            return False, False
        return True, not self.lossy

    def forward(self, dims: Sequence[int]) -> torch.Tensor:
        values: dict[int, torch.Tensor] = {0: torch.empty(*dims, device=META)}
        for node in self.graph.nodes[1:]:
            out = self.apply(node, [values[i] for i in node.inputs])
            if out.dim() > 2 and min(out.shape[2:]) < 1:
                # torch on CPU/GPU raises "Output size is too small" here; the meta device does not
                raise Refused(f"{node.op} gives {tuple(out.shape)}")
            values[node.id] = out
        return values[self.graph.out]

    def tail(self, size: int, k: int, s: int, p: int, d: int) -> None:
        # a kernel smaller than its stride skips input by design: not a silent loss
        if s > 1 and k >= s and (size + 2 * p - d * (k - 1) - 1) % s > p:
            self.lossy = True

    def apply(self, node: Node, xs: list[torch.Tensor]) -> torch.Tensor:
        x = xs[0]
        p = node.params
        rank = x.dim() - 2
        op = node.op
        if op == "conv":
            k = _tuple(p["kernel_size"], rank)
            w = torch.empty(1, x.shape[1], *k, device=META)
            pad = p["padding"] if isinstance(p["padding"], str) else _tuple(p["padding"], rank)
            s, d = _tuple(p["stride"], rank), _tuple(p["dilation"], rank)
            if pad != "same":
                pads = (0,) * rank if pad == "valid" else pad
                for a in range(rank):
                    self.tail(x.shape[2 + a], k[a], s[a], pads[a], d[a])
            return _conv(rank)(x, w, None, s, pad, d)
        if op == "conv_transpose":
            k = _tuple(p["kernel_size"], rank)
            w = torch.empty(x.shape[1], 1, *k, device=META)
            fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[rank - 1]
            return fn(
                x,
                w,
                None,
                _tuple(p["stride"], rank),
                _tuple(p["padding"], rank),
                _tuple(p["output_padding"], rank),
                1,
                _tuple(p["dilation"], rank),
            )
        if op in ("maxpool", "avgpool"):
            k = _tuple(p["kernel_size"], rank)
            s = k if p["stride"] is None else _tuple(p["stride"], rank)
            pad = _tuple(p["padding"], rank)
            d = _tuple(p.get("dilation", 1), rank)
            if not p["ceil_mode"]:
                for a in range(rank):
                    self.tail(x.shape[2 + a], k[a], s[a], pad[a], d[a])
            if op == "maxpool":
                fn = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[rank - 1]
                return fn(x, k, s, pad, d, ceil_mode=p["ceil_mode"])
            fn = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[rank - 1]
            return fn(x, k, s, pad, ceil_mode=p["ceil_mode"])
        if op in ("adaptive_avgpool", "adaptive_maxpool"):
            size = p["output_size"]
            sizes = [size] * rank if not isinstance(size, list) else size
            return torch.empty(
                *x.shape[:2],
                *(h if o is None else o for o, h in zip(sizes, x.shape[2:], strict=True)),
                device=META,
            )
        if op in ("global_avgpool", "global_maxpool"):
            return torch.empty(*x.shape[:2], *([1] * rank), device=META)
        if op in ("upsample", "interpolate"):
            f = p["scale_factor"]
            factor = None if f is None else (tuple(f) if isinstance(f, list) else float(f))
            mode = p["mode"]
            size = p["size"]
            if (
                mode in ("linear", "bilinear", "bicubic", "trilinear")
                and x.dim()
                == 2
                + {
                    "linear": 1,
                    "bilinear": 2,
                    "bicubic": 2,
                    "trilinear": 3,
                }[mode]
            ):
                # torch sizes every mode's output with one rule (upsample compute_output_size);
                # the meta kernels of the smooth modes build index tensors and cost ~50 ms each
                mode = "nearest"
                align = None
            else:
                align = p["align_corners"]
            return F.interpolate(x, size=size, scale_factor=factor, mode=mode, align_corners=align)
        if op == "pixel_shuffle":
            r = p["upscale_factor"]
            return F.pixel_shuffle(x[:, :1].repeat(1, r * r, 1, 1), r)
        if op == "pixel_unshuffle":
            return F.pixel_unshuffle(x, p["downscale_factor"])
        if op == "crop":
            m = _tuple(p["margin"], rank)
            out = x
            for a in range(rank):
                h = x.shape[2 + a]
                if h - 2 * m[a] < 1:
                    raise Refused("crop leaves nothing")
                out = out.narrow(2 + a, m[a], h - 2 * m[a])
            return out
        if op == "pad":
            pad = p["padding"]
            pairs = [pad] * (2 * rank) if isinstance(pad, int) else list(pad)
            return F.pad(x, pairs)
        if op == "flatten":
            return torch.flatten(x, p["start_dim"], p["end_dim"])
        if op == "linear":
            n = self.built.setdefault(node.id, x.shape[-1])
            return F.linear(x, torch.empty(p["out_features"], n, device=META))
        if op == "layernorm":
            shape = self.built.setdefault(node.id, tuple(x.shape[1:]))
            return F.layer_norm(x, shape)
        if op in ("add", "concat", "mul"):
            return self.merge(node, xs)
        return x  # activations, norms in eval mode, dropout, identity

    def merge(self, node: Node, xs: list[torch.Tensor]) -> torch.Tensor:
        run = xs[0]
        align = node.params.get("align", "none")
        rank = run.dim() - 2
        skips = []
        for skip in xs[1:]:
            if align == "center_crop":
                for a in range(rank):
                    s, r = skip.shape[2 + a], run.shape[2 + a]
                    if s < r:
                        raise Refused("skip smaller than the running tensor")
                    if (s - r) % 2:
                        self.lossy = True
                    skip = skip.narrow(2 + a, (s - r) // 2, r)
            elif align == "pad":
                pads: list[int] = []
                for a in reversed(range(rank)):
                    s, r = skip.shape[2 + a], run.shape[2 + a]
                    if s < r:
                        raise Refused("skip smaller than the running tensor")
                    pads += [(s - r) // 2, s - r - (s - r) // 2]
                run = F.pad(run, pads)
            elif align == "interpolate":
                run = F.interpolate(run, size=tuple(skip.shape[2:]), mode="nearest")
            skips.append(skip)
        if node.op == "concat":
            return torch.cat([run, *skips], 1)
        out = run.sum(1, keepdim=True)
        for skip in skips:
            other = skip.sum(1, keepdim=True)
            if node.op == "add":
                if other.shape != out.shape:
                    raise Refused("add without broadcasting")
                out = out + other
            else:
                out = out * other
        return out


def brute_force(
    graph: Graph, axis_vars: Sequence[str], var: str, lo: int, hi: int, at: dict[str, int]
) -> tuple[set[int], set[int]]:
    """The sizes of ``var`` in lo..hi where the graph runs, and runs cleanly, per torch."""
    ref = Reference(graph)
    dims0 = [d if isinstance(d, int) else 1 for d in graph.input_dims[:2]]
    runs, clean = set(), set()
    for x in range(lo, hi + 1):
        dims = [*dims0, *(x if v == var else at[v] for v in axis_vars)]
        ok, tidy = ref.runs(dims)
        if ok:
            runs.add(x)
            if tidy:
                clean.add(x)
    return runs, clean
