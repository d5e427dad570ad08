from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


@pytest.fixture
def spec_file(tmp_path: Path):
    """Write spec text to a file and return its path."""

    def write(text: str, name: str = "model.yaml") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


# The slow tests: torch brute force over many sizes, installs, subprocess start-ups, the
# 100k-layer and memory checks. `pytest -m "not slow"` leaves them out (the fast subset a
# contributor runs while working); CI runs everything. Listed here, by test, so that a test
# file keeps its fast tests in the subset; tests/test_fast_subset.py checks every entry
# still names a test.
SLOW = (
    "tests/check/test_valid_torch.py::test_every_spec_matches_torch_over_1_to_1024",
    "tests/torch/test_import_models.py::test_sizes_equal_brute_force_on_the_original",
    "tests/torch/test_import_models.py::test_parameters_equal_the_models",
    "tests/torch/test_import.py::test_milesial_unet_pads_to_the_skip",
    "tests/torch/test_import.py::test_sizes_equal_brute_force_on_the_original",
    "tests/torch/test_import.py::test_resnet50_imports_with_torchvisions_parameter_count",
    "tests/torch/test_differential.py::test_format_11_agrees_with_torch",
    "tests/torch/test_differential.py::test_skipcheck_agrees_with_torch",
    "tests/torch/test_differential.py::test_edge_chains_agree_with_torch",
    "tests/torch/test_ops_oracle.py::test_size_one_broadcasting",
    "tests/torch/test_ops_oracle.py::test_valid_sizes_are_exactly_where_torch_runs",
    "tests/torch/test_ops_oracle.py::test_batchnorm_in_eval_mode",
    "tests/torch/test_ops_oracle.py::test_softmax_dims",
    "tests/torch/test_ops_oracle.py::test_negative_padding",
    "tests/torch/test_ops_oracle.py::test_adaptive_pool_output_sizes_with_nulls",
    "tests/torch/test_differential.py::test_meta_dryrun_agrees",
    "tests/engine/test_coupled.py::test_torch_agrees_on_a_grid_of_sizes",
    "tests/check/test_valid_torch.py::test_random_architectures_match_torch",
    "tests/test_fuzz.py::test_mutants",
    "tests/test_batch.py::test_each_result_is_let_go_once_reported",
    "tests/whatif/test_whatif_cli.py::test_errors_exit_2",
    "tests/whatif/test_whatif_sweep.py::test_fast_input_sweep_matches_one_check_per_size",
    "tests/specfile/test_lower.py::test_a_hundred_thousand_layers_are_checked_and_a_million_refused",
    "tests/specfile/test_yamltree.py::test_loading_keeps_nothing_but_the_tree",
    "tests/test_launch.py::test_validate_starts_without_typer_or_rich",
    "tests/test_launch.py::test_fast_path_ends_like_typer",
    "tests/draw/test_browser.py::",
    "tests/check/fixes/test_corpus_torch.py::",
    # the zoo tier needs constraints-zoo.txt's libraries (`pytest -m zoo`); `-m "not slow"`
    # replaces addopts' `-m 'not zoo'`, so it must leave the zoo out itself
    "tests/torch/zoo/test_zoo.py::",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    files = tuple(entry for entry in SLOW if entry.endswith("::"))
    for item in items:
        test = item.nodeid.split("[", 1)[0]  # every parameter set of a listed test
        if test in SLOW or test.startswith(files):
            item.add_marker(pytest.mark.slow)
