"""loop.unseen_domains: whole domains kept out of every training, probe and targeted synthesis, and a second
held-out set made of only their tools, evaluated each iteration (the figure on tools never seen in training)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inftool_jax.errors import InputError
from inftool_jax.loop.unseen import episode_tool_names, split_domains, unseen_seed

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "cpu_tiny.yaml"
DOMAIN = "tasks"


def _catalog():
    from inftool_jax.config import load_config

    return load_config(CONFIG, []).load_catalog().tools


def _runner(tmp_path, *overrides):
    from inftool_jax.config import load_config
    from inftool_jax.loop.runner import LoopRunner

    config = load_config(CONFIG, [f"loop.unseen_domains=[{DOMAIN}]", "loop.unseen_episodes=24", *overrides])
    return LoopRunner(config, tmp_path / "run", progress=False, say=lambda line: None)


def test_the_split_keeps_the_domains_tools_out_of_training_and_only_them_in_the_unseen_set():
    tools = _catalog()
    seen, unseen = split_domains(tools, [DOMAIN])
    assert unseen and {t.domain for t in unseen} == {DOMAIN}
    assert seen and DOMAIN not in {t.domain for t in seen}
    assert len(seen) + len(unseen) == len(tools)
    assert split_domains(tools, []) == (list(tools), [])


def test_an_unknown_domain_is_refused_naming_the_key_and_the_known_domains():
    tools = _catalog()
    with pytest.raises(InputError) as err:
        split_domains(tools, [DOMAIN, "astrology"])
    message = str(err.value)
    assert "loop.unseen_domains" in message and "'astrology'" in message
    assert all(repr(d) in message for d in {t.domain for t in tools})
    with pytest.raises(InputError, match="loop.unseen_domains.*every domain"):
        split_domains(tools, sorted({t.domain for t in tools}))


def test_with_the_default_held_out_seed_every_small_seed_starts(tmp_path):
    # Found by running the demo with seed=1: an unseen seed of heldout_seed + 1 = 1001 was seed 1's first training seed.
    for seed in range(12):
        _runner(tmp_path / str(seed), f"seed={seed}", "loop.iterations=3")


def test_the_unseen_seed_may_not_be_a_training_seed(tmp_path):
    # heldout_seed 996: the unseen set's seed 1001 is seed 1's first training seed
    assert unseen_seed(996) == 1001
    with pytest.raises(InputError, match="loop.heldout_seed.*unseen-domain"):
        _runner(tmp_path, "seed=1", "loop.heldout_seed=996")


def test_unseen_set_uses_only_the_held_out_tools_training_synthesis_none_and_the_eval_env_replays_both(tmp_path):
    from inftool_jax.evaluate.synthetic_eval import heldout_tasks
    from inftool_jax.grading.reward_target import canonical_result
    from inftool_jax.rollout.tool_env import assistant_calls
    from inftool_jax.synth.dataset import read_episodes

    runner = _runner(tmp_path)
    held = {t.name for t in runner.catalog if t.domain == DOMAIN}
    assert held and {t.name for t in runner.unseen_tools} == held and not held & {t.name for t in runner.tools}

    unseen_dir, train_dir = tmp_path / "unseen", tmp_path / "train"
    unseen_dir.mkdir()
    train_dir.mkdir()
    runner._heldout_unseen(unseen_dir)
    runner._synth(train_dir, 1, 60)  # as every training, probe and targeted synthesis of the loop
    assert json.loads((unseen_dir / "unseen.json").read_text()) == {"domains": [DOMAIN], "tools": sorted(held)}
    unseen, train = list(read_episodes(unseen_dir)), list(read_episodes(train_dir))
    assert len(unseen) == 24 and len(train) == 60
    assert all(episode_tool_names(e) and episode_tool_names(e) <= held for e in unseen)
    assert any(len(episode_tool_names(e)) > 1 for e in unseen)  # offered lists and calls were both read
    assert not any(episode_tool_names(e) & held for e in train)

    # The evaluation environment knows every tool, and its simulator gives the unseen set's tool results
    # exactly as the held-out-domain-only synthesis recorded them.
    env = runner._env()
    assert heldout_tasks(unseen_dir, env) and heldout_tasks(train_dir, env)
    compared = 0
    for episode in unseen:
        sim, state = env.world(episode, 0)
        recorded = {m["tool_call_id"]: m["content"] for m in episode["messages"] if m.get("role") == "tool"}
        for message in episode["messages"]:
            if message.get("role") == "assistant" and message.get("tool_calls"):
                for tc, call in zip(message["tool_calls"], assistant_calls(message)):
                    got = sim.call(call.name, call.arguments, state=state)
                    assert canonical_result(got.to_text()) == canonical_result(recorded[tc["id"]])
                    compared += 1
    assert compared > 0


def test_the_console_table_gets_unseen_columns_only_when_present():
    from inftool_jax.loop.report import summary_table

    row = {"iteration": 0, "eval": {"accuracy": 0.5, "call_accuracy": 0.25, "reward_mean": 0.4}, "leaks": 0}
    assert "unseen" not in summary_table([row])
    table = summary_table([{**row, "eval_unseen": {"accuracy": 0.125, "call_accuracy": 0.0, "reward_mean": 0.2}}])
    assert "unseen_acc" in table and "0.125" in table


SMALL = [
    "tiny_model.hidden_size=64", "tiny_model.intermediate_size=128", "tiny_model.num_layers=2", "tiny_model.copy_prior=false",
    "tiny_model.copy_warmup_steps=0", "tiny_model.corpus_episodes=40", "sft.max_steps=3", "train.checkpoint_every=0",
    "sft.heldout_episodes=8", "loop.initial_episodes=60", "loop.episodes_per_iteration=40", "loop.probe_episodes=10",
    "loop.probe_previous=5", "loop.heldout_episodes=10", "loop.iterations=1", "loop.eval_max_new_tokens=16",
    "loop.train_stages=[sft]",  # GRPO has its own tests; SFT again keeps this one short
    "loop.round_sft.max_steps=2", "loop.round_sft.learning_rate=1e-3",  # a round's SFT has its own schedule
    f"loop.unseen_domains=[{DOMAIN}]", "loop.unseen_episodes=10",
]


@pytest.mark.slow
def test_a_loop_with_an_unseen_domain_evaluates_it_each_iteration_and_never_trains_on_its_tools(tmp_path):
    from inftool_jax.config import load_config
    from inftool_jax.synth.dataset import read_episodes

    out = tmp_path / "run"
    command = [sys.executable, "-m", "inftool_jax", "loop", "--config", str(CONFIG), "--out", str(out), "--quiet", *SMALL]
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": ""}
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr

    held = {t.name for t in load_config(CONFIG, []).load_catalog().tools if t.domain == DOMAIN}
    unseen = list(read_episodes(out / "heldout-unseen"))
    assert len(unseen) == 10 and all(episode_tool_names(e) <= held for e in unseen)
    for k in (0, 1):
        assert (out / f"iter-{k:03d}" / "eval-unseen" / "result.json").is_file()
        training = list(read_episodes(out / f"iter-{k:03d}" / "data"))
        assert training and not any(episode_tool_names(e) & held for e in training)
    assert not any(episode_tool_names(e) & held for e in read_episodes(out / "iter-001" / "probe-data"))
    rows = [json.loads(line) for line in (out / "loop.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [0, 1]
    assert [r["train"]["steps"] for r in rows] == [3, 2]  # sft.max_steps at the cold start, loop.round_sft.max_steps after
    for r in rows:
        assert set(r["eval_unseen"]) == {"accuracy", "call_accuracy", "reward_mean"}
        assert r["leaks"] == 0 and r["leaks_unseen"] == 0
    assert set(rows[0]["base_eval_unseen"]) == {"accuracy", "call_accuracy", "reward_mean"}
    report = (out / "report.md").read_text()
    assert f"`{DOMAIN}`" in report and f"their {len(held)} tools" in report
    assert "unseen_acc" in proc.stdout
