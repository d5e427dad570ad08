"""einops rearranges that are a flatten or a permute, traced as the torch op they are.

einops cannot run on an fx Proxy (it looks for a backend by the tensor's type and finds
none), so every ``Rearrange`` and ``einops.rearrange`` used to stop the trace. Two patterns
are plain torch ops on ``[N, C, *spatial]`` and a spec states them exactly:

- ``'b c h w -> b (c h w)'``: every axis but the first grouped in order — ``torch.flatten(x,
  1)``, the ``flatten`` a classifier head has;
- ``'b c h w -> b h w c'`` and back: the axes reordered, nothing grouped —
  ``x.permute(0, 2, 3, 1)``, read by the importer's channels-last handling (a LayerNorm over
  the channels, a Linear as a 1x1 conv) exactly as a hand-written permute is.

Those are recorded as that torch op, with the pattern kept in the node's meta so a refusal
further on names it. Anything else (``'b c h w -> b (h w) c'``, patch splits, axis lengths,
``...``) runs einops as before and stops the trace there, refused as a token layout with
its pattern.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from torch import fx, nn

PATTERN = "skipcheck_einops"  # node.meta: the einops pattern the node was traced from

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def equivalent(pattern: str, rank: int) -> tuple[str, list[int]] | None:
    """``('flatten', [])`` or ``('permute', dims)`` where ``pattern`` rearranges a tensor of
    ``rank`` axes exactly as that op does; None where it is anything else."""
    if pattern.count("->") != 1:
        return None
    left, right = (side.strip() for side in pattern.split("->"))
    axes = left.split()
    if len(axes) != rank or len(set(axes)) != rank or not all(_NAME.match(a) for a in axes):
        return None  # '...', '1', '(h p)' on the left, repeated names: not a plain op
    if right == f"{axes[0]} ({' '.join(axes[1:])})" and rank > 2:
        return "flatten", []
    out = right.split()
    if sorted(out) != sorted(axes):
        return None  # groups, new axes or dropped ones
    return "permute", [axes.index(a) for a in out]


def apply(proxy: Any, pattern: str, rank: int) -> Any | None:
    """The torch op ``pattern`` is, applied to ``proxy`` (None where it is no such op)."""
    import torch

    found = equivalent(pattern, rank)
    if found is None:
        return None
    kind, dims = found
    if kind == "permute" and dims == list(range(rank)):
        return proxy  # 'b c h w -> b c h w': the tensor itself
    out = torch.flatten(proxy, 1) if kind == "flatten" else proxy.permute(*dims)
    if isinstance(out, fx.Proxy):
        out.node.meta[PATTERN] = pattern
    return out


def is_rearrange(module: nn.Module) -> bool:
    """einops' ``Rearrange`` layer (of any backend's torch flavour) with no axis lengths."""
    cls = type(module)
    return (
        cls.__name__ == "Rearrange"
        and cls.__module__.startswith("einops")
        and isinstance(getattr(module, "pattern", None), str)
        and not getattr(module, "axes_lengths", None)
    )


class functional_rearranges:
    """While tracing, ``einops.rearrange(x, pattern)`` of a traced value whose pattern is a
    flatten or a permute records that op; einops' own code runs otherwise. ``rearrange`` calls
    ``einops.einops.reduce`` by its module global, so replacing that one name covers every
    ``from einops import rearrange``. Nothing happens where einops was never imported."""

    def __init__(self, rank_of: Any) -> None:
        self.rank_of = rank_of  # a Proxy → its rank, None where not known
        self.module: Any = None
        self.saved: Any = None

    def __enter__(self) -> None:
        self.module = sys.modules.get("einops.einops")
        if self.module is None or not callable(getattr(self.module, "reduce", None)):
            self.module = None
            return
        original = self.saved = self.module.reduce
        rank_of = self.rank_of

        def reduce(tensor: Any, pattern: Any, reduction: Any, **axes_lengths: Any) -> Any:
            if (
                isinstance(tensor, fx.Proxy)
                and reduction == "rearrange"
                and isinstance(pattern, str)
                and not axes_lengths
            ):
                rank = rank_of(tensor)
                out = apply(tensor, pattern, rank) if rank is not None else None
                if out is not None:
                    return out
            return original(tensor, pattern, reduction, **axes_lengths)

        self.module.reduce = reduce

    def __exit__(self, *exc: object) -> None:
        if self.module is not None:
            self.module.reduce = self.saved
