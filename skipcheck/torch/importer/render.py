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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

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


def _key(step: Step) -> str:
    if step.module is not None:
        return step.module.rpartition(".")[0]
    return step.owner


def _related(stage: str, key: str) -> bool:
    """Whether an item of module ``key`` continues the stage of module ``stage``: the same
    module, a direct part of it (a conv block's norm-act), or the block around it closing it
    (the merge of a residual unit, a skip connection's concat)."""
    if stage == key:
        return True
    if not stage or not key:
        return False
    depth = key.count(".") - stage.count(".")
    if key.startswith(stage + "."):
        return depth == 1
    return stage.startswith(key + ".") and depth >= -2


def stages(items: Sequence[Item]) -> list[Stage]:
    """Consecutive items of one module (or of a module and its parts) form a stage."""
    out: list[Stage] = []
    for item in items:
        key = _key(item.step)
        if out and _related(out[-1].key, key):
            last = out[-1]
            last.key = key if len(key) < len(last.key) else last.key
            last.items.append(item)
        else:
            out.append(Stage(key, [item]))
    return out


@dataclass
class Rendered:
    text: str
    lines: dict[int, str]  # line → the step written there
    stage_names: list[str]


class _Writer:
    def __init__(self, emitted: Emitted) -> None:
        self.emitted = emitted
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
            text = f"{op}: {scalar(params)}" if params or (named and last) else op
            self.lines.append(f"{indent}- {text}{comment}")
            if named and last:
                self.lines.append(f"{indent}  name: {self.names[step.id]}")

    def merge_lines(self, item: Item, indent: str, comment: str, named: bool) -> None:
        step = item.step
        refs = [s for s in item.skips]
        self.where[len(self.lines) + 1] = step.id
        if len(refs) == 1 and refs[0].via is None and item.align == "none":
            self.lines.append(f"{indent}- {step.op}: {self.ref(refs[0].source)}{comment}")
        elif all(r.via is None for r in refs):
            args: dict[str, Any] = {
                "skip": [self.ref(r.source) for r in refs]
                if len(refs) > 1
                else self.ref(refs[0].source)
            }
            if item.align != "none":
                args["align"] = item.align
            self.lines.append(f"{indent}- {step.op}: {scalar(args)}{comment}")
        else:
            via: Skip = refs[0]
            self.lines.append(f"{indent}- {step.op}:{comment}")
            self.lines.append(f"{indent}    skip: {self.ref(via.source)}")
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
        self.lines.append(f"{indent}- branch:")
        self.lines.append(f"{indent}    name: {name}")
        self.lines.append(f"{indent}    from: {self.ref(str(item.branch_from))}")
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
) -> Rendered:
    """The spec text, and which step each line of it writes."""
    w = _Writer(emitted)
    for line in header:
        w.lines.append(f"# {_comment(line)}")
    w.lines += [
        "skipcheck: 1.1",
        f"name: {json.dumps(name)}",
        f"description: {json.dumps(description)}",
        f"input: {scalar(list(input_shape))}",
        "layers:",
    ]
    names: list[str] = []
    for stage in stages(emitted.items):
        first = stage.items[0].step
        stage_name = w.unique(identifier(stage.key or first.module or first.owner or "stem"))
        names.append(stage_name)
        w.lines.append(f"  - stage: {stage_name}")
        w.lines.append("    layers:")
        # a stage's value is its running tensor: its last layer or merge, never a branch
        values = [i.step.id for i in stage.items if i.branch is None]
        last = values[-1] if values else None
        if last is not None:
            w.names.setdefault(last, stage_name)
        for k, item in enumerate(stage.items):
            is_last = item.step.id == last and item.branch is None
            if not is_last:
                w.name_of(item, stage.items[k + 1 :])
            w.layer_lines(item, "      ", stage_name if is_last else None)
    if not emitted.main:
        w.lines.append("outputs:")
        for label, value in emitted.outputs:
            said = f"  # the model's output {label}" if label else ""
            w.lines.append(f"  - {w.ref(value)}{_comment(said)}")
    return Rendered("\n".join(w.lines) + "\n", w.where, names)
