"""Writing fixes into a spec: proven for the file as stored, one at a time or all in turn.

A fix is proven under the options it was listed with (``--set``, ``--input``). What is
written is the file as stored, so before writing, the edited text is checked again with
the file's own params, input and config; a fix that only holds under the options is
refused with the reason, never written.

>>> applied, result, left = apply_all("model.yaml", Options())  # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from skipcheck.atomic import write_failures, write_text_atomic
from skipcheck.check import CheckMemo, Options, check_spec
from skipcheck.check.fixes.model import Fix
from skipcheck.check.fixes.prove import Baseline
from skipcheck.check.result import FileResult

BOM = "\ufeff"
MAX_ROUNDS = 100  # each applied fix removes a finding and adds none: far more than enough


def overridden(options: Options) -> bool:
    return bool(options.overrides) or options.input_shape is not None or bool(options.params)


def as_stored(options: Options) -> Options:
    """The options that check a spec as the file says: its own params and input, its config."""
    return Options(configs=options.configs, text=options.text)


def refusal(
    path: str, before: FileResult, fix: Fix, options: Options, memo: CheckMemo | None = None
) -> str | None:
    """Why ``fix`` must not be written, or None: at the file's own params and input it must
    add no error and, where its site has findings there too, remove at least one of them
    (what stays is reported after writing, as for a partial fix). ``memo``: the checks of
    earlier refusals (``--apply-all`` asks for each candidate of each round)."""
    if not overridden(options):
        return None
    memo = memo or CheckMemo()
    stored_options = as_stored(options)
    stored = memo.check(path, stored_options, before.text)
    after = memo.check(path, stored_options, fix.text)
    if stored.error is not None:
        return None  # the file does not load as stored either: the fix cannot make that worse
    if after.error is not None:
        return f"as stored, the fixed file does not load: {after.error}"
    base = Baseline(stored, lambda text, params: memo.check(path, stored_options, text))
    moved = Counter(base.moved(d, fix.edits, fix.text) for d in stored.errors)
    found = Counter((d.code, d.pos.line, d.pos.col) for d in after.errors)
    added = [d for d in after.errors if (found - moved)[(d.code, d.pos.line, d.pos.col)]]
    if added:
        d = added[0]
        return (
            f"it holds under --set/--input but, with the file's own params and input, "
            f"adds {d.code} at line {d.pos.line}: {d.message}"
        )
    at = {
        (d.pos.line, d.pos.col)
        for site, fixes in before.fixes
        if fix in fixes
        for d in site.diagnostics
    }
    site = {
        base.moved(d, fix.edits, fix.text) for d in stored.errors if (d.pos.line, d.pos.col) in at
    }
    left = [d for d in after.errors if (d.code, d.pos.line, d.pos.col) in site]
    if site and len(left) >= len(site):
        d = left[0]
        return (
            f"it holds under --set/--input but, with the file's own params and input, "
            f"it does not remove {d.code} at line {d.pos.line}: {d.message}"
        )
    return None


def apply_all(
    path: str, options: Options, text: str | None = None, unsafe: bool = False
) -> tuple[list[Fix], FileResult, int]:
    """Apply the top proven *safe* fix of each finding in turn (any fix with ``unsafe``, as
    ruff's --unsafe-fixes), re-checking after each, until the spec is clean or no such fix
    is left. Returns the fixes applied (in order), the last check (its findings are what
    remains) and how many sites left have an unsafe fix only. Nothing is written here.
    ``text``: the file's text as read (default: read it now)."""
    proving = replace(options, fixes=True)
    result = check_spec(path, proving, text=text)
    memo = CheckMemo()  # the refusals re-check the stored file and the same candidates
    applied: list[Fix] = []
    for _ in range(MAX_ROUNDS):
        if result.error is not None or result.ok:
            break
        chosen = next(
            (
                f
                for _, fixes in result.fixes
                for f in fixes
                if (unsafe or f.safe) and refusal(path, result, f, options, memo) is None
            ),
            None,
        )
        if chosen is None:
            break
        applied.append(chosen)
        result = check_spec(path, proving, text=chosen.text)
    left = sum(
        1 for _, fixes in result.fixes if fixes and not any(f.safe for f in fixes) and not unsafe
    )
    return applied, result, left


def write_spec(path: str, text: str, read: str) -> None:
    """Write a spec's new text in one step: the old file or the new, never half of one.

    The file keeps its mode, its UTF-8 byte-order mark (the loader drops it from the text)
    and, through the edits themselves, its line breaks; a symlink keeps pointing at it.
    ``read`` is the text the fix was computed from: if the file holds anything else now
    (a second ``fix --apply`` on it at the same time, an editor), nothing is written.
    """
    try:
        with open(path, "rb") as fh:
            bom = fh.read(3) == BOM.encode("utf-8")
    except OSError:
        bom = False
    with write_failures(path, read=True):
        write_text_atomic(
            path, (BOM if bom and not text.startswith(BOM) else "") + text, expect=read
        )
