"""The one way a spec is checked. Every command — validate, sizes, fix, whatif, dryrun,
export — and every proof of a fix goes through ``check_spec``:

    path or text + params + ``--set`` + ``--input`` + the config found for the file
      → load → apply overrides → lower → propagate → config → (fixes) → FileResult

>>> result = check_spec("specs/unet_add_broken.yaml", Options.parse(["base=48"], None))
>>> [d.code for d in result.errors]
['SC101', 'SC102', 'SC101', 'SC102']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from skipcheck.check.config import Config, ConfigCache, Selection, judge
from skipcheck.check.result import FileResult
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Graph
from skipcheck.core.inputshape import InputShape
from skipcheck.core.position import yaml_lines
from skipcheck.engine.propagate import propagate
from skipcheck.shapes.table import ShapeTable
from skipcheck.specfile.lower import lower
from skipcheck.specfile.overrides import Overrides
from skipcheck.specfile.yamltree import load_file, load_text


@dataclass(frozen=True)
class Options:
    """What a command asks of every spec it checks.

    ``input_shape`` from ``--input`` wins over the config's ``input``; ``configs`` finds
    the settings of each spec (or applies the one ``--config`` file to all of them).
    """

    overrides: Overrides = field(default_factory=Overrides)
    input_shape: tuple[int | str, ...] | None = None
    params: Mapping[str, Any] | None = None
    fixes: bool = False  # prove fixes for files with errors
    # re-prove each fix with every param at ½× and 2× (``fix`` does; ``validate`` over a
    # whole repository proves at the stored values only: the sweep is most of a proof's cost)
    sweep: bool = True
    # prove only until each error site has one fix: a report that counts the errors with a
    # fix (concise) needs no more, and the other candidates are most of a proof's cost
    first_fix: bool = False
    configs: ConfigCache = field(default_factory=ConfigCache, compare=False)
    # the spec's text when it does not come from its path (`-`: stdin); the path then only
    # names it in messages and finds its config
    text: str | None = None

    @classmethod
    def parse(
        cls,
        sets: Sequence[str] | None,
        input: str | None,
        config: str | None = None,
        *,
        fixes: bool = False,
        sweep: bool = True,
        selection: Selection | None = None,
    ) -> Options:
        """From the command line's ``--set``, ``--input``, ``--config`` and ``--select`` /
        ``--extend-select`` / ``--ignore`` (SkipcheckError if bad)."""
        return cls(
            overrides=Overrides.parse(sets),
            input_shape=InputShape.parse(input).dims if input else None,
            fixes=fixes,
            sweep=sweep,
            configs=ConfigCache(config, selection),
        )


def check_spec(path: str, options: Options | None = None, *, text: str | None = None) -> FileResult:
    """Check one spec (read from ``path``, or ``text`` when given); never raises
    SkipcheckError: an error that stops the check is the result's ``error``."""
    options = options or Options()
    return _check(path, options, options.text if text is None else text, None)


class CheckMemo:
    """``check_spec`` for callers that check the same texts again — the proofs of fixes,
    ``--apply-all``'s refusals, the importer's proof: each (path, text, options) is checked
    once, and each text parsed once (nothing changes a tree once loaded; a proof checks one
    candidate text at several params). One memo serves one command's options and config:
    it keys on the options' values, not on the settings files they find.

    >>> memo = CheckMemo()
    >>> memo.check("model.yaml", Options(), text) is memo.check("model.yaml", Options(), text)  # doctest: +SKIP
    True
    """

    def __init__(self, base: ShapeTable | None = None) -> None:
        self.trees: dict[str, Any] = {}
        # the model as written, checked: a candidate's layers before its first edit come
        # out as they did there, and are taken over instead of propagated again
        self.base = base
        self._results: dict[tuple[str, str, tuple[Any, ...]], FileResult] = {}

    def check(self, path: str, options: Options, text: str) -> FileResult:
        key = (path, text, _values(options))
        found = self._results.get(key)
        if found is None:
            found = self._results[key] = _check(path, options, text, self)
        return found


def _values(options: Options) -> tuple[Any, ...]:
    """What of ``options`` decides a check's result (the config lookup aside)."""
    return (
        tuple(o.text for o in options.overrides.items),
        options.input_shape,
        tuple(sorted((options.params or {}).items())),
        options.fixes,
        options.sweep,
        options.first_fix,
    )


def _check(path: str, options: Options, text: str | None, memo: CheckMemo | None) -> FileResult:
    """``check_spec``, parsing each text once when a ``memo`` is kept."""
    trees = None if memo is None else memo.trees
    config: Config | None = None
    shape = options.input_shape
    try:
        config = options.configs.for_file(path)
        if shape is None and config.input_shape is not None:
            shape = config.input_shape.dims
        if text is None:
            tree, text = load_file(path)
        elif trees is not None and text in trees:
            tree = trees[text]
        else:
            tree = load_text(text, path)
            if trees is not None:
                trees[text] = tree
        graph = _lower(tree, path, options)
        table = propagate(graph, shape, reuse=None if memo is None else memo.base)
    except SkipcheckError as exc:
        if exc.pos is None:
            exc = exc.within(path)
        # kept without its traceback (nor the parser's error it replaced): their frames hold
        # the file's tree and text, and a run keeps each file's error until its summary
        exc.__traceback__ = exc.__context__ = None
        return FileResult(path, error=exc, text=text or "", config=config, input_shape=shape)
    reported, silenced = judge(config, table.diagnostics, yaml_lines(text))
    result = FileResult(
        path,
        graph,
        table,
        text=text,
        diagnostics=reported,
        silenced=silenced,
        config=config,
        input_shape=shape,
    )
    if options.fixes and result.errors:
        result = _with_fixes(result, replace(options, fixes=False), tree)
    return result


def graph_of(path: str, options: Options | None = None, *, text: str | None = None) -> Graph:
    """The lowered graph of a spec, through ``check_spec``; raises its SkipcheckError."""
    result = check_spec(path, options, text=text)
    if result.error is not None:
        raise result.error
    assert result.graph is not None
    return result.graph


def _lower(tree: Any, path: str, options: Options) -> Graph:
    if not options.overrides:
        return lower(tree, path, options.params)
    applied = options.overrides.apply(tree, path)
    try:
        return lower(applied.tree, path, options.params)
    except SkipcheckError as exc:
        raise applied.blame(exc) from None


def _with_fixes(result: FileResult, options: Options, tree: Any) -> FileResult:
    """The result with proven fixes: each candidate is re-checked through ``check_spec``
    with the same options and config as the original."""
    from skipcheck.check.fixes import suggest

    memo = CheckMemo(result.table)

    def recheck(text: str, params: Mapping[str, int] | None) -> FileResult:
        swept = replace(options, params={**(options.params or {}), **params}) if params else options
        return memo.check(result.path, swept, text)

    found = suggest(result, recheck, sweep=options.sweep, first_only=options.first_fix, tree=tree)
    by_finding = {id(d): fixes for site, fixes in found for d in site.diagnostics}
    diagnostics = tuple(
        replace(d, fixes=by_finding[id(d)]) if id(d) in by_finding else d
        for d in result.diagnostics
    )
    return replace(result, diagnostics=diagnostics, fixes=found)
