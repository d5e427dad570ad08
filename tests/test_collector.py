"""core/collector: the cyclic collector is off while a paused function runs, then as it was."""

from __future__ import annotations

import gc

import pytest

from skipcheck.core.collector import paused


@paused
def seen(fail: bool = False) -> bool:
    if fail:
        raise ValueError("stop")
    return gc.isenabled()


def test_off_while_it_runs_and_on_again_after() -> None:
    assert gc.isenabled()
    assert seen() is False
    assert gc.isenabled()
    with pytest.raises(ValueError):
        seen(fail=True)
    assert gc.isenabled()  # on again after an exception too


def test_a_caller_that_turned_it_off_keeps_it_off() -> None:
    gc.disable()
    try:
        assert seen() is False
        assert not gc.isenabled()
    finally:
        gc.enable()
