"""Findings from propagation: the right code, position, shapes — and no follow-on noise."""

from __future__ import annotations

import textwrap

from skipcheck.check import graph_of
from skipcheck.engine.propagate import propagate
from skipcheck.shapes.periodic import MAX_MODULUS


def run(spec_file, body: str, input_shape: str = "[1, 3, 64, 64]"):
    text = f"skipcheck: 1\ninput: {input_shape}\nparams: {{base: 8}}\n" + textwrap.dedent(body)
    return propagate(graph_of(spec_file(text)))


def codes(table):
    return [(d.code, d.pos.line) for d in table.diagnostics]


def test_declared_shapes_symbolic(spec_file) -> None:
    table = run(
        spec_file,
        """\
        output: [N, 8, H/2, W/2]
        layers:
          - {conv: {out_channels: 8, kernel_size: 3, padding: 1}, expect: [N, 8, H, W]}
          - {maxpool: 2, expect: [N, 8, H/2, W/2]}
        """,
        "[N, 3, H, W]",
    )
    # H/2 is exact division: the declaration holds only for even H, the model floors
    assert codes(table) == []
    assert table.valid_sizes("H").describe() == "every H ≥ 2"
    declared_h = {
        c.sizes.describe() for c in table.constraints if c.code == "SC301" and c.sizes.var == "H"
    }
    # [N, 8, H, W] holds for every H; [N, 8, H/2, W/2] (exact division) only for even H
    assert declared_h == {"every H", "H ≡ 0 (mod 2)"}


def test_declared_shape_mismatch_at_concrete_input(spec_file) -> None:
    table = run(
        spec_file,
        """\
        output: [1, 8, 32, 32]
        layers:
          - {conv: {out_channels: 8, kernel_size: 3}, expect: [1, 8, 64, 64]}
          - maxpool: 2
        """,
    )
    assert codes(table) == [("SC301", 4), ("SC301", 6)]
    assert "declared 1×8×64×64, but the model produces 1×8×62×62" in table.diagnostics[1].message


def test_merge_failure_does_not_cascade(spec_file) -> None:
    table = run(
        spec_file,
        """\
        layers:
          - {conv: {out_channels: 8, kernel_size: 3, padding: 1}, name: a}
          - maxpool: 2
          - conv: {out_channels: 16, kernel_size: 3, padding: 1}
          - upsample: 2
          - add: a          # channels 16 vs 8: reported once
          - conv: {out_channels: 8, kernel_size: 3, padding: 1}
          - add: a          # fine again
        """,
    )
    assert codes(table) == [("SC101", 9)]


def test_fatal_finding_skips_successors(spec_file) -> None:
    table = run(
        spec_file,
        """\
        layers:
          - maxpool: 128
          - conv: {out_channels: 8, kernel_size: 3}
          - maxpool: 2
        """,
    )
    assert codes(table) == [("SC103", 5)]
    assert len(table.broken) == 3


def test_center_crop_odd_margin_and_too_small(spec_file) -> None:
    table = run(
        spec_file,
        """\
        layers:
          - {conv: {out_channels: 8, kernel_size: 3}, name: a}     # 62
          - conv: {out_channels: 8, kernel_size: 3}                # 60
          - conv: {out_channels: 8, kernel_size: 2}                # 59
          - concat: {skip: a, align: center_crop}                  # margin 3: odd
          - upsample: 2                                            # 118
          - concat: {skip: a, align: center_crop}                  # skip smaller
        """,
    )
    assert codes(table) == [("SC202", 8), ("SC105", 10)]


def test_mul_broadcasts_add_does_not(spec_file) -> None:
    table = run(
        spec_file,
        """\
        layers:
          - {conv: {out_channels: 8, kernel_size: 1}, name: x}
          - global_avgpool
          - {conv: {out_channels: 8, kernel_size: 1}, name: gate}
          - {identity: null, name: g}
          - mul: x
          - {conv: {out_channels: 1, kernel_size: 1}, name: one}
          - mul: x
          - add: g
        """,
    )
    assert codes(table) == [("SC102", 12)]


