"""The zoo, with torch as the referee: for each real network, the import succeeds, the
parameter count equals the model's, `skipcheck sizes` equals brute force over heights
1..256 on the original model (meta device), and output shapes are equal where both run.

A model that cannot be imported yet is listed in ``KNOWN`` with the start of its exact
reason: it is an xfail(strict=True), so one that starts working shows (XPASS fails the run:
take it off the list), and one that fails for another reason fails. The zoo tier needs the
libraries of constraints-zoo.txt (`.ci/run` runs it from .venv-zoo); README's test command
leaves it out (the ``zoo`` marker) and a library that is not installed is skipped.

    python -m pytest -m zoo tests/torch/zoo
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("torch")

from tests.torch.zoo.known import KNOWN
from tests.torch.zoo.models import ZOO, Entry
from tests.torch.zoo.referee import failure, referee

pytestmark = pytest.mark.zoo


class Known(Exception):
    """The model fails as KNOWN says it does (the xfail's expected exception)."""


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()


def _params() -> list[object]:
    out = []
    for entry in ZOO:
        marks = []
        if entry.name in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, raises=Known, reason=KNOWN[entry.name]))
        out.append(pytest.param(entry, id=_slug(entry.name), marks=marks))
    return out


@pytest.mark.parametrize("entry", _params())
def test_model_imports_exactly(entry: Entry) -> None:
    if not entry.available():
        pytest.skip(f"{entry.library} is not installed (the zoo tier: constraints-zoo.txt)")
    why = failure(referee(entry))
    if why is None:
        return
    reason = KNOWN.get(entry.name)
    if reason is not None and why.startswith(reason):
        raise Known(why)
    pytest.fail(why if reason is None else f"{why}\n(KNOWN says: {reason})")


def test_the_zoo_is_as_large_as_promised() -> None:
    libraries = {e.library for e in ZOO}
    assert {"monai", "smp", "torchvision", "timm", "hand-written"} <= libraries
    assert sum(e.library != "hand-written" for e in ZOO) >= 40
    assert sum(e.library == "hand-written" for e in ZOO) >= 5
    assert set(KNOWN) <= {e.name for e in ZOO}
