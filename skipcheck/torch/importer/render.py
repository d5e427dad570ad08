"""The placed steps as spec text: stages from the module hierarchy, names from module paths.

Everything written is either a number, a spec keyword, or a name made of
``[A-Za-z0-9_]`` (module paths with other characters replaced); free text (the model's
name, the description) is written as a JSON-quoted string, which YAML reads as a plain
string. Comments carry module paths reduced to the same safe characters.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from skipcheck.ops import OPS
from skipcheck.specfile.names import reads_as_op
from skipcheck.torch.importer.capture import Step
from skipcheck.torch.importer.emit import Emitted, Item, Skip

_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def scalar(value: Any) -> str:
    """A value as YAML flow text that the safe loader reads back as the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value} in a spec")
        text = repr(value)
        if "e" in text and "." not in text:  # YAML 1.1 reads 1e-05 as a string
            mantissa, exp = text.split("e")
            text = f"{mantissa}.0e{exp}"
        return text
    if isinstance(value, Arg):
        return str(value)
    if isinstance(value, str):
        if _BARE.match(value) and value.lower() not in _RESERVED:
            return value
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in value.items()) + "}"
    raise ValueError(f"cannot write {type(value).__name__} in a spec")


def identifier(path: str) -> str:
    """A module path as a spec name: ``encoder.layer1.0`` → ``encoder_layer1_0``."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", path).strip("_") or "model"
    return name if re.match(r"[A-Za-z_]", name) else f"m_{name}"


def _comment(text: str) -> str:
    """Printable ASCII on one line: a comment can hold nothing else."""
    return re.sub(r"[^ -~]", "_", text)[:200]


@dataclass
class Stage:
    key: str
    items: list[Item] = field(default_factory=list)


def _label(step: Step) -> str:
    """The name a step's value gets: its module path, or its block's path and the op."""
    if step.module is not None:
        return identifier(step.module)
    op = step.op or (step.layers[0][0] if step.layers else "value")
    return identifier(f"{step.owner}.{op}" if step.owner else op)


CONTAINERS = {"Sequential", "ModuleList", "ModuleDict"}


class _Modules:
    """Module paths as blocks: torch's containers (nn.Sequential, ...) are not blocks."""

    def __init__(self, classes: Mapping[str, str]) -> None:
        self.classes = classes

    def block(self, path: str) -> str:
        # a container is no block of its own, except one the model holds directly
        # (`self.enc1 = nn.Sequential(...)`): that is the model's own unit, a stage
        while "." in path and self.classes.get(path) in CONTAINERS:
            path = path.rpartition(".")[0]
        return path

    def depth(self, path: str) -> int:
        parts = path.split(".") if path else []
        prefixes = (".".join(parts[: k + 1]) for k in range(len(parts)))
        return sum(self.classes.get(p) not in CONTAINERS for p in prefixes)

    def key(self, step: Step) -> str:
        if step.module is not None:
            return self.block(step.module.rpartition(".")[0])
        return self.block(step.owner)

    def related(self, stage: str, key: str) -> bool:
        """Whether an item of block ``key`` continues the stage of block ``stage``: the same
        block, a direct part of it (a conv block's norm-act), or the block around it closing
        it (the merge of a residual unit, a skip connection's concat)."""
        if stage == key:
            return True
        if not stage or not key:
            return False
        depth = self.depth(key) - self.depth(stage)
        if key.startswith(stage + "."):
            return depth == 1
        return stage.startswith(key + ".") and depth >= -2


def stages(items: Sequence[Item], classes: Mapping[str, str] | None = None) -> list[Stage]:
    """Consecutive items of one module (or of a module and its parts) form a stage."""
    modules = _Modules(classes or {})
    out: list[Stage] = []
    for item in items:
        key = modules.key(item.step)
        if out and modules.related(out[-1].key, key):
            last = out[-1]
            last.key = key if len(key) < len(last.key) else last.key
            last.items.append(item)
        else:
            out.append(Stage(key, [item]))
    return out