def test_residual_projection_and_dense_concat(spec_file) -> None:
    table = run(
        spec_file,
        """\
        layers:
          - residual:
              body:
                - conv: {out_channels: 16, kernel_size: 3, stride: 2, padding: 1}
                - conv: {out_channels: 16, kernel_size: 3, padding: 1}
              shortcut:
                - conv: {out_channels: 16, kernel_size: 1, stride: 2}
          - residual:
              body: [{conv: {out_channels: 4, kernel_size: 3, padding: 1}}]
              merge: concat
          - residual:
              body: [{conv: {out_channels: 4, kernel_size: 3, padding: 1}}]
        """,
    )
    assert codes(table) == [("SC101", 14)]
    dense = [n for n in table.graph.nodes if n.op == "concat"]
    assert table.shape_of(dense[0].id) == "1×20×32×32"


def test_symbolic_merge_that_never_matches(spec_file) -> None:
    table = run(
        spec_file,
        """\
        layers:
          - {conv: {out_channels: 8, kernel_size: 3}, name: a}
          - conv: {out_channels: 8, kernel_size: 3}
          - add: a
        """,
        "[N, 3, H, W]",
    )
    assert codes(table) == [("SC102", 7)]
    assert "fails for every input size (H, W)" in " ".join(table.diagnostics[0].notes)


def test_groupnorm_divisibility(spec_file) -> None:
    table = run(
        spec_file,
        """\
        layers:
          - conv: {out_channels: base * 3, kernel_size: 1}
          - groupnorm: 16
        """,
    )
    assert codes(table) == [("SC104", 6)]
    assert "GroupNorm(16) needs channels divisible by 16" in table.diagnostics[0].message


def test_strided_conv_warning_only_when_real_input_is_dropped(spec_file) -> None:
    clean = run(
        spec_file,
        "layers:\n  - conv: {out_channels: 8, kernel_size: 3, stride: 2, padding: 1}\n",
        "[1, 3, 224, 224]",
    )
    assert codes(clean) == []
    lossy = run(
        spec_file,
        "layers:\n  - conv: {out_channels: 8, kernel_size: 2, stride: 2}\n",
        "[1, 3, 225, 224]",
    )
    assert codes(lossy) == [("SC201", 5)]


def test_flatten_linear_counts_and_symbolic_fallback(spec_file) -> None:
    body = """\
    layers:
      - conv: {out_channels: 4, kernel_size: 3, padding: 1}
      - maxpool: 2
      - flatten
      - linear: 10
    """
    table = run(spec_file, body)
    assert table.shape_of(table.graph.out) == "1×10"
    assert table.total_params == (3 * 9 * 4 + 4) + (4 * 32 * 32 * 10 + 10)
    symbolic = run(spec_file, body, "[N, 3, H, W]")
    assert symbolic.total_params is None
    assert symbolic.shape_of(symbolic.graph.out) == "N×10"


def test_declared_shapes_may_use_params(spec_file) -> None:
    table = run(
        spec_file,
        """\
        output: [N, base * 2, H/2, W/2]
        layers:
          - conv: {out_channels: base * 2, kernel_size: 3, padding: 1}
          - maxpool: 2
        """,
        "[N, 3, H, W]",
    )
    assert table.diagnostics == []
    wrong = run(
        spec_file,
        "output: [N, base, H/2, W/2]\nlayers:\n  - conv: {out_channels: base * 2, kernel_size: 1}\n",
        "[N, 3, H, W]",
    )
    assert [d.code for d in wrong.diagnostics] == ["SC301"]


def test_modulus_cap_falls_back_to_the_concrete_input(spec_file) -> None:
    body = "layers:\n  - {maxpool: 5, repeat: 7}\n  - {conv: {out_channels: 1, kernel_size: 1}, name: a}\n  - add: a\n"
    table = run(spec_file, body, "[1, 1, 390625]")
    assert table.diagnostics == []
    assert table.shape_of(table.graph.out) == "1×1×5"
    assert any(str(MAX_MODULUS) in note for note in table.inexact)
    symbolic = run(spec_file, body, "[N, 1, L]")
    assert symbolic.diagnostics == []
    assert symbolic.inexact and symbolic.broken


def test_sizes_after_a_fatal_finding_still_count(spec_file) -> None:
    body = """\
    layers:
      - maxpool: 8                                              # 4 → 0 at the given size
      - {conv: {out_channels: 3, kernel_size: 1}, name: a}
      - maxpool: 2
      - upsample: 2
      - add: a                                                  # needs H ≡ 0, 1 (mod 16)
    """
    table = run(spec_file, body, "[1, 3, 4, 4]")
    assert [d.code for d in table.errors] == ["SC103"]
    # the add after the failure still shapes the answer
    assert table.valid_sizes("H").describe() == "H ≡ 0–7 (mod 16), H ≥ 16"


