"""Which files a run checks: directories, globs and files, as given on the command line."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field

SPEC_SUFFIXES = (".yaml", ".yml")
CONFIG_NAMES = (".skipcheck.yaml", ".skipcheck.yml")
_GLOB_CHARS = frozenset("*?[")


@dataclass
class Inputs:
    """The spec files to check, in a stable order, and the arguments that matched nothing."""

    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def expand(args: list[str]) -> Inputs:
    """``["specs/", "models/**/*.yaml", "a.yaml"]`` → every spec file they name.

    Directories are searched recursively for ``*.yaml`` / ``*.yml`` (hidden
    directories and skipcheck's own config files are skipped); quoted globs are
    expanded here so that they work the same on every shell; a file named
    explicitly is always checked, whatever its suffix.
    """
    out = Inputs()
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.normpath(path)
        if key not in seen:
            seen.add(key)
            out.files.append(path)

    for arg in args:
        if os.path.isdir(arg):
            found = _walk(arg)
        elif _GLOB_CHARS.intersection(arg) and not os.path.exists(arg):
            found = []
            for match in sorted(glob.glob(arg, recursive=True)):
                found.extend(_walk(match) if os.path.isdir(match) else [match])
        else:
            found = [arg] if os.path.exists(arg) else []
        if not found:
            out.missing.append(arg)
        for path in found:
            add(path)
    return out


def _walk(top: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(SPEC_SUFFIXES) and name not in CONFIG_NAMES:
                found.append(os.path.join(root, name))
    return found
