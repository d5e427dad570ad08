"""Source positions: every node of a spec remembers where it was written."""

from __future__ import annotations

import bisect
import functools
import re
from typing import NamedTuple


class Position(NamedTuple):
    """A 1-based line and column in a YAML file.

    A named tuple: a spec makes a few per value, and a tuple is built in C, several times
    faster than a frozen dataclass's ``__init__`` (the loader calls ``tuple.__new__``
    itself, skipping even the named tuple's Python ``__new__``). It is as immutable, and
    compares, orders and hashes field by field as that dataclass did; it also equals a
    plain tuple of the same three values, which nothing here builds.
    """

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


# YAML 1.2 breaks lines only at \r\n, \r and \n. PyYAML and libyaml also break at NEL,
# U+2028 and U+2029 (YAML 1.1), and str.splitlines at a dozen more; counting lines here,
# once, keeps the loader's positions, the fixer's edits and an editor's line numbers equal.
_BREAKS = ("\r\n", "\r", "\n")


def line_starts(text: str) -> list[int]:
    """The offset where each line of ``text`` starts, counting lines as YAML 1.2 does."""
    return list(_line_starts(text))


@functools.lru_cache(maxsize=8)  # texts of up to 2 MB each: keep few
def _line_starts(text: str) -> tuple[int, ...]:
    # the proofs of fixes ask again and again of the same few texts; one pass of the regex
    # engine over the text (a search for the next \r from each line was quadratic: a 2 MB
    # file with no \r took two seconds)
    return (0, *(m.end() for m in _BREAK.finditer(text)))


_BREAK = re.compile(r"\r\n?|\n")


def yaml_lines(text: str) -> list[str]:
    """The lines of ``text`` without their breaks, as YAML 1.2 counts them
    (``str.splitlines`` would also split at U+2028, NEL, form feeds ...)."""
    if not text:
        return []
    starts = line_starts(text)
    lines = []
    for a, b in zip(starts, [*starts[1:], len(text)], strict=True):
        lines.append(text[a:b].rstrip("\r\n") if b > a else "")
    if lines and lines[-1] == "" and len(starts) > 1:
        lines.pop()  # a final break ends the last line; it does not start another
    return lines


def offset_line_col(starts: list[int], offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset, given ``line_starts``."""
    line = bisect.bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


def newline_of(text: str) -> str:
    """The line break a file uses (its first one; ``\\n`` when it has none)."""
    for k, ch in enumerate(text):
        if ch == "\r":
            return "\r\n" if text[k + 1 : k + 2] == "\n" else "\r"
        if ch == "\n":
            return "\n"
    return "\n"
