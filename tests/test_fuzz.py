"""Fuzzing: mutated shipped specs end in a result or a clean error, never a traceback or a hang.

Hypothesis mutates the specs in specs/ at the YAML-tree level (wrong types, huge, zero
and negative numbers, deep nesting, shared nodes written as aliases, unknown keys) and at
the text level (truncation, binary bytes, alias cycles, deleted and repeated lines), and
inserts format 1.1 constructs (stated input channels, branches, several outputs, the new
ops and merges, pad modes, block arguments that name a tensor), and runs the commands
in-process through the CLI — ``draw`` among them, and ``import`` of a small model file with
mutated ``--args``. The property: exit code 0, 1 or 2, no exception but SystemExit, no
"internal error" (a skipcheck bug that the boundary turned into exit 2), every SVG ``draw``
writes parses as XML, within a second of CPU time. SIGALRM is the hard stop, so a hang
fails the example instead of the suite.

The one-second bound is what a campaign (``SKIPCHECK_FUZZ_SAVE``) collects and reports;
the suite itself fails a run only past ``CI_BOUND_S`` of CPU time, so that the shared,
loaded machines CI runs on cannot turn a 1.05 s run into a red build — a blow-up (the
quadratic and exponential cases this test exists for) is far past either bound.

``SKIPCHECK_FUZZ_EXAMPLES=100000 pytest tests/test_fuzz.py`` runs a long campaign;
``SKIPCHECK_FUZZ_COMMANDS=validate`` narrows it to the cheapest command, and
``SKIPCHECK_FUZZ_SAVE=DIR`` keeps every failing input there and carries on.
``SKIPCHECK_FUZZ_IMPORTS=N`` sets how many ``import --args`` examples run (each builds and
traces a model in torch, so far fewer than the spec mutants; 0 skips them).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import signal
import time
import xml.etree.ElementTree as ET
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
COMMANDS = os.environ.get("SKIPCHECK_FUZZ_COMMANDS", "validate,sizes,fix,whatif,export,draw").split(
    ","
)
IMPORTS = int(os.environ.get("SKIPCHECK_FUZZ_IMPORTS", "12"))
SAVE = os.environ.get("SKIPCHECK_FUZZ_SAVE")  # a directory for failing inputs
if SAVE:
    Path(SAVE).mkdir(parents=True, exist_ok=True)  # a campaign's first chunk names a new one
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


LAYER_LISTS = {"layers", "encoder", "bottleneck", "decoder", "head", "body", "shortcut", "via"}
SIZES = st.one_of(st.sampled_from([0, 1, 2, 3, 4, 8, 16, 64, -1, 2**40]), HOSTILE_SCALARS)


def _names(tree: Any) -> list[str]:
    """What a 1.1 construct can refer to: stages, named layers, branches and the input."""
    found = ["input"]
    for path in _paths(tree):
        if path and path[-1] in ("stage", "name") and len(path) > 1:
            value = _get(tree, path)
            if isinstance(value, str):
                found.append(value)
    return found


def _construct_11(draw: st.DrawFn, names: list[str]) -> Any:
    """One format 1.1 layer, or a call of ``fuzz_gate`` (TENSOR_BLOCK: an argument naming a tensor)."""
    ref = draw(st.sampled_from(names))
    size = draw(SIZES)
    kind = draw(
        st.sampled_from(
            [
                "tile",
                "merge",
                "channel_layernorm",
                "residual",
                "pad",
                "conv",
                "stated",
                "branch",
                "flatten",
                "block",
            ]
        )
    )
    if kind == "tile":
        return {"tile": size}
    if kind == "merge":
        op = draw(st.sampled_from(["sub", "max", "mean", "mul", "add", "concat"]))
        skip = draw(st.sampled_from([ref, [ref, ref], {"skip": ref, "align": "center_crop"}]))
        return {op: skip}
    if kind == "channel_layernorm":
        return draw(st.sampled_from(["channel_layernorm", {"channel_layernorm": {"eps": size}}]))
    if kind == "residual":
        merge = draw(st.sampled_from(["sub", "max", "mean", "add", "concat", "mul", size]))
        return {
            "residual": {
                "body": [{"conv": {"out_channels": size, "kernel_size": 1}}],
                "merge": merge,
            }
        }
    if kind == "pad":
        mode = draw(st.sampled_from(["reflect", "replicate", "circular", "constant", size]))
        padding = draw(st.sampled_from([size, [size, 1], [1, 1, size, 2], [size] * 6, []]))
        return {"pad": {"padding": padding, "mode": mode}}
    if kind == "conv":
        mode = draw(st.sampled_from(["reflect", "replicate", "circular", "zeros", size]))
        return {
            "conv": {"out_channels": 8, "kernel_size": 3, "padding": size, "padding_mode": mode}
        }
    if kind == "stated":
        op, key = draw(
            st.sampled_from(
                [
                    ("conv", "in_channels"),
                    ("conv_transpose", "in_channels"),
                    ("batchnorm", "num_features"),
                    ("linear", "in_features"),
                ]
            )
        )
        params: dict[str, Any] = {key: size}
        if op in ("conv", "conv_transpose"):
            params.update(out_channels=4, kernel_size=1)
        elif op == "linear":
            params["out_features"] = 4
        return {op: params}
    if kind == "flatten":
        # a flatten of the spatial axes, then a stated in_features (issue 22, item 4)
        return {
            "residual": {
                "body": [
                    {"flatten": {"start_dim": draw(st.sampled_from([1, 2, -1]))}},
                    {"linear": {"in_features": size, "out_features": 4}},
                ],
                "merge": "mul",
            }
        }
    if kind == "branch":
        branch: dict[str, Any] = {
            "name": draw(st.sampled_from(["aux", "gate", ref])),
            "layers": [{"conv": {"out_channels": size, "kernel_size": 1}}],
        }
        if draw(st.booleans()):
            branch["from"] = ref
        if draw(st.booleans()):
            branch["expect"] = draw(st.sampled_from([["N", size, "H", "W"], [1, size, 8, 8]]))
        return {"branch": branch}
    return {"fuzz_gate": {"skip": ref, "ch": size}}


TENSOR_BLOCK = {
    "args": ["skip", "ch=8"],
    "layers": [
        {"conv": {"out_channels": "ch", "kernel_size": 1}},
        {"add": {"skip": "skip", "via": [{"conv": {"out_channels": "ch", "kernel_size": 1}}]}},
        {"mul": "skip"},
    ],
}


def _insert_11(draw: st.DrawFn, tree: Any) -> Any:
    """A format 1.1 construct in one of the spec's layer lists, the label mostly 1.1."""
    if not isinstance(tree, dict):
        return tree
    names = _names(tree)
    lists = [
        p for p in _paths(tree) if p and p[-1] in LAYER_LISTS and isinstance(_get(tree, p), list)
    ]
    kind = draw(st.sampled_from(["layer", "layer", "layer", "outputs"]))
    if kind == "outputs" or not lists:
        outs = draw(st.lists(st.sampled_from(names), min_size=0, max_size=4))
        shapes = [draw(st.sampled_from([o, {o: [1, 8, 4, 4]}, {o: None}, {o: o}])) for o in outs]
        tree["outputs"] = shapes
        if draw(st.booleans()):
            tree.pop("output", None)
    else:
        where = _get(tree, draw(st.sampled_from(lists)))
        layer = _construct_11(draw, names)
        where.insert(draw(st.integers(0, len(where))), layer)
        if isinstance(layer, dict) and "fuzz_gate" in layer:
            blocks = tree.setdefault("blocks", {})
            if isinstance(blocks, dict):
                blocks["fuzz_gate"] = _copy(TENSOR_BLOCK)
    tree["skipcheck"] = draw(st.sampled_from(["1.1", "1.1", "1.1", 1]))
    return tree


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
        kind = draw(
            st.sampled_from(["scalar", "wrap", "unknown key", "share", "drop", "deep", "1.1"])
        )
        if kind == "1.1":
            tree = _insert_11(draw, tree)
            places = None
            continue
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
    if name == "draw":
        return ["draw", path, "-o", out]
    return ["export", path, "-o", out]


