"""A PyTorch model where a spec goes: ``skipcheck validate model.py:UNet --input 1x3x250x250``.

``validate``, ``sizes``, ``draw`` and ``fix`` take a model reference (``file.py:Name`` or
``package.module:factory``, with ``--args``) wherever they take a spec file. The model is
imported as ``skipcheck import`` would (the same proof), the spec is held in memory, and the
findings are told in the user's terms:

- where the model fails at the size asked for, torch itself is run there (on the meta
  device: no memory) and the frame of the user's code where it stops is named —
  ``model.py:41 in UNet.forward: x = torch.cat([x, skip], dim=1)`` — with the module path,
  the valid sizes and the nearest valid size;
- a fix is stated as what to change in the PyTorch code (``ConvTranspose2d(...,
  output_padding=1)`` in ``up.0``), since there is no spec file to write it into.

Telling a reference from a spec is plain string work (``is_model_reference``), so ``validate``
on YAML never imports torch; this module imports it only in ``resolve``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from skipcheck.core.errors import SkipcheckError

if TYPE_CHECKING:
    from skipcheck.check import Options
    from skipcheck.check.result import CodeLine, FileResult
    from skipcheck.rules.diagnostics import Diagnostic
    from skipcheck.torch.importer import Imported
    from skipcheck.torch.importer.origin import Origin

# ``path/to/model.py:Net`` or ``package.module:factory`` (the factory may be dotted:
# ``module:Class.build``). A spec file never looks like this: a name after the colon that is
# an identifier, before it a .py file or a dotted module name.
_NAME = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
REFERENCE = re.compile(rf"^(?P<source>[^:\s]+\.py|{_NAME}):(?P<name>{_NAME})$")


def is_model_reference(arg: str) -> bool:
    """Whether a command-line argument names a PyTorch model rather than a spec file: the
    ``source:name`` form, and no file of that name exists (a file always wins)."""
    return REFERENCE.match(arg) is not None and not os.path.exists(arg)


@dataclass
class Crash:
    """What torch said at the size asked for: the message and the user's frame."""

    message: str
    where: Origin | None
    module: str  # the innermost module whose forward was running ("" : the model itself)
    module_class: str


@dataclass
class Resolved:
    """A model reference, imported: the spec text (held in memory) and where each of its
    lines comes from in the user's code."""

    reference: str
    text: str
    imported: Imported
    model: Any  # the nn.Module, on the meta device
    origins: dict[int, Origin] = field(default_factory=dict)
    definition: CodeLine | None = None  # the model's class or factory, for lines no code made
    # a block's line in one use: (the block's line, the call's line) → that use's origin
    use_origins: dict[tuple[int, int], Origin] = field(default_factory=dict)
    made: dict[str, Origin] = field(default_factory=dict)  # module path → where it was built
    # where no line of the user's code calls a layer's module (torch's own forward ran it):
    # the line that constructed the module, per spec line and per use of a block's line
    built: dict[int, Origin] = field(default_factory=dict)
    use_built: dict[tuple[int, int], Origin] = field(default_factory=dict)


def resolve(
    reference: str, *, args: str | None = None, input_shape: Sequence[int | str] | None = None
) -> Resolved:
    """Import the model ``reference`` names into a spec held in memory (SkipcheckError when it
    cannot: the message says why, as ``skipcheck import`` does)."""
    from skipcheck.torch import require_torch

    require_torch()
    from skipcheck.torch.fix_in_code import constructions
    from skipcheck.torch.importer import import_model, instantiate
    from skipcheck.torch.importer.load import load_factory, parse_args

    factory = load_factory(reference)
    with constructions() as built:
        model = instantiate(factory, parse_args(args))
    made = {name: built[id(m)] for name, m in model.named_modules() if id(m) in built}
    model = model.to("meta").eval()
    asked = _numbers(input_shape) if input_shape is not None else None
    # at the size asked for where the model runs there (a model's structure may depend on
    # it); else at a size the importer finds, and the spec is checked at the one asked for
    example = asked if asked is not None and run_at(model, asked) is None else None
    name = reference.rpartition(":")[2]
    with quiet_torch_logs():
        imported = import_model(model, example, name=name, source=reference, path=reference)

    def built_at(module: str) -> Origin | None:
        return dataclasses.replace(made[module], module=module) if module in made else None

    built = {
        line: o
        for line, module in imported.modules.items()
        if line not in imported.origins and (o := built_at(module)) is not None
    }
    use_built = {
        key: o
        for key, module in imported.use_modules.items()
        if key not in imported.use_origins and (o := built_at(module)) is not None
    }
    return Resolved(
        reference,
        imported.text,
        imported,
        model,
        dict(imported.origins),
        _definition(factory),
        dict(imported.use_origins),
        made,
        built,
        use_built,
    )


