"""Spec tree → Graph: read the top level (version, input, params, blocks, require,
outputs), then expand the layers (``specfile/expand.py``).

Everything here raises SkipcheckError with the position of the offending value,
so a bad spec ends with one clear message and exit code 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skipcheck.core.collector import paused
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import AXIS_NAMES, Graph, Node, Output
from skipcheck.core.inputshape import MAX_INPUT_SIZE, InputShape
from skipcheck.core.position import Position
from skipcheck.specfile.blocks import Blocks
from skipcheck.specfile.expand import Expansion, Where
from skipcheck.specfile.values import (
    IDENT,
    SECTIONS,
    TOP_KEYS,
    Given,
    declared,
    did_you_mean,
    kind,
    layer_list,
    needs_11,
    number,
)
from skipcheck.specfile.yamltree import YList, YMap, position_of

VERSIONS = {1: "1", "1": "1", 1.1: "1.1", "1.1": "1.1"}


@paused  # expanding makes several objects per layer, none in a cycle
def lower(tree: Any, file: str, params_override: Mapping[str, Any] | None = None) -> Graph:
    """Turn a loaded spec into the Graph (see docs/spec.md for the format)."""
    if not isinstance(tree, YMap):
        pos = getattr(tree, "pos", Position(file, 1, 1))
        raise SkipcheckError(
            f"a spec is a YAML mapping with `skipcheck: 1`, not a {kind(tree)}", pos
        )
    for key in tree:
        if key not in TOP_KEYS:
            raise SkipcheckError(
                f"unknown top-level key {key!r}{did_you_mean(key, TOP_KEYS)}", tree.key_pos[key]
            )
    if "skipcheck" not in tree:
        raise SkipcheckError("missing `skipcheck: 1` (the format version) at the top", tree.pos)
    version = _version(tree)
    if "input" not in tree:
        raise SkipcheckError("missing `input:` — the input shape, e.g. [N, 3, H, W]", tree.pos)
    input_dims = input_shape(tree["input"], position_of(tree, "input"))
    env = params(tree, dict(params_override or {}))
    blocks = Blocks.read(tree.get("blocks"), tree.pos)
    expansion = Expansion(version, blocks, lambda: _names_written(tree))
    expansion.nodes.append(
        Node(0, "input", {}, (), position_of(tree, "input"), "input", name="input")
    )
    start = Where(0, env, expansion.globals)
    if "require" in tree:
        start = start.at(requirements(expansion, tree, input_dims))
    end = _body(expansion, tree, start)
    output = None
    if "output" in tree:
        output = declared(tree["output"], position_of(tree, "output"), "output")
    outputs = _outputs(expansion, tree) if "outputs" in tree else []
    return Graph(
        file=file,
        name=str(tree.get("name", file_stem(file))),
        nodes=tuple(expansion.nodes),
        names=dict(expansion.globals.names),
        input_dims=input_dims,
        input_pos=position_of(tree, "input"),
        output=output,
        output_pos=position_of(tree, "output") if "output" in tree else None,
        stages=tuple(expansion.stages),
        params=env,
        version=version,
        end=end,
        outputs=tuple(outputs),
    )


def _version(tree: YMap) -> str:
    version = tree["skipcheck"]
    # a list or a mapping is no version (and cannot be looked up: it is unhashable)
    if (
        not isinstance(version, (int, float, str))
        or isinstance(version, bool)
        or (version not in VERSIONS)
    ):
        shown = (
            "a list"
            if isinstance(version, list)
            else "a mapping"
            if isinstance(version, dict)
            else repr(version)
        )
        raise SkipcheckError(
            f"unsupported format version {shown}; this skipcheck reads versions 1 and 1.1 "
            f"(write `skipcheck: 1` or `skipcheck: 1.1`)",
            position_of(tree, "skipcheck"),
        )
    return VERSIONS[version]


def _body(expansion: Expansion, tree: YMap, start: Where) -> int:
    """``layers:`` or the sections, expanded in order; the running tensor at the end."""
    body = [s for s in SECTIONS if s in tree]
    if "layers" in tree and body:
        raise SkipcheckError(
            f"use either `layers:` or the sections {', '.join(SECTIONS)}, not both",
            tree.key_pos["layers"],
        )
    if "layers" not in tree and not body:
        raise SkipcheckError(
            "the spec has no layers: add `layers:` or encoder/bottleneck/decoder/head", tree.pos
        )
    current = start.current
    for section in ["layers"] if "layers" in tree else body:
        items = layer_list(tree[section], position_of(tree, section), section)
        prefix = "" if section == "layers" else section
        current = expansion.items(items, Where(current, start.env, start.scope, prefix), top=True)
    if len(expansion.nodes) == 1:
        raise SkipcheckError("the spec has no layers", tree.pos)
    return current


def requirements(expansion: Expansion, tree: YMap, input_dims: tuple[Any, ...]) -> int:
    """``require:`` — conditions on single input sizes, each a node after the input."""
    pos = position_of(tree, "require")
    needs_11(expansion.version, "`require:`", tree.key_pos["require"])
    value = tree["require"]
    if not isinstance(value, YList) or not value:
        raise SkipcheckError(_REQUIRE_USAGE, pos)
    rank = len(input_dims) - 2
    names = [
        d if isinstance(d, str) else default
        for d, default in zip(input_dims[2:], AXIS_NAMES.get(rank, ()), strict=False)
    ]
    current = 0
    for k, item in enumerate(value):
        ipos = position_of(value, k)
        given = _requirement(item, ipos, names)
        condition = given.params["condition"]
        current = expansion.add(
            "require", given, (current,), ipos, f"require_{k}", None, (condition,)
        )
    return current


_REQUIRE_USAGE = (
    'require is a list of conditions on input sizes: ["H % 32 == 0", '
    '{condition: "W >= 64", source: "model.py:12"}]'
)


def _requirement(item: Any, pos: Position, names: list[str]) -> Given:
    """One condition of ``require:``, as the params of its ``require`` node."""
    from skipcheck.ops.require import parse
    from skipcheck.shapes.sizeset import MAX_SET_MODULUS

    source = ""
    if isinstance(item, YMap):
        unknown = [key for key in item if key not in ("condition", "source")]
        if unknown or "condition" not in item:
            raise SkipcheckError(_REQUIRE_USAGE, pos)
        text, source = item["condition"], item.get("source", "")
        if not isinstance(source, str):
            raise SkipcheckError("a requirement's source is text", pos)
    else:
        text = item
    if not isinstance(text, str):
        raise SkipcheckError(_REQUIRE_USAGE, pos)
    got = parse(text)
    if got is None:
        raise SkipcheckError(
            f"{text!r}: a requirement compares one input size with a number "
            '("H >= 64", "W == 224") or a residue ("H % 32 == 0", "H % 2 != 1")',
            pos,
        )
    axis, test, value, modulus = got
    # a period (or `!=`'s value) past the exact sets' cap could not be answered exactly
    if max(modulus, value + 1 if test == "!=" else 0) > MAX_SET_MODULUS or (value > MAX_INPUT_SIZE):
        raise SkipcheckError(
            f"{text!r}: numbers in a requirement are at most {MAX_SET_MODULUS:,} "
            f"(a period) and {MAX_INPUT_SIZE:,} (a size)",
            pos,
        )
    if axis not in names:
        raise SkipcheckError(
            f"{text!r} names no input size: the input's are {', '.join(names)}", pos
        )
    condition = " ".join(text.split())
    params = {
        "axis": names.index(axis),
        "test": test,
        "value": value,
        "modulus": modulus,
        "condition": condition,
        "source": " ".join(source.split())[:300],
    }
    return Given(params, {})


def _outputs(expansion: Expansion, tree: YMap) -> list[Output]:
    pos = position_of(tree, "outputs")
    needs_11(expansion.version, "`outputs:`", tree.key_pos["outputs"])
    if "output" in tree:
        raise SkipcheckError(
            "use either `output:` (one output) or `outputs:` (several), not both", pos
        )
    value = tree["outputs"]
    if not isinstance(value, YList) or not value:
        raise SkipcheckError(
            "outputs is a list of names, each optionally with its shape: "
            "[p2, {p3: [N, 256, H/8, W/8]}]",
            pos,
        )
    out: list[Output] = []
    for k, item in enumerate(value):
        ipos = position_of(value, k)
        shape = None
        if isinstance(item, YMap) and len(item) == 1:
            ref = next(iter(item))
            ipos = item.key_pos[ref]
            if item[ref] is not None:
                shape = declared(item[ref], position_of(item, ref), f"output {ref}")
        elif isinstance(item, str):
            ref = item
        else:
            raise SkipcheckError(
                f"an output is a name (`- p2`) or a name with its shape (`- p2: [N, 256, H/4, W/4]`), not a {kind(item)}",
                ipos,
            )
        if any(o.name == ref for o in out):
            raise SkipcheckError(f"output {ref!r} is listed twice", ipos)
        out.append(Output(ref, expansion.reference(ref, ipos, expansion.globals), shape, ipos))
    return out


def input_shape(value: Any, pos: Position) -> tuple[Any, ...]:
    """The spec's ``input:``, judged as every other source of an input shape is."""
    if not isinstance(value, list) or not value:
        raise SkipcheckError("input must be a list like [N, 3, H, W] or [1, 3, 256, 256]", pos)

    def at(k: int) -> Position:
        return position_of(value, k) if isinstance(value, YList) else pos

    return InputShape.of(value, pos, at).dims


