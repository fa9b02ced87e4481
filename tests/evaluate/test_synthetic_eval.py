"""`inftool eval synthetic`: report files and table, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from inftool_jax.evaluate.synthetic_report import format_table, write_report
from inftool_jax.grading.reward_config import GATES


def _result():
    gates = {g: 0.5 for g in GATES}
    cat = lambda acc: {"turns": 4, "accuracy": acc, "reward_mean": acc / 2 + 0.3, "gates": gates}  # noqa: E731
    return {"turns": 8, "episodes": 3, "accuracy": 0.625, "call_accuracy": 0.75, "reward_mean": 0.6, "gates": gates,
            "categories": {"single": cat(0.75), "no_call": cat(0.5)}, "decisions": {"call": cat(0.75)},
            "rows": [], "model": "m", "data": "d"}


def test_report_writes_json_markdown_and_a_png_next_to_the_result(tmp_path):
    out = tmp_path / "eval" / "result.json"
    paths = write_report(_result(), out)
    assert [p.name for p in paths] == ["result.json", "result.md", "result.png"]
    assert json.loads(out.read_text())["accuracy"] == 0.625
    md = (tmp_path / "eval" / "result.md").read_text()
    assert "| single | 4 | 0.750 |" in md and "result.png" in md
    assert "exact match on call turns: **0.750**" in md and "| decision:call | 4 | 0.750 |" in md
    assert (tmp_path / "eval" / "result.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_table_has_one_row_per_category_and_decision_and_a_total():
    lines = format_table(_result()).splitlines()
    assert lines[0].split()[:4] == ["category", "turns", "accuracy", "reward"]
    assert [line.split()[0] for line in lines[2:]] == ["single", "no_call", "decision:call", "total"]
    assert lines[-1].split()[2] == "0.625"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "inftool_jax", "eval", "synthetic", *args], capture_output=True, text=True)


def test_missing_model_folder_is_one_line_and_exit_code_2(tmp_path):
    proc = _cli("--model", str(tmp_path / "nope"), "--data", str(tmp_path), "--out", str(tmp_path / "r.json"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "nope" in proc.stderr and "model folder not found" in proc.stderr


def test_bad_limit_is_rejected_before_any_work(tmp_path):
    proc = _cli("--model", "m", "--data", "d", "--out", str(tmp_path / "r.json"), "--limit", "0")
    assert proc.returncode == 2 and "--limit" in proc.stderr


# --- scoring real synthesized episodes with scripted policies -------------------------------------


@pytest.fixture(scope="module")
def heldout(tmp_path_factory):
    from inftool_jax.cli import main
    from inftool_jax.config import load_config
    from inftool_jax.rollout.tool_env import ToolEnvironment
    from inftool_jax.tools.catalog import load_catalog

    data = tmp_path_factory.mktemp("eval") / "heldout"
    assert main(["synth", "--config", "configs/cpu_tiny.yaml", "--out", str(data), "--num", "24", "--seed", "7", "--quiet"]) == 0
    config = load_config("configs/cpu_tiny.yaml", [])
    env = ToolEnvironment(config.load_catalog().tools)
    return data, env


def _truth_text(task):
    from inftool_jax.calls import Call, render_hermes

    message = task.episode["messages"][task.message_index]
    if message.get("tool_calls"):
        calls = []
        for tc in message["tool_calls"]:
            args = tc["function"]["arguments"]
            calls.append(Call(tc["function"]["name"], json.loads(args) if isinstance(args, str) else args))
        return render_hermes(calls)
    return message.get("content") or ""


def _score(tasks, env, text_of):
    import numpy as np

    from inftool_jax.evaluate.synthetic_eval import score_rollouts
    from inftool_jax.bootstrap.tokenizer_training import train_tokenizer
    from inftool_jax.grading.reward_config import RewardConfig
    from inftool_jax.rollout.episode_rollout import EpisodeRollouts, Generated

    tokenizer = train_tokenizer(["hello world, the weather"] * 4, 300)
    runner = EpisodeRollouts(tokenizer, env, "hermes")
    texts = iter([text_of(t) for t in tasks])
    rollouts = runner.run_single(tasks, lambda prompts, g: [Generated(np.zeros(1, np.int32), next(texts), True) for _ in range(len(prompts) * g)])
    return score_rollouts(rollouts, RewardConfig())


def test_ground_truth_turns_score_full_accuracy_and_prose_scores_no_call_accuracy(heldout):
    from inftool_jax.evaluate.synthetic_eval import heldout_tasks

    data, env = heldout
    tasks = heldout_tasks(data, env)
    decisions = [t.target.decision for t in tasks]
    assert "call" in decisions and "no_call" in decisions

    truth = _score(tasks, env, _truth_text)
    assert truth["accuracy"] == 1.0 and truth["call_accuracy"] == 1.0
    assert truth["decisions"]["call"]["turns"] == decisions.count("call")

    prose = _score(tasks, env, lambda t: "Sure, here you go.")
    share_no_call = decisions.count("no_call") / len(decisions)
    # Prose passes every closing no-call turn: overall accuracy looks fine while no call is right.
    assert prose["call_accuracy"] == 0.0
    assert prose["decisions"]["no_call"]["accuracy"] == 1.0
    assert abs(prose["accuracy"] - share_no_call) < 1e-9
    assert "decision:call" in format_table(prose)


def test_heldout_limit_takes_the_first_episodes_only(heldout):
    from inftool_jax.evaluate.synthetic_eval import heldout_tasks

    data, env = heldout
    all_tasks = heldout_tasks(data, env)
    first = heldout_tasks(data, env, limit=3)
    assert len({t.episode["id"] for t in first}) == 3
    assert [t.message_index for t in first] == [t.message_index for t in all_tasks[: len(first)]]


def test_the_tools_the_episodes_carry_rebuild_the_same_tool_world(heldout):
    """Without a config, the held-out episodes' own tools make the tool world: replaying each episode's
    ground-truth calls in it gives exactly the tool results recorded at synthesis."""
    from inftool_jax.evaluate.synthetic_eval import tools_from_episodes
    from inftool_jax.rollout.tool_env import ToolEnvironment, assistant_calls
    from inftool_jax.synth.dataset import read_episodes

    data, _ = heldout
    env = ToolEnvironment(tools_from_episodes(data))
    replayed = 0
    for episode in read_episodes(data):
        env.check_episode(episode)
        world = env.world(episode, 0)
        recorded = [m for m in episode["messages"] if m.get("role") == "tool"]
        produced = []
        for message in episode["messages"]:
            if message.get("role") == "assistant":
                produced += [r.to_text() for r in env.execute(world, assistant_calls(message)).results]
        assert [json.loads(m["content"]) for m in recorded] == [json.loads(t) for t in produced], episode["id"]
        replayed += len(produced)
    assert replayed > 10


def test_eval_synthetic_without_a_config_reads_the_tools_from_the_episodes(heldout, tmp_path, monkeypatch):
    from inftool_jax.bootstrap.config import TinyModelConfig
    from inftool_jax.bootstrap.tiny_model import init_tiny_model
    from inftool_jax.cli import main

    data, _ = heldout
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    model = init_tiny_model(tmp_path / "m", [root / "configs" / "specs"], TinyModelConfig(
        bpe_vocab_size=400, hidden_size=32, intermediate_size=64, num_layers=1, num_heads=2, num_kv_heads=1,
        corpus_episodes=0), progress=False)
    monkeypatch.chdir(tmp_path)  # no specs/ folder here: the episodes must be enough
    out = tmp_path / "r.json"
    assert main(["eval", "synthetic", "--model", str(model), "--data", str(data), "--out", str(out),
                 "--limit", "3", "--max-new-tokens", "4"]) == 0
    assert json.loads(out.read_text())["turns"] > 0