def sections(found: Sequence[Stage]) -> list[str]:
    """Each stage's section where the model is an encoder-decoder (its resolution falls, then
    rises again: a U), else nothing. Encoder: the stages down to the first at the lowest
    resolution; bottleneck: the others at that resolution; decoder: the rest, but for the
    head: the last stage, where it neither merges nor raises the resolution (a 1x1 conv)."""
    sizes: list[int] = []
    for stage in found:
        values = [i.step for i in stage.items if i.branch is None]
        shape = values[-1].shape if values else ()
        if len(shape) < 3:
            return []  # a flattened tail: a classifier, not a U
        sizes.append(math.prod(shape[2:]))
    if len(sizes) < 3:
        return []
    low = min(sizes)
    first, last = sizes.index(low), len(sizes) - 1 - sizes[::-1].index(low)
    if first == 0 or last == len(sizes) - 1 or max(sizes[last:]) <= low:
        return []
    if sizes[-1] < sizes[0] // 4:
        return []  # the decoder does not come back up near the input's size: not a U
    merges = [
        k
        for k, stage in enumerate(found)
        if any(i.step.kind == "merge" for i in stage.items) or (k > 0 and sizes[k] > sizes[k - 1])
    ]
    # the head: the last stage, where it neither merges nor raises the resolution
    head = len(sizes) - 1 if merges and max(merges) < len(sizes) - 1 else len(sizes)
    out = []
    for k in range(len(sizes)):
        if k <= first:
            out.append("encoder")
        elif k <= last:
            out.append("bottleneck")
        elif k < head:
            out.append("decoder")
        else:
            out.append("head")
    return out


@dataclass
class Rendered:
    text: str
    lines: dict[int, str]  # line → the step written there
    stage_names: list[str]
    folded: str | None = None  # the same spec with repeated modules as blocks, if any
    folded_lines: dict[int, str] = field(default_factory=dict)  # the same, for ``folded``
    # ``folded``: (a block's line, the line that calls it) → the step that use writes there
    # (``folded_lines`` has the first use's: one module; a finding is at one use)
    folded_uses: dict[tuple[int, int], str] = field(default_factory=dict)


class Arg(str):
    """A block argument in a block's layers: written as the bare name."""


