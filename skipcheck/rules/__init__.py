"""The registry of rule codes. One module per code; its docstring is its documentation.

Each rule module defines CODE, NAME, SEVERITY and SUMMARY; the docstring has the
sections *What it checks*, *Why it matters*, *Example* and *Use instead*. What the
rest of skipcheck needs to know about a rule is declared there too, once:

* ``KIND`` — what its size constraints mean: ``runs`` (torch fails outside them),
  ``clean`` (nothing is silently lost inside them) or ``declared`` (the author's claim);
  by default ``runs`` for errors and ``clean`` for warnings.
* ``SIZE_FREE`` — no input size can make the finding go away (channel counts).
* ``TORCH_RAISES`` — torch itself stops where the rule fires (the dry-run's referee);
  by default true for errors, false for warnings.
* ``FIXES`` — the fix generators (``skipcheck.check.fixes.GENERATORS``) that may resolve it.

Code that names a rule imports it by name (``from skipcheck.rules import OP_INPUT``),
never by a literal code.

A rule module also owns its findings' wording, as ruff's violations do: a frozen class per
kind of finding holds the facts (``MergeChannels(where, left, right, ...)``) and writes the
message from them. The op that fires it passes facts, ``ctx.check(verdicts, MergeChannels(...))``;
it never writes the sentence.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol

from skipcheck.core.errors import SkipcheckError
from skipcheck.rules import (
    sc101_merge_channels,
    sc102_merge_spatial,
    sc103_size_below_one,
    sc104_channel_divisibility,
    sc105_crop_too_small,
    sc106_op_input,
    sc107_declared_channels,
    sc108_input_requirement,
    sc109_runs_unproven,
    sc201_pool_drops_input,
    sc202_crop_asymmetric,
    sc301_declared_shape,
)


class Finding(Protocol):
    """A finding's facts, as the rule module that words them declares them."""

    @property
    def code(self) -> str: ...

    def message(self) -> str: ...


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    doc: str
    kind: str  # what its constraints mean for input sizes: "runs", "clean" or "declared"
    size_free: bool  # no input size fixes it
    torch_raises: bool  # torch stops where it fires
    fixes: tuple[str, ...]  # the fix generators that may resolve it


def _rule(module: ModuleType) -> Rule:
    error = module.SEVERITY == "error"
    return Rule(
        code=module.CODE,
        name=module.NAME,
        severity=module.SEVERITY,
        summary=module.SUMMARY,
        doc=(module.__doc__ or "").strip(),
        kind=getattr(module, "KIND", "runs" if error else "clean"),
        size_free=getattr(module, "SIZE_FREE", False),
        torch_raises=getattr(module, "TORCH_RAISES", error),
        fixes=tuple(module.FIXES),
    )


RULES: dict[str, Rule] = {
    r.code: r
    for r in map(
        _rule,
        (
            sc101_merge_channels,
            sc102_merge_spatial,
            sc103_size_below_one,
            sc104_channel_divisibility,
            sc105_crop_too_small,
            sc106_op_input,
            sc107_declared_channels,
            sc108_input_requirement,
            sc109_runs_unproven,
            sc201_pool_drops_input,
            sc202_crop_asymmetric,
            sc301_declared_shape,
        ),
    )
}


MERGE_CHANNELS = RULES[sc101_merge_channels.CODE]
MERGE_SPATIAL = RULES[sc102_merge_spatial.CODE]
SIZE_BELOW_ONE = RULES[sc103_size_below_one.CODE]
CHANNEL_DIVISIBILITY = RULES[sc104_channel_divisibility.CODE]
CROP_TOO_SMALL = RULES[sc105_crop_too_small.CODE]
OP_INPUT = RULES[sc106_op_input.CODE]
DECLARED_CHANNELS = RULES[sc107_declared_channels.CODE]
INPUT_REQUIREMENT = RULES[sc108_input_requirement.CODE]
RUNS_UNPROVEN = RULES[sc109_runs_unproven.CODE]
POOL_DROPS_INPUT = RULES[sc201_pool_drops_input.CODE]
CROP_ASYMMETRIC = RULES[sc202_crop_asymmetric.CODE]
DECLARED_SHAPE = RULES[sc301_declared_shape.CODE]

# the findings, by what they say
MergeChannels = sc101_merge_channels.MergeChannels
MergeRank = sc102_merge_spatial.MergeRank
GateOnBatch = sc102_merge_spatial.GateOnBatch
BroadcastRank = sc102_merge_spatial.BroadcastRank
MergeSpatial = sc102_merge_spatial.MergeSpatial
CropTooSmall = sc105_crop_too_small.CropTooSmall
CropAsymmetric = sc202_crop_asymmetric.CropAsymmetric
SizeBelowOne = sc103_size_below_one.SizeBelowOne
GroupsDivide = sc104_channel_divisibility.GroupsDivide
GroupedChannels = sc104_channel_divisibility.GroupedChannels
PixelShuffleChannels = sc104_channel_divisibility.PixelShuffleChannels
RunsUnproven = sc109_runs_unproven.RunsUnproven
ChannelSliceRange = sc106_op_input.ChannelSliceRange
StatedInput = sc107_declared_channels.StatedInput
InputRequirement = sc108_input_requirement.InputRequirement
PoolDropsInput = sc201_pool_drops_input.PoolDropsInput
DeclaredRank = sc301_declared_shape.DeclaredRank
DeclaredShape = sc301_declared_shape.DeclaredShape
NeedsSpatial = sc106_op_input.NeedsSpatial
ValuesPerAxis = sc106_op_input.ValuesPerAxis
PoolPadding = sc106_op_input.PoolPadding
AvgPool3dKernel = sc106_op_input.AvgPool3dKernel
OutputSizeUnset = sc106_op_input.OutputSizeUnset
UpsampleSizeUnset = sc106_op_input.UpsampleSizeUnset
UpsampleHow = sc106_op_input.UpsampleHow
SingleValueGroups = sc106_op_input.SingleValueGroups
ModeRank = sc106_op_input.ModeRank
AlignCornersMode = sc106_op_input.AlignCornersMode
ResizeToRank = sc106_op_input.ResizeToRank
TwoDOnly = sc106_op_input.TwoDOnly
UnshuffleSizes = sc106_op_input.UnshuffleSizes
PaddingTooWide = sc106_op_input.PaddingTooWide
SameNeedsStride = sc106_op_input.SameNeedsStride
OutputPadding = sc106_op_input.OutputPadding
NotAnAxis = sc106_op_input.NotAnAxis
PReLUParameters = sc106_op_input.PReLUParameters
FlattenAxes = sc106_op_input.FlattenAxes
FlattenBatch = sc106_op_input.FlattenBatch
FlattenOrder = sc106_op_input.FlattenOrder
PadPairs = sc106_op_input.PadPairs
PadModePairs = sc106_op_input.PadModePairs


def lookup(code_or_name: str) -> Rule:
    """A rule by code (``SC101``) or name (``merge-channels``)."""
    key = code_or_name.strip()
    for rule in RULES.values():
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    close = difflib.get_close_matches(key.upper(), list(RULES), n=1) or difflib.get_close_matches(
        key.lower(), [r.name for r in RULES.values()], n=1
    )
    hint = f" — did you mean {close[0]}?" if close else ""
    raise SkipcheckError(f"unknown rule {key!r}{hint}; `skipcheck rules` lists them")
