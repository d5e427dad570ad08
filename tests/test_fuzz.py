"""Fuzzing: mutated shipped specs end in a result or a clean error, never a traceback or a hang.

Hypothesis mutates the specs in specs/ at the YAML-tree level (wrong types, huge, zero
and negative numbers, deep nesting, shared nodes written as aliases, unknown keys) and at
the text level (truncation, binary bytes, alias cycles, deleted and repeated lines), and
runs the commands in-process through the CLI. The property: exit code 0, 1 or 2, no
exception but SystemExit, within a second of CPU time. SIGALRM is the hard stop, so a hang
fails the example instead of the suite.

The one-second bound is what a campaign (``SKIPCHECK_FUZZ_SAVE``) collects and reports;
the suite itself fails a run only past ``CI_BOUND_S`` of CPU time, so that the shared,
loaded machines CI runs on cannot turn a 1.05 s run into a red build — a blow-up (the
quadratic and exponential cases this test exists for) is far past either bound.

``SKIPCHECK_FUZZ_EXAMPLES=100000 pytest tests/test_fuzz.py`` runs a long campaign;
``SKIPCHECK_FUZZ_COMMANDS=validate`` narrows it to the cheapest command, and
``SKIPCHECK_FUZZ_SAVE=DIR`` keeps every failing input there and carries on.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import typer.testing
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from skipcheck.cli import app
from tests.conftest import SPECS

EXAMPLES = int(os.environ.get("SKIPCHECK_FUZZ_EXAMPLES", "600"))
COMMANDS = os.environ.get("SKIPCHECK_FUZZ_COMMANDS", "validate,sizes,fix,whatif,export").split(",")
SAVE = os.environ.get("SKIPCHECK_FUZZ_SAVE")  # a directory for failing inputs
COUNT = [0]  # examples run by this process, for a campaign's tally
PLACE: list[Path] = []  # the directory the examples write their spec to
HARD_STOP_S = 10  # SIGALRM: a run this long is a hang
PROPERTY_S = 1.0  # the bound on one run: what a campaign reports as slow
CI_BOUND_S = 3.0  # what fails the suite (CPU seconds)
HAS_TORCH = importlib.util.find_spec("torch") is not None

TEXTS = {p.name: p.read_text() for p in sorted(SPECS.glob("*.yaml"))}
TREES = {name: yaml.safe_load(text) for name, text in TEXTS.items()}

runner = CliRunner()
# libyaml's dumper where the build has it: the pure-Python one costs more than a check
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

HOSTILE_SCALARS = st.one_of(
    st.sampled_from(
        [0, -1, -7, 1, 2**62, 2**63, 2**64 + 1, 10**30, 1e308, -0.0, 0.5, 1.5, float("inf")]
    ),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([None, True, False, "", "x", "H", "N", "null", "base * 2 ** 70", "[/]"]),
    st.sampled_from(["H // 100000", "1 / 0", "(" * 60 + "1" + ")" * 60, "\x1b[31mred", ":100:"]),
    st.text(max_size=12),
)


class Alarm(Exception):
    pass


@contextmanager
def hard_stop(seconds: int) -> Iterator[None]:
    def ring(signum: int, frame: Any) -> None:
        raise Alarm(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a plain YAML tree, as a key path."""
    yield prefix
    if len(prefix) > 40:
        return  # a nest the mutation made deep: its inside is not worth more mutation
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for k, value in enumerate(tree):
            yield from _paths(value, (*prefix, k))


def _get(tree: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def _set(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    _get(tree, path[:-1])[path[-1]] = value
    return tree


def _copy(tree: Any) -> Any:
    """A copy of a plain YAML tree (deepcopy's memo costs more than the copy)."""
    if isinstance(tree, dict):
        return {key: _copy(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_copy(value) for value in tree]
    return tree


PLACES = {name: list(_paths(tree)) for name, tree in TREES.items()}  # of the specs as shipped


@st.composite
def tree_mutant(draw: st.DrawFn) -> str:
    """A shipped spec with a few places replaced, dumped back to YAML."""
    name = draw(st.sampled_from(sorted(TREES)))
    tree = _copy(TREES[name])
    places: list[tuple[Any, ...]] | None = PLACES[name]
    for _ in range(draw(st.integers(1, 4))):
        if places is None:
            places = list(_paths(tree))  # a mutation moved things
        path = draw(st.sampled_from(places))
        old = _get(tree, path)
        kind = draw(st.sampled_from(["scalar", "wrap", "unknown key", "share", "drop", "deep"]))
        if kind == "scalar":
            new: Any = draw(HOSTILE_SCALARS)
        elif kind == "wrap":
            new = draw(st.sampled_from([[old], {"x": old}, [old, old]]))
        elif kind == "unknown key":
            new = (
                {**old, draw(st.sampled_from(["kernal_size", "foo", "expect", "repeat"])): 3}
                if isinstance(old, dict)
                else old
            )
        elif kind == "share":
            # the same object twice: yaml.safe_dump writes an anchor and an alias
            other = draw(st.sampled_from(places))
            related = other[: len(path)] == path or path[: len(other)] == other
            new = old if related else _get(tree, other)  # never a cycle: the dumper cannot
        elif kind == "deep":
            new = old
            for _ in range(draw(st.integers(10, 250))):
                new = [new]
        else:
            if path and isinstance(_get(tree, path[:-1]), (dict, list)):
                parent = _get(tree, path[:-1])
                del parent[path[-1]]
                places = None
                continue
            new = None
        tree = _set(tree, path, new)
        places = None
    try:
        return yaml.dump(tree, Dumper=DUMPER, sort_keys=False)
    except (yaml.YAMLError, RecursionError, ValueError):
        return TEXTS["unet_original.yaml"]


TEXT_INSERTS = [
    "\x00",
    "\xff\xfe",
    "\x1b[2J",
    "&a [*a]",
    "*nowhere",
    "!!python/object:os.system",
    "{",
    "]",
    ": :",
    "\t",
    "- &x {conv: 8}\n- *x\n",
    "<<: *a",
    "9" * 40,
    "-1",
    "0",
    "[/]",
]


@st.composite
def text_mutant(draw: st.DrawFn) -> str:
    """A shipped spec's text, cut, spliced or sprinkled with hostile bytes."""
    text = TEXTS[draw(st.sampled_from(sorted(TEXTS)))]
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "insert", "number", "line", "bytes"]))
        at = draw(st.integers(0, len(text)))
        if kind == "truncate":
            text = text[:at]
        elif kind == "insert":
            text = text[:at] + draw(st.sampled_from(TEXT_INSERTS)) + text[at:]
        elif kind == "number":
            digits = [k for k, ch in enumerate(text) if ch.isdigit()]
            if digits:
                k = draw(st.sampled_from(digits))
                text = text[:k] + str(draw(HOSTILE_SCALARS)) + text[k + 1 :]
        elif kind == "line":
            lines = text.splitlines(keepends=True)
            if lines:
                k = draw(st.integers(0, len(lines) - 1))
                repeat = draw(st.sampled_from([0, 2, 50]))
                lines[k : k + 1] = [lines[k]] * repeat
                text = "".join(lines)
        else:
            blob = draw(st.binary(min_size=1, max_size=16)).decode("latin-1")
            text = text[:at] + blob + text[at:]
    return text