class _Writer:
    def __init__(self, emitted: Emitted) -> None:
        self.emitted = emitted
        # folding into blocks: every value and reference is a slot, in writing order;
        # ``args`` replaces the slots that differ between the uses of a block
        self.slots: list[Any] | None = None
        self.slot_keys: list[str] = []
        self.args: dict[int, str] = {}
        self.blank = False  # every slot written as `_`: the shape of the text
        self.lines: list[str] = []
        self.where: dict[int, str] = {}
        self.used: set[str] = {"input"}
        self.names: dict[str, str] = {}  # step id → the name it is referenced by
        self.branch_values = {i.step.id for i in _all_items(emitted.items) if i.branch}

    def unique(self, base: str) -> str:
        name, k = base, 2
        while name in self.used:
            name, k = f"{base}_{k}", k + 1
        self.used.add(name)
        return name

    def ref(self, value: str) -> str:
        if self.emitted.steps[value].kind == "input":
            return "input"
        return self.names[value]

    def slot(self, value: Any, key: str) -> Any:
        if self.slots is None:
            return value
        self.slots.append(value)
        self.slot_keys.append(key)
        if self.blank:
            return Arg("_")
        return Arg(self.args[len(self.slots) - 1]) if len(self.slots) - 1 in self.args else value

    def slotted(self, params: dict[str, Any]) -> dict[str, Any]:
        return {k: self.slot(v, k) for k, v in params.items()}

    def refer(self, value: str) -> str:
        return str(self.slot(self.ref(value), "skip"))

    def layer_lines(self, item: Item, indent: str, last_of_stage: str | None) -> None:
        step = item.step
        if item.branch is not None:
            self.branch_lines(item, indent)
            return
        named = (
            step.id in self.emitted.referenced
            and last_of_stage is None
            and step.id not in self.branch_values
        )
        where = step.module or step.owner
        comment = f"  # {_comment(where)} ({_comment(step.what)})" if where else ""
        if step.opaque:
            comment += " OPAQUE: shape rule stated by --opaque, not read from the model"
        if step.kind == "merge":
            self.merge_lines(item, indent, comment, named)
            return
        for k, (op, params) in enumerate(step.layers):
            self.where[len(self.lines) + 1] = step.id
            last = k == len(step.layers) - 1
            # a named layer is a mapping (`- relu: {}` + `name:`), a plain one may be a word
            if "size_of" in params:  # resize_to: the tensor it takes its size from, by name
                params = {**params, "size_of": self.ref(params["size_of"])}
            params = self.slotted(params)
            text = f"{op}: {scalar(params)}" if params or (named and last) else op
            self.lines.append(f"{indent}- {text}{comment}")
            if named and last:
                self.lines.append(f"{indent}  name: {self.names[step.id]}")

    def merge_lines(self, item: Item, indent: str, comment: str, named: bool) -> None:
        step = item.step
        refs = [s for s in item.skips]
        self.where[len(self.lines) + 1] = step.id
        if len(refs) == 1 and refs[0].via is None and item.align == "none":
            self.lines.append(f"{indent}- {step.op}: {self.refer(refs[0].source)}{comment}")
        elif all(r.via is None for r in refs):
            args: dict[str, Any] = {
                "skip": [self.refer(r.source) for r in refs]
                if len(refs) > 1
                else self.refer(refs[0].source)
            }
            if item.align != "none":
                args["align"] = item.align
            self.lines.append(f"{indent}- {step.op}: {scalar(args)}{comment}")
        else:
            via: Skip = refs[0]
            self.lines.append(f"{indent}- {step.op}:{comment}")
            self.lines.append(f"{indent}    skip: {self.refer(via.source)}")
            if item.align != "none":
                self.lines.append(f"{indent}    align: {item.align}")
            self.lines.append(f"{indent}    via:")
            self.body(via.via or [], indent + "      ")
        if named:
            self.lines.append(f"{indent}  name: {self.names[step.id]}")

    def branch_lines(self, item: Item, indent: str) -> None:
        step = item.step
        name = self.names.get(step.id) or self.unique(_label(step))
        self.names[step.id] = name
        self.where[len(self.lines) + 1] = step.id
        # a value torch computes and the model then drops: kept for its parameters and its
        # conditions on the size, and said so, since nothing reads it
        dropped = "  # the model drops this value; torch computes it"
        self.lines.append(
            f"{indent}- branch:" + (dropped if step.id in self.emitted.dropped else "")
        )
        self.lines.append(f"{indent}    name: {name}")
        self.lines.append(f"{indent}    from: {self.refer(str(item.branch_from))}")
        self.lines.append(f"{indent}    layers:")
        self.body(item.branch or [], indent + "      ")

    def body(self, items: Sequence[Item], indent: str) -> None:
        for k, item in enumerate(items):
            self.name_of(item, items[k + 1 :])
            self.layer_lines(item, indent, None)

    def name_of(self, item: Item, rest: Sequence[Item]) -> None:
        step = item.step
        if step.id not in self.emitted.referenced or step.id in self.names or item.branch:
            return
        if any(r.step.id == step.id for r in rest):
            return  # a concat split in several: the name goes on its last part
        self.names[step.id] = self.unique(_label(step))


