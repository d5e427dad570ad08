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


def _raising_factory(width: int = 4) -> nn.Module:
    weight = torch.empty(width, 3)
    return nn.Linear(3, width).to(weight @ torch.empty(2, 2))  # shapes cannot be multiplied


def test_a_factory_that_raises_shows_the_python_error_and_the_users_frame() -> None:
    from skipcheck.errors import SkipcheckError
    from skipcheck.torch.importer import instantiate

    with pytest.raises(SkipcheckError) as caught:
        instantiate(_raising_factory, {})
    message = str(caught.value)
    assert message.startswith("calling _raising_factory(**args) raised RuntimeError: mat1")
    assert "frame #" not in message and "Exception raised from" not in message
    line = _line_of_function(_raising_factory, "weight @ torch.empty")
    assert f"(at test_import_capture.py:{line} in _raising_factory: return nn.Linear" in message


def _line_of_function(fn: object, text: str) -> int:
    lines, first = inspect.getsourcelines(fn)  # type: ignore[arg-type]
    return first + next(k for k, line in enumerate(lines) if text in line)


def _cpp_error_factory() -> nn.Module:
    # what torch's c10 errors read like with TORCH_SHOW_CPP_STACKTRACES (torchvision's
    # "operator torchvision::nms does not exist" printed 60 frames of this)
    frames = "\n".join(f"frame #{k}: c10::fn{k}() + 0x{k:x}" for k in range(60))
    raise RuntimeError(
        "operator torchvision::nms does not exist\n"
        f"Exception raised from findSchemaOrThrow at dispatch.cpp:12 (most recent call first):\n{frames}"
    )


def test_a_cpp_backtrace_is_cut_to_the_python_message() -> None:
    from skipcheck.errors import SkipcheckError
    from skipcheck.torch.importer import instantiate

    with pytest.raises(SkipcheckError) as caught:
        instantiate(_cpp_error_factory, {})
    message = str(caught.value)
    assert message.startswith(
        "calling _cpp_error_factory(**args) raised RuntimeError: operator torchvision::nms "
        "does not exist (at test_import_capture.py:"
    )
    assert "frame #" not in message and "c10::" not in message
    assert "in _cpp_error_factory: raise RuntimeError(" in message
