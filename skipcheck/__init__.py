"""skipcheck — catch broken skip connections in architecture specs before you build the model."""

from __future__ import annotations

__version__ = "0.1.0"