def _definition(factory: Any) -> CodeLine | None:
    """Where the model's class or factory is defined (``net.py:5 in Net``). A class loaded
    from a file path is in no module of ``sys.modules``, so ``inspect`` cannot place it: its
    own functions' code says which file, and the ``class`` statement which line."""
    import inspect
    import linecache

    from skipcheck.check.result import CodeLine

    name = getattr(factory, "__qualname__", str(factory))
    file: str | None = None
    line = 0
    try:
        file = inspect.getsourcefile(factory)
        line = inspect.getsourcelines(factory)[1]
    except (OSError, TypeError):
        if isinstance(factory, type):
            own = [v for v in vars(factory).values() if inspect.isfunction(v)]
            file = own[0].__code__.co_filename if own else None
            pattern = re.compile(rf"^\s*class {re.escape(factory.__name__)}\b")
            lines = linecache.getlines(file) if file else []
            line = next((k + 1 for k, text in enumerate(lines) if pattern.match(text)), 0)
    if file is None or line < 1:
        return None
    return CodeLine(_shown(file), line, name, _source_line(file, line))


class quiet_torch_logs:
    """torch's symbolic-shape and fake-tensor loggers while the model is traced: they write
    their own guesses and retries to stderr (``create_symbol``, ``eval … [guard added]``,
    ``fake tensor raised …``), which say nothing to a user checking a model and would drown
    skipcheck's own report. Raised to ERROR for the trace only; TORCH_LOGS still wins for
    whoever asks for them."""

    NAMES = (
        "torch.fx.experimental.symbolic_shapes",
        "torch._subclasses.fake_tensor",
        "torch.fx.experimental.recording",
        "torch._dynamo",
    )

    def __enter__(self) -> None:
        import logging

        if os.environ.get("TORCH_LOGS"):
            self.saved: list[tuple[Any, int]] = []
            return
        loggers = [logging.getLogger(name) for name in self.NAMES]
        self.saved = [(log, log.level) for log in loggers]
        for log in loggers:
            log.setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        for log, level in self.saved:
            log.setLevel(level)


def check_model(
    reference: str,
    options: Options,
    *,
    args: str | None = None,
) -> FileResult:
    """``check_spec`` for a model reference: the imported spec checked with ``options``, its
    findings told at the user's source lines and its fixes in PyTorch terms. A model that
    cannot be imported is the result's ``error`` (exit 2), as a spec that does not load."""
    from skipcheck.check import check_spec
    from skipcheck.check.result import FileResult

    try:
        resolved = resolve(reference, args=args, input_shape=options.input_shape)
    except SkipcheckError as exc:
        told = exc if exc.message.startswith(reference) else exc.within(reference)
        return FileResult(reference, error=told)
    result = check_spec(reference, options, text=resolved.text)
    if result.error is not None:
        return _error_in_code(result, resolved)
    if not result.diagnostics:
        # clean: still told at the model's own lines (`sizes` names them)
        return told_in_code(result, resolved, resolved.origins)
    crash = None
    shape = result.input_shape
    if result.errors and shape is not None and all(isinstance(d, int) for d in shape):
        crash = run_at(resolved.model, _numbers(shape))
    return explain(result, resolved, crash)


