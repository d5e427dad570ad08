"""Text from specs on a terminal: shown, never obeyed.

A spec's ``name:``, its layer names and its lines reach every text report; an escape
sequence in them would drive the reader's terminal. Text reporters pass what they
print through :func:`visible` (plain ones) or ``skipcheck.report.text.plain`` (rich ones).
"""

from __future__ import annotations

import re

# C0 and C1 controls but newline and tab, DEL, and the bidirectional overrides that
# reorder what a reader sees (the "Trojan source" characters)
_HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``"a\\x1b[31m"`` → ``a\\x1b[31m`` spelled out: the bytes shown, not obeyed.

    >>> visible("evil\\x1b[2J")
    'evil\\\\x1b[2J'
    """
    return _HIDDEN.sub(_escape, text)
