"""A JSON Schema of the spec format, for editors (completion, hover, red squiggles).

Op names, parameter names and kinds come from the OPS registry, so the schema
cannot drift from what ``skipcheck validate`` accepts. It checks structure only;
meaning (references, expressions, shapes) is ``skipcheck validate``'s job.
A spec without ``blocks:`` may name only ops, so there an unknown layer name
(``conv2d:``) is an error the editor underlines. Where a spec defines blocks, a block
call (``- double_conv: {ch: 64}``) is any other name: JSON Schema cannot compare a key
with the spec's own block names, so those layers stay open and ``skipcheck validate``
checks the names.
"""

from __future__ import annotations

from typing import Any

from skipcheck.ops import MERGE_OPS, OPS
from skipcheck.ops.base import Op, Param
from skipcheck.specfile.values import LAYER_KEYS, SECTIONS

# a name, not an address: nothing is published at a URL the schema could claim
SCHEMA_ID = "urn:skipcheck:spec:1.1"
Schema = dict[str, Any]

_EXPR: Schema = {"type": "string", "description": "an expression over params, e.g. base * 2"}
_INT: Schema = {"anyOf": [{"type": "integer"}, _EXPR]}
_NUMBER: Schema = {"anyOf": [{"type": "number"}, _EXPR]}
_SHAPE: Schema = {
    "type": "array",
    "minItems": 1,
    "items": {"type": ["integer", "string"]},
    "description": "a shape like [N, 64, H/2, W/2]",
}
_LAYERS: Schema = {"$ref": "#/definitions/layers"}


def _int(p: Param) -> Schema:
    if p.minimum is None:
        return _INT
    return {"anyOf": [{"type": "integer", "minimum": p.minimum}, _EXPR]}


def _number(p: Param) -> Schema:
    if p.minimum is None and p.maximum is None:
        return _NUMBER
    bounded: Schema = {"type": "number"}
    if p.minimum is not None:
        bounded["minimum"] = p.minimum
    if p.maximum is not None:
        bounded["maximum"] = p.maximum
    return {"anyOf": [bounded, _EXPR]}


def param_schema(p: Param, layers: Schema = _LAYERS) -> Schema:
    """The JSON Schema of one parameter kind (see ``Param``); ``layers`` is where a layer
    list points (the open or the ops-only tree)."""
    kinds: dict[str, Schema] = {
        "int": _int(p),
        "ints": {"anyOf": [_int(p), {"type": "array", "minItems": 1, "items": _int(p)}]},
        "number": _number(p),
        "numbers": {"anyOf": [_NUMBER, {"type": "array", "items": _NUMBER}, {"type": "null"}]},
        "bool": {"type": ["boolean", "null"]} if p.default is None else {"type": "boolean"},
        "choice": {"enum": list(p.choices)},
        "sizes": {
            "anyOf": [
                _INT,
                {"type": "null"},
                {"type": "array", "items": {"anyOf": [_INT, {"type": "null"}]}},
            ]
        },
        "ref": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "layers": layers,
    }
    if p.kind == "padding":
        ints = param_schema(Param(p.name, "ints", minimum=p.minimum))
        out: Schema = {"anyOf": [{"enum": ["same", "valid"]}, *ints["anyOf"]]}
    else:
        out = dict(kinds[p.kind])
    doc = p.doc or ("required" if p.required else f"default: {p.default!r}")
    if p.since != "1" and "format 1.1" not in doc:
        doc += " (format 1.1)"
    out["description"] = doc
    if p.default is not None and p.kind in ("int", "ints", "padding", "number", "bool", "choice"):
        out["default"] = p.default
    return out


def op_schema(name: str, op: Op, layers: Schema = _LAYERS) -> Schema:
    """``- conv: {...}``: the value under the op's key."""
    props = {p.name: param_schema(p, layers) for p in op.params}
    mapping: Schema = {"type": "object", "properties": props, "additionalProperties": False}
    required = [p.name for p in op.params if p.required]
    if required:
        mapping["required"] = required
    forms: list[Schema] = [mapping]
    primary = next((p for p in op.params if p.name == op.primary), None)
    if primary is not None and set(required) <= {primary.name}:
        # the shorthand `- maxpool: 2` sets the primary parameter only
        forms.append({k: v for k, v in param_schema(primary).items() if k != "description"})
    if not required:
        forms.append({"type": "null"})
    title = f"{name}" if name == op.name else f"{name} (alias of {op.name})"
    if op.since != "1" and "format 1.1" not in op.doc:
        title += " (format 1.1)"
    shorthand = f"; `- {name}: value` sets {op.primary}" if primary is not None else ""
    return {"description": f"{title}: {op.doc}{shorthand}", "anyOf": forms}


def _residual(layers: Schema) -> Schema:
    return {
        "description": "a short skip: body, optional shortcut (identity when absent), merge",
        "type": "object",
        "properties": {
            "body": layers,
            "shortcut": {"anyOf": [layers, {"type": "null"}]},
            "merge": {"enum": sorted(MERGE_OPS)},
        },
        "required": ["body"],
        "additionalProperties": False,
    }


