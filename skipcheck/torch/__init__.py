"""The PyTorch side: build a spec into an ``nn.Module``, dry-run it, export it as code.

This package is the only place that imports torch, and it does so lazily: importing
``skipcheck.torch`` costs nothing, and without torch installed every entry point
raises one SkipcheckError that says how to install it (exit code 2 at the CLI).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from skipcheck.errors import SkipcheckError

INSTALL_HINT = 'this needs PyTorch: install skipcheck[torch] (pip install "skipcheck[torch]")'


def require_torch() -> ModuleType:
    """torch itself, or a SkipcheckError that says how to get it."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise SkipcheckError(INSTALL_HINT) from None
