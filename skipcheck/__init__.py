"""skipcheck — catch broken skip connections in architecture specs before you build the model."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # `skipcheck.build` needs torch; importing skipcheck must not import it.
    if name == "build":
        from skipcheck.torch import build

        return build
    raise AttributeError(f"module 'skipcheck' has no attribute {name!r}")
