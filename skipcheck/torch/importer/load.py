"""Find the model the user names (``package.module:factory`` or ``path/to/file.py:factory``)
and call it with the ``--args`` mapping.

Loading the user's code is what the user asks for; nothing from the model ever reaches
the written spec except numbers and names that are checked to be plain identifiers.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any

from skipcheck.core.errors import SkipcheckError


def parse_args(text: str | None) -> dict[str, Any]:
    """``--args`` as YAML through the project's safe loader (no tags, no python objects).

    >>> parse_args("{spatial_dims: 2, channels: [16, 32]}")
    {'spatial_dims': 2, 'channels': [16, 32]}
    """
    if text is None or not text.strip():
        return {}
    from skipcheck.specfile.yamltree import load_text

    value = plain(load_text(text, "--args"))
    if not isinstance(value, dict):
        raise SkipcheckError(f"--args must be a YAML mapping like {{in_channels: 1}}, not {text!r}")
    return value


def plain(value: Any) -> Any:
    """The loader's positioned containers as plain dicts and lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def load_factory(target: str) -> Any:
    """The callable named by ``module.path:name`` or ``file.py:name`` (dots allowed in name)."""
    where, sep, name = target.rpartition(":")
    if not sep or not where or not name:
        raise SkipcheckError(
            f"name the model as module:callable or file.py:callable, e.g. "
            f"monai.networks.nets:UNet or models.py:build_model, not {target!r}"
        )
    if where.endswith(".py") or os.sep in where or "/" in where:
        module = _from_file(where)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as exc:
            raise SkipcheckError(f"cannot import {where}: {exc}") from None
    obj: Any = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise SkipcheckError(f"{where} has no {name!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise SkipcheckError(f"{target} is not callable")
    return obj


def _from_file(path: str) -> Any:
    if not os.path.isfile(path):
        raise SkipcheckError(f"no such file: {path}")
    directory = os.path.dirname(os.path.abspath(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(f"skipcheck_import_{stem}", path)
    if spec is None or spec.loader is None:
        raise SkipcheckError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    # the file's own imports of its neighbours should work, as when the user runs it
    sys.path.insert(0, directory)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise SkipcheckError(f"{path} raised {type(exc).__name__} on import: {exc}") from None
    finally:
        sys.path.remove(directory)
    return module
