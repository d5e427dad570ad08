"""The cyclic garbage collector, paused around work that makes many objects and no garbage
cycles: loading a spec, lowering it. Left on, it traces the objects made so far again and
again meanwhile (a tenth of a load); refcounting frees what such work drops."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def paused(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` with the collector off while it runs (and on again after, only if it
    was on: a caller that turned it off keeps it off)."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return run
