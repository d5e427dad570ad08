"""``skipcheck import``: a PyTorch model → a spec, proven on import.

capture (torch.fx, meta device) → emit (running tensor, merges, vias) → render (stages,
names, YAML) → prove: the spec's parameter count equals the model's, and at the example
input and three other sizes the spec and the model agree — the same output shape where
the model runs, and where it fails, a finding at the layer where torch stops.
A spec that does not pass is never written.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from skipcheck.check import CheckMemo
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.inputshape import InputShape
from skipcheck.torch.importer.capture import META, CannotMap, Capture, Condition, capture
from skipcheck.torch.importer.emit import emit
from skipcheck.torch.importer.mapping import Layer
from skipcheck.torch.importer.origin import Origin
from skipcheck.torch.importer.render import Rendered, render

__all__ = ["CannotMap", "Imported", "Origin", "import_model", "instantiate", "parse_opaque"]


@dataclass
class Imported:
    """The spec text, whether it is partial, and the proof as report lines."""

    text: str
    partial: bool
    parameters: int
    report: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # 1-based line of ``text`` (a layer, a merge) → the line of the model's source behind it
    origins: dict[int, Origin] = field(default_factory=dict)
    # a block's line used by a call: (the block's line, the call's line) → that use's line of
    # the model's source (``origins`` has the first use's)
    use_origins: dict[tuple[int, int], Origin] = field(default_factory=dict)
    # the module (its path) a layer at a line calls, as ``origins`` and ``use_origins`` key
    # them: where its call has no line of the user's (an ``nn.Sequential`` a factory returns,
    # run by torch's own forward), the line that constructed the module still places it
    modules: dict[int, str] = field(default_factory=dict)
    use_modules: dict[tuple[int, int], str] = field(default_factory=dict)


def parse_opaque(values: Sequence[str] | None) -> dict[str, Layer]:
    """``--opaque PATH=LAYER``: LAYER is a spec layer as YAML (``identity``,
    ``{conv: {out_channels: 64, kernel_size: 1}}``), read by the safe loader.

    >>> parse_opaque(["encoder.attn=identity"])
    {'encoder.attn': ('identity', {})}
    """
    from skipcheck.ops import MERGE_OPS, OPS
    from skipcheck.torch.importer.load import plain

    out: dict[str, Layer] = {}
    for raw in values or []:
        path, sep, rule = raw.partition("=")
        path = path.strip()
        if not sep or not path or not rule.strip():
            raise SkipcheckError(
                f"--opaque takes MODULE.PATH=LAYER (e.g. attn=identity), not {raw!r}"
            )
        from skipcheck.specfile.yamltree import load_text

        value = plain(load_text(rule, "--opaque"))
        params: dict[str, Any] = {}
        if isinstance(value, str):
            op = value
        elif isinstance(value, dict) and len(value) == 1:
            op, given = next(iter(value.items()))
            params = given if isinstance(given, dict) else {}
        else:
            raise SkipcheckError(f"--opaque {path}: the rule is one spec layer, not {rule!r}")
        if op not in OPS or op in MERGE_OPS:
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
                f"{python_error(exc)}"
            ) from None
    if not isinstance(model, nn.Module):
        raise SkipcheckError(f"the factory returned a {type(model).__name__}, not an nn.Module")
    return model


def python_error(exc: BaseException) -> str:
    """The exception as its Python message and the user's frame that raised it: torch's own
    errors carry a C++ backtrace (``Exception raised from … frame #0: …``) that says nothing
    to the model's author, so it is cut."""
    import traceback

    from skipcheck.torch.importer.origin import is_machinery, origin_at

    kept: list[str] = []
    for line in str(exc).strip().splitlines():
        if line.startswith(("Exception raised from", "frame #")):
            break
        kept.append(line)
    text = " ".join(" ".join(kept).split())[:500]
    said = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    frames = [f for f in traceback.walk_tb(exc.__traceback__)]
    for frame, lineno in reversed(frames):
        name = frame.f_code.co_filename
        if not is_machinery(name):
            function = str(getattr(frame.f_code, "co_qualname", frame.f_code.co_name))
            return f"{said} (at {origin_at(name, lineno, function, '')})"
    return said


SIZES_TRIED = (256, 224, 512, 384, 320, 192, 128, 448, 640, 96, 64, 32, 1024)


def example_input(model: nn.Module) -> tuple[int, ...]:
    """A size where the model runs, found without the user: batch 1, the channels and the
    number of spatial axes of its first convolution, and the first of common sizes
    (square: 256, 224, 512, …) where the model runs on meta. A model whose structure
    depends on the size still needs ``--input``."""
    model = model.to(META).eval()
    first = next(
        (m for m in model.modules() if isinstance(m, (nn.modules.conv._ConvNd))),
        None,
    )
    if first is None:
        raise SkipcheckError(
            "the model has no convolution to read its input channels from: give --input"
        )
    rank = len(first.kernel_size)
    channels = first.in_channels
    failures: list[str] = []
    for size in SIZES_TRIED:
        shape = (1, channels, *([size] * rank))
        try:
            with torch.no_grad():
                model(torch.empty(*shape, device=META))
        except Exception as exc:
            failures.append(f"{_x(shape)}: {_first_line(exc)}")
            continue
        return shape
    raise SkipcheckError(
        f"the model runs at none of {', '.join(str(s) for s in SIZES_TRIED)} "
        f"(with {channels} channels, as its first convolution takes): "
        f"{failures[0]}; give --input where it runs"
    )


def import_model(
    model: nn.Module,
    input_shape: Sequence[int] | None,
    *,
    name: str,
    source: str,
    opaque: Mapping[str, Layer] | None = None,
    path: str = "<import>",
) -> Imported:
    """Map ``model`` (on the meta device) to a proven spec; CannotMap / SkipcheckError if not."""
    started = time.perf_counter()
    opaque = dict(opaque or {})
    found = input_shape is None
    shape = example_input(model) if input_shape is None else tuple(int(d) for d in input_shape)
    InputShape.of(shape)  # a caller's shape, judged as --input's is
    model = model.to(META).eval()
    unknown = [p for p in opaque if not _has_module(model, p)]
    if unknown:
        raise SkipcheckError(f"--opaque names no module of the model: {', '.join(unknown)}")
    try:
        return _import_at(model, shape, found, name, source, opaque, path, started)
    except _Branched as branched:
        # the trace took the path of an `if` on a size whose other side runs too: the other
        # side may be the general one (`if x.shape != skip.shape: x = resize(x, skip)`),
        # so trace there once; kept only if that spec agrees with torch at both sizes
        try:
            return _import_at(
                model, branched.probe, found, name, source, opaque, path, started, shape
            )
        except (SkipcheckError, _Branched):
            raise branched.error from None


class _ZeroSized(RuntimeError):
    """The traced graph made a tensor with a zero size (torch on a real device refuses)."""


class _Branched(Exception):
    def __init__(self, error: CannotMap, probe: tuple[int, ...]) -> None:
        super().__init__(str(error))
        self.error = error
        self.probe = probe


def _import_at(
    model: nn.Module,
    shape: tuple[int, ...],
    found: bool,
    name: str,
    source: str,
    opaque: Mapping[str, Layer],
    path: str,
    started: float,
    also: tuple[int, ...] | None = None,
) -> Imported:
    """The import traced at ``shape``, proven there (and at ``also``, the size first tried)."""
    caught = capture(model, shape, opaque)
    branches = _branches(model, shape, caught.conditions)
    emitted = emit(caught, pads_align=also is not None)
    kept = [c for c in caught.conditions if all(c is not b for b, _ in branches)]
    requires, unstated = _requirements(kept, len(shape) - 2)
    partial = any(s.opaque for s in caught.steps)
    header = [
        f"Imported by `skipcheck import` from {source} at input {_x(shape)}"
        + (" (a size where it runs, found by the importer)." if found else ".")
    ]
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
        requires=[(text, str(c.origin or "")) for text, c in requires],
    )
    proof = _Proof(model, caught, rendered, path, opaque, emitted.placed)
    other = _other_side(model, shape, [b for b, _ in branches])
    try:
        report, parameters = proof.run(shape)
    except SkipcheckError as exc:
        if not branches:
            raise
        guard, probe = branches[0]
        error = _branch_error(model, shape, guard, probe, str(exc))
        raise _Branched(error, tuple(other)) from None
    probes = ([also] if also is not None else []) + [p for _, p in branches]
    for probe in dict.fromkeys(probes):
        # the other side of each `if` on a size: the spec must agree with torch there too
        c = next((b for b, p in branches if p == probe), None)
        try:
            line = proof.compare(probe, first=False)
        except SkipcheckError as exc:
            if c is None:  # the size first tried, where the model took the other path
                raise _Branched(CannotMap(str(exc)), probe) from None
            error = _branch_error(model, shape, c, probe, str(exc))
            raise _Branched(error, tuple(other)) from None
        side = f" (the other side of {c.origin.quoted()})" if c and c.origin else ""
        report.append(line + side)
    for c in unstated:
        report.append(
            f"the model's Python also assumed {c.text} (at "
            f"{c.origin.quoted() if c.origin else '?'}): a condition "
            "the spec cannot state"
        )
    text, where = rendered.text, rendered.lines
    uses: dict[tuple[int, int], str] = {}
    if rendered.folded is not None:
        same = proof.same_as_folded(rendered.folded, shape)
        if same is None:
            text, where, uses = rendered.folded, rendered.folded_lines, rendered.folded_uses
            report.append(
                "blocks: repeated modules folded; the same shapes, parameters, findings and sizes"
            )
        else:
            report.append(f"blocks: not folded ({same})")
    steps = {s.id: s for s in caught.steps}
    origins = {
        line: origin for line, step in where.items() if (origin := steps[step].origin) is not None
    }
    lines = text.splitlines()
    if "require:" in lines:
        first = lines.index("require:") + 2  # the 1-based line of the first condition
        for k, (_, c) in enumerate(requires):
            if c.origin is not None:
                origins[first + k] = c.origin
    in_use = {key: origin for key, step in uses.items() if (origin := steps[step].origin)}
    modules = {line: module for line, step in where.items() if (module := steps[step].module)}
    use_modules = {key: module for key, step in uses.items() if (module := steps[step].module)}
    seconds = time.perf_counter() - started
    return Imported(
        text, partial, parameters, report, seconds, origins, in_use, modules, use_modules
    )


