"""Project settings: ``[tool.skipcheck]`` in pyproject.toml or a ``.skipcheck.yaml``.

The nearest of the two, searching upward from each checked file, applies to
that file (``--config PATH`` applies one file to every spec). Keys::

    select = ["SC1", "SC301"]      # codes or code prefixes to report (default: all)
    ignore = ["SC202"]             # codes or prefixes never reported
    severity = { SC201 = "error" } # change a rule's severity
    input = "1x3x256x256"          # default for --input
    files = ["specs/"]             # what `skipcheck validate` checks when given no files
                                   # (relative to the config file's directory)
    exclude = ["build", "specs/old/*.yaml"]  # never checked when found by a directory scan
                                   # or a glob (a file named on the command line still is)

On the command line ``--select`` replaces ``select``, ``--extend-select`` adds to it, and
``--ignore`` adds to ``ignore``.

A YAML line can silence findings on itself with ``# skipcheck: ignore[SC101]``
(several codes separated by commas) or ``# skipcheck: ignore`` (every code).
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.inputshape import InputShape
from skipcheck.core.position import Position
from skipcheck.rules.diagnostics import Diagnostic

# the settings file's names, looked for in each directory up from a spec
CONFIG_NAMES = (".skipcheck.yaml", ".skipcheck.yml")
KEYS = ("select", "ignore", "severity", "input", "files", "exclude")
SEVERITIES = ("error", "warning")
_SUPPRESS = re.compile(r"#\s*skipcheck:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)


@dataclass(frozen=True)
class Config:
    """Settings for the specs under one directory (defaults when no file was found)."""

    path: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    input_shape: InputShape | None = None  # read when the settings are
    files: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def input(self) -> str | None:
        """The ``input`` setting as written."""
        return None if self.input_shape is None else str(self.input_shape)

    def wants(self, code: str) -> bool:
        if self.select and not code.startswith(self.select):
            return False
        return not code.startswith(self.ignore) if self.ignore else True

    def excluded(self, path: str) -> str | None:
        """The ``exclude`` pattern that matches ``path``, if any. As in .gitignore, a
        pattern without a slash matches any file or directory name on the way; one with a
        slash matches the path from the config file's directory (``*`` within a name)."""
        if not self.exclude:
            return None
        base = os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()
        rel = os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")
        parts = rel.split("/")
        prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
        for pattern in self.exclude:
            bare = pattern.strip("/")
            if "/" in bare:
                if any(fnmatchcase(p, bare) for p in prefixes):
                    return pattern
            elif any(fnmatchcase(part, bare) for part in parts):
                return pattern
        return None


@dataclass(frozen=True)
class Selection:
    """``--select``, ``--extend-select`` and ``--ignore``, laid over every config."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        select: Sequence[str] | None = None,
        extend_select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
    ) -> Selection:
        """Codes as the config takes them; comma-separated lists are split (ruff's way)."""

        def codes(values: Sequence[str] | None, flag: str) -> tuple[str, ...]:
            split = [c for v in values or () for c in v.split(",") if c.strip()]
            return tuple(_code(c, flag) for c in split)

        return cls(
            None if select is None else codes(select, "--select"),
            codes(extend_select, "--extend-select"),
            codes(ignore, "--ignore"),
        )

    def __bool__(self) -> bool:
        return self.select is not None or bool(self.extend_select or self.ignore)

    def apply(self, config: Config) -> Config:
        select = config.select if self.select is None else self.select
        if select and self.extend_select:
            select = (*select, *self.extend_select)
        return replace(config, select=select, ignore=(*config.ignore, *self.ignore))


def find(start: str) -> str | None:
    """The nearest config file at or above directory ``start``, within its repository.

    The search stops at the repository root (a directory holding ``.git``), as ruff's
    does: a settings file above the project (in a home directory, or /tmp) must not
    silence the project's findings.
    """
    here = os.path.abspath(start)
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate):
                return candidate
        pyproject = os.path.join(here, "pyproject.toml")
        if os.path.isfile(pyproject) and _tool_table(_read_toml(pyproject)) is not None:
            return pyproject
        parent = os.path.dirname(here)
        if parent == here or os.path.exists(os.path.join(here, ".git")):
            return None
        here = parent


def load(path: str) -> Config:
    """Read one config file; a bad key or value is a SkipcheckError naming the file."""
    if path.endswith(".toml"):
        table = _tool_table(_read_toml(path))
        if table is None:
            raise SkipcheckError(f"{path}: no [tool.skipcheck] table")
    else:
        table = _read_yaml(path)
    return _parse(table, path)