def _branch(layers: Schema) -> Schema:
    return {
        "description": "a named side branch (format 1.1): layers from an earlier tensor "
        "(`from`, default the running tensor); the running tensor goes on unchanged",
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "how later layers refer to its output"},
            "from": {"type": "string", "description": "the tensor it starts from"},
            "layers": layers,
            "expect": {**_SHAPE, "description": "the shape the branch must produce"},
        },
        "required": ["name", "layers"],
        "additionalProperties": False,
    }


def _layer_tree(prefix: str, known_only: bool) -> dict[str, Schema]:
    """The definitions of a layer list: ``layers``, ``item``, ``stage`` and ``layer``, named
    with ``prefix``. ``known_only``: every layer name is an op (a spec without blocks)."""
    layers: Schema = {"$ref": f"#/definitions/{prefix}layers"}
    layer_props: dict[str, Schema] = {name: op_schema(name, op, layers) for name, op in OPS.items()}
    layer_props["residual"] = _residual(layers)
    layer_props["branch"] = _branch(layers)
    layer_props.update(
        {
            "name": {"type": "string", "description": "a name later skips can refer to"},
            "repeat": {**_INT, "description": "repeat the layer N times (index i, 0-based)"},
            "expect": {**_SHAPE, "description": "the shape this layer must produce"},
        }
    )
    assert set(LAYER_KEYS) <= set(layer_props)
    mapping: Schema = {"type": "object", "properties": layer_props, "minProperties": 1}
    bare: Schema = {"type": "string", "description": "an op without arguments (relu) or a block"}
    if known_only:
        mapping["additionalProperties"] = False
        bare = {"enum": sorted(OPS), "description": "an op without arguments (relu)"}
    stage: Schema = {
        "type": "object",
        "properties": {
            "stage": {"type": "string", "description": "the stage's name; skips refer to it"},
            "layers": layers,
            "expect": {**_SHAPE, "description": "the shape this stage must produce"},
            "description": {"type": "string"},
        },
        "required": ["stage", "layers"],
        "additionalProperties": False,
    }
    return {
        f"{prefix}layers": {"type": "array", "items": {"$ref": f"#/definitions/{prefix}item"}},
        f"{prefix}item": {
            "if": {"type": "object", "required": ["stage"]},
            "then": {"$ref": f"#/definitions/{prefix}stage"},
            "else": {"$ref": f"#/definitions/{prefix}layer"},
        },
        f"{prefix}stage": stage,
        f"{prefix}layer": {"anyOf": [bare, mapping]},
    }


def spec_schema() -> Schema:
    """The whole schema (draft-07, which the YAML language server reads)."""
    block = {
        "type": "object",
        "properties": {
            "args": {
                "type": "array",
                "items": {"type": "string"},
                "description": "argument names, with defaults as name=value: [ch, pad=0]",
            },
            "layers": _LAYERS,
            "description": {"type": "string"},
        },
        "required": ["layers"],
        "additionalProperties": False,
    }
    top: dict[str, Schema] = {
        "skipcheck": {
            "enum": [1, 1.1, "1.1"],
            "description": "the format version: 1, or 1.1 for the features marked (format 1.1)",
        },
        "name": {"type": "string"},
        "description": {"type": "string"},
        "input": {
            "type": "array",
            "minItems": 3,
            "items": {"type": ["integer", "string"]},
            "description": "input shape, batch and channels first: [N, 3, H, W]",
        },
        "output": {**_SHAPE, "description": "the shape the model must produce (checked)"},
        "outputs": {
            "type": "array",
            "minItems": 1,
            "description": "several named outputs (format 1.1): a name, or {name: shape}",
            "items": {
                "anyOf": [
                    {"type": "string"},
                    {
                        "type": "object",
                        "minProperties": 1,
                        "maxProperties": 1,
                        "additionalProperties": {"anyOf": [_SHAPE, {"type": "null"}]},
                    },
                ]
            },
        },
        "require": {
            "type": "array",
            "minItems": 1,
            "description": "conditions the model puts on single input sizes (format 1.1): "
            '"H % 32 == 0", or {condition: ..., source: ...}',
            "items": {
                "anyOf": [
                    {"type": "string"},
                    {
                        "type": "object",
                        "required": ["condition"],
                        "properties": {
                            "condition": {"type": "string"},
                            "source": {"type": "string"},
                        },
                        "additionalProperties": False,
                    },
                ]
            },
        },
        "params": {
            "type": "object",
            "additionalProperties": {"type": ["number", "string"]},
            "description": "knobs for expressions; override with --set",
        },
        "blocks": {"type": "object", "additionalProperties": block},
        "layers": {"allOf": [_LAYERS], "description": "the whole model as one list"},
    }
    for section in SECTIONS:
        top[section] = {"allOf": [_LAYERS], "description": f"the {section}: stages or layers"}
    known = {"$ref": "#/definitions/known-layers"}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "skipcheck architecture spec (format 1.1)",
        "type": "object",
        "properties": top,
        "required": ["skipcheck", "input"],
        "additionalProperties": False,
        # without blocks every layer name is an op: an unknown one is a typo
        "if": {"not": {"required": ["blocks"]}},
        "then": {"properties": {key: known for key in ("layers", *SECTIONS)}},
        "definitions": {**_layer_tree("", False), **_layer_tree("known-", True)},
    }
