"""docs/reliability.md shows only figures generated from a test run's JSON file, never figures typed by hand."""

import json

import pytest
from reliability_figures import DOC, DOC_FIGURES, blocks_in, render_block, render_document

RUN = {
    "run": {"commit": "abc1234", "finished": "2025-03-10T15:00:00+00:00"},
    "tests": {
        "tests/reliability/test_a.py::test_one": {"outcome": "passed", "cpu_seconds": 2.5},
        "tests/reliability/test_a.py::test_two": {"outcome": "passed", "cpu_seconds": 1.0},
    },
    "figures": {
        "kills": {
            "test": "tests/reliability/test_a.py::test_one",
            "values": {"kills": 1200, "lost": 0, "by kind": {"drop": {"push": 3, "pull": 1}}},
        }
    },
}


def test_every_table_of_the_reliability_page_is_what_the_committed_figures_generate() -> None:
    text = DOC.read_text()
    assert blocks_in(text), "docs/reliability.md has no generated blocks"
    assert render_document(text, json.loads(DOC_FIGURES.read_text())) == text, "run `make reliability-docs`"


def test_a_block_lists_each_figure_with_the_tests_cpu_time_and_a_table_for_figures_by_two_keys() -> None:
    assert render_block("kills", RUN) == (
        "| Counted | Last run |\n|---|---|\n| kills | 1,200 |\n| lost | 0 |\n| CPU seconds of the test | 2.5 |\n"
        "\nBy kind:\n\n|   | push | pull |\n|---|---|---|\n| drop | 3 | 1 |\n"
    )


def test_the_tests_block_sums_each_file() -> None:
    assert "| `test_a.py` | 2 | 2 | 3.5 |" in render_block("tests", RUN)


def test_a_block_without_figures_in_the_run_is_refused() -> None:
    with pytest.raises(KeyError, match="convergence"):
        render_document("<!-- figures: convergence -->\n<!-- end figures -->\n", RUN)