OUTPUTS = {"export": "model.py", "draw": "model.svg"}


def _broken_svg(out: Path) -> str | None:
    """Why the SVG ``draw`` wrote does not parse as XML (None when it does, or none was written)."""
    if not out.exists() or out.suffix != ".svg":
        return None
    try:
        ET.fromstring(out.read_bytes())
    except ET.ParseError as exc:
        return f"the SVG does not parse: {exc}"
    return None


def check_one(text: str, command: str, tmp: Path) -> None:
    path = tmp / "model.yaml"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    out = tmp / OUTPUTS.get(command, "model.out")
    out.unlink(missing_ok=True)
    args = _command(command, str(path), str(out))
    check_run(args, text, tmp, command, written=out, saved=path)


SLOWEST: list[tuple[float, str, str]] = []  # a campaign's ten slowest runs: (CPU s, command, hash)


def _keep_if_slowest(elapsed: float, command: str, text: str, saved: Path) -> None:
    """A campaign keeps its ten slowest inputs (``top-*``) and their list, for the report."""
    if len(SLOWEST) == 10 and elapsed <= SLOWEST[-1][0]:
        return
    name = hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    # the text: for a spec, the file; for import, the input shape and the --args
    (Path(SAVE or ".") / f"top-{command}-{name}{saved.suffix}").write_bytes(
        text.encode("utf-8", "surrogateescape")
    )
    SLOWEST.append((elapsed, command, name))
    SLOWEST.sort(reverse=True)
    del SLOWEST[10:]
    lines = [f"{t:.3f} {c} top-{c}-{h}" for t, c, h in SLOWEST]
    (Path(SAVE or ".") / f"slowest-{os.getpid()}.txt").write_text("\n".join(lines) + "\n")


