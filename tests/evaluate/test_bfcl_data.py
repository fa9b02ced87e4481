"""Locating and loading BFCL data without importing bfcl_eval."""

import subprocess
import sys

import pytest

from inftool_jax.errors import InputError
from inftool_jax.evaluate import bfcl_data

pytestmark = pytest.mark.skipif(bfcl_data.default_data_dir() is None, reason="bfcl_eval data not installed")


def test_default_data_dir_is_found_without_importing_bfcl_eval():
    code = "import sys; from inftool_jax.evaluate import bfcl_data as d; assert d.default_data_dir(); assert 'bfcl_eval' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_categories_load_with_questions_paired_to_answers():
    entries = bfcl_data.load_category("parallel")
    assert len(entries) == 200
    e = entries["parallel_0"]
    assert e.functions and isinstance(e.ground_truth, list) and len(e.ground_truth) >= 2
    assert bfcl_data.load_category("irrelevance")["irrelevance_0"].ground_truth is None


def test_unsupported_and_unknown_categories_say_why():
    with pytest.raises(InputError, match="Java"):
        bfcl_data.check_category("simple_java")
    with pytest.raises(InputError, match="unknown BFCL category"):
        bfcl_data.load_category("nope")
    with pytest.raises(InputError, match="does not exist"):
        bfcl_data.load_category("parallel", "/nonexistent/folder")


def test_multi_turn_entries_hold_back_functions_and_flag_long_context():
    from inftool_jax.evaluate.bfcl_multi_turn_data import load_multi_turn

    miss = load_multi_turn("multi_turn_miss_func")
    assert len(miss) == 200
    e = miss["multi_turn_miss_func_0"]
    held = [d["name"] for d in e.missed_functions[3]]
    assert held == ["sort"] and "sort" not in {d["name"] for d in e.functions}
    assert e.question[3] == [] and len(e.ground_truth) == len(e.question)
    assert all(d["description"].endswith("Python 3 syntax.") for d in e.functions)
    assert load_multi_turn("multi_turn_long_context")["multi_turn_long_context_0"].long_context
    assert not e.long_context
    with pytest.raises(InputError, match="load_multi_turn"):
        bfcl_data.load_category("multi_turn_base")
    with pytest.raises(InputError, match="not a multi-turn category"):
        load_multi_turn("parallel")
