"""``skipcheck import``: a PyTorch model → a spec, proven on import.

capture (torch.fx, meta device) → emit (running tensor, merges, vias) → render (stages,
names, YAML) → prove: the spec's parameter count equals the model's, and at the example
input and three other sizes the spec and the model agree — the same output shape where
the model runs, and where it fails, a finding at the layer where torch stops.
A spec that does not pass is never written.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from skipcheck.errors import SkipcheckError
from skipcheck.torch.importer.capture import META, CannotMap, Capture, capture
from skipcheck.torch.importer.emit import emit
from skipcheck.torch.importer.mapping import Layer
from skipcheck.torch.importer.render import Rendered, render

__all__ = ["CannotMap", "Imported", "import_model", "instantiate", "parse_opaque"]


@dataclass
class Imported:
    """The spec text, whether it is partial, and the proof as report lines."""

    text: str
    partial: bool
    parameters: int
    report: list[str] = field(default_factory=list)
    seconds: float = 0.0


def parse_opaque(values: Sequence[str] | None) -> dict[str, Layer]:
    """``--opaque PATH=LAYER``: LAYER is a spec layer as YAML (``identity``,
    ``{conv: {out_channels: 64, kernel_size: 1}}``), read by the safe loader.

    >>> parse_opaque(["encoder.attn=identity"])
    {'encoder.attn': ('identity', {})}
    """
    from skipcheck.ops import OPS
    from skipcheck.torch.importer.load import plain

    out: dict[str, Layer] = {}
    for raw in values or []:
        path, sep, rule = raw.partition("=")
        path = path.strip()
        if not sep or not path or not rule.strip():
            raise SkipcheckError(
                f"--opaque takes MODULE.PATH=LAYER (e.g. attn=identity), not {raw!r}"
            )
        from skipcheck.spec.yamltree import load_text

        value = plain(load_text(rule, "--opaque"))
        params: dict[str, Any] = {}
        if isinstance(value, str):
            op = value
        elif isinstance(value, dict) and len(value) == 1:
            op, given = next(iter(value.items()))
            params = given if isinstance(given, dict) else {}
        else:
            raise SkipcheckError(f"--opaque {path}: the rule is one spec layer, not {rule!r}")
        if op not in OPS or op in ("add", "concat", "mul"):
            raise SkipcheckError(f"--opaque {path}: {op!r} is not a single-input spec op")
        out[path] = (op, params)
    return out


def instantiate(factory: Any, args: Mapping[str, Any]) -> nn.Module:
    """The model, built on the meta device where its constructor allows (no memory)."""
    try:
        with torch.device("meta"):
            model = factory(**args)
    except Exception:
        try:
            model = factory(**args)
        except Exception as exc:
            raise SkipcheckError(
                f"calling {getattr(factory, '__name__', factory)}(**args) raised "
                f"{type(exc).__name__}: {exc}"
            ) from None
    if not isinstance(model, nn.Module):
        raise SkipcheckError(f"the factory returned a {type(model).__name__}, not an nn.Module")
    return model


def import_model(
    model: nn.Module,
    input_shape: Sequence[int],
    *,
    name: str,
    source: str,
    opaque: Mapping[str, Layer] | None = None,
    path: str = "<import>",
) -> Imported:
    """Map ``model`` (on the meta device) to a proven spec; CannotMap / SkipcheckError if not."""
    started = time.perf_counter()
    opaque = dict(opaque or {})
    shape = tuple(int(d) for d in input_shape)
    if len(shape) < 3:
        raise SkipcheckError(f"--input needs batch, channels and a spatial size, not {list(shape)}")
    model = model.to(META).eval()
    unknown = [p for p in opaque if not _has_module(model, p)]
    if unknown:
        raise SkipcheckError(f"--opaque names no module of the model: {', '.join(unknown)}")
    caught = capture(model, shape, opaque)
    emitted = emit(caught)
    partial = any(s.opaque for s in caught.steps)
    header = [f"Imported by `skipcheck import` from {source} at input {_x(shape)}."]
    if partial:
        header.append(
            "PARTIAL: layers marked OPAQUE are stated by --opaque, not read from the model."
        )
    described = f"imported from {source} at input {_x(shape)}" + (
        " (partial: see OPAQUE layers)" if partial else ""
    )
    rendered = render(
        emitted,
        name=name,
        description=described,
        input_shape=shape,
        header=header,
        modules=caught.modules,
    )
    proof = _Proof(model, caught, rendered, path, opaque, emitted.placed)
    report, parameters = proof.run(shape)
    text = rendered.text
    if rendered.folded is not None:
        same = proof.same_as_folded(rendered.folded, shape)
        if same is None:
            text = rendered.folded
            report.append(
                "blocks: repeated modules folded; the same shapes, parameters, findings and sizes"
            )
        else:
            report.append(f"blocks: not folded ({same})")
    return Imported(text, partial, parameters, report, time.perf_counter() - started)


def _has_module(model: nn.Module, path: str) -> bool:
    try:
        model.get_submodule(path)
    except AttributeError:
        return False
    return True


def _x(shape: Sequence[int]) -> str:
    return "x".join(str(d) for d in shape)


@dataclass
class Outcome:
    runs: bool
    shape: tuple[tuple[int, ...], ...] | None = None  # one per output
    at: str | None = None  # the step where torch stops
    message: str = ""
    stretched: str | None = None  # a merge that runs only by broadcasting a size-1 axis


class _Proof:
    def __init__(
        self,
        model: nn.Module,
        caught: Capture,
        rendered: Rendered,
        path: str,
        opaque: Mapping[str, Layer],
        placed: set[str],
    ) -> None:
        self.placed = placed
        self.model = model
        self.caught = caught
        self.rendered = rendered
        self.path = path
        self.opaque = opaque
        self.steps = {s.id: s for s in caught.steps}
        self.lines = sorted(rendered.lines)
        self.stretched: str | None = None

    def run(self, shape: tuple[int, ...]) -> tuple[list[str], int]:
        report: list[str] = []
        parameters = self.parameters(shape, report)
        spatial = shape[2:]
        sizes = [spatial]
        for other in (
            tuple(d + 1 for d in spatial),
            tuple(max(1, d // 2) for d in spatial),
            tuple(d * 2 for d in spatial),
        ):
            if other not in sizes:
                sizes.append(other)
        for dims in sizes:
            report.append(self.compare((*shape[:2], *dims), first=dims == spatial))
        return report, parameters

    def parameters(self, shape: tuple[int, ...], report: list[str]) -> int:
        result = self.check(shape)
        table = result.table
        assert table is not None and result.graph is not None
        spec_total = table.total_params
        if spec_total is None:
            raise SkipcheckError("round trip failed: the spec's parameter count is not known")
        model_total = sum(p.numel() for p in self.model.parameters())
        called = {
            s.module for s in self.caught.steps if s.module is not None and s.id in self.placed
        }
        opaque_model = sum(
            p.numel() for path in self.opaque for p in self.model.get_submodule(path).parameters()
        )
        opaque_spec = 0
        for node_id, count in table.counts.items():
            step = self.step_at(result.graph.nodes[node_id].pos.line)
            if step is not None and step.opaque and count:
                opaque_spec += count
        unused = [
            name
            for name, m in self.model.named_modules()
            if any(True for _ in m.parameters(recurse=False))
            and not any(name == c or name.startswith(c + ".") for c in called)
        ]
        unused_total = sum(
            p.numel() for n in unused for p in self.model.get_submodule(n).parameters(recurse=False)
        )
        mapped_model = model_total - opaque_model - unused_total
        mapped_spec = spec_total - opaque_spec
        if mapped_model != mapped_spec:
            raise SkipcheckError(
                f"round trip failed: the spec counts {mapped_spec:,} parameters, the model "
                f"{mapped_model:,} in the same layers; the import would be wrong, so nothing is written"
            )
        line = f"parameters: spec {spec_total:,} · model {model_total:,}"
        if opaque_model or opaque_spec:
            line += f" (OPAQUE layers: model {opaque_model:,}, spec {opaque_spec:,})"
        if unused:
            line += f" ({unused_total:,} in modules whose output reaches no output: {', '.join(unused[:4])})"
        report.append(
            line + (" — equal" if spec_total == model_total else " — mapped layers equal")
        )
        return int(spec_total)

    def same_as_folded(self, folded: str, shape: tuple[int, ...]) -> str | None:
        """Why the spec with blocks is not the same as the flat one, or None if it is: the
        same output shapes, parameter count and error codes at the four sizes, and the same
        valid sizes."""
        from skipcheck.shapes.valid import valid_sizes

        spatial = shape[2:]
        for dims in (
            spatial,
            tuple(d + 1 for d in spatial),
            tuple(max(1, d // 2) for d in spatial),
            tuple(d * 2 for d in spatial),
        ):
            at = (*shape[:2], *dims)
            flat, mine = self.check(at), self.check(at, folded)
            for what, a, b in (
                ("output", flat.output_shape(), mine.output_shape()),
                ("parameters", flat.table.total_params, mine.table.total_params),
                (
                    "findings",
                    sorted(d.code for d in flat.errors),
                    sorted(d.code for d in mine.errors),
                ),
            ):
                if a != b:
                    return f"{what} at {_x(at)}: {a} vs {b}"
        flat_sizes = [a.runs.describe() for a in valid_sizes(self.check(shape)).axes]
        mine_sizes = [a.runs.describe() for a in valid_sizes(self.check(shape, folded)).axes]
        if flat_sizes != mine_sizes:
            return f"valid sizes {flat_sizes} vs {mine_sizes}"
        return None

    def check(self, shape: tuple[int, ...], text: str | None = None) -> Any:
        from skipcheck.check import Options, check_spec

        result = check_spec(self.path, Options(input_shape=shape), text=text or self.rendered.text)
        if result.error is not None:
            # most often a value the model has and specs do not take (a conv with 0 output
            # channels): said as such, not as skipcheck's internal error
            raise SkipcheckError(
                f"the spec written for this model does not load: {result.error} (a value "
                f"outside the spec format's limits, docs/spec.md; if the value is within "
                f"them, please report it: docs/reporting.md)"
            )
        return result

    def step_at(self, line: int) -> Any:
        best = None
        for start in self.lines:
            if start <= line:
                best = start
        return None if best is None else self.steps[self.rendered.lines[best]]

    def original(self, shape: tuple[int, ...]) -> Outcome:
        try:
            with torch.no_grad():
                out = self.model(torch.empty(*shape, device=META))
        except Exception as exc:
            where = self.locate(shape)
            return Outcome(False, at=where, message=_first_line(exc))
        where = self.locate(shape)
        if where is not None:  # a zero-sized tensor inside: torch on a real device refuses
            return Outcome(False, at=where, message="a zero-sized tensor")
        return Outcome(True, _shapes(out), stretched=self.stretched)

    def locate(self, shape: tuple[int, ...]) -> str | None:
        """The step where the traced graph stops (or first makes an empty tensor); notes in
        ``stretched`` the first add/sub/max that torch runs only by broadcasting."""
        stopped: list[str] = []
        gm = self.caught.graph_module
        merges = {s.id for s in self.caught.steps if s.kind == "merge" and s.op != "mul"}
        proof = self
        proof.stretched = None

        class Watch(torch.fx.Interpreter):
            def run_node(self, n: Any) -> Any:
                stopped[:] = [n.name]
                if n.name in merges and proof.stretched is None:
                    args = [self.env[a] for a in n.all_input_nodes]
                    shapes = {tuple(a.shape) for a in args if isinstance(a, torch.Tensor)}
                    if len(shapes) > 1:
                        proof.stretched = n.name
                value = super().run_node(n)
                if isinstance(value, torch.Tensor) and value.dim() > 2 and 0 in value.shape[2:]:
                    raise RuntimeError("zero-sized")
                return value

        try:
            with torch.no_grad():
                Watch(gm).run(torch.empty(*shape, device=META))
        except Exception:
            return stopped[0] if stopped else "?"
        return None

    def compare(self, shape: tuple[int, ...], first: bool) -> str:
        theirs = self.original(shape)
        result = self.check(shape)
        errors = result.table.errors if result.table is not None else []
        shown = _x(shape)
        if theirs.runs and errors and theirs.stretched is not None:
            step = self.steps[theirs.stretched]
            if any(_same(step, self.step_at(d.pos.line)) for d in errors):
                return (
                    f"{shown}: the model runs only by broadcasting a size-1 axis in "
                    f"{step.what} in {step.owner or 'the model'}; the spec reports it "
                    f"({errors[0].code})"
                )
        if theirs.runs:
            if errors:
                raise SkipcheckError(
                    f"round trip failed at {shown}: the model runs, the spec reports "
                    f"{errors[0].code} {errors[0].message}"
                )
            mine = self.built_shape(result, shape)
            if mine != theirs.shape:
                raise SkipcheckError(
                    f"round trip failed at {shown}: the model gives {_xs(theirs.shape or ())}, "
                    f"skipcheck.build(spec) gives {_xs(mine)}"
                )
            return f"{shown}: both run, output {_xs(mine)}" + (" (the example)" if first else "")
        if first:
            raise SkipcheckError(
                f"the model does not run at the example input {shown}: {theirs.message}"
            )
        if not errors:
            raise SkipcheckError(
                f"round trip failed at {shown}: the model fails ({theirs.message}), the spec "
                "reports nothing"
            )
        torch_step = self.steps.get(theirs.at or "")
        blamed = [self.step_at(d.pos.line) for d in errors]
        if torch_step is None or not any(_same(torch_step, b) for b in blamed):
            where = torch_step.owner if torch_step is not None else theirs.at
            raise SkipcheckError(
                f"round trip failed at {shown}: torch stops at {where}, the spec's findings "
                f"name {', '.join(b.owner if b is not None else '?' for b in blamed)}"
            )
        what = torch_step.module or f"{torch_step.what} in {torch_step.owner or 'the model'}"
        return f"{shown}: both fail at {what} ({errors[0].code})"

    def built_shape(self, result: Any, shape: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
        from skipcheck.torch.model import build_from_graph

        built = build_from_graph(result.graph, shape, device="meta").eval()
        with torch.no_grad():
            out = built(torch.empty(*shape, device=META))
        return _shapes(out)


def _shapes(out: Any) -> tuple[tuple[int, ...], ...]:
    """The output's shapes: one tensor, or the values of a dict, tuple or list, in order."""
    values = list(out.values()) if isinstance(out, dict) else out
    if isinstance(values, torch.Tensor):
        values = [values]
    return tuple(tuple(int(d) for d in v.shape) for v in values)


def _xs(shapes: Sequence[Sequence[int]]) -> str:
    return ", ".join(_x(s) for s in shapes)


def _same(a: Any, b: Any) -> bool:
    return b is not None and a.id == b.id


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