def _branches(
    model: nn.Module, shape: tuple[int, ...], conditions: Sequence[Condition]
) -> list[tuple[Condition, tuple[int, ...]]]:
    """The guards the model runs without: a size where each fails and the model still runs.

    A guard is the model's own requirement only if the model fails where it does not hold;
    where the model runs there, its Python chose a path by the size (MONAI's UpCat pads an
    odd skip; a U-Net resizes where the sizes differ)."""
    out = []
    for c in conditions:
        if c.probe is None:
            continue
        probe = tuple(c.probe if k == c.axis else d for k, d in enumerate(shape))
        try:
            with torch.no_grad():
                model(torch.empty(*probe, device=META))
        except Exception:
            continue  # the model fails there too: a requirement
        out.append((c, probe))
    return out


def _other_side(
    model: nn.Module, shape: tuple[int, ...], guards: Sequence[Condition]
) -> tuple[int, ...]:
    """Where to trace again: the size nearest ``shape`` (per axis) where every guard the
    model runs without fails at once and the model runs; ``shape`` if there is none."""
    axes = sorted({c.axis for c in guards})
    picked = list(shape)
    for axis in axes:
        mine = [c for c in guards if c.axis == axis and c.truth]
        for d in range(1, len(mine[0].truth) if mine else 0):
            found = None
            for x in (shape[axis] + d, shape[axis] - d):
                if 1 <= x <= len(mine[0].truth) and not any(c.truth[x - 1] for c in mine):
                    trial = tuple(x if k == axis else v for k, v in enumerate(picked))
                    try:
                        with torch.no_grad():
                            model(torch.empty(*trial, device=META))
                    except Exception:
                        continue
                    found = x
                    break
            if found is not None:
                picked[axis] = found
                break
    return tuple(picked)


