"""The `openai` synthesis backend end to end: through the fault proxy (nothing lost, failures counted)
and against `inftool serve openai` over a tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inftool_jax.serve.fault_proxy import FaultPlan, ProxyThread
from inftool_jax.serve.loopback import AppThread
from inftool_jax.serve.scripted_chat import scripted_chat_app
from inftool_jax.synth import backends
from inftool_jax.synth.config import SynthConfig
from inftool_jax.synth.llm.llm_backend_config import OpenAIBackendConfig
from inftool_jax.synth.pipeline import Synthesis
from inftool_jax.synth.llm.role_prompts import TOOL_SYSTEM, USER_SYSTEM

SPECS = Path(__file__).resolve().parents[3] / "configs" / "specs"


class SynthWithOpenAI(SynthConfig):
    """The synth section with the `openai` field the backend reads (synth.openai.*)."""

    openai: OpenAIBackendConfig = OpenAIBackendConfig()


def _role_player(body):
    """A model-free endpoint that plays each role by its prompt, and sometimes says unreadable things."""
    messages = body["messages"]
    system = messages[0]["content"] if messages[0]["role"] == "system" else ""
    if system.startswith(USER_SYSTEM.split("\n")[0]):
        task = messages[-1]["content"].replace("Write the user's message now.", "")
        return {"role": "assistant", "content": task.strip()}  # states every value verbatim
    if system.startswith(TOOL_SYSTEM.split("\n")[0][:30]):
        return {"role": "assistant", "content": '```json\n{"status": "ok", "id": "R-1"}\n```'}
    if messages[-1]["role"] == "tool" or not body.get("tools"):
        return {"role": "assistant", "content": "Here is what I found."}
    name = body["tools"][len(messages) % len(body["tools"])]["function"]["name"]
    args = "{oops" if len(messages) % 3 == 0 else "{}"  # unreadable arguments must not crash the run
    return {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": name, "arguments": args}}]}


def _synthesis(catalog_tools, tmp_path: Path, base_url: str, roles: dict[str, str], factor: int = 5, difficulty=None, **openai_cfg) -> Synthesis:
    cfg = SynthWithOpenAI(
        num_episodes=4,
        difficulty=difficulty or {},
        max_attempts_factor=factor,
        backends={"user": roles.get("user", "programmatic"), "assistant": roles.get("assistant", "reverse"), "tools": roles.get("tools", "programmatic")},
        openai=OpenAIBackendConfig(base_url=base_url + "/v1", **openai_cfg),
    )
    synthesis = Synthesis(catalog_tools, cfg, 11, tmp_path / "out")
    synthesis.open(resume=False)
    return synthesis


def _records(out: Path, prefix: str) -> list[dict]:
    return [json.loads(line) for p in sorted(out.glob(f"{prefix}-*.jsonl")) for line in p.read_text().splitlines() if line]


def _close(synthesis: Synthesis) -> None:
    for backend in (synthesis.runner.user, synthesis.runner.assistant, synthesis.runner.tool_backend):
        if hasattr(backend, "close"):
            backend.close()  # the shared client: closing twice is a no-op


def test_openai_backend_is_found_by_name_for_every_role():
    ctx = backends.BackendContext({}, SynthWithOpenAI(), 0)
    made = [backends.create(role, "openai", ctx) for role in ("user", "assistant", "tools", "judge")]
    assert len({id(m.client) for m in made}) == 1  # one client: one concurrency limit for the run
    made[0].close()
    for role in ("user", "assistant", "tools", "judge"):
        assert "openai" in backends.REGISTRIES[role]


def test_every_planned_episode_is_kept_rejected_or_failed_and_failures_match_the_injected_faults(catalog_tools, tmp_path):
    plan = FaultPlan(error_rate=0.15, hang_rate=0.05, truncate_rate=0.1, malformed_rate=0.1, seed=2, hang_s=10)
    max_tries = 2
    with AppThread(scripted_chat_app(_role_player)) as upstream, ProxyThread(upstream, plan) as proxy:
        synthesis = _synthesis(
            catalog_tools, tmp_path, proxy.url, {"user": "openai", "assistant": "openai", "tools": "openai"},
            max_tries=max_tries, timeout_s=0.5, backoff_base_s=0.001, backoff_max_s=0.002,
        )
        try:
            manifest = synthesis.run(4)
        finally:
            _close(synthesis)
        stats = synthesis.runner.assistant.client.stats
    out = tmp_path / "out"
    kept, rejected = _records(out, "episodes"), _records(out, "rejected")
    processed = synthesis.next_index
    assert processed == 20  # nothing kept (the scripted assistant does not follow plans): the whole attempt budget
    indices = sorted([e["meta"]["blueprint"]["index"] for e in kept] + [r["blueprint_index"] for r in rejected])
    assert indices == list(range(processed))  # none lost, none twice
    assert all(r["reasons"] and all(x["gate"] and x["detail"] for x in r["reasons"]) for r in rejected)
    failed = [r for r in rejected if r["reasons"][0]["gate"] == "backend"]
    assert all(r["episode"] is None and "after 2 tries" in r["reasons"][0]["detail"] for r in failed)

    # Replay the proxy's log (requests are sequential): a request fails after max_tries faults in a row.
    expected, run = 0, 0
    for fault in proxy.log:
        run = run + 1 if fault != "ok" else 0
        if run == max_tries:
            expected, run = expected + 1, 0
    assert expected > 0 and set(proxy.log) >= {"ok", "error", "hang", "truncate", "malformed"}
    assert stats.failures == expected == len(failed)
    assert stats.attempts == len(proxy.log)
    assert manifest["planned"] == processed and manifest["rejected"] == len(rejected)
    # some episodes ran to verification and were rejected there, with the model's bad output recorded as it came
    verified = [r for r in rejected if r["episode"] is not None]
    assert verified and any("unreadable tool_calls" in x["detail"] for r in verified for x in r["reasons"])


def test_failed_endpoint_records_failed_episodes_and_the_run_continues(catalog_tools, tmp_path):
    synthesis = _synthesis(catalog_tools, tmp_path, "http://127.0.0.1:9", {"assistant": "openai"}, max_tries=2, backoff_base_s=0.001, timeout_s=1)
    try:
        manifest = synthesis.run(1)
    finally:
        _close(synthesis)
    rejected = _records(tmp_path / "out", "rejected")
    assert len(rejected) == manifest["planned"] == 5
    assert all(r["reasons"][0]["gate"] == "backend" and "connection" in r["reasons"][0]["detail"] for r in rejected)


@pytest.fixture(scope="module")
def tiny_server(tmp_path_factory):
    from inftool_jax.bootstrap.tiny_model import TinyModelConfig, init_tiny_model
    from inftool_jax.serve.openai_server import build_app, load_engine

    cfg = TinyModelConfig(hidden_size=64, intermediate_size=128, num_layers=2, num_heads=2, num_kv_heads=1, bpe_vocab_size=1024, examples_per_tool=1)
    model_dir = init_tiny_model(tmp_path_factory.mktemp("openai-backend") / "tiny", [SPECS], cfg, seed=0, progress=False)
    engine = load_engine(model_dir, max_batch=2, model_name="tiny", max_tokens_limit=64)
    with AppThread(build_app(engine)) as url:
        yield url


@pytest.mark.slow
def test_synthesis_with_the_assistant_served_by_inftool_serve_openai(catalog_tools, tmp_path, tiny_server):
    synthesis = _synthesis(catalog_tools, tmp_path, tiny_server, {"assistant": "openai"}, factor=2,
        # few tools per prompt: the tiny BPE spends many tokens on schemas and the context is 4096
        difficulty={"tools_offered_min": 1, "tools_offered_max": 2, "long_list_prob": 0.0},
        max_tokens=16, timeout_s=300, max_tries=1,
    )
    try:
        manifest = synthesis.run(2)
    finally:
        _close(synthesis)
    kept, rejected = _records(tmp_path / "out", "episodes"), _records(tmp_path / "out", "rejected")
    assert len(kept) + len(rejected) == manifest["planned"] == synthesis.next_index >= 2
    # a random tiny model fails verification; each episode went through the server and was judged
    for record in rejected:
        assert record["reasons"][0]["gate"] != "backend", record["reasons"]
        episode = record["episode"]
        assert episode["meta"]["backends"]["assistant"] == "openai:default"
        assert any(m["role"] == "assistant" for m in episode["messages"])
    assert synthesis.runner.assistant.client.stats.failures == 0