def _error_in_code(result: FileResult, resolved: Resolved) -> FileResult:
    """An error at a line of the spec held in memory (a ``--set`` that does not fit) told
    without that line, which the user never sees: at the model's own line where its code made
    the layer, else with no position (json's ``1:1``)."""
    error = result.error
    if error is None or error.pos is None:
        return result
    code = code_lines({**resolved.built, **resolved.origins}).get(error.pos.line)
    at = f" (the layer at {code})" if code is not None else ""
    told = SkipcheckError(error.message + at).within(resolved.reference)
    return dataclasses.replace(result, error=told)


def run_at(model: Any, shape: Sequence[int]) -> Crash | None:
    """Run the model at ``shape`` on the meta device; None if it runs, else where it stops:
    the innermost frame of the user's code (not torch's) and the module running there."""
    import torch

    try:
        with torch.no_grad():
            model(torch.empty(*shape, device="meta"))
    except Exception as exc:
        return _crash(exc, model)
    return None


def explain(result: FileResult, resolved: Resolved, crash: Crash | None) -> FileResult:
    """The result with each finding told in the user's code: its source line and module; the
    error where torch stops (the one made at the line torch raised at, else the first) also
    gets torch's own message; the spec's lines it names become the model's; fixes say what
    to change in the PyTorch code."""
    base = told_in_code(result, resolved, resolved.origins)

    def origin_of(d: Diagnostic) -> Origin | None:
        key = (d.pos.line, base.call_of(d))
        return resolved.use_origins.get(key) or resolved.origins.get(d.pos.line)

    errors = [d for d in result.diagnostics if d.severity == "error"]
    stops = None
    if crash is not None and errors:
        at = crash.where
        same = [
            d
            for d in errors
            if at is not None
            and (o := origin_of(d)) is not None
            and (o.file, o.line) == (at.file, at.line)
        ]
        stops = (same or errors)[0]
    from skipcheck.torch.fix_in_code import ModelFacts

    # a layer torch's own forward runs is changed where its module is constructed
    facts = ModelFacts(
        base,
        {**resolved.built, **resolved.origins},
        {**resolved.use_built, **resolved.use_origins},
        resolved.model,
        resolved.made,
    )
    told_fixes: dict[int, Any] = {}

    def in_code(fix: Any) -> Any:
        """A fix as the change to make in the code; each once (a site's findings share them)."""
        if id(fix) not in told_fixes:
            told_fixes[id(fix)] = _in_code(fix, facts, base)
        return told_fixes[id(fix)]

    diagnostics = []
    crashed: dict[int, Origin] = {}
    for d in result.diagnostics:
        notes = [base.retold(note) for note in d.notes]
        origin = origin_of(d)
        if d is stops and crash is not None:
            if crash.where is not None:
                origin = crash.where
                crashed[d.pos.line] = crash.where
            if origin is not None:
                notes.append(f"in your code: {origin}")
            notes.append(f"module: {crash.module or 'the model itself'}{_cls(crash.module_class)}")
            notes.append(f"torch at this size: {crash.message}")
        else:
            if origin is not None:
                notes.append(f"in your code: {origin}")
            module = _module_of(result.lines, d.pos.line, origin)
            if module is not None:
                notes.append(f"module: {module}")
        operands = tuple(dataclasses.replace(o, origin=base.retold(o.origin)) for o in d.operands)
        diagnostics.append(
            dataclasses.replace(
                d,
                message=base.retold(d.message),
                operands=operands,
                notes=tuple(notes),
                fixes=tuple(in_code(f) for f in d.fixes),
            )
        )
    sites = tuple((site, tuple(in_code(f) for f in fixes)) for site, fixes in result.fixes)
    # json and sarif point where torch stops, too
    told = told_in_code(result, resolved, {**resolved.origins, **crashed})
    return dataclasses.replace(told, diagnostics=tuple(diagnostics), fixes=sites)


