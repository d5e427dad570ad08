"""The PyTorch side: build a spec into an ``nn.Module``, dry-run it, export it as code.

This package is the only place that imports torch, and it does so lazily: importing
``skipcheck.torch`` costs nothing, and without torch installed every entry point
raises one SkipcheckError that says how to install it (exit code 2 at the CLI).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from skipcheck.errors import SkipcheckError

INSTALL_HINT = 'this needs PyTorch: install skipcheck[torch] (pip install "skipcheck[torch]")'


def require_torch() -> ModuleType:
    """torch itself, or a SkipcheckError that says how to get it."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise SkipcheckError(INSTALL_HINT) from None


def build(spec: Any, /, *, input_shape: Sequence[int | str] | None = None, **params: Any) -> Any:
    """A spec (a path, or YAML text) as an ``nn.Module``; ``params`` override the spec's.

    >>> model = skipcheck.build("specs/unet_original.yaml", base=32)   # doctest: +SKIP
    """
    require_torch()
    from skipcheck.torch.model import build as build_model

    return build_model(spec, input_shape=input_shape, **params)


def dryrun_command(
    path: str,
    *,
    device: str = "meta",
    input_shape: Sequence[int | str] | None = None,
    force: bool = False,
    params: Mapping[str, Any] | None = None,
) -> tuple[list[str], int]:
    """``skipcheck dryrun``: the report's lines and the exit code (0 runs, 1 fails, 2 internal)."""
    require_torch()
    from skipcheck.check import build_graph
    from skipcheck.torch.dryrun import dryrun, report

    run = dryrun(build_graph(path, params), device=device, input_shape=input_shape, force=force)
    return report(run), run.exit_code


def export_command(
    path: str,
    *,
    input_shape: Sequence[int | str] | None = None,
    params: Mapping[str, Any] | None = None,
) -> str:
    """``skipcheck export``: the standalone PyTorch source for the spec at ``path``."""
    require_torch()
    from skipcheck.check import build_graph
    from skipcheck.torch.export import export_source

    return export_source(build_graph(path, params), input_shape)
