"""`skipcheck import` on models that compute with their own sizes in Python, the lines of the
model's source behind every spec line, and the mappings real models need — each a small
hand-written torch model, with torch as the referee."""

from __future__ import annotations

import inspect

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from skipcheck.torch.importer import Origin, import_model  # noqa: E402


class _Skip(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(8, 8, 2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.up(self.down(x))
        return torch.cat([y, x], dim=1)  # the merge's own line


def _line_of(cls: type, text: str) -> int:
    lines, first = inspect.getsourcelines(cls)
    return first + next(k for k, line in enumerate(lines) if text in line)


def test_every_layer_and_merge_names_the_users_source_line() -> None:
    got = import_model(_Skip(), (1, 3, 32, 32), name="m", source="test")
    lines = got.text.splitlines()
    concat = next(k for k, line in enumerate(lines, 1) if "- concat:" in line)
    origin = got.origins[concat]
    assert origin == Origin(
        file=__file__,
        line=_line_of(_Skip, "torch.cat([y, x]"),
        function="_Skip.forward",
        code="return torch.cat([y, x], dim=1)  # the merge's own line",
        module="",
    )
    conv = next(k for k, line in enumerate(lines, 1) if "- conv:" in line)
    assert got.origins[conv].module == "down"
    assert got.origins[conv].code == "y = self.up(self.down(x))"
    assert str(origin).startswith("test_import_capture.py:")
