"""What it checks: an input size against the conditions stated in the spec's top-level
``require:`` list (format 1.1) — the model's own checks on its input, which ``skipcheck
import`` reads from the model's Python (``if h % 32: raise``, ``assert H == self.img_size``)
and writes with the source line that asks them.

Why it matters: the layers alone may run at a size where the model's own code refuses it
(segmentation_models_pytorch raises unless H and W are multiples of the encoder's output
stride; a vision transformer's position embedding fits one patch grid). ``sizes`` and
``validate`` count the requirement like any layer's condition and name the line it came
from.

Example:

    skipcheck: 1.1
    input: [1, 3, 250, 250]
    require:
      - {condition: "H % 32 == 0", source: "model.py:31 in Net.forward: if h % 32: raise"}
      - W % 32 == 0
    layers:
      - conv: {out_channels: 16, kernel_size: 3, padding: 1}

Use instead: a size the model accepts (``skipcheck sizes`` lists them):

    skipcheck: 1.1
    input: [1, 3, 256, 256]
    require:
      - {condition: "H % 32 == 0", source: "model.py:31 in Net.forward: if h % 32: raise"}
      - W % 32 == 0
    layers:
      - conv: {out_channels: 16, kernel_size: 3, padding: 1}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CODE = "SC108"
NAME = "input-requirement"
SEVERITY = "error"
SUMMARY = "the input size breaks a condition the spec's `require:` states"
FIXES = ("input_size",)


@dataclass(frozen=True)
class InputRequirement:
    """The model's own ``condition`` on its input (written at ``source``), which the input
    ``x`` breaks."""

    condition: str  # "H % 32 == 0"
    source: str  # where the model checks it, or ""
    x: tuple[Any, ...]
    show: Callable[[tuple[Any, ...]], str] = field(compare=False, repr=False)
    code = CODE

    def message(self) -> str:
        source = f" ({self.source})" if self.source else ""
        return f"the model requires {self.condition}{source}; the input gives {self.show(self.x)}"
