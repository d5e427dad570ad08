"""The fast subset (`pytest -m "not slow"`): every entry of the slow list names a test that
exists, so a renamed test is not silently dropped from it or kept in it."""

from __future__ import annotations

import re

from tests.conftest import ROOT, SLOW


def test_every_slow_entry_names_a_test() -> None:
    for entry in SLOW:
        path, _, name = entry.partition("::")
        source = ROOT / path
        assert source.is_file(), entry
        name, _, param = name.partition("[")
        text = source.read_text()
        if name:
            assert re.search(rf"^def {re.escape(name)}\(", text, re.M), entry
        if param:  # one parameter set, by the id its pytest.param gives it
            assert f'id="{param.removesuffix("]")}"' in text, entry