def told_in_code(
    result: FileResult, resolved: Resolved, origins: Mapping[int, Origin]
) -> FileResult:
    """The result with the model's source lines behind its spec lines: each layer's call in
    the user's code, else the line that constructed its module."""
    uses = {**resolved.use_built, **resolved.use_origins}
    return dataclasses.replace(
        result,
        code=code_lines({**resolved.built, **origins}),
        code_in_use={key: _code_line(o) for key, o in uses.items()},
        definition=resolved.definition,
        from_model=True,
    )


def code_lines(origins: Mapping[int, Origin]) -> dict[int, CodeLine]:
    """Each spec line's line of the model's source, as the result carries it."""
    return {line: _code_line(o) for line, o in origins.items()}


def _code_line(origin: Origin) -> CodeLine:
    from skipcheck.check.result import CodeLine

    text = _source_line(origin.file, origin.line)
    return CodeLine(_shown(origin.file), origin.line, origin.function, text, origin.module)


def _source_line(file: str, line: int) -> str:
    """The line as written (indentation kept), for a report's gutter."""
    import linecache

    return linecache.getline(file, line).rstrip()


def _shown(file: str) -> str:
    """A source file as the user would name it: relative to the working directory where it
    lies below it, else as Python loaded it."""
    relative = os.path.relpath(file) if os.path.isabs(file) else file
    return relative if not relative.startswith("..") else file


def _numbers(shape: Sequence[int | str]) -> tuple[int, ...]:
    """``--input`` as numbers: a symbol (1x3xHxW) stands for 256."""
    return tuple(d if isinstance(d, int) else 256 for d in shape)


# --- where in the user's code -----------------------------------------------------------


def _crash(exc: BaseException, model: Any) -> Crash:
    """The innermost frame outside torch (and skipcheck), and the innermost module whose
    forward was on the stack."""
    import torch

    from skipcheck.torch.importer.origin import is_machinery, origin_at

    names = {id(m): name for name, m in model.named_modules()}
    module, module_class = "", type(model).__name__
    user: tuple[Any, int] | None = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        self_ = frame.f_locals.get("self")
        if isinstance(self_, torch.nn.Module) and id(self_) in names:
            module, module_class = names[id(self_)], type(self_).__name__
        if not is_machinery(frame.f_code.co_filename):
            user = (frame, line)
    where = None
    if user is not None:
        frame, line = user
        where = origin_at(frame.f_code.co_filename, line, _qualname(frame), module)
    text = str(exc).strip()
    message = f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
    return Crash(message, where, module, module_class)


def _qualname(frame: Any) -> str:
    """``UNet.forward``: the code's qualified name (3.11), else the class of ``self``."""
    code = frame.f_code
    qualname = getattr(code, "co_qualname", None)
    if qualname:
        return str(qualname)
    self_ = frame.f_locals.get("self")
    return f"{type(self_).__name__}.{code.co_name}" if self_ is not None else code.co_name


_COMMENT = re.compile(r"#\s*(?P<path>[\w.]*)\s*\((?P<what>[^)]*)\)\s*$")


def _module_of(lines: Sequence[str], line: int, origin: Origin | None = None) -> str | None:
    """The module that made a spec line: the origin's module path, else the one the importer
    wrote as the layer's comment (``# up.0 (ConvTranspose2d)``); None where neither says."""
    match = _COMMENT.search(lines[line - 1]) if 0 < line <= len(lines) else None
    what = f" ({match.group('what')})" if match is not None else ""
    if origin is not None:
        return f"{origin.module or 'the model itself'}{what}"
    if match is None:
        return None
    return f"{match.group('path') or 'the model itself'}{what}"


def _cls(name: str) -> str:
    return f" ({name})" if name else ""


def _in_code(fix: Any, facts: Any, told: FileResult) -> Any:
    """A proven fix in PyTorch terms, its consequences at the model's own lines."""
    from skipcheck.torch.fix_in_code import in_code

    said = in_code(fix, facts)
    return dataclasses.replace(
        said,
        title=told.retold(said.title),
        description=told.retold(said.description),
        behaviour=told.retold(said.behaviour),
        new_warnings=tuple(told.retold(w) for w in said.new_warnings),
        remaining=tuple(told.retold(r) for r in said.remaining),
    )
