"""The `policy` synthesis backend: the in-process tiny model as the Assistant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inftool_jax.errors import InputError
from inftool_jax.synth import backends
from inftool_jax.synth.config import SynthConfig
from inftool_jax.synth.llm.llm_backend_config import PolicyBackendConfig
from inftool_jax.synth.roleplay import EpisodeFailed

SPECS = Path(__file__).resolve().parents[3] / "configs" / "specs"
SMALL = {"tools_offered_min": 1, "tools_offered_max": 2, "long_list_prob": 0.0}


class SynthWithPolicy(SynthConfig):
    """The synth section with the `policy` field the backend reads (synth.policy.*)."""

    policy: PolicyBackendConfig = PolicyBackendConfig()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    from inftool_jax.bootstrap.tiny_model import TinyModelConfig, init_tiny_model

    cfg = TinyModelConfig(hidden_size=64, intermediate_size=128, num_layers=2, num_heads=2, num_kv_heads=1, bpe_vocab_size=1024, examples_per_tool=1)
    return init_tiny_model(tmp_path_factory.mktemp("policy") / "tiny", [SPECS], cfg, seed=0, progress=False)


@pytest.fixture(scope="module")
def assistant_and_planner(model_dir, catalog_tools):
    from inftool_jax.synth.planner import Planner

    config = SynthWithPolicy(policy=PolicyBackendConfig(model_path=str(model_dir), max_new_tokens=8, temperature=1.0), difficulty=SMALL)
    ctx = backends.BackendContext({t.name: t for t in catalog_tools}, config, 3)
    return backends.create("assistant", "policy", ctx), Planner(catalog_tools, config, 3), ctx


def test_policy_without_a_model_path_is_an_input_error_naming_the_key(catalog_tools):
    ctx = backends.BackendContext({t.name: t for t in catalog_tools}, SynthWithPolicy(), 0, source="run.yaml")
    with pytest.raises(InputError, match="synth.policy.model_path"):
        backends.create("assistant", "policy", ctx)


def test_policy_assistant_answers_with_an_openai_message_deterministically(assistant_and_planner):
    assistant, planner, ctx = assistant_and_planner
    blueprint = planner.plan(0)
    messages = [{"role": "system", "content": "You can call tools."}, {"role": "user", "content": "Please help me."}]
    tools = [ctx.tools[n].to_openai() for n in blueprint.offered]
    first = assistant.respond(blueprint, None, messages, tools)
    again = assistant.respond(blueprint, None, messages, tools)
    assert first == again  # the key comes from (run seed, blueprint, message count)
    assert first["role"] == "assistant" and isinstance(first["content"], str)
    assert json.dumps(first)
    assert assistant.name == "policy:tiny"


def test_prompt_longer_than_the_context_fails_the_episode_not_the_run(assistant_and_planner):
    assistant, planner, _ = assistant_and_planner
    huge = [{"role": "user", "content": "word " * (assistant.max_positions + 1)}]
    with pytest.raises(EpisodeFailed) as info:
        assistant.respond(planner.plan(0), None, huge, [])
    assert info.value.gate == "backend" and "context" in info.value.detail


@pytest.mark.slow
def test_synthesis_with_the_policy_assistant_records_every_episode(model_dir, catalog_tools, tmp_path):
    from inftool_jax.synth.pipeline import Synthesis

    config = SynthWithPolicy(
        num_episodes=2, max_attempts_factor=2, difficulty=SMALL, backends={"assistant": "policy"},
        policy=PolicyBackendConfig(model_path=str(model_dir), max_new_tokens=16),
    )
    synthesis = Synthesis(catalog_tools, config, 5, tmp_path / "out")
    synthesis.open(resume=False)
    manifest = synthesis.run(2)
    lines = [json.loads(l) for p in sorted((tmp_path / "out").glob("*.jsonl")) for l in p.read_text().splitlines()]
    assert len(lines) == manifest["planned"] == synthesis.next_index >= 2
    for record in lines:
        episode = record.get("episode", record)
        if episode is not None:
            assert episode["meta"]["backends"]["assistant"] == "policy:tiny"