def _all_items(items: Sequence[Item]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        out.append(item)
        out += _all_items(item.branch or [])
        for skip in item.skips:
            out += _all_items(skip.via or [])
    return out


def render(
    emitted: Emitted,
    *,
    name: str,
    description: str,
    input_shape: Sequence[int],
    header: Sequence[str] = (),
    modules: Mapping[str, str] | None = None,
    requires: Sequence[tuple[str, str]] = (),
) -> Rendered:
    """The spec text, which step each line of it writes, and the text with blocks."""
    w = _Writer(emitted)
    top = [f"# {_comment(line)}" for line in header] + [
        "skipcheck: 1.1",
        f"name: {json.dumps(name)}",
        f"description: {json.dumps(description)}",
        f"input: {scalar(list(input_shape))}",
    ]
    if requires:
        # the model's own checks on its input (format 1.1 `require:`), each with its line
        top.append("require:")
        for condition, source in requires:
            if source:
                top.append(
                    f"  - {{condition: {json.dumps(condition)}, source: {json.dumps(source)}}}"
                )
            else:
                top.append(f"  - {json.dumps(condition)}")
    w.lines += top
    written: list[_Written] = []
    found = stages(emitted.items, modules)
    parts = sections(found)
    if not parts:
        w.lines.append("layers:")
    for k, stage in enumerate(found):
        if parts and (k == 0 or parts[k] != parts[k - 1]):
            w.lines.append(f"{parts[k]}:")
        first = stage.items[0].step
        stage_name = w.unique(identifier(stage.key or first.module or first.owner or "stem"))
        w.lines.append(f"  - stage: {stage_name}")
        w.lines.append("    layers:")
        # a stage's value is its running tensor: its last layer or merge, never a branch
        values = [i.step.id for i in stage.items if i.branch is None]
        last = values[-1] if values else None
        if last is not None and _read_after(stage.items, last):
            # a branch after the stage's last layer reads it: the stage's name is defined
            # only at its end, so the layer gets a name of its own
            w.names.setdefault(last, w.unique(_label(emitted.steps[last])))
        elif last is not None:
            w.names.setdefault(last, stage_name)
        begin = len(w.lines)
        _stage_body(w, stage, last, stage_name)
        own = {line - begin: step for line, step in w.where.items() if line > begin}
        written.append(
            _Written(stage, stage_name, last, w.lines[begin:], own, parts[k] if parts else "")
        )
    tail: list[str] = []
    if not emitted.main:
        tail.append("outputs:")
        for label, value in emitted.outputs:
            said = f"  # the model's output {label}" if label else ""
            tail.append(f"  - {w.ref(value)}{_comment(said)}")
    w.lines += tail
    folded, folded_lines, uses = _fold(w, written, modules or {}, top, tail)
    return Rendered(
        "\n".join(w.lines) + "\n", w.where, [x.name for x in written], folded, folded_lines, uses
    )


@dataclass
class _Written:
    stage: Stage
    name: str
    last: str | None
    lines: list[str]
    where: dict[int, str]  # line within ``lines`` (1-based) → the step written there
    section: str = ""  # encoder, bottleneck, decoder or head; '' where the spec has `layers:`


def _read_after(items: Sequence[Item], value: str) -> bool:
    """Whether an item after the one that computes ``value`` reads it (as a branch's start, a
    merge's skip, or the tensor whose size a resize takes)."""
    at = next(k for k, item in enumerate(items) if item.step.id == value and item.branch is None)
    for item in _all_items(items[at + 1 :]):
        if item.branch_from == value or any(s.source == value for s in item.skips):
            return True
        if any(p.get("size_of") == value for _, p in item.step.layers):
            return True
    return False


def _stage_body(w: _Writer, stage: Stage, last: str | None, stage_name: str) -> None:
    for k, item in enumerate(stage.items):
        is_last = item.step.id == last and item.branch is None and w.names.get(last) == stage_name
        if not is_last:
            w.name_of(item, stage.items[k + 1 :])
        w.layer_lines(item, "      ", stage_name if is_last else None)


_ARG_NAMES = {
    "in_channels": "ch_in",
    "num_features": "ch",
    "out_channels": "ch",
    "in_features": "ch_in",
    "out_features": "ch",
    "kernel_size": "k",
    "num_groups": "groups",
}


def _fold(
    w: _Writer,
    written: list[_Written],
    modules: Mapping[str, str],
    top: list[str],
    tail: list[str],
) -> tuple[str | None, dict[int, str], dict[tuple[int, int], str]]:
    """Stages of one module class written alike, but for numbers and the tensors they read,
    become one block with those as arguments (and which step each line writes: a block's
    line, its first use's step; and each use's step, by the block's line and the line of
    the call). None when no two stages fold."""
    groups: dict[tuple[str, str], list[tuple[_Written, list[Any]]]] = {}
    for x in written:
        if any(line.lstrip().startswith("name:") for line in x.lines):
            continue  # a name inside would be local to each use of the block
        if len(x.stage.items) < 2:
            continue  # a block of one layer reads worse than the layer
        shape, slots = _template(w, x)
        cls = modules.get(x.stage.key, "")
        if cls:
            groups.setdefault((cls, shape), []).append((x, slots))
    blocks: list[str] = []
    block_where: dict[int, str] = {}  # line within ``blocks`` → step
    calls: dict[str, str] = {}
    call_where: dict[str, str] = {}  # stage → the step of the block call's line
    use_where: dict[str, dict[int, str]] = {}  # stage → line within ``blocks`` → its step
    used = set(w.used)
    for (cls, _), members in groups.items():
        if len(members) < 2:
            continue
        args = _arguments([slots for _, slots in members])
        if args is None:
            continue
        block, k = identifier(cls), 2
        while (
            block in used
            or block in OPS
            or block in ("residual", "stage", "branch")
            or reads_as_op(block) is not None  # MONAI's UpSample is not a block `up_sample`
        ):
            block, k = f"{identifier(cls)}_{k}", k + 1
        used.add(block)
        template, where = _template_lines(w, members[0][0], {i: a for i, a in args.items()})
        names = list(dict.fromkeys(args.values()))
        blocks.append(f"  {block}:")
        blocks.append(f"    args: {scalar([Arg(n) for n in names])}")
        blocks.append("    layers:")
        start = len(blocks)
        block_where.update({start + k: step for k, step in where.items()})
        blocks += [line[2:] for line in template]
        for x, slots in members:
            _, _, own = _rewrite(w, x, {i: a for i, a in args.items()})
            use_where[x.name] = {start + k: step for k, step in own.items()}
            given = {n: slots[i][1] for i, n in args.items()}
            values = {n: (Arg(v) if isinstance(v, str) else v) for n, v in given.items()}
            calls[x.name] = f"      - {block}: {scalar(values)}" if values else f"      - {block}"
            if x.last is not None:
                call_where[x.name] = x.last
    if not calls:
        return None, {}, {}
    out = [*top, "blocks:"]
    offset = len(out)
    lines = {offset + k: step for k, step in block_where.items()}
    uses: dict[tuple[int, int], str] = {}
    out += blocks
    if not any(x.section for x in written):
        out.append("layers:")
    for k, x in enumerate(written):
        if x.section and (k == 0 or x.section != written[k - 1].section):
            out.append(f"{x.section}:")
        out.append(f"  - stage: {x.name}")
        out.append("    layers:")
        if x.name in calls:
            call = len(out) + 1
            if x.name in call_where:
                lines[call] = call_where[x.name]
            for k, step in use_where.get(x.name, {}).items():
                uses[(offset + k, call)] = step
            out.append(calls[x.name])
        else:
            lines.update({len(out) + k: step for k, step in x.where.items()})
            out += x.lines
    return "\n".join(out + tail) + "\n", lines, uses


def _template(w: _Writer, x: _Written) -> tuple[str, list[tuple[str, Any]]]:
    """The stage's text with every value and reference blanked, and those values."""
    lines, slots, _ = _rewrite(w, x, {}, blank=True)
    return "\n".join(re.sub(r"  # .*$", "", line) for line in lines), slots


def _template_lines(
    w: _Writer, x: _Written, args: dict[int, str]
) -> tuple[list[str], dict[int, str]]:
    lines, _, where = _rewrite(w, x, args)
    key = x.stage.key
    if not key:
        return lines, where
    # module paths relative to the block's own module: `# .conv1 (Conv2d)`
    lines = [line.replace(f"# {key}.", "# .").replace(f"# {key} (", "# (") for line in lines]
    return lines, where


def _rewrite(
    w: _Writer, x: _Written, args: dict[int, str], blank: bool = False
) -> tuple[list[str], list[tuple[str, Any]], dict[int, str]]:
    saved = (w.lines, w.where, w.slots, w.slot_keys, w.args, w.blank)
    w.lines, w.where, w.slots, w.slot_keys, w.args, w.blank = [], {}, [], [], dict(args), blank
    try:
        _stage_body(w, x.stage, x.last, x.name)
        return w.lines, list(zip(w.slot_keys, w.slots or [], strict=True)), w.where
    finally:
        w.lines, w.where, w.slots, w.slot_keys, w.args, w.blank = saved


def _arguments(members: list[list[tuple[str, Any]]]) -> dict[int, str] | None:
    """Slot → argument name, for the slots whose values differ between the uses (one
    argument for slots that differ alike); None where a differing value is not a whole
    number or a tensor's name."""
    out: dict[int, str] = {}
    by_values: dict[tuple[Any, ...], str] = {}
    taken: set[str] = set()
    for i in range(len(members[0])):
        values = tuple(m[i][1] for m in members)
        if all(v == values[0] and type(v) is type(values[0]) for v in values):
            continue
        if not all(
            isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)) for v in values
        ):
            return None
        if len({type(v) for v in values}) > 1:
            return None
        if values in by_values:
            out[i] = by_values[values]
            continue
        key = members[0][i][0]
        base = "skip" if isinstance(values[0], str) else _ARG_NAMES.get(key, key)
        arg, k = base, 2
        while arg in taken:
            arg, k = f"{base}{k}", k + 1
        taken.add(arg)
        by_values[values] = arg
        out[i] = arg
    return out
