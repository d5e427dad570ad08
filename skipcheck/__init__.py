"""skipcheck — catch broken skip connections in architecture specs before you build the model."""

from __future__ import annotations

from typing import Any

from skipcheck.core.version import __version__ as __version__


def __getattr__(name: str) -> Any:
    # `skipcheck.build` needs torch; importing skipcheck must not import it.
    if name == "build":
        from skipcheck.torch import build

        return build
    raise AttributeError(f"module 'skipcheck' has no attribute {name!r}")
