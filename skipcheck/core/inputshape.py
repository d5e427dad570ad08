"""The input a spec is checked at: one value, read and judged in one place, whoever gives it —
the spec's ``input:``, ``--input``, ``--set input=``, a config's ``input``, import's ``--input``.

Each source words where the shape came from (``--input '1x3'``, a line of the spec); what is
wrong with a shape is worded here, once:

    >>> InputShape.parse("1x3xHxW").dims
    (1, 3, 'H', 'W')
    >>> InputShape.parse("1xCx8x8")
    Traceback (most recent call last):
    skipcheck.errors.SkipcheckError: --input '1xCx8x8': the input's channel count must be a number
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.position import Position

# channels are capped at 2^24 (spec/lower.py's MAX_CHANNELS); a spatial size may be 64 times
# that: any real input fits, and a runaway one is refused before it is multiplied out
MAX_INPUT_SIZE = (1 << 24) * 64
MAX_SPATIAL_AXES = 3  # 1D, 2D and 3D convolutions, as torch has them
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Dim = int | str


@dataclass(frozen=True)
class InputShape:
    """A whole input shape, ``[batch, channels, *spatial]``: sizes are numbers from 1 to
    ``MAX_INPUT_SIZE`` or symbols (``H``); the channel count is a number; 1 to 3 spatial axes.
    ``text``: the shape as an option or a setting wrote it, when it came as text."""

    dims: tuple[Dim, ...]
    text: str | None = None

    @classmethod
    def parse(cls, text: str, where: str | None = None) -> InputShape:
        """``1x3x256x256`` (or ``N,3,H,W``, ``1×3×H×W``) as an option or a setting writes it;
        ``where`` names that option in messages (default ``--input 'TEXT'``)."""
        where = f"--input {text!r}" if where is None else where
        parts = [p.strip() for p in text.replace(",", "x").replace("×", "x").split("x")]
        parts = [p for p in parts if p]
        if len(parts) < 3:
            raise SkipcheckError(f"{where}: expected something like 1x3x256x256")
        dims: list[Dim] = []
        for p in parts:
            if p.isdigit() and int(p) > 0:
                dims.append(int(p))
            elif p.isidentifier():
                dims.append(p)
            else:
                raise SkipcheckError(f"{where}: {p!r} is not a positive size or a symbol")
        found = problem(dims)
        if found is not None:
            raise SkipcheckError(f"{where}: {found[1]}")
        return cls(tuple(dims), text)

    @classmethod
    def of(
        cls,
        dims: Sequence[Any],
        pos: Position | None = None,
        at: Callable[[int], Position] | None = None,
    ) -> InputShape:
        """A shape given as a list (the spec's ``input:``, a caller's tuple); a problem is a
        SkipcheckError at ``at(axis)`` for one size, else at ``pos``."""
        found = problem(dims)
        if found is not None:
            axis, reason = found
            raise SkipcheckError(reason, at(axis) if axis is not None and at else pos)
        return cls(tuple(dims))

    def concrete(self) -> tuple[int, ...] | None:
        """The sizes when every one is a number (an example input), else None."""
        if all(isinstance(d, int) for d in self.dims):
            return tuple(int(d) for d in self.dims)
        return None

    def __str__(self) -> str:
        return self.text if self.text is not None else "x".join(map(str, self.dims))


def problem(dims: Sequence[Any]) -> tuple[int | None, str] | None:
    """What is wrong with ``dims`` as an input shape, first problem first: (the axis it is
    about, or None for the whole shape; the reason), or None when it is a valid shape."""
    for k, d in enumerate(dims):
        if isinstance(d, bool) or not isinstance(d, (int, str)):
            return k, f"input sizes are whole numbers or symbols like H, not {d!r}"
        if isinstance(d, str) and not _IDENT.match(d):
            return k, f"input symbol {d!r} must be a plain name like H"
        if isinstance(d, int) and not 1 <= d <= MAX_INPUT_SIZE:
            return k, f"input size {d} is out of range (1 to {MAX_INPUT_SIZE:,})"
    if len(dims) < 3:
        return None, f"input {list(dims)} needs batch, channels and at least one spatial size"
    if isinstance(dims[1], str):
        return 1, "the input's channel count must be a number"
    if len(dims) - 2 > MAX_SPATIAL_AXES:
        spatial = len(dims) - 2
        return None, f"input has {spatial} spatial axes; 1 to {MAX_SPATIAL_AXES} are supported"
    return None
