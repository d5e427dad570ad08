"""Which files a run checks: directories, globs and files, as given on the command line."""

from __future__ import annotations

import glob
import os
import subprocess
from dataclasses import dataclass, field

SPEC_SUFFIXES = (".yaml", ".yml")
CONFIG_NAMES = (".skipcheck.yaml", ".skipcheck.yml")
_GLOB_CHARS = frozenset("*?[")
STDIN = "-"  # the argument that reads a spec from standard input


@dataclass
class Inputs:
    """The spec files to check, in a stable order, and the arguments that matched nothing.

    ``found`` are the files a directory scan or a glob turned up (not named one by one):
    those may be excluded, or skipped when they are not skipcheck specs at all;
    ``skipped`` says which were left out and why.
    """

    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    found: set[str] = field(default_factory=set)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def expand(args: list[str]) -> Inputs:
    """``["specs/", "models/**/*.yaml", "a.yaml"]`` → every spec file they name.

    Directories are searched recursively for ``*.yaml`` / ``*.yml`` (hidden
    directories, skipcheck's own config files and what git ignores are skipped);
    quoted globs are expanded here so that they work the same on every shell; a file
    named explicitly is always checked, whatever its suffix.
    """
    out = Inputs()
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.normpath(path)
        if key not in seen:
            seen.add(key)
            out.files.append(path)

    for arg in args:
        if arg == STDIN:
            add(arg)
            continue
        if os.path.isdir(arg):
            found = _walk(arg)
        elif _GLOB_CHARS.intersection(arg) and not os.path.exists(arg):
            found = []
            for match in sorted(glob.glob(arg, recursive=True)):
                found.extend(_walk(match) if os.path.isdir(match) else [match])
        else:
            found = [arg] if os.path.exists(arg) else []
            out.found.difference_update(found)  # named: checked, even if a scan found it too
        if not found:
            out.missing.append(arg)
        scanned = [p for p in found if p != arg]
        ignored = git_ignored(scanned)
        for path in found:
            if path in ignored:
                out.skipped.append((path, "ignored by git"))
                continue
            if path != arg:
                out.found.add(path)
            add(path)
    return out


def git_ignored(paths: list[str]) -> set[str]:
    """The paths git ignores (.gitignore, .git/info/exclude, the global excludes file).

    Asks git itself, so every rule of gitignore holds exactly; outside a repository, or
    without git, nothing is ignored.
    """
    if not paths:
        return set()
    absolute = {os.path.abspath(p): p for p in paths}
    common = os.path.commonpath(list(absolute))
    if not os.path.isdir(common):
        common = os.path.dirname(common)
    try:
        done = subprocess.run(
            ["git", "check-ignore", "--no-index", "-z", "--stdin"],
            input="\0".join(absolute) + "\0",
            capture_output=True,
            text=True,
            # the repository is the one the files are in, wherever the command runs
            cwd=common,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    # 0: some are ignored, 1: none are, 128: not a repository (or git failed)
    if done.returncode != 0:
        return set()
    return {absolute[p] for p in done.stdout.split("\0") if p in absolute}


def _walk(top: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(SPEC_SUFFIXES) and name not in CONFIG_NAMES:
                found.append(os.path.join(root, name))
    return found
