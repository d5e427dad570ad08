"""Hostile and malformed YAML ends in a SkipcheckError with a position, quickly."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from skipcheck.core.errors import SkipcheckError
from skipcheck.specfile.yamltree import MAX_DEPTH, YList, YMap, load_text, read_file

BOMB = "\n".join(
    ["a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]"]
    + [f"{chr(98 + k)}: &{chr(98 + k)} [{', '.join(['*' + chr(97 + k)] * 9)}]" for k in range(8)]
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BOMB, "alias bomb"),
        ("&a [*a]", "recursive YAML alias"),
        ("&a {x: *a}", "recursive YAML alias"),
        ("[" * 5000 + "]" * 5000, "invalid YAML"),
        ("- " * 300 + "1", "nested too deeply"),
        ("x: !!python/object/apply:os.system [ls]", "not allowed"),
        ("x: !custom 3", "not allowed"),
        ("x: 1" + "0" * 100, "far too large"),
        ("\x01\x02binary junk", "invalid YAML"),
        ("x: y: z", "invalid YAML"),
        ("a: 1\na: 2", "duplicate key"),
        ("<<: {a: 1}", "merge keys"),
        ("", "empty"),
    ],
)
def test_hostile_yaml_is_refused(text: str, message: str) -> None:
    with pytest.raises(SkipcheckError) as info:
        load_text(text, "evil.yaml")
    assert message in str(info.value)


NESTINGS: list[tuple[Callable[[int], str], int]] = [
    # (a text nesting values n levels below its root, its deepest value's depth)
    (lambda n: "[" * n + "1" + "]" * n, 0),
    (lambda n: "[" * n + "]" * n, -1),  # the innermost list is empty
    (lambda n: "{a: " * n + "1" + "}" * n, 0),
    (lambda n: "{a: " * (n - 1) + "{}" + "}" * (n - 1), -1),
    (lambda n: "".join("  " * k + "-\n" for k in range(n)) + "  " * n + "1\n", 0),
]


@pytest.mark.parametrize(("make", "below"), NESTINGS)
@pytest.mark.parametrize("n", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 2])
def test_the_depth_limit_is_exact(make: Callable[[int], str], below: int, n: int) -> None:
    """A value MAX_DEPTH levels below the root loads; one a level deeper is refused (the
    one walk counts a collection's items with it, so the last level is the one to get
    right)."""
    text = make(n)
    if n + below <= MAX_DEPTH:
        assert load_text(text, "f.yaml") is not None
    else:
        with pytest.raises(SkipcheckError, match="nested too deeply"):
            load_text(text, "f.yaml")


def test_positions_are_kept() -> None:
    tree = load_text("a: 1\nb:\n  - x\n  - {c: 2}\n", "f.yaml")
    assert isinstance(tree, YMap) and isinstance(tree["b"], YList)
    assert (tree.key_pos["b"].line, tree.key_pos["b"].col) == (2, 1)
    assert (tree["b"].item_pos[1].line, tree["b"].item_pos[1].col) == (4, 5)
    assert tree["b"][1].value_pos["c"].col == 9


def test_aliases_share_one_value() -> None:
    tree = load_text("a: &x {k: 1}\nb: *x\n", "f.yaml")
    assert tree["a"] == tree["b"] == {"k": 1}


def test_loading_keeps_nothing_but_the_tree() -> None:
    """A run loads a thousand specs: nothing of one load may stay behind for the next."""
    import gc
    import tracemalloc

    text = "layers:\n" + "  - conv: {out_channels: 8, kernel_size: 3, padding: 1}\n" * 2000
    load_text(text, "big.yaml")
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(5):
            load_text(text, "big.yaml")
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 100_000  # one tree of this text is over 1 MB


def test_an_anchor_used_twice_is_the_same_value_with_positions() -> None:
    tree = load_text(
        "a: &conv {out_channels: 8, kernel_size: 3}\nb: *conv\nc: [*conv, *conv]\n", "x.yaml"
    )
    assert tree["a"] is tree["b"] is tree["c"][0] is tree["c"][1]
    assert tree["b"].key_pos["kernel_size"].line == 1


def test_every_value_knows_where_it_ends() -> None:
    text = "name: 'u-net'   # quoted\nblock:\n  args: [ch, pad=0]\n  flow: {a: 1}\nend: 3"
    tree = load_text(text, "x.yaml")
    assert isinstance(tree, YMap) and not tree.flow
    assert text[: tree.key_end["name"]].endswith("name")
    assert text[: tree.value_end["name"]].endswith("'u-net'")  # the quotes are the value's
    block = tree["block"]
    assert isinstance(block, YMap)
    args = block["args"]
    assert isinstance(args, YList)
    assert [text[:e].rsplit("[", 1)[-1].split(", ")[-1] for e in args.item_end] == ["ch", "pad=0"]
    assert text[: args.end].endswith("[ch, pad=0]")
    assert block["flow"].flow and text[: block["flow"].end].endswith("{a: 1}")
    assert tree.value_end["end"] == len(text)


# every way YAML 1.1 writes a scalar that a spec might hold: the loader's shortcuts for plain
# strings and decimals (and its remembered tags) must read each as PyYAML's safe_load does
SCALARS = [
    "0", "7", "012", "0o17", "0x1f", "0b101", "1_000", "+5", "-3", "1:30", "190:20:30",
    "1.5", "1e3", ".inf", "-.Inf", ".nan", "true", "False", "yes", "off", "null", "~", "''",
    "relu", "base * 2", "'3'", '"012"', "0.", "00", "٣", "²", "3 ", "1__0",
]  # fmt: skip


@pytest.mark.parametrize("text", SCALARS)
def test_scalars_read_as_pyyaml_reads_them(text: str) -> None:
    doc = f"a: {text}\nb: [{text}]\n"
    expected = yaml.safe_load(doc)
    for _ in range(2):  # the second load reads the remembered tags
        tree = load_text(doc, "s.yaml")
        for got, want in ((tree["a"], expected["a"]), (tree["b"][0], expected["b"][0])):
            if want != want:  # NaN
                assert got != got
                continue
            assert got == want and type(got) is type(want), (text, got, want)


def _layout(value: object) -> object:
    """A loaded value with every position and end it remembers, to compare two loads."""
    if isinstance(value, YMap):
        keys = [(k, value.key_pos[k], value.value_pos[k], value.key_end[k]) for k in value]
        ends = [value.value_end[k] for k in value]
        inner = [_layout(v) for v in value.values()]
        return ("map", value.pos, value.end, value.flow, keys, ends, inner)
    if isinstance(value, YList):
        spans = list(zip(value.item_pos, value.item_end, strict=True))
        return ("list", value.pos, value.end, spans, [_layout(v) for v in value])
    return (type(value).__name__, value)


ODD_TEXTS = [
    "a: 1\r\nb: [x, y]\r\n",
    "a: 1\rb: {c: 2}\r",
    "a: '😀 é'\nb: [😀x, y]\n",
    "a: 'x\u2028y'\nb: [1, 2]\n",
    "\ufeffa: 1\nb: [1, 2]\n",
    'a: "x\x85y"\nb: [1, 2]\n',
    "a: |\n  xx\r\n  yy\rb: 1\n",
    "a: Long & Darrell\nb: {c: [1, 2.5, true, null, '3']}\n",
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_one_walk_and_two_walks_agree_on_odd_texts(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _layout(load_text(text, "f.yaml")) == _two_walks(text, monkeypatch)


def test_one_walk_and_two_walks_agree_on_every_shipped_spec(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The one walk (libyaml's lines and columns) gives what the two walks (each offset
    looked up in the text's lines) give, on every spec and fixture the project ships."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    paths = sorted([*(root / "specs").glob("*.yaml"), *(root / "tests").rglob("*.yaml")])
    compared = 0
    for path in paths:
        text = read_file(str(path))
        try:
            one = _layout(load_text(text, str(path)))
        except SkipcheckError as exc:
            one = str(exc)
        with monkeypatch.context() as patch:
            try:
                two = _two_walks(text, patch, str(path))
            except SkipcheckError as exc:
                two = str(exc)
        assert one == two, path
        compared += 1
    assert compared > 50


def _two_walks(text: str, patch: pytest.MonkeyPatch, file: str = "f.yaml") -> object:
    """What the loader gives with one walk ruled out and every position found by offset."""
    import skipcheck.specfile.yamltree as yamltree
    from skipcheck.core.position import line_starts

    init = yamltree._Converter.__init__

    def by_offsets(self: yamltree._Converter, file: str, text: str) -> None:
        init(self, file, text)
        self.marks_agree, self.starts = False, line_starts(text)  # never the marks' own

    patch.setattr(yamltree, "ONE_WALK_CHARS", -1)
    patch.setattr(yamltree._Converter, "__init__", by_offsets)
    return _layout(load_text(text, file))


def _values(node: yaml.Node) -> int:
    """The values of a composed document as the limit counts them (an independent count
    for the tests below): every node but a mapping's keys."""
    if isinstance(node, yaml.SequenceNode):
        return 1 + sum(_values(child) for child in node.value)
    if isinstance(node, yaml.MappingNode):
        return 1 + sum(_values(value) for _, value in node.value)
    return 1


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "x: [" + ", ".join(["1"] * n) + "]",  # a flow list: two characters a value
        lambda n: "x:\n" + "- 1\n" * n,
        lambda n: "{" + ", ".join(f"k{i}: v" for i in range(n)) + "}",  # keys do not count
        lambda n: "{" + ", ".join(f"k{i}" for i in range(n)) + "}",  # null values do
        lambda n: "- [" + "]\n- [".join(", ".join(["a", "b"]) for _ in range(n // 3)) + "]",
        lambda n: "a: &a [1, 2]\nb: [" + ", ".join(["*a"] * (n // 3)) + "]",  # an alias: its size
    ],
)
@pytest.mark.parametrize("n", [997, 998, 999, 1000, 1001, 1500])
def test_a_text_past_the_value_limit_is_refused_before_it_is_composed(
    make: Callable[[int], str], n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit is the same whether the text is counted before composing (texts longer than
    two characters a value) or measured after: refused exactly where its values (counted
    here on PyYAML's own nodes, an alias by what it expands to) pass the limit."""
    from skipcheck.specfile import yamltree

    text = make(n)
    monkeypatch.setattr(yamltree, "MAX_NODES", 1000)
    counted: list[str] = []
    real = yamltree._count_values

    def count(text: str, file: str) -> None:
        counted.append(text)
        real(text, file)

    monkeypatch.setattr(yamltree, "_count_values", count)
    # PyYAML composes an alias as the very node it names: counted by what it expands to
    if _values(yaml.compose(text, Loader=yaml.SafeLoader)) > 1000:
        with pytest.raises(SkipcheckError, match=r"more than 1,000 values"):
            load_text(text, "big.yaml")
    else:
        load_text(text, "big.yaml")
    assert counted == ([text] if len(text) > 2000 else [])


def test_the_counted_refusal_says_where_the_first_value_past_the_limit_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from skipcheck.specfile import yamltree

    monkeypatch.setattr(yamltree, "MAX_NODES", 1000)
    text = "skipcheck: 1\nlayers:\n" + "  - relu\n" * 1200
    with pytest.raises(SkipcheckError) as info:
        load_text(text, "big.yaml")
    # root, 1, the list: the 998th item is the 1,001st value, on line 2 + 998
    assert info.value.pos is not None
    assert (info.value.pos.line, info.value.pos.col) == (1000, 5)


def test_line_starts_are_yamls_on_any_mix_of_breaks() -> None:
    """One pass over the text gives what walking it break by break gives (\\r\\n is one
    break; NEL and U+2028 are not YAML 1.2 breaks)."""
    import random

    from skipcheck.core.position import line_starts

    rng = random.Random(5)
    for _ in range(2000):
        text = "".join(
            rng.choice(["a", "\r", "\n", "\r\n", "\u2028", "\x85", "b c"])
            for _ in range(rng.randint(0, 30))
        )
        want = [0]
        k = 0
        while k < len(text):
            if text.startswith("\r\n", k):
                k += 2
                want.append(k)
            elif text[k] in "\r\n":
                k += 1
                want.append(k)
            else:
                k += 1
        assert line_starts(text) == want, repr(text)


def test_two_megabytes_of_values_are_refused_without_composing_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Composing 2 MB of ``[1, 1, …]`` took libyaml over a second before the limit could say
    no; the count before it stops at the 200,001st value (a tenth of that)."""
    from skipcheck.specfile import yamltree

    def compose(*args: object, **kwargs: object) -> None:
        raise AssertionError("composed a text the count should have refused")

    monkeypatch.setattr(yamltree.yaml, "compose", compose)
    text = "skipcheck: 1\nx: [" + "1, " * 650_000 + "1]\n"
    assert len(text) <= yamltree.MAX_BYTES
    with pytest.raises(SkipcheckError, match="more than 200,000 values"):
        load_text(text, "big.yaml")
