"""Generating BFCL results: prompts as BFCL builds them, the multi-turn protocol, the tiny model end to end,
resuming, and the official checker's verdicts on a generated folder."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))

import bfcl_official  # noqa: E402
import bfcl_official_multi_turn as official_mt  # noqa: E402

from inftool_jax.cli import main  # noqa: E402
from inftool_jax.evaluate import bfcl_data  # noqa: E402
from inftool_jax.evaluate.bfcl_generate import Conversation, done_ids, result_path  # noqa: E402
from inftool_jax.evaluate.bfcl_multi_turn_check import check_multi_turn  # noqa: E402
from inftool_jax.evaluate.bfcl_multi_turn_data import load_multi_turn  # noqa: E402
from inftool_jax.evaluate.bfcl_multi_turn_exec import parse_ground_truth_call  # noqa: E402
from inftool_jax.evaluate.bfcl_prompts import ADDITIONAL_FUNCTION_FC, result_text  # noqa: E402

pytestmark = pytest.mark.skipif(bfcl_data.default_data_dir() is None, reason="bfcl_eval data not installed")
SPECS = Path(__file__).resolve().parents[2] / "configs" / "specs"
OFFICIAL = bfcl_official.available() and official_mt.available()


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from inftool_jax.bootstrap.tiny_model import TinyModelConfig, init_tiny_model

    cfg = TinyModelConfig(hidden_size=64, intermediate_size=128, num_layers=2, num_heads=2, num_kv_heads=1,
                          bpe_vocab_size=1024, examples_per_tool=1)
    return init_tiny_model(tmp_path_factory.mktemp("bfcl") / "tiny", [SPECS], cfg, seed=0, progress=False)


@pytest.mark.skipif(not OFFICIAL, reason="bfcl_eval not importable")
def test_multi_turn_entries_are_assembled_as_bfcl_assembles_them():
    bfcl_official.load()
    from bfcl_eval.utils import load_dataset_entry

    for category in bfcl_data.MULTI_TURN:
        theirs = {e["id"]: e for e in load_dataset_entry(category, include_prereq=False)}
        for entry in list(load_multi_turn(category).values())[:25]:
            ref = theirs[entry.id]
            assert entry.functions == ref["function"]
            assert entry.missed_functions == {int(k): v for k, v in ref.get("missed_function", {}).items()}
            assert entry.question == ref["question"]


def _drive(entry, mode):
    """Run the protocol with the ground truth as the model: each turn's calls, then prose."""
    conv = Conversation(entry, mode)
    requests = []
    while not conv.done:
        requests.append(conv.request())
        truth = entry.ground_truth[conv.turn]
        conv.feed("[" + ", ".join(truth) + "]" if truth and conv.steps == 0 else "All done.")
    return conv, requests


@pytest.mark.parametrize("mode", ["prompt", "fc"])
def test_protocol_with_ground_truth_answers_scores_as_the_official_checker(mode):
    valid = 0
    for category in bfcl_data.MULTI_TURN:
        raw = {json.loads(line)["id"]: json.loads(line) for line in
               (bfcl_data.default_data_dir() / f"BFCL_v4_{category}.json").read_text().splitlines()}
        for entry in list(load_multi_turn(category).values())[:6]:
            conv, requests = _drive(entry, mode)
            assert len(conv.result) == len(entry.question)
            ours = check_multi_turn(entry, conv.result)
            positional = any(parse_ground_truth_call(c).args for turn in entry.ground_truth for c in turn)
            # only ground truth that passes arguments positionally fails (BFCL's decoder drops them)
            assert ours.valid or positional, (entry.id, ours)
            valid += ours.valid
            if OFFICIAL:
                assert (ours.valid, ours.error_type) == official_mt.official_multi_turn_verdict(raw[entry.id], entry.ground_truth, conv.result)
            for turn, docs in entry.missed_functions.items():
                # the request of the held-back turn's first step offers the docs
                first = sum(1 + bool(t) for t in entry.ground_truth[:turn])
                tools, messages = requests[first]
                if mode == "fc":
                    assert messages[-1]["content"] == ADDITIONAL_FUNCTION_FC
                    assert {d["name"] for d in docs} <= {t["function"]["name"] for t in tools}
                else:
                    assert tools is None and docs[0]["name"] in messages[-1]["content"]
                    assert docs[0]["name"] not in messages[0]["content"]
    assert valid >= 18


def test_step_limit_force_quits_and_the_checker_reports_it():
    entry = next(iter(load_multi_turn("multi_turn_base").values()))
    conv = Conversation(entry, "prompt")
    steps = 0
    while not conv.done:
        conv.feed("[pwd()]")
        steps += 1
    assert steps == 21 and len(conv.result) == 1  # BFCL: more than 20 executed steps ends the entry
    assert check_multi_turn(entry, conv.result).error_type == "multi_turn:force_terminated"


