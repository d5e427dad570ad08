"""One memo of check_spec, for the callers that check the same texts again."""

from __future__ import annotations

from skipcheck.check import CheckMemo, Options, check_spec
from tests.conftest import SPECS

SPEC = SPECS / "unet_add_broken.yaml"


def test_a_text_is_checked_once_per_options() -> None:
    memo = CheckMemo()
    text = SPEC.read_text()
    first = memo.check(str(SPEC), Options(), text)
    assert memo.check(str(SPEC), Options(), text) is first
    wider = memo.check(str(SPEC), Options(params={"base": 48}), text)
    assert wider is not first
    assert len(memo.trees) == 1  # parsed once for both
    # what the memo answers is what check_spec answers
    plain = check_spec(str(SPEC), Options(params={"base": 48}), text=text)
    assert [(d.code, d.pos, d.message) for d in wider.diagnostics] == [
        (d.code, d.pos, d.message) for d in plain.diagnostics
    ]
