"""Styled lines that import rich only where rich would style them.

``import rich`` costs about as much CPU as checking a spec. Where the output is not a
terminal (CI logs, pipes, ``-o FILE``) rich writes a ``Text`` as its plain characters, so
``Console`` writes those itself, the way rich would: control codes it strips are stripped,
and a line with a tab (which rich expands by cell width) still goes through rich. A
terminal, ``FORCE_COLOR``/``TTY_COMPATIBLE`` and Jupyter get rich itself, with the same
``Text`` built the same way. Anything that is not a ``Text`` (a table) goes to rich too.

>>> import io
>>> out = io.StringIO()
>>> Console(file=out).print(Text("✓ clean", style="bold green") + Text(" · 3 files"))
>>> out.getvalue()
'✓ clean · 3 files\\n'
"""

from __future__ import annotations

import builtins
import os
import sys
from typing import Any, TextIO

# rich.control.STRIP_CONTROL_CODES: bell, backspace, vertical tab, form feed, carriage return
_STRIP = str.maketrans("", "", "\x07\x08\x0b\x0c\r")


class Text:
    """The part of ``rich.text.Text`` the reporters use: ``Text(s, style=)``, ``+``, ``append``."""

    def __init__(self, text: str = "", style: str = "") -> None:
        self.text, self.style = text, style
        self.parts: list[Text | tuple[str, str]] = []  # `+ Text` and `append(str, style)`, in order

    def append(self, text: str, style: str = "") -> Text:
        self.parts.append((text, style))
        return self

    def __add__(self, other: Text) -> Text:
        result = Text(self.text, self.style)
        result.parts = [*self.parts, other]
        return result

    @property
    def plain(self) -> str:
        pieces = [self.text]
        for part in self.parts:
            pieces.append(part.plain if isinstance(part, Text) else part[0])
        return "".join(pieces)

    def to_rich(self) -> Any:
        """The same text as rich.text.Text, built by the same calls."""
        from rich.text import Text as RichText

        out = RichText(self.text, style=self.style)
        for part in self.parts:
            if isinstance(part, Text):
                out = out + part.to_rich()
            else:
                out.append(part[0], style=part[1])
        return out


def rich_would_style(file: Any) -> bool:
    """Whether rich.console.Console would write more than the characters to ``file``:
    its ``is_terminal`` rules (TTY_COMPATIBLE, FORCE_COLOR, isatty) and its IDLE and
    Jupyter cases."""
    if "idlelib" in sys.modules or hasattr(builtins, "get_ipython"):
        return True
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    force_color = os.environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color != ""
    isatty = getattr(file, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:
        return False


class Console:
    """``rich.console.Console(file, highlight=False, soft_wrap=True)`` for our ``Text``;
    rich itself is created on first need. Other attributes are the rich console's."""

    def __init__(self, file: TextIO | None = None) -> None:
        self._file = file
        self._rich: Any = None

    @property
    def rich(self) -> Any:
        if self._rich is None:
            from rich.console import Console as RichConsole

            self._rich = RichConsole(file=self._file, highlight=False, soft_wrap=True)
        return self._rich

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich, name)

    def print(self, renderable: Any = None) -> None:
        file = self._file or sys.stdout
        text: str | None
        if renderable is None:
            text = ""
        elif isinstance(renderable, Text) and "\t" not in (text := renderable.plain):
            text = text.translate(_STRIP)
        else:
            text = None
        if text is None or rich_would_style(file):
            if isinstance(renderable, Text):
                renderable = renderable.to_rich()
            self.rich.print(*(() if renderable is None else (renderable,)))
            return
        try:
            file.write(text + "\n")
            file.flush()
        except BrokenPipeError:
            # as rich.console.Console.on_broken_pipe ends a run whose reader went away
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
