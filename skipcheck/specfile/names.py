"""Names that read as an op but are not one: torch's spelling of a layer (``Conv2d``,
``conv2d``, ``MaxPool2d``), another case or underscores (``ReLU``, ``max_pool``), or a
one-letter slip (``maxpol``, ``upsmaple``).

In a spec without blocks every layer name must be an op, so any unknown name is an error.
Where a spec defines blocks, a layer may call one by any name — but never by one of these:
``validate`` refuses a block named so, and the JSON Schema rejects these names as layers
whether or not a spec has blocks, so an editor underlines ``conv2d:`` everywhere.
"""

from __future__ import annotations

import re
from functools import cache

from skipcheck.ops import OPS

# layer names of torch's for which skipcheck's op has another name
TORCH_NAMES = {
    "zeropad": "pad",
    "constantpad": "pad",
    "reflectionpad": "pad",
    "replicationpad": "pad",
    "circularpad": "pad",
    "upsamplingnearest": "upsample",
    "upsamplingbilinear": "upsample",
    "conv_transposed": "conv_transpose",
}
_DIMS = re.compile(r"[123]d$")
SLIP_MIN = 5  # shorter op names (add, max, relu) have too many neighbours to guess at


def _key(name: str) -> str:
    """``Conv_Transpose2d`` → ``convtranspose``: case, underscores and torch's 1d/2d/3d off."""
    return _DIMS.sub("", name.lower().replace("_", ""))


def _slips(key: str) -> set[str]:
    """One letter left out, or two neighbours swapped."""
    gone = {key[:k] + key[k + 1 :] for k in range(len(key))}
    swapped = {key[:k] + key[k + 1] + key[k] + key[k + 2 :] for k in range(len(key) - 1)}
    return (gone | swapped) - {key}


@cache
def _lookalikes() -> dict[str, str]:
    """Normalised name → the op it reads as."""
    out: dict[str, str] = {}
    for name in OPS:
        if len(_key(name)) >= SLIP_MIN:
            out.update(dict.fromkeys(_slips(_key(name)), name))
    out.update({_key(k): op for k, op in TORCH_NAMES.items()})
    out.update({_key(name): name for name in OPS})  # exact keys win over slips
    return out


def reads_as_op(name: str) -> str | None:
    """The op a name that is not one reads as (``Conv2d`` → ``conv``), or None.

    >>> reads_as_op("Conv2d"), reads_as_op("maxpol"), reads_as_op("double_conv")
    ('conv', 'maxpool', None)
    """
    if name in OPS:
        return None
    return _lookalikes().get(_key(name))


@cache
def lookalike_pattern() -> str:
    """An ECMA 262 regular expression (JSON Schema's) matching every name ``reads_as_op``
    answers for — and the op names themselves, which the schema allows separately.

    Case and underscores are free as in ``_key``; the names share prefixes, so they are
    written as a tree (``c(?:on(?:v|cat)|rop)``), a few kilobytes instead of thirty."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for key in _lookalikes():
        node = trie
        for c in key:
            node = node.setdefault(c, {})
        node[""] = {}
    return f"^_*{_regex(trie)}_*(?:[123]_*[dD])?_*$"


def _regex(node: dict) -> str:  # type: ignore[type-arg]
    """A trie as a regular expression; ``""`` marks where a name may end."""
    ends = "" in node
    branches = []
    for c, child in sorted(node.items()):
        if c:
            letter = f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c)
            rest = _regex(child)
            branches.append(letter + (f"_*{rest}" if rest else ""))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if ends else body
