"""Which files a run checks: directories, globs and files, as given on the command line."""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field
from typing import TextIO

from skipcheck.check.config import CONFIG_NAMES

SPEC_SUFFIXES = (".yaml", ".yml")
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
    models: set[str] = field(default_factory=set)  # PyTorch model references (model.py:UNet)


def expand(args: list[str]) -> Inputs:
    """``["specs/", "models/**/*.yaml", "a.yaml"]`` → every spec file they name.

    Directories are searched recursively for ``*.yaml`` / ``*.yml`` (hidden
    directories, skipcheck's own config files and what git ignores are skipped);
    quoted globs are expanded here so that they work the same on every shell; a file
    named explicitly is always checked, whatever its suffix.
    """
    out = Inputs()
    seen: set[str] = set()
    real_dirs: dict[str, str] = {}

    def add(path: str) -> None:
        # one real path, one check: a symlink and its target are the same spec (the real
        # path of each directory found once: os.path.realpath walks every component, a
        # twentieth of a run's planning over a thousand files)
        head, name = os.path.split(path)
        if not name or name in (".", "..") or os.path.islink(path):
            key = os.path.realpath(path)
        else:
            real = real_dirs.get(head)
            if real is None:
                real = real_dirs[head] = os.path.realpath(head or os.curdir)
            key = os.path.join(real, name)
        if key not in seen:
            seen.add(key)
            out.files.append(path)

    for arg in args:
        if arg == STDIN:
            add(arg)
            continue
        if _model_reference(arg):
            out.models.add(arg)  # checked as the spec imported from it
            add(arg)
            continue
        if os.path.isdir(arg):
            found = _walk(arg)
        elif _GLOB_CHARS.intersection(arg) and not os.path.exists(arg):
            found = _glob(arg)
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


def _model_reference(arg: str) -> bool:
    """``model.py:UNet``, ``pkg.module:factory`` (string work only: no torch here)."""
    if ":" not in arg:
        return False
    from skipcheck.torch.reference import is_model_reference

    return is_model_reference(arg)


def git_ignored(paths: list[str]) -> set[str]:
    """The paths git ignores (.gitignore, .git/info/exclude, the global excludes file).

    Asks git itself, so every rule of gitignore holds exactly; outside a repository, or
    without git, nothing is ignored.
    """
    if not paths:
        return set()
    import subprocess  # only a directory scan asks git: off the start-up path of a named file

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
    """Spec files under ``top``. Symlinked directories are not entered (os.walk's
    default), so a link loop cannot make a scan endless; FIFOs, sockets and devices
    named like specs are skipped: reading one would block."""
    found: list[str] = []
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(root, name)
            if name.endswith(SPEC_SUFFIXES) and name not in CONFIG_NAMES and os.path.isfile(path):
                found.append(path)
    return found


def _glob(pattern: str) -> list[str]:
    """``models/**/*.yaml`` as glob would match it, without following directory links.

    glob.glob follows symlinked directories under ``**``, so two links that point at
    each other make it run until the paths grow too long. Here the fixed leading part
    of the pattern is walked once (see :func:`_walk`) and each path matched by parts.
    """
    parts = pattern.replace(os.sep, "/").split("/")
    fixed = 0
    while fixed < len(parts) - 1 and not _GLOB_CHARS.intersection(parts[fixed]):
        fixed += 1
    top = "/".join(parts[:fixed]) or ("/" if pattern.startswith("/") else ".")
    rest = parts[fixed:]
    found: list[str] = []
    if not os.path.isdir(top):
        return found
    hidden = any(part.startswith(".") for part in rest)
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if hidden or not d.startswith("."))
        rel = os.path.relpath(root, top).replace(os.sep, "/")
        base = [] if rel == "." else rel.split("/")
        for name in sorted([*dirs, *files]):
            if not _matches([*base, name], rest):
                continue
            path = os.path.normpath(os.path.join(root, name))
            if os.path.isdir(path):
                # a matched directory is searched like one given by name
                found.extend(_walk(path))
            elif os.path.isfile(path):
                found.append(path)
    return found


def _matches(names: list[str], pattern: list[str]) -> bool:
    """Whether path parts match pattern parts; ``**`` spans any number of parts."""
    if not pattern:
        return not names
    head, *tail = pattern
    if head == "**":
        return any(_matches(names[k:], tail) for k in range(len(names) + 1))
    if not names or (names[0].startswith(".") and not head.startswith(".")):
        return False
    return fnmatch.fnmatchcase(names[0], head) and _matches(names[1:], tail)


def read_stdin(stream: TextIO | None = None) -> str:
    """The spec piped to ``-``: UTF-8 text, at most as large as a spec file may be."""
    from skipcheck.core.errors import SkipcheckError
    from skipcheck.specfile.yamltree import MAX_BYTES

    source = stream or sys.stdin
    binary = getattr(source, "buffer", None)
    try:
        if binary is None:  # a text stream without bytes under it (tests)
            text = source.read(MAX_BYTES + 1)
            raw = text.encode("utf-8", errors="surrogatepass")
        else:
            raw = binary.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SkipcheckError(f"cannot read the spec from stdin: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise SkipcheckError(f"the spec on stdin is larger than {MAX_BYTES:,} bytes")
    if b"\x00" in raw:
        raise SkipcheckError("stdin is not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipcheckError(f"stdin is not UTF-8 text (bad byte at offset {exc.start})") from None
