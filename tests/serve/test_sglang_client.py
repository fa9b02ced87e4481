"""The SGLang client against the stand-in (always) and against a real SGLang server (the `real` variants: when
INFTOOL_SGLANG_PYTHON names the python of a venv that has it, .venv-sglang/bin/python from scripts/setup_sglang.sh,
as scripts/test.sh sets; else they skip, see tests/conftest.py ``real_sglang_python``; one server for the module,
35-80 s to start on 2 CPU cores): token ids round-trip, log-probs match the in-process model, the weight hand-over
and its failures."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from inftool_jax.serve.sglang_client import SGLangClient, SGLangError, UpdateRouteMissing

TARGETS = ["standin", pytest.param("real", marks=pytest.mark.slow)]  # real: a server start, ~1 min
PROMPTS = [[5, 6, 7, 8, 9, 10], [11, 12, 13]]


def real_command(python: str) -> list[str]:
    """A real SGLang on this CPU: float32 like the in-process model, a small KV pool, no busy idle loop."""
    return [python, "-m", "sglang.launch_server", "--device", "cpu", "--tool-call-parser", "qwen25", "--sleep-on-idle",
            "--dtype", "float32", "--max-total-tokens", "8192", "--skip-server-warmup"]


REAL_ENV = {"SGLANG_USE_CPU_ENGINE": "1", "SGLANG_RETURN_ORIGINAL_LOGPROB": "1",
            "SGLANG_ENABLE_HEALTH_ENDPOINT_GENERATION": "0"}



@pytest.fixture(scope="module")
def second_model(tiny_model_dir, tmp_path_factory, perturb) -> Path:
    return perturb(tiny_model_dir, tmp_path_factory.mktemp("sglang") / "tiny-b")


@pytest.fixture(scope="module")
def in_process(tiny_model_dir):
    from inftool_jax.model import load_pretrained
    from inftool_jax.model.tokenizer import load_tokenizer
    from inftool_jax.rollout.sampler import Sampler

    model = load_pretrained(tiny_model_dir, progress=False)
    return model, Sampler(model, load_tokenizer(tiny_model_dir))


@pytest.fixture(scope="module", params=TARGETS)
def server(request, tiny_model_dir, tmp_path_factory):
    """``(kind, url, standin state or None)``; the model is ``tiny_model_dir`` at the start of every test."""
    if request.param == "standin":
        from inftool_jax.serve.loopback import AppThread
        from inftool_jax.serve.sglang_standin import StandinState, build_app

        state = StandinState(tiny_model_dir)
        with AppThread(build_app(state)) as url:
            yield "standin", url, state
    else:
        from inftool_jax.serve.sglang_launch import LaunchedServer

        python = request.getfixturevalue("real_sglang_python")  # skips (or fails under INFTOOL_SGLANG_REQUIRED=1)
        log = tmp_path_factory.mktemp("sglang-real") / "server.log"
        with LaunchedServer(real_command(python), log, env=REAL_ENV, health_timeout_s=400, stop_grace_s=5) as proc:
            t0 = time.monotonic()
            url = proc.start(tiny_model_dir)
            print(f"\nreal SGLang healthy after {time.monotonic() - t0:.1f}s ({log})")
            yield "real", url, None


@pytest.fixture
def client(server, tiny_model_dir):
    kind, url, state = server
    c = SGLangClient(url, timeout_s=300, update_timeout_s=120, retries=2, backoff_s=0.0)
    if str(c.model_info()["model_path"]) != str(tiny_model_dir.resolve()):
        c.update_weights(tiny_model_dir, "reset")
    if state is not None:
        state.calls.clear()
        state.fail_updates = 0
        state.update_route = True
    yield c
    c.close()


def test_health_and_model_info(client, tiny_model_dir):
    assert client.wait_healthy(10) < 10
    info = client.model_info()
    assert str(info["model_path"]) == str(tiny_model_dir.resolve())
    assert info["architectures"] == ["Qwen2ForCausalLM"] and "weight_version" in info


def test_generate_round_trips_token_ids_and_its_logprobs_are_the_in_process_model_s(client, in_process, server):
    """Greedy: the served ids are the in-process sampler's; each served log-prob is the in-process model's
    teacher-forced log-prob of that token (float tolerance: jax vs torch on the CPU)."""
    import jax.numpy as jnp

    from inftool_jax.rl.grpo_trainer import token_logprobs
    from inftool_jax.rollout.sampling_config import SamplingConfig

    model, sampler = in_process
    outs = client.generate(PROMPTS, {"max_new_tokens": 8, "temperature": 0.0, "ignore_eos": True}, return_logprob=True)
    ref = sampler.generate(PROMPTS, SamplingConfig(max_new_tokens=8, temperature=0.0, stop_at_eos=False))
    tol = 1e-5 if server[0] == "standin" else 2e-3
    for i, (prompt, out) in enumerate(zip(PROMPTS, outs)):
        assert len(out.output_ids) == 8 and len(out.logprobs) == 8
        assert out.finish_reason["type"] == "length" and not out.finished
        seq = np.asarray([prompt + out.output_ids], np.int32)
        logp, _ = token_logprobs(model, jnp.asarray(seq), jnp.ones_like(jnp.asarray(seq)))
        teacher = np.asarray(logp)[0, len(prompt) - 1:]
        np.testing.assert_allclose(out.logprobs, teacher, atol=tol, rtol=0)
        if server[0] == "standin":
            assert out.output_ids == ref.tokens[i, : ref.lengths[i]].tolist()
        else:  # a near-tie may break the other way in torch: the served token is an argmax up to the tolerance
            logits = np.asarray(model(jnp.asarray(seq)))[0, len(prompt) - 1: -1]
            best = logits.max(-1) - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1)) - logits.max(-1)
            assert np.all(teacher >= best - tol)
        np.testing.assert_allclose(ref.logprobs[i, : ref.lengths[i]][: 1], teacher[:1], atol=tol)


def test_sampled_generation_stops_on_a_stop_token_and_reports_it(client):
    outs = client.generate([PROMPTS[0]] * 3, {"max_new_tokens": 12, "temperature": 1.0, "stop_token_ids": list(range(1024))})
    for out in outs:  # every token is a stop token: one token, finished
        assert len(out.output_ids) == 1 and out.finished and out.finish_reason["type"] == "stop"
        assert len(out.logprobs) == 1 and out.logprobs[0] < 0


def test_update_weights_pauses_updates_flushes_continues_and_the_version_is_checked(client, server, second_model):
    greedy = {"max_new_tokens": 6, "temperature": 0.0, "ignore_eos": True}
    before = client.generate(PROMPTS[:1], greedy)[0]
    answer = client.update_weights(second_model, "b-1")
    assert answer["success"] is True and answer["attempts"] == 1 and answer["seconds"] >= 0
    info = client.model_info()
    assert info["weight_version"] == "b-1" and str(info["model_path"]) == str(second_model.resolve())
    after = client.generate(PROMPTS[:1], greedy)[0]
    assert after.logprobs != before.logprobs  # the new weights answer
    assert after.weight_version in (None, "b-1")
    assert client.health() == 200  # continued
    if server[2] is not None:
        assert server[2].calls == ["pause_generation", "update_weights_from_disk", "flush_cache", "continue_generation"]


def test_a_bad_folder_is_retried_then_a_clear_error_and_the_server_stays_healthy(client, server, tmp_path):
    with pytest.raises(SGLangError) as err:
        client.update_weights(tmp_path / "no-such-model", "bad")
    text = str(err.value)
    assert "/update_weights_from_disk" in text and "HTTP 400" in text and "after 2 attempts" in text
    assert client.health() == 200
    assert client.generate(PROMPTS[:1], {"max_new_tokens": 2, "temperature": 0.0})[0].output_ids  # not left paused
    if server[2] is not None:  # each attempt continued generation
        assert server[2].calls.count("pause_generation") == server[2].calls.count("continue_generation") == 2


def test_a_400_then_a_success_is_one_retry(client, server, second_model):
    if server[2] is None:
        pytest.skip("failure injection is the stand-in's")
    server[2].fail_updates = 1
    answer = client.update_weights(second_model, "b-2")
    assert answer["attempts"] == 2 and client.model_info()["weight_version"] == "b-2"


def test_a_404_on_the_update_route_means_restart(client, server, second_model):
    if server[2] is None:
        pytest.skip("a real SGLang has the route (sglang-jax answers 404)")
    server[2].update_route = False
    with pytest.raises(UpdateRouteMissing) as err:
        client.update_weights(second_model, "b-3")
    assert err.value.status == 404 and "restart" in str(err.value)
    assert server[2].calls[-1] == "continue_generation" and client.health() == 200


def test_chat_completions_with_tools_answer_in_openai_shape(client):
    tool = {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}
    body = {"model": "default", "messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": [tool],
            "max_tokens": 8, "temperature": 0}
    r = httpx.post(f"{client.url}/v1/chat/completions", json=body, timeout=120)
    assert r.status_code == 200, r.text
    choice = r.json()["choices"][0]
    assert choice["message"]["role"] == "assistant" and choice["finish_reason"] in ("length", "stop", "tool_calls")


def test_an_unreachable_server_is_a_clear_error():
    c = SGLangClient("http://127.0.0.1:9", timeout_s=2, retries=1)
    assert c.health() == 0
    with pytest.raises(SGLangError, match="cannot reach"):
        c.model_info()
    with pytest.raises(SGLangError, match="not healthy after"):
        c.wait_healthy(0.3, poll_s=0.1)