def _command(name: str, path: str, out: str) -> list[str]:
    if name == "validate":
        return ["validate", "--output-format", "concise", path]
    if name == "sizes":
        return ["sizes", path]
    if name == "fix":
        return ["fix", path]
    if name == "whatif":
        return ["whatif", path, "--set", "base=48"]
    return ["export", path, "-o", out]


def check_one(text: str, command: str, tmp: Path) -> None:
    path = tmp / "model.yaml"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    args = _command(command, str(path), str(tmp / "model.py"))
    # the property is on CPU time: a shared CI machine stretches the wall clock, not the work
    start = time.process_time()
    with hard_stop(HARD_STOP_S):
        result = runner.invoke(app, args)
    elapsed = time.process_time() - start
    if elapsed > PROPERTY_S:
        # a garbage collection of the campaign's own heap can land in one run: a slow
        # input is slow twice, so the second run decides
        start = time.process_time()
        with hard_stop(HARD_STOP_S):
            runner.invoke(app, args)
        elapsed = min(elapsed, time.process_time() - start)
    failure = (
        f"{' '.join(args)}\n--- spec ---\n{text[:3000]!r}\n--- output ---\n{result.output[-2000:]}"
    )
    COUNT[0] += 1
    if SAVE and COUNT[0] % 100 == 0:
        (Path(SAVE) / f"count-{os.getpid()}").write_text(str(COUNT[0]))  # survives a kill
    ok = (
        result.exception is None or isinstance(result.exception, SystemExit)
    ) and result.exit_code in (0, 1, 2)
    if SAVE and (not ok or elapsed > PROPERTY_S):
        # long campaigns keep every failing input for a reproducer
        name = hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        kind = "slow" if ok else type(result.exception).__name__
        out = Path(SAVE) / f"{kind}-{command}-{name}.yaml"
        out.write_bytes(path.read_bytes())
        out.with_suffix(".txt").write_text(f"{elapsed:.2f} s\n{failure}")
        return  # a campaign collects every failure instead of stopping at the first
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"{type(result.exception).__name__}: {result.exception}\n{failure}"
        ) from result.exception
    assert result.exit_code in (0, 1, 2), failure
    assert elapsed <= CI_BOUND_S, f"{elapsed:.2f} s\n{failure}"


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
USED = [c for c in COMMANDS if c != "export" or HAS_TORCH]


@pytest.fixture(scope="module", autouse=True)
def command_built_once() -> Iterator[None]:
    """typer's CliRunner turns the app into a click command on every invoke (about 20 ms,
    more than most checks take): built once for the examples here. (Only here: a command
    built once keeps the environment of its first build, which other tests change.)"""
    build = typer.testing._get_command  # type: ignore[attr-defined]
    typer.testing._get_command = functools.cache(build)  # type: ignore[attr-defined]
    yield
    typer.testing._get_command = build  # type: ignore[attr-defined]


@pytest.fixture(scope="module", autouse=True)
def warm(command_built_once: None) -> None:
    """Import what the commands import lazily, so the first timed run measures the run."""
    for command in USED:
        runner.invoke(app, _command(command, str(SPECS / "unet_original.yaml"), os.devnull))


@FUZZ
@given(text=st.one_of(tree_mutant(), text_mutant()), command=st.sampled_from(USED))
def test_mutants(text: str, command: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    # one test draws both kinds, so a long campaign covers both from its first minute;
    # one directory serves every example (each writes the same two names first)
    if not PLACE:
        PLACE.append(tmp_path_factory.mktemp("mutant"))
    check_one(text, command, PLACE[0])
