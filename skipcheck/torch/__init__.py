"""The PyTorch side: build a spec into an ``nn.Module``, dry-run it, export it as code.

This package is the only place that imports torch, and it does so lazily: importing
``skipcheck.torch`` costs nothing, and without torch installed every entry point
raises one SkipcheckError that says how to install it (exit code 2 at the CLI).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from skipcheck.core.errors import SkipcheckError

if TYPE_CHECKING:
    from skipcheck.check.result import FileResult
    from skipcheck.core.graph import Graph
    from skipcheck.torch.importer import Imported

# skipcheck is not on the package index: the extra is installed from a checkout
INSTALL_HINT = (
    "this needs PyTorch: install skipcheck[torch] "
    "(pip install torch, or pip install -e '.[torch]' in a skipcheck checkout)"
)


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
    result: FileResult, *, device: str = "meta", force: bool = False
) -> tuple[list[str], int]:
    """``skipcheck dryrun``: the report's lines and the exit code (0 runs, 1 fails, 2 internal)."""
    require_torch()
    from skipcheck.torch.dryrun import dryrun, report

    run = dryrun(result, device=device, force=force)
    return report(run), run.exit_code


def export_command(
    graph: Graph, *, input_shape: Sequence[int | str] | None = None, text: str | None = None
) -> str:
    """``skipcheck export``: the PyTorch source for a lowered spec; ``text``, the spec's YAML,
    gives the code its expressions."""
    require_torch()
    from skipcheck.torch.export import export_source

    return export_source(graph, input_shape, text)


def import_command(
    target: str,
    input_shape: Sequence[int] | None,
    *,
    args: str | None,
    opaque: Sequence[str] | None,
) -> Imported:
    """``skipcheck import``: load the model ``target`` names, map it, prove the spec."""
    require_torch()
    from skipcheck.torch.importer import import_model, instantiate, parse_opaque
    from skipcheck.torch.importer.load import load_factory, parse_args

    kwargs = parse_args(args)
    rules = parse_opaque(opaque)
    factory = load_factory(target)
    model = instantiate(factory, kwargs)
    name = target.rpartition(":")[2]
    return import_model(model, input_shape, name=name, source=target, opaque=rules)