def _branch_error(
    model: nn.Module, shape: tuple[int, ...], c: Condition, probe: tuple[int, ...], why: str
) -> CannotMap:
    origin = c.origin
    where = origin.module if origin is not None else ""
    cls = type(model.get_submodule(where)).__name__ if where else type(model).__name__
    at = f" at {origin.quoted()}" if origin is not None else ""
    return CannotMap(
        f"cannot be mapped: {'in ' + where if where else 'the model itself'} ({cls}){at}: "
        f"the model branches on its input size: the trace at {_x(shape)} took one path, "
        f"and at {_x(probe)} the model runs another, where the spec does not agree with it "
        f"({why}); a spec describes one path"
    )


def _requirements(
    conditions: Sequence[Condition], rank: int
) -> tuple[list[tuple[str, Condition]], list[Condition]]:
    """The conditions a spec states (``H % 32 == 0``) and those it cannot."""
    from skipcheck.core.graph import AXIS_NAMES

    names = AXIS_NAMES.get(rank, ())
    stated: list[tuple[str, Condition]] = []
    unstated: list[Condition] = []
    seen: set[str] = set()
    for c in conditions:
        if c.axis - 2 >= len(names) or not (c.test or c.parts):
            unstated.append(c)
            continue
        axis = names[c.axis - 2]
        # a guard true on several residues (RegUNet: H % 4 in {0, 1}): one line per residue
        # it excludes, together exactly the guard
        for _, test, value, modulus in c.parts or [(c.axis, c.test, c.value, c.modulus)]:
            if test.startswith("%"):
                text = f"{axis} % {modulus} {test[1:]} {value}"
            else:
                text = f"{axis} {test} {value}"
            if text not in seen:
                seen.add(text)
                stated.append((text, c))
    return stated, unstated


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
        self.memo = CheckMemo()  # the proof checks one spec at a few shapes, often twice
        self.path = path
        self.opaque = opaque
        self.steps = {s.id: s for s in caught.steps}
        self.lines = sorted(rendered.lines)
        self.stretched: str | None = None
        self.zero_sized = False  # the last ``locate`` stopped at a zero-sized tensor

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
            shared = self.shared()
            if shared:
                path, times = shared[0]
                cls = self.caught.modules.get(path, "?")
                raise CannotMap(
                    f"cannot be mapped: {path} ({cls}) is called {times} times with the same "
                    "weights: a spec layer holds its own parameters, and format 1.1 cannot "
                    "share them between layers (docs/spec.md, 'Not yet expressible'), so the "
                    f"spec would count them {times} times ({mapped_spec:,} parameters, the "
                    f"model {mapped_model:,})"
                )
            raise SkipcheckError(
                f"round trip failed: the spec counts {mapped_spec:,} parameters, the model "
                f"{mapped_model:,} in the same layers; the import would be wrong, so nothing is written"
            )
        line = f"parameters: spec {spec_total:,} · model {model_total:,}"
        if opaque_model or opaque_spec:
            line += f" (OPAQUE layers: model {opaque_model:,}, spec {opaque_spec:,})"
        if unused:
            traced = {s.module for s in self.caught.steps if s.module is not None}
            dropped = any(any(n == c or n.startswith(c + ".") for c in traced) for n in unused)
            # forward never calls them (an encoder's stages past the depth it breaks at), or,
            # where no layout could hold them, it calls them and drops their value
            what = "whose value the model drops, not written" if dropped else "forward never calls"
            line += f" ({unused_total:,} in modules {what}: {', '.join(unused[:4])})"
        report.append(
            line + (" — equal" if spec_total == model_total else " — mapped layers equal")
        )
        return int(spec_total)

    def shared(self) -> list[tuple[str, int]]:
        """The modules with parameters that more than one written step calls: (path, times)."""
        times = Counter(
            s.module for s in self.caught.steps if s.module is not None and s.id in self.placed
        )
        return [
            (path, n)
            for path, n in times.items()
            if n > 1 and any(True for _ in self.model.get_submodule(path).parameters())
        ]

    def same_as_folded(self, folded: str, shape: tuple[int, ...]) -> str | None:
        """Why the spec with blocks is not the same as the flat one, or None if it is: the
        same output shapes, parameter count and error codes at the four sizes, and the same
        valid sizes."""
        from skipcheck.check.valid import valid_sizes

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
        from skipcheck.check import Options

        result = self.memo.check(self.path, Options(input_shape=shape), text or self.rendered.text)
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
        if where is not None and self.zero_sized:
            # a zero-sized tensor inside: torch on a real device refuses
            return Outcome(False, at=where, message="a zero-sized tensor")
        # (where the traced graph stops but the model runs, the model took another path of
        # an `if` on a size: it runs, and the spec must say so)
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
                    raise _ZeroSized
                return value

        self.zero_sized = False
        try:
            with torch.no_grad():
                Watch(gm).run(torch.empty(*shape, device=META))
        except _ZeroSized:
            self.zero_sized = True
            return stopped[0] if stopped else "?"
        except Exception:
            self.stretched = None  # the graph stopped there: nothing was stretched to run
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
        if theirs.at is None and errors and all(d.code == "SC108" for d in errors):
            # the traced graph runs: the model stopped in its own Python check on its input
            return f"{shown}: both fail: the model's own check on its input ({errors[0].code})"
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
    # an output the model leaves empty (None) is not one the spec writes
    return tuple(tuple(int(d) for d in v.shape) for v in values if v is not None)


def _xs(shapes: Sequence[Sequence[int]]) -> str:
    return ", ".join(_x(s) for s in shapes)


def _same(a: Any, b: Any) -> bool:
    return b is not None and a.id == b.id


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