def check_run(
    args: list[str], text: str, tmp: Path, command: str, *, written: Path, saved: Path
) -> None:
    """Run one command line and check the property; a campaign saves ``saved`` on failure."""
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
    if SAVE:
        (Path(SAVE) / f"count-{os.getpid()}").write_text(str(COUNT[0]))  # survives a kill
        _keep_if_slowest(elapsed, command, text, saved)
    raised = result.exception is not None and not isinstance(result.exception, SystemExit)
    # the boundary turns a skipcheck bug into exit 2 with this phrase: still a bug
    internal = "internal error" in result.output
    svg = _broken_svg(written) if command == "draw" else None
    kind = (
        type(result.exception).__name__
        if raised
        else "exit"
        if result.exit_code not in (0, 1, 2)
        else "internal"
        if internal
        else "svg"
        if svg
        else "slow"
        if elapsed > PROPERTY_S
        else None
    )
    if SAVE and kind is not None:
        # long campaigns keep every failing input for a reproducer
        name = hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        keep = Path(SAVE) / f"{kind}-{command}-{name}{saved.suffix}"
        keep.write_bytes(saved.read_bytes())
        keep.with_suffix(".txt").write_text(f"{elapsed:.2f} s\n{svg or ''}\n{failure}")
        return  # a campaign collects every failure instead of stopping at the first
    if raised:
        raise AssertionError(
            f"{type(result.exception).__name__}: {result.exception}\n{failure}"
        ) from result.exception
    assert result.exit_code in (0, 1, 2), failure
    assert not internal, failure
    assert svg is None, f"{svg}\n{failure}"
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
def warm(command_built_once: None, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Import what the commands import lazily, so the first timed run measures the run.
    (Into a scratch directory: ``-o /dev/null`` run as root once replaced /dev/null.)"""
    PLACE.append(tmp_path_factory.mktemp("mutant"))
    for command in USED:
        out = str(PLACE[0] / OUTPUTS.get(command, "model.out"))
        runner.invoke(app, _command(command, str(SPECS / "unet_original.yaml"), out))


@FUZZ
@given(text=st.one_of(tree_mutant(), text_mutant()), command=st.sampled_from(USED))
def test_mutants(text: str, command: str) -> None:
    # one test draws both kinds, so a long campaign covers both from its first minute;
    # one directory serves every example (each writes the same names first)
    check_one(text, command, PLACE[0])


# ``import --args``: one small model file whose factory takes every knob the mutated
# arguments turn (the file is fixed; the arguments are the hostile input)
IMPORT_MODEL = """
import torch
from torch import nn

CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
NORM = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}
POOL = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}


