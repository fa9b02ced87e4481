"""`run_grpo` end to end on a tiny model: outputs, metrics, and a resumed run equal to an uninterrupted one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from inftool_jax.config import Config, load_config
from inftool_jax.errors import InputError
from inftool_jax.rl.grpo_stage_config import GRPOStageConfig

ROOT = Path(__file__).resolve().parents[2]


def _config(**train):
    base = load_config(ROOT / "configs" / "cpu_tiny.yaml")
    raw = base.model_dump()
    raw["grpo"] = {"num_generations": 2, "prompts_per_step": 2, "max_completion_length": 12, "categories": ["single", "multiple"],
                   "drop_zero_variance_groups": False, "max_steps": 2, "learning_rate": 1e-3, "warmup_steps": 0}
    raw["train"] = {"log_every": 1, "checkpoint_every": 1, "weight_decay": 0.1, "peak_flops": 1e11, "tensorboard": False,
                    "bucket_multiple": 64, **train}
    cfg = Config.model_validate(raw)
    cfg._base_dir = base._base_dir
    return cfg


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from inftool_jax.bootstrap.tiny_model import TinyModelConfig, init_tiny_model
    from inftool_jax.synth.config import SynthConfig
    from inftool_jax.synth.pipeline import Synthesis
    from inftool_jax.tools.catalog import load_catalog

    root = tmp_path_factory.mktemp("grpo")
    tiny = TinyModelConfig(hidden_size=64, intermediate_size=128, num_layers=2, bpe_vocab_size=1024, examples_per_tool=1)
    model = init_tiny_model(root / "model", [ROOT / "configs" / "specs"], tiny, progress=False)
    synth = SynthConfig.model_validate({"categories": {"single": 1, "parallel": 0, "multiple": 1, "parallel_multiple": 0,
                                        "no_call": 0, "clarification": 0, "multi_step": 0, "multi_turn": 0},
                                        "difficulty": {"tools_offered_min": 1, "tools_offered_max": 2}})
    run = Synthesis(load_catalog([ROOT / "configs" / "specs"]).tools, synth, 0, root / "data")
    run.open(False)
    run.run(8)
    return root, model, root / "data"


@pytest.mark.slow
def test_grpo_run_writes_an_hf_model_and_metrics_and_resumes_exactly(setup):
    from safetensors.numpy import load_file

    from inftool_jax.rl.grpo_run import run_grpo

    root, model, data = setup
    a = root / "a"
    last = run_grpo(_config(), model, data, a, progress=False)
    lines = [json.loads(x) for x in (a / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == [1, 2]
    for key in ("reward_mean", "gate_format", "gate_arguments", "clip_frac", "entropy", "tokens_per_second", "step_mfu", "loss"):
        assert key in lines[-1], key
    assert (a / "config.json").is_file() and (a / "tokenizer.json").is_file()
    assert last["generated_tokens"] > 0

    with pytest.raises(InputError):  # a finished run is not overwritten silently
        run_grpo(_config(), model, data, a, progress=False)

    # "interrupt" a copy after step 1: drop its step-2 checkpoint and metrics line, then resume
    b = root / "b"
    shutil.copytree(a, b)
    shutil.rmtree(b / "checkpoints" / "2")
    (b / "model.safetensors").unlink()
    (b / "metrics.jsonl").write_text((a / "metrics.jsonl").read_text().splitlines()[0] + "\n")
    run_grpo(_config(), model, data, b, resume=True, progress=False)
    wa, wb = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    assert wa.keys() == wb.keys()
    for name in wa:
        np.testing.assert_array_equal(wa[name], wb[name])
    resumed = json.loads((b / "metrics.jsonl").read_text().splitlines()[-1])
    for key in ("reward_mean", "generated_tokens", "loss", "grad_norm"):
        assert resumed[key] == lines[-1][key], key
    # and training moved the weights at all
    w0 = load_file(Path(model) / "model.safetensors")
    assert any(not np.array_equal(w0[n], wa[n]) for n in wa)


def test_load_tasks_keeps_only_the_configured_decisions(setup):
    from inftool_jax.rl.grpo_run import load_tasks
    from inftool_jax.rollout.tool_env import ToolEnvironment
    from inftool_jax.tools.catalog import load_catalog

    _, _, data = setup
    env = ToolEnvironment(load_catalog([ROOT / "configs" / "specs"]).tools)
    everything = load_tasks(data, env, GRPOStageConfig())
    calls = load_tasks(data, env, GRPOStageConfig(decisions=["call"]))
    assert {t.target.decision for t in everything} > {"call"}  # closing prose turns are tasks too
    assert calls and {t.target.decision for t in calls} == {"call"}
    assert len(calls) == sum(t.target.decision == "call" for t in everything)
    with pytest.raises(InputError, match="grpo.decisions"):
        load_tasks(data, env, GRPOStageConfig(decisions=["clarify"]))


def test_tasks_with_prompts_over_the_limit_are_left_out_not_cut(setup):
    from inftool_jax.model.tokenizer import load_tokenizer
    from inftool_jax.rl.grpo_run import fitting_tasks, load_tasks, prompt_limit
    from inftool_jax.rollout.episode_rollout import EpisodeRollouts
    from inftool_jax.rollout.tool_env import ToolEnvironment
    from inftool_jax.tools.catalog import load_catalog
    from inftool_jax.train.config import TrainConfig

    _, model, data = setup
    env = ToolEnvironment(load_catalog([ROOT / "configs" / "specs"]).tools)
    tasks = load_tasks(data, env, GRPOStageConfig())
    rollouts = EpisodeRollouts(load_tokenizer(model), env)
    lengths = sorted(len(rollouts.prompt_tokens(t)) for t in tasks)
    middle = lengths[len(lengths) // 2]
    kept, dropped = fitting_tasks(tasks, rollouts.prompt_tokens, middle, "data")
    assert dropped == sum(n > middle for n in lengths) > 0 and len(kept) + dropped == len(tasks)
    assert all(len(rollouts.prompt_tokens(t)) <= middle for t in kept)  # kept whole: nothing was cut to fit
    assert [t for t in tasks if t in kept] == kept  # order kept (the seeded task order depends on it)
    with pytest.raises(InputError, match="grpo.max_prompt_length"):
        fitting_tasks(tasks, rollouts.prompt_tokens, lengths[0] - 1, "data")

    # The default limit is what train.max_length leaves beside a completion; an explicit one wins.
    train = TrainConfig(max_length=512)
    assert prompt_limit(GRPOStageConfig(max_completion_length=128), train) == 384
    assert prompt_limit(GRPOStageConfig(max_completion_length=128, max_prompt_length=1000), train) == 1000
    with pytest.raises(InputError, match="grpo.max_completion_length"):
        prompt_limit(GRPOStageConfig(max_completion_length=512), train)
