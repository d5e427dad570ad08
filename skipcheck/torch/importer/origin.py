"""Where a spec line came from in the model's own source: the user's frame, not torch's.

``Imported.origins`` maps a 1-based line of the emitted spec text (a layer, a merge, a
requirement) to the :class:`Origin` of the model code that made it, so a finding at that
line can be reported at ``model.py:41 in UNet.forward: torch.cat([x, skip], dim=1)``.
No torch import here: the records are plain data.
"""

from __future__ import annotations

import linecache
import os
import sys
from dataclasses import dataclass
from types import FrameType

# frames in these directories are machinery, never the user's code
_MACHINERY = tuple(
    os.path.dirname(os.path.abspath(p)) + os.sep
    for p in (
        os.path.join(os.path.dirname(__file__), "..", "..", "__init__.py"),  # skipcheck/
    )
)


@dataclass(frozen=True)
class Origin:
    """A line of the model's source: ``file:line in function: code`` for module ``module``."""

    file: str
    line: int
    function: str  # the qualified name: ``UNet.forward``
    code: str  # the source line, stripped: ``torch.cat([x, skip], dim=1)``
    module: str  # the module path (``decoder.up1``; '' is the model itself)

    def __str__(self) -> str:
        return f"{self.where()}: {self.code}" if self.code else self.where()

    def where(self) -> str:
        """``model.py:41 in UNet.forward``."""
        return f"{os.path.basename(self.file)}:{self.line} in {self.function}"

    def quoted(self) -> str:
        """``model.py:41 in UNet.forward (`torch.cat([x, skip])`)``: for inside a sentence."""
        return f"{self.where()} (`{self.code}`)" if self.code else self.where()


def _torch_dirs() -> tuple[str, ...]:
    torch = sys.modules.get("torch")
    dirs = list(_MACHINERY)
    if torch is not None and getattr(torch, "__file__", None):
        dirs.append(os.path.dirname(os.path.abspath(str(torch.__file__))) + os.sep)
    return tuple(dirs)


def is_machinery(filename: str) -> bool:
    """Whether a frame's file belongs to torch or skipcheck (not to the model's author)."""
    path = os.path.abspath(filename)
    return path.startswith(_torch_dirs()) or filename.startswith("<")


def user_frame(frame: FrameType | None) -> tuple[str, int, str] | None:
    """(file, line, qualified function) of the innermost frame outside torch and skipcheck
    that skipcheck itself called into: the model's code. A frame further out than all of
    skipcheck's is whoever called skipcheck (a script, a test's CliRunner, typer), never the
    model — a layer torch's own forward runs (an ``nn.Sequential``) has no such frame."""
    dirs = _torch_dirs()
    found: tuple[str, int, str] | None = None
    while frame is not None:
        name = frame.f_code.co_filename
        path = os.path.abspath(name)
        if path.startswith(_MACHINERY):
            if found is not None:
                return found
        elif found is None and not name.startswith("<") and not path.startswith(dirs):
            qualname = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
            found = name, frame.f_lineno, str(qualname)
        frame = frame.f_back
    return None


def origin_at(file: str, line: int, function: str, module: str) -> Origin:
    code = linecache.getline(file, line).strip()
    return Origin(file, line, function, code, module)