def test_hermes_answers_are_written_in_python_call_syntax():
    text = '<tool_call>\n{"name": "cd", "arguments": {"folder": "docs"}}\n</tool_call>'
    assert result_text(text) == '[cd(folder="docs")]'
    assert result_text("no call here") == "no call here"


def _official(category, row, entry):
    if bfcl_data.is_multi_turn(category):
        lines = (bfcl_data.default_data_dir() / f"BFCL_v4_{category}.json").read_text().splitlines()
        raw = next(json.loads(line) for line in lines if json.loads(line)["id"] == row["id"])
        return official_mt.official_multi_turn_verdict(raw, entry.ground_truth, row["result"])
    return bfcl_official.official_verdict(category, row["result"], entry.functions, entry.ground_truth)


def test_tiny_model_generates_resumes_and_official_checker_agrees(tiny_model, tmp_path, capsys):
    results, out = tmp_path / "res" / "tiny-model", tmp_path / "v.jsonl"
    cats = "simple_python,irrelevance,live_simple,multi_turn_base,multi_turn_miss_func"
    args = ["eval", "bfcl", "--model", str(tiny_model), "--results", str(results), "--out", str(out),
            "--categories", cats, "--limit", "2", "--max-new-tokens", "16"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "entries/s" in printed and "multi_turn (weight 30)" in printed and "agentic (weight 40): not run" in printed
    verdicts = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(verdicts) == 10
    for category in cats.split(","):
        rows = [json.loads(line) for line in result_path(results, category).read_text().splitlines()]
        entries = load_multi_turn(category) if bfcl_data.is_multi_turn(category) else bfcl_data.load_category(category)
        assert [r["id"] for r in rows] == list(entries)[:2]
        if bfcl_data.is_multi_turn(category):
            assert all(isinstance(t, list) and all(isinstance(s, str) for s in t) for r in rows for t in r["result"])
        if OFFICIAL:
            mine = {v["id"]: (v["valid"], v["error_type"]) for v in verdicts if v["category"] == category}
            for row in rows:
                assert mine[row["id"]] == _official(category, row, entries[row["id"]]), row
    # resume: nothing new; drop one line and only that entry is generated again
    path = result_path(results, "simple_python")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0])
    assert main(args + ["--categories", "simple_python"]) == 0
    printed = capsys.readouterr().out
    assert "generated    1 simple_python            (1 already there)" in printed
    assert done_ids(path) == {"simple_python_0", "simple_python_1"}


def test_fc_mode_and_run_bfcl_summary(tiny_model, tmp_path):
    from inftool_jax.evaluate.bfcl_run import run_bfcl

    result = run_bfcl(tiny_model, ["simple_python", "multi_turn_miss_param"], 1, tmp_path / "fc", "fc", False, max_new_tokens=8)
    assert set(result["categories"]) == {"simple_python", "multi_turn_miss_param"}
    assert result["generation"]["simple_python"]["generated"] == 1 and result["overall"] is not None
    assert "agentic" in result["missing_groups"] and "live_ast" in result["missing_groups"]
    assert json.loads((tmp_path / "fc" / "bfcl_scores.json").read_text())["mode"] == "fc"


def test_generation_input_errors(tiny_model, tmp_path, capsys):
    base = ["eval", "bfcl", "--results", str(tmp_path / "r"), "--out", str(tmp_path / "v.jsonl")]
    assert main(base + ["--model", str(tiny_model), "--endpoint", "http://127.0.0.1:1/v1"]) == 2
    assert main(base + ["--limit", "3"]) == 2
    assert main(base + ["--model", str(tmp_path), "--categories", "simple_python"]) == 2
    assert main(base + ["--model", str(tiny_model), "--categories", "memory_kv"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 4 and "--endpoint" in errors[0] and "config.json" in errors[2] and "agentic" in errors[3]


def test_endpoint_generation_against_inftool_serve(tiny_model, tmp_path, capsys):
    from inftool_jax.serve.loopback import AppThread
    from inftool_jax.serve.openai_server import build_app, load_engine

    engine = load_engine(tiny_model, max_batch=4, model_name="tiny", max_tokens_limit=64)
    results, out = tmp_path / "ep", tmp_path / "v.jsonl"
    with AppThread(build_app(engine)) as url:
        args = ["eval", "bfcl", "--endpoint", url.rstrip("/") + ("" if url.rstrip("/").endswith("/v1") else "/v1"),
                "--endpoint-model", "tiny", "--results", str(results), "--out", str(out),
                "--categories", "irrelevance,multi_turn_base", "--limit", "2", "--max-new-tokens", "8", "--mode", "fc"]
        assert main(args) == 0
    printed = capsys.readouterr().out
    assert "queries 2" in printed  # the two single-turn requests were answered
    assert len(out.read_text().splitlines()) == 4
    # the multi-turn prompts exceed the tiny server's context: BFCL records the error text as the step (no call)
    rows = [json.loads(line) for line in result_path(results, "multi_turn_base").read_text().splitlines()]
    assert all(step.startswith("Error during inference:") for r in rows for turn in r["result"] for step in turn)