class ConfigCache:
    """One Config per directory, so a run over many files reads each config once — and a
    broken config fails once: every spec under it gets the same SkipcheckError object."""

    def __init__(self, explicit: str | None = None, selection: Selection | None = None) -> None:
        self.selection = selection or Selection()
        self.explicit = self._over(load(explicit)) if explicit is not None else None
        self._by_path: dict[str | None, Config | SkipcheckError] = {None: self._over(Config())}
        self._by_dir: dict[str, Config | SkipcheckError] = {}

    def for_file(self, spec: str) -> Config:
        return self.for_dir(os.path.dirname(os.path.abspath(spec)))

    def for_dir(self, directory: str) -> Config:
        if self.explicit is not None:
            return self.explicit
        if directory not in self._by_dir:
            try:
                path = find(directory)  # reads pyproject.toml files: may fail too
            except SkipcheckError as exc:
                path = exc.pos.file if exc.pos is not None else directory
                self._by_path.setdefault(path, exc)
            if path not in self._by_path:
                assert path is not None  # None (no config file) is always cached
                try:
                    self._by_path[path] = self._over(load(path))
                except SkipcheckError as exc:
                    self._by_path[path] = exc
            self._by_dir[directory] = self._by_path[path]
        found = self._by_dir[directory]
        if isinstance(found, SkipcheckError):
            raise found
        return found

    def _over(self, config: Config) -> Config:
        return self.selection.apply(config) if self.selection else config


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
            raw = fh.read()
    except OSError as exc:
        raise SkipcheckError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # TOML is UTF-8 by definition; say where the first bad byte is, as for a spec
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SkipcheckError(
            f"{os.path.basename(path)} is not UTF-8 text (bad byte 0x{raw[exc.start]:02x}); "
            f"TOML files are UTF-8",
            Position(path, line, col),
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says where only in its message: "... (at line 3, column 9)"
        at = re.search(r"\(at line (\d+), column (\d+)\)$", str(exc))
        if at is None:
            raise SkipcheckError(f"{path}: invalid TOML: {exc}") from None
        pos = Position(path, int(at.group(1)), int(at.group(2)))
        raise SkipcheckError(f"invalid TOML: {str(exc)[: at.start()].rstrip()}", pos) from None


def _tool_table(document: dict[str, Any]) -> Any:
    """``[tool.skipcheck]``, or None where the file has none; ``tool`` may be anything."""
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return None  # `tool = "x"` is another program's business, not a skipcheck table
    return tool.get("skipcheck")


def _read_yaml(path: str) -> Any:
    from skipcheck.specfile.yamltree import load_file

    try:
        tree, _ = load_file(path)
    except SkipcheckError as exc:
        raise SkipcheckError(f"{path}: {exc}" if exc.pos is None else str(exc)) from None
    return tree


def _parse(table: Any, path: str) -> Config:
    try:
        return _settings(table, path)
    except SkipcheckError as exc:
        if exc.pos is not None:
            raise
        # a config error is reported once, at the line of the setting it is about
        where = _line_of(path, exc.key if isinstance(exc, _SettingError) else None)
        message = exc.message.removeprefix(f"{path}: ")
        raise SkipcheckError(message, where) from None


def _line_of(path: str, key: str | None) -> Position:
    """Where ``key`` is set in a config file (the settings' header, or line 1)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return Position(path, 1, 1)
    start = 0
    if path.endswith(".toml"):
        header = re.compile(r"^\s*\[\s*tool\.skipcheck\s*\]")
        start = next((k for k, line in enumerate(lines) if header.match(line)), 0)
        if key is None:
            return Position(path, start + 1, 1)
    if key is not None:
        setting = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[=:]")
        for k in range(start, len(lines)):
            if setting.match(lines[k]):
                return Position(path, k + 1, len(lines[k]) - len(lines[k].lstrip()) + 1)
    return Position(path, start + 1, 1)


class _SettingError(SkipcheckError):
    """A bad value, with the setting it is about (to find its line)."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def _fail(message: str, key: str) -> SkipcheckError:
    return _SettingError(message, key)


def _settings(table: Any, path: str) -> Config:
    if not isinstance(table, dict):
        raise SkipcheckError(f"{path}: the skipcheck settings must be a mapping")
    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" — did you mean {close[0]!r}?" if close else ""
            raise _fail(
                f"{path}: unknown setting {key!r}{hint} (settings: {', '.join(KEYS)})", str(key)
            )
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise _fail(f'{path}: severity must be a mapping like {{SC201 = "error"}}', "severity")
    overrides: dict[str, str] = {}
    for code, level in severity.items():
        try:
            rule = _code(str(code), path, exact=True)
        except SkipcheckError as exc:
            raise _fail(exc.message, "severity") from None
        if level not in SEVERITIES:
            raise _fail(
                f"{path}: severity of {rule} must be {' or '.join(SEVERITIES)}, not {level!r}",
                "severity",
            )
        overrides[rule] = level
    value = table.get("input")
    if value is not None and not isinstance(value, str):
        raise _fail(f'{path}: input must be a string like "1x3x256x256"', "input")
    try:
        shape = None if value is None else InputShape.parse(value, f"{path}: input {value!r}")
    except SkipcheckError as exc:
        raise _fail(exc.message, "input") from None
    return Config(
        path=path,
        select=_codes(table.get("select"), path, "select"),
        ignore=_codes(table.get("ignore"), path, "ignore"),
        severity=overrides,
        input_shape=shape,
        # `files` names paths as seen from the config file, wherever the command runs
        files=tuple(
            os.path.relpath(os.path.join(os.path.dirname(os.path.abspath(path)), f))
            for f in _strings(table.get("files"), path, "files")
        ),
        exclude=_strings(table.get("exclude"), path, "exclude"),
    )


def _codes(value: Any, path: str, key: str) -> tuple[str, ...]:
    try:
        return tuple(_code(c, path) for c in _strings(value, path, key))
    except SkipcheckError as exc:
        raise _fail(exc.message, key) from None


def _strings(value: Any, path: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(f"{path}: {key} must be a list of strings", key)
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