class Net(nn.Module):
    def __init__(self, width=8, depth=2, kernel=3, stride=1, merge="cat", norm=True,
                 up="nearest", dims=2, classes=2, channels=3, pool=2, padding=None):
        super().__init__()
        if not 1 <= depth <= 6:
            # the fixture's own guard: a fuzzed depth of 2**70 built modules until the
            # machine ran out of memory (the factory is the user's code; it is not on trial)
            raise ValueError(f"depth {depth} is not in 1..6")
        padding = kernel // 2 if padding is None else padding
        self.merge = merge
        self.down = nn.ModuleList()
        c = channels
        widths = []
        for k in range(depth):
            w = width * 2 ** k
            layers = [CONV[dims](c, w, kernel, stride=stride, padding=padding)]
            if norm:
                layers.append(NORM[dims](w))
            layers.append(nn.ReLU())
            self.down.append(nn.Sequential(*layers))
            widths.append(w)
            c = w
        self.pool = POOL[dims](pool)
        self.up = nn.Upsample(scale_factor=pool, mode=up)
        self.fuse = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.fuse.append(CONV[dims](c + w if merge == "cat" else c, w, 1))
            c = w
        self.head = CONV[dims](c, classes, 1)

    def forward(self, x):
        skips = []
        for k, block in enumerate(self.down):
            x = block(x)
            if k < len(self.down) - 1:
                skips.append(x)
                x = self.pool(x)
        for fuse in self.fuse:
            x = self.up(x)
            s = skips.pop()
            x = torch.cat([x, s], dim=1) if self.merge == "cat" else x + s
            x = fuse(x)
        return self.head(x)


def build(**kwargs):
    return Net(**kwargs)
"""
PLAUSIBLE = {
    "width": st.integers(1, 8),
    "depth": st.integers(1, 4),
    "kernel": st.integers(1, 5),
    "stride": st.integers(1, 2),
    "merge": st.sampled_from(["cat", "add"]),
    "norm": st.booleans(),
    "up": st.sampled_from(["nearest", "bilinear", "bicubic", "nearest-exact"]),
    "classes": st.integers(1, 4),
    "pool": st.integers(1, 3),
    "padding": st.sampled_from([None, 0, 1, 2]),
}
HOSTILE_ARGS = st.one_of(
    st.integers(-2, 40),
    st.sampled_from(["cat", "bilinear", "trilinear", "area", [1, 2], {"a": 1}, 1.5]),
    HOSTILE_SCALARS,
)


@st.composite
def import_args(draw: st.DrawFn) -> str:
    """``--args`` for the model above: a plausible mapping of its knobs, then sometimes a
    hostile value or an unknown key, written as YAML, and sometimes cut or sprinkled with
    hostile text."""
    keys = draw(st.lists(st.sampled_from(sorted(PLAUSIBLE)), max_size=6, unique=True))
    args: dict[str, Any] = {key: draw(PLAUSIBLE[key]) for key in keys}
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        key = draw(st.sampled_from([*sorted(PLAUSIBLE), "dims", "channels", "nope"]))
        args[key] = draw(HOSTILE_ARGS)
    text = yaml.dump(args, Dumper=DUMPER, default_flow_style=True).strip()
    if draw(st.integers(0, 7)) == 0:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from([*TEXT_INSERTS, ""])) + text[at:]
    return text


IMPORT_INPUTS = ["1x3x16x16", "1x3x16x16", "1x3x17x15", "2x3x32x24", "1x3x16", "1x1x16x16"]


@pytest.mark.skipif(not HAS_TORCH or IMPORTS == 0, reason="import needs torch")
@settings(FUZZ, max_examples=max(IMPORTS, 1))
@given(args=import_args(), shape=st.sampled_from(IMPORT_INPUTS))
def test_import_args(args: str, shape: str) -> None:
    model = PLACE[0] / "fuzz_model.py"
    if not model.exists():
        model.write_text(IMPORT_MODEL)
    out = PLACE[0] / "imported.yaml"
    out.unlink(missing_ok=True)
    saved = PLACE[0] / "args.txt"
    saved.write_text(args, encoding="utf-8", errors="surrogateescape")
    command = ["import", f"{model}:build", "--args", args, "-i", shape, "-o", str(out)]
    check_run(command, f"{shape} {args}", PLACE[0], "import", written=out, saved=saved)
