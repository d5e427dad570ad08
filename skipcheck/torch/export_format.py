"""Lines of the exported code laid out as ``ruff format`` lays them out (88 columns).

The exporter writes each statement on one line; a line too long is split at its first
bracket that closes at the end of the line: its content on one line of its own where it
fits (ruff's first choice), else one item a line with a trailing comma — the "magic
trailing comma" layout that ruff format keeps as it is — and each item in turn where it is
still too long. No formatter is needed where the code is read.
"""

from __future__ import annotations

WIDTH = 88
SKIP = "  # fmt: skip"
_OPEN = {"(": ")", "[": "]", "{": "}"}


def format_code(text: str) -> str:
    out: list[str] = []
    for line in text.split("\n"):
        out += split_line(line)
    return "\n".join(out)


def split_line(line: str) -> list[str]:
    if len(line) <= WIDTH or line.lstrip().startswith(("#", '"', "'")):
        return [line]
    found = _outer_bracket(line)
    if found is None:
        return [line + SKIP]
    start, end = found
    indent = " " * (len(line) - len(line.lstrip()))
    items = _split_items(line[start + 1 : end])
    if not items:
        return [line]
    # ruff's first choice: the bracket's content on one line of its own, where it fits
    inner = f"{indent}    {', '.join(items)}"
    if len(inner) <= WIDTH and len(line[: start + 1]) <= WIDTH:
        return [line[: start + 1], inner, f"{indent}{line[end:]}"]
    lines = [line[: start + 1]]
    for item in items:
        lines += split_line(f"{indent}    {item},")
    lines.append(f"{indent}{line[end:]}")
    if any(len(x) > WIDTH or x.endswith(SKIP) for x in lines):
        # an expression too long for one line and with no bracket to split it at (a spec's
        # own long arithmetic): kept on its line, and ruff format told to leave it so
        return [line + SKIP]
    return lines


def _outer_bracket(line: str) -> tuple[int, int] | None:
    """The first bracket whose pair closes the line (up to ``:`` or ``-> T:`` after it)."""
    depth = 0
    quote: str | None = None
    start: int | None = None
    for k, c in enumerate(line):
        if quote is not None:
            if c == "\\":
                continue
            if c == quote and line[k - 1] != "\\":
                quote = None
            continue
        if c in "'\"":
            quote = c
        elif c in _OPEN:
            if depth == 0:
                start = k
            depth += 1
        elif c in _OPEN.values():
            depth -= 1
            if depth == 0 and start is not None:
                rest = line[k + 1 :].strip()
                if rest in ("", ":", ",") or (rest.startswith("->") and rest.endswith(":")):
                    return start, k
                start = None
    return None


def _split_items(text: str) -> list[str]:
    """``text`` split at its top-level commas (none inside brackets or strings)."""
    items: list[str] = []
    depth = 0
    quote: str | None = None
    current: list[str] = []
    prev = ""
    for c in text:
        if quote is not None:
            current.append(c)
            if c == quote and prev != "\\":
                quote = None
            prev = c
            continue
        if c in "'\"":
            quote = c
        elif c in _OPEN:
            depth += 1
        elif c in _OPEN.values():
            depth -= 1
        if c == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(c)
        prev = c
    if "".join(current).strip():
        items.append("".join(current).strip())
    return items