def params(tree: YMap, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``params:``, each evaluated in order (a later one may use an earlier), with
    ``--set`` values in place of the written ones."""
    value = tree.get("params")
    env: dict[str, Any] = {}
    if value is None:
        value = YMap()
        value.pos, value.key_pos, value.value_pos = tree.pos, {}, {}
    if not isinstance(value, YMap):
        raise SkipcheckError(
            "params must be a mapping like {base: 64}", getattr(value, "pos", tree.pos)
        )
    for key in overrides:
        if key not in value:
            raise SkipcheckError(
                f"--set {key}: there is no param {key!r}{did_you_mean(key, value)} (params: {', '.join(value) or 'none'})"
            )
    for key, raw in value.items():
        if not IDENT.match(key):
            raise SkipcheckError(f"param name {key!r} must be a plain name", value.key_pos[key])
        raw = overrides.get(key, raw)
        env[key] = number(raw, env, position_of(value, key), f"param {key}")
    return env


def _names_written(tree: YMap) -> set[str]:
    """Every name written anywhere, so a forward reference gets its own message."""
    found: set[str] = set()
    stack: list[Any] = [tree.get(s) for s in ("layers", *SECTIONS)]
    while stack:
        item = stack.pop()
        if isinstance(item, YMap):
            for key in ("stage", "name"):
                if isinstance(item.get(key), str):
                    found.add(item[key])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def file_stem(path: str) -> str:
    base = path.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0]
