"""`inftool eval bfcl` and the runner: files found, verdicts written, BFCL aggregation, input errors."""

import json
import subprocess
import sys

import pytest

from inftool_jax.cli import main
from inftool_jax.errors import InputError
from inftool_jax.evaluate import bfcl_data, bfcl_runner
from inftool_jax.evaluate.bfcl_runner import CategoryScore, summary

pytestmark = pytest.mark.skipif(bfcl_data.default_data_dir() is None, reason="bfcl_eval data not installed")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["eval", "bfcl-demo", "--out", str(out), "--limit", "12", "--categories", "simple_python,parallel,irrelevance,live_simple"]) == 0
    return out


def test_cli_checks_demo_results_and_writes_one_verdict_per_entry(demo, tmp_path, capsys):
    out = tmp_path / "v.jsonl"
    assert main(["eval", "bfcl", "--results", str(demo), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 48 and set(rows[0]) == {"category", "id", "valid", "error_type"}
    assert any(r["valid"] for r in rows) and not all(r["valid"] for r in rows)
    printed = capsys.readouterr().out
    assert "simple_python" in printed and "overall" in printed


def test_categories_filter_and_optimal_matching(demo, tmp_path):
    verdicts, scores = bfcl_runner.run(demo, categories=["parallel"], matching="optimal")
    assert list(scores) == ["parallel"] and len(verdicts) == 12


def test_summary_follows_bfcl_group_formula():
    scores = {
        "simple_python": CategoryScore("simple_python", 1, 2), "multiple": CategoryScore("multiple", 1, 1),
        "live_simple": CategoryScore("live_simple", 1, 4), "live_multiple": CategoryScore("live_multiple", 4, 4),
        "irrelevance": CategoryScore("irrelevance", 1, 1), "live_irrelevance": CategoryScore("live_irrelevance", 0, 3),
    }
    s = summary(scores)
    assert s["non_live_ast"] == pytest.approx(0.75)  # unweighted mean
    assert s["live_ast"] == pytest.approx(5 / 8)  # weighted by count
    assert s["irrelevance"] == pytest.approx(0.5)
    assert s["overall"] == pytest.approx((0.75 + 5 / 8 + 0.5) / 3)


def _write(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines))


def test_bad_inputs_are_input_errors_naming_file_and_line(tmp_path, capsys):
    with pytest.raises(InputError, match="does not exist"):
        bfcl_runner.run(tmp_path / "missing")
    bad = tmp_path / "a" / "m" / "BFCL_v4_simple_python_result.json"
    _write(bad, ['{"id": "simple_python_0", "result": "[]"}\n', "{not json\n"])
    with pytest.raises(InputError, match="line 2"):
        bfcl_runner.run(tmp_path / "a")
    _write(bad, ['{"id": "simple_python_99999", "result": "[]"}\n'])
    with pytest.raises(InputError, match="simple_python_99999"):
        bfcl_runner.run(tmp_path / "a")
    with pytest.raises(InputError, match="unknown BFCL category"):
        bfcl_runner.run(tmp_path / "a", categories=["simple_cobol"])
    java = tmp_path / "b" / "BFCL_v4_simple_java_result.json"
    _write(java, ['{"id": "simple_java_0", "result": "[]"}\n'])
    with pytest.raises(InputError, match="not supported"):
        bfcl_runner.run(tmp_path / "b")
    assert main(["eval", "bfcl", "--results", str(tmp_path / "a"), "--out", str(tmp_path / "v.jsonl")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_eval_command_does_not_import_jax(demo, tmp_path):
    code = (
        "import sys; from inftool_jax.cli import main; "
        f"rc = main(['eval', 'bfcl', '--results', {str(demo)!r}, '--out', {str(tmp_path / 'v.jsonl')!r}]); "
        "assert rc == 0; assert 'jax' not in sys.modules and 'bfcl_eval.eval_checker' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_multi_turn_group_weights_and_missing_groups():
    scores = {
        "simple_python": CategoryScore("simple_python", 1, 1),
        "multi_turn_base": CategoryScore("multi_turn_base", 1, 2), "multi_turn_miss_func": CategoryScore("multi_turn_miss_func", 0, 2),
    }
    s = summary(scores)
    assert s["multi_turn"] == pytest.approx(0.25)
    assert s["overall"] == pytest.approx((1.0 * 10 + 0.25 * 30) / 40)  # BFCL's 10:30 weights, renormalised
    missing = bfcl_runner.missing_groups(scores)
    assert set(missing) == {"non_live_ast", "live_ast", "irrelevance", "multi_turn", "agentic"}
    assert "multi_turn_long_context" in missing["multi_turn"] and missing["live_ast"] == "not run"


def test_multi_turn_result_files_are_scored_by_execution(tmp_path):
    from inftool_jax.evaluate.bfcl_multi_turn_data import load_multi_turn
    from inftool_jax.evaluate.bfcl_multi_turn_exec import parse_ground_truth_call

    # entries whose ground truth uses keyword arguments only (BFCL's decoder drops positional ones)
    entries = [e for e in load_multi_turn("multi_turn_base").values()
               if not any(parse_ground_truth_call(c).args for t in e.ground_truth for c in t)][:3]
    rows = [
        {"id": entries[0].id, "result": [[f"[{', '.join(t)}]"] for t in entries[0].ground_truth]},
        {"id": entries[1].id, "result": [[] for _ in entries[1].ground_truth]},
        {"id": entries[2].id, "result": [[f"[{', '.join(t)}]"] for t in entries[2].ground_truth][:-1]},
    ]
    _write(tmp_path / "m" / "BFCL_v4_multi_turn_base_result.json", [json.dumps(r) + "\n" for r in rows])
    verdicts, scores = bfcl_runner.run(tmp_path / "m")
    assert [(v.valid, v.error_type) for v in verdicts] == [
        (True, None), (False, "multi_turn:empty_turn_model_response"), (False, "multi_turn:force_terminated")]
    assert scores["multi_turn_base"].correct == 1
