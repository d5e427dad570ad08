from __future__ import annotations

import pytest

from skipcheck.check.fixes.edit import (
    Edit,
    EditError,
    SpecText,
    apply_edits,
    line_col,
    shift,
    unified_diff,
)
from skipcheck.core.position import Position
from skipcheck.specfile.yamltree import load_text


def _entry(src: SpecText, line: int, col: int):  # type: ignore[no-untyped-def]
    return src.entry(Position("m.yaml", line, col))


def test_flow_mapping_gets_a_key_before_its_brace() -> None:
    text = "- conv: {out_channels: 8, kernel_size: 3}  # c\n"
    src = SpecText(text)
    _, _, args = _entry(src, 1, 3)
    out = apply_edits(text, [src.set_key(args, "padding", "1")])
    assert out == "- conv: {out_channels: 8, kernel_size: 3, padding: 1}  # c\n"


def test_block_mapping_gets_a_new_line_after_a_commented_value() -> None:
    text = "conv:\n  out_channels: 8   # wide\n  kernel_size: 3  # k\nnext: 1\n"
    src = SpecText(text)
    _, _, args = _entry(src, 1, 1)
    out = apply_edits(text, [src.set_key(args, "padding", "1")])
    assert (
        out == "conv:\n  out_channels: 8   # wide\n  kernel_size: 3  # k\n  padding: 1\nnext: 1\n"
    )


def test_block_mapping_at_end_of_file_without_newline() -> None:
    text = "conv:\n  kernel_size: 3"
    src = SpecText(text)
    _, _, args = _entry(src, 1, 1)
    assert apply_edits(text, [src.set_key(args, "padding", "1")]) == (
        "conv:\n  kernel_size: 3\n  padding: 1\n"
    )


def test_scalar_shorthand_becomes_a_mapping_and_keeps_the_comment_column() -> None:
    text = "- add: e2" + " " * 30 + "# skip\n"
    src = SpecText(text)
    _, _, value = _entry(src, 1, 3)
    out = apply_edits(text, [src.as_mapping(value, "skip", "align", "pad")])
    assert out.startswith("- add: {skip: e2, align: pad}   ")
    assert out.index("#") == text.index("#")
    tight = "- add: e2  # skip\n"
    src = SpecText(tight)
    out = apply_edits(tight, [src.as_mapping(_entry(src, 1, 3)[2], "skip", "align", "pad")])
    assert out == "- add: {skip: e2, align: pad}  # skip\n"


def test_existing_key_is_replaced_not_duplicated() -> None:
    text = "{kernel_size: 2, ceil_mode: false}\n"
    src = SpecText(text)
    out = apply_edits(text, [src.set_key(src.root, "ceil_mode", "true")])
    assert out == "{kernel_size: 2, ceil_mode: true}\n"


def test_overlapping_edits_are_refused() -> None:
    with pytest.raises(EditError):
        apply_edits("abcdef", [Edit(0, 3, "x"), Edit(2, 4, "y")])


def test_shift_and_line_col_follow_inserted_lines() -> None:
    edits = [Edit(4, 4, "new\n")]
    assert shift(2, edits) == 2 and shift(4, edits) == 8 and shift(6, edits) == 10
    assert line_col("ab\ncd\n", 4) == (2, 2)


def test_diff_has_line_numbers() -> None:
    diff = unified_diff("m.yaml", "a\nb\nc\n", "a\nB\nc\n")
    assert "@@ -1,3 +1,3 @@" in diff and "-b\n+B\n" in diff


def test_edits_come_from_the_loaded_tree_without_parsing_the_text_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import yaml

    text = "layers:\n  - conv: {out_channels: 8}  # c\n  - add: e1\n"
    tree = load_text(text, "m.yaml")

    def parse_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the spec was parsed a second time")

    monkeypatch.setattr(yaml, "compose", parse_again)
    src = SpecText(text, tree)
    _, key, args = _entry(src, 2, 5)
    assert (key.value, src.span(args)) == ("conv", "{out_channels: 8}")
    edits = [src.set_key(args, "kernel_size", "3"), src.replace(_entry(src, 3, 5)[1], "concat")]
    assert apply_edits(text, edits) == (
        "layers:\n  - conv: {out_channels: 8, kernel_size: 3}  # c\n  - concat: e1\n"
    )