def test_findings_inside_a_block_name_the_use(spec_file) -> None:
    table = run(
        spec_file,
        """\
        blocks:
          down:
            layers:
              - maxpool: 2
        layers:
          - down
          - down
        """,
        "[1, 3, 6, 6]",
    )
    # 6 → 3 is clean; 3 → 1 drops a row: the second use, at line 10
    assert [(d.code, d.pos.line) for d in table.diagnostics] == [("SC201", 7)]
    assert "this use comes from line 10" in table.diagnostics[0].notes[-1]


def test_origin_chain_follows_the_axis_that_disagrees() -> None:
    text = """skipcheck: 1
input: [1, 3, 64, 63]
layers:
  - {stage: e1, layers: [{conv: {out_channels: 8, kernel_size: 3, padding: 1}}]}
  - {stage: e2, layers: [{maxpool: 2}]}
  - {stage: d1, layers: [{upsample: 2}, {add: e1}]}
"""
    (error,) = propagate(graph_of("w.yaml", text=text)).errors
    running = error.operands[0].origin
    assert "63 → 31 (maxpool, line 5), 31 → 62 (upsample, line 6)" in running
    assert "64 → 32" not in running  # H agrees: its chain would explain nothing


def _origin_by_walking(table, node_id: int, axis: int) -> str:
    """The provenance as the plain walk back along first inputs writes it (the reference)."""
    from skipcheck.shapes.dims import show

    nodes = table.graph.nodes
    node = nodes[node_id]
    head = f"{node.name or node.op} (line {node.pos.line})" if node_id else "the input"
    steps: list[str] = []
    current = node_id
    while current and len(steps) < 4:
        n = nodes[current]
        src = n.inputs[0] if n.inputs else 0
        mine, theirs = table.shapes.get(current), table.shapes.get(src)
        k = 2 + axis
        if mine is not None and theirs is not None and len(mine) > k and len(theirs) > k:
            a, b = show(theirs[k], table.at), show(mine[k], table.at)
            if a != b:
                steps.append(f"{a} → {b} ({n.op}, line {n.pos.line})")
        current = src
    return f"{head}: " + ", ".join(reversed(steps)) if steps else head


def test_provenance_computed_once_per_node_reads_as_the_walk() -> None:
    from skipcheck.shapes.table import Context
    from tests.conftest import SPECS

    for name, shape in [
        ("unet_original.yaml", [1, 1, 570, 571]),  # findings: the operands get provenances
        ("densenet121.yaml", None),
        ("fpn_resnet50.yaml", None),
    ]:
        graph = graph_of(str(SPECS / name))
        table = propagate(graph, shape)
        ctx = Context(table)
        # ask from the far end first, so later questions start from a half-filled memo
        order = [len(graph.nodes) - 1, *range(len(graph.nodes))]
        for axis in (1, 0):
            for node_id in order:
                expected = _origin_by_walking(table, node_id, axis)
                assert ctx.origin(node_id, axis) == expected, (name, node_id, axis)


def test_a_failing_merge_names_where_each_side_changed_size(spec_file) -> None:
    table = run(
        spec_file,
        """\
        layers:
          - {conv: {out_channels: 8, kernel_size: 3, padding: 1}, name: a}
          - {maxpool: 2}
          - {add: {skip: a}}
        """,
    )
    [finding] = [d for d in table.diagnostics if d.code == "SC102"]
    assert [o.origin for o in finding.operands] == [
        "maxpool (line 6): 64 → 32 (maxpool, line 6)",
        "a (line 5)",
    ]


def test_parameters_at_a_failing_size_count_every_layer() -> None:
    """Issue 14: a size that fails early still has the whole model's parameters."""
    from skipcheck.check import Options, check_spec

    clean = check_spec("specs/densenet121.yaml")
    failing = check_spec("specs/densenet121.yaml", Options(input_shape=(1, 3, 29, 28)))
    assert failing.errors and failing.table is not None and clean.table is not None
    assert failing.table.broken  # the run stopped before the classifier
    assert failing.table.total_params == clean.table.total_params == 7_978_856
