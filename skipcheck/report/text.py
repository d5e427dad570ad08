"""Rich text from specs: never markup, never an emoji code, never a raw control byte.

``[/]`` in a spec would be read as rich markup and ``:100:`` as an emoji; reporters
build their lines with :func:`plain` on a :func:`console`.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.text import Text

from skipcheck.core.terminal import visible


def plain(text: str = "", style: str = "") -> Text:
    """A rich Text of ``text`` as written: no markup, no emoji, controls made visible."""
    return Text(visible(text), style=style)


def console(stream: TextIO | None, *, soft_wrap: bool) -> Console:
    """The reporters' console: no emoji codes and no highlighting of numbers or paths."""
    return Console(file=stream, highlight=False, emoji=False, soft_wrap=soft_wrap)
