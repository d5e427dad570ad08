"""Project settings: ``[tool.skipcheck]`` in pyproject.toml or a ``.skipcheck.yaml``.

The nearest of the two, searching upward from each checked file, applies to
that file (``--config PATH`` applies one file to every spec). Keys::

    select = ["SC1", "SC301"]      # codes or code prefixes to report (default: all)
    ignore = ["SC202"]             # codes or prefixes never reported
    severity = { SC201 = "error" } # change a rule's severity
    input = "1x3x256x256"          # default for --input
    files = ["specs/"]             # what `skipcheck validate` checks when given no files
                                   # (relative to the config file's directory)

A YAML line can silence findings on itself with ``# skipcheck: ignore[SC101]``
(several codes separated by commas) or ``# skipcheck: ignore`` (every code).
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from skipcheck.diagnostics import Diagnostic
from skipcheck.errors import SkipcheckError
from skipcheck.inputs import CONFIG_NAMES

KEYS = ("select", "ignore", "severity", "input", "files")
SEVERITIES = ("error", "warning")
_SUPPRESS = re.compile(r"#\s*skipcheck:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)


@dataclass(frozen=True)
class Config:
    """Settings for the specs under one directory (defaults when no file was found)."""

    path: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    input: str | None = None
    files: tuple[str, ...] = ()

    def wants(self, code: str) -> bool:
        if self.select and not code.startswith(self.select):
            return False
        return not code.startswith(self.ignore) if self.ignore else True


def find(start: str) -> str | None:
    """The nearest config file at or above directory ``start``."""
    here = os.path.abspath(start)
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate):
                return candidate
        pyproject = os.path.join(here, "pyproject.toml")
        if os.path.isfile(pyproject) and "skipcheck" in _read_toml(pyproject).get("tool", {}):
            return pyproject
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def load(path: str) -> Config:
    """Read one config file; a bad key or value is a SkipcheckError naming the file."""
    if path.endswith(".toml"):
        table = _read_toml(path).get("tool", {}).get("skipcheck")
        if table is None:
            raise SkipcheckError(f"{path}: no [tool.skipcheck] table")
    else:
        table = _read_yaml(path)
    return _parse(table, path)


class ConfigCache:
    """One Config per directory, so a run over many files reads each config once."""

    def __init__(self, explicit: str | None = None) -> None:
        self.explicit = load(explicit) if explicit is not None else None
        self._by_path: dict[str | None, Config] = {None: Config()}
        self._by_dir: dict[str, Config] = {}

    def for_file(self, spec: str) -> Config:
        return self.for_dir(os.path.dirname(os.path.abspath(spec)))

    def for_dir(self, directory: str) -> Config:
        if self.explicit is not None:
            return self.explicit
        if directory not in self._by_dir:
            path = find(directory)
            if path is not None and path not in self._by_path:
                self._by_path[path] = load(path)
            self._by_dir[directory] = self._by_path[path]
        return self._by_dir[directory]


def judge(
    config: Config, diagnostics: Iterable[Diagnostic], lines: list[str]
) -> tuple[tuple[Diagnostic, ...], tuple[Diagnostic, ...]]:
    """(reported, silenced): the findings after ``select``/``ignore``/``severity`` and the
    ``# skipcheck: ignore`` comments of the spec's ``lines``. Inputs are not changed."""
    kept: list[Diagnostic] = []
    silenced: list[Diagnostic] = []
    for diag in diagnostics:
        severity = reported_severity(config, diag.code, diag.severity, diag.pos.line, lines)
        if severity is None:
            silenced.append(diag)
        else:
            kept.append(diag if severity == diag.severity else replace(diag, severity=severity))
    return tuple(kept), tuple(silenced)


def reported_severity(
    config: Config, code: str, severity: str, line: int, lines: list[str]
) -> str | None:
    """How a finding of ``code`` at ``line`` is reported: its severity, or None if silenced."""
    if not config.wants(code) or suppressed(lines, line, code):
        return None
    return config.severity.get(code, severity)


def suppressed(lines: list[str], line: int, code: str) -> bool:
    """Whether line ``line`` (1-based) carries ``# skipcheck: ignore`` covering ``code``."""
    if not 0 < line <= len(lines):
        return False
    match = _SUPPRESS.search(lines[line - 1])
    if match is None:
        return False
    if match.group(1) is None:
        return True
    return code.upper() in {c.strip().upper() for c in match.group(1).split(",")}


def _read_toml(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise SkipcheckError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SkipcheckError(f"{path}: invalid TOML: {exc}") from None


def _read_yaml(path: str) -> Any:
    from skipcheck.spec.yamltree import load_file

    try:
        tree, _ = load_file(path)
    except SkipcheckError as exc:
        raise SkipcheckError(f"{path}: {exc}" if exc.pos is None else str(exc)) from None
    return tree


def _parse(table: Any, path: str) -> Config:
    if not isinstance(table, dict):
        raise SkipcheckError(f"{path}: the skipcheck settings must be a mapping")
    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" — did you mean {close[0]!r}?" if close else ""
            raise SkipcheckError(
                f"{path}: unknown setting {key!r}{hint} (settings: {', '.join(KEYS)})"
            )
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise SkipcheckError(f'{path}: severity must be a mapping like {{SC201 = "error"}}')
    overrides: dict[str, str] = {}
    for code, level in severity.items():
        rule = _code(str(code), path, exact=True)
        if level not in SEVERITIES:
            raise SkipcheckError(
                f"{path}: severity of {rule} must be {' or '.join(SEVERITIES)}, not {level!r}"
            )
        overrides[rule] = level
    value = table.get("input")
    if value is not None and not isinstance(value, str):
        raise SkipcheckError(f'{path}: input must be a string like "1x3x256x256"')
    return Config(
        path=path,
        select=_codes(table.get("select"), path, "select"),
        ignore=_codes(table.get("ignore"), path, "ignore"),
        severity=overrides,
        input=value,
        # `files` names paths as seen from the config file, wherever the command runs
        files=tuple(
            os.path.relpath(os.path.join(os.path.dirname(os.path.abspath(path)), f))
            for f in _strings(table.get("files"), path, "files")
        ),
    )


def _codes(value: Any, path: str, key: str) -> tuple[str, ...]:
    return tuple(_code(c, path) for c in _strings(value, path, key))


def _strings(value: Any, path: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SkipcheckError(f"{path}: {key} must be a list of strings")
    return tuple(value)


def _code(text: str, path: str, exact: bool = False) -> str:
    """A rule code (or, unless ``exact``, a prefix of codes such as SC2); names are accepted."""
    from skipcheck.rules import RULES, lookup

    code = text.strip().upper()
    if code in RULES or (not exact and len(code) >= 2 and any(c.startswith(code) for c in RULES)):
        return code
    try:
        return lookup(text).code
    except SkipcheckError as exc:
        raise SkipcheckError(f"{path}: {exc.message}") from None
