"""The registry of rule codes. One module per code; its docstring is its documentation.

Each rule module defines CODE, NAME, SEVERITY and SUMMARY; the docstring has the
sections *What it checks*, *Why it matters*, *Example* and *Use instead*.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from types import ModuleType

from skipcheck.errors import SkipcheckError
from skipcheck.rules import (
    sc101_merge_channels,
    sc102_merge_spatial,
    sc103_size_below_one,
    sc104_channel_divisibility,
    sc105_crop_too_small,
    sc106_op_input,
    sc201_pool_drops_input,
    sc202_crop_asymmetric,
    sc301_declared_shape,
)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    doc: str
    kind: str  # what its constraints mean for input sizes: "runs", "clean" or "declared"


def _rule(module: ModuleType) -> Rule:
    default_kind = "runs" if module.SEVERITY == "error" else "clean"
    kind = getattr(module, "KIND", default_kind)
    doc = (module.__doc__ or "").strip()
    return Rule(module.CODE, module.NAME, module.SEVERITY, module.SUMMARY, doc, kind)


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
            sc201_pool_drops_input,
            sc202_crop_asymmetric,
            sc301_declared_shape,
        ),
    )
}


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
