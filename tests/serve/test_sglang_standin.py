"""The SGLang stand-in's routes and status codes, the launcher (process group, restart on a new folder when the update
route is missing), and the GRPO rollout engine over ``/generate`` with the sampler-vs-trainer log-prob gap."""

from __future__ import annotations

import json
import os
import sys
import threading
import time

import httpx
import numpy as np
import pytest

from inftool_jax.serve.sglang_launch import LaunchedServer, server_argv

HTTP = httpx.Client(timeout=120)  # the first /generate compiles the sampler
STANDIN = [sys.executable, "-m", "inftool_jax.serve.sglang_standin", "--tool-call-parser", "qwen25", "--device", "cpu"]



@pytest.fixture(scope="module")
def standin(tiny_model_dir):
    from inftool_jax.serve.loopback import AppThread
    from inftool_jax.serve.sglang_standin import StandinState, build_app

    state = StandinState(tiny_model_dir)
    with AppThread(build_app(state)) as url:
        yield url, state


def test_routes_answer_with_sglang_s_fields_and_status_codes(standin, tiny_model_dir):
    url, state = standin
    httpx = HTTP
    assert httpx.get(f"{url}/health").status_code == 200
    info = httpx.get(f"{url}/model_info").json()
    assert info["model_path"] == str(tiny_model_dir) and info["weight_version"] == "default" and info["is_generation"]
    one = httpx.post(f"{url}/generate", json={"input_ids": [5, 6, 7], "sampling_params": {"max_new_tokens": 3, "temperature": 0,
                                                                                          "ignore_eos": True},
                                              "return_logprob": True}).json()
    assert isinstance(one, dict) and len(one["output_ids"]) == 3  # a single prompt answers one object
    meta = one["meta_info"]
    assert meta["finish_reason"] == {"type": "length", "length": 3} and meta["completion_tokens"] == 3
    assert [t[1] for t in meta["output_token_logprobs"]] == one["output_ids"]
    assert all(t[0] < 0 and t[2] is None for t in meta["output_token_logprobs"])
    text = httpx.post(f"{url}/generate", json={"text": "hello", "sampling_params": {"max_new_tokens": 2}}).json()
    assert "output_token_logprobs" not in text["meta_info"] and len(text["output_ids"]) <= 2
    for bad in ({"input_ids": []}, {"input_ids": [[1, -1]]}, {"input_ids": [[1]], "sampling_params": [{}, {}]}, [1]):
        assert httpx.post(f"{url}/generate", json=bad).status_code == 400
    assert httpx.get(f"{url}/flush_cache").status_code == httpx.post(f"{url}/flush_cache").status_code == 200
    r = httpx.post(f"{url}/update_weights_from_disk", json={"model_path": "/no/such/folder"})
    assert r.status_code == 400 and r.json()["success"] is False and r.json()["num_paused_requests"] == 0
    assert httpx.post(f"{url}/v1/chat/completions", content=b"{").status_code == 400


def test_paused_health_is_503_and_generation_waits_for_continue(standin):
    url, state = standin
    httpx = HTTP
    assert httpx.post(f"{url}/pause_generation", json={}).json()["status"] == "ok"
    assert httpx.get(f"{url}/health").status_code == 503
    answers = []
    worker = threading.Thread(target=lambda: answers.append(httpx.post(
        f"{url}/generate", json={"input_ids": [[5, 6]], "sampling_params": {"max_new_tokens": 2}}, timeout=60)))
    worker.start()
    time.sleep(1.5)
    assert not answers  # queued while paused
    assert httpx.post(f"{url}/continue_generation", json={}).status_code == 200
    worker.join(60)
    assert answers and answers[0].status_code == 200 and httpx.get(f"{url}/health").status_code == 200


def test_server_argv_sets_model_host_and_port_replacing_the_command_s():
    argv = server_argv(["python", "-m", "x", "--model-path", "old", "--port=1", "--host", "h", "--tp", "2"], "/m", "127.0.0.1", 5)
    assert argv == ["python", "-m", "x", "--tp", "2", "--model-path", "/m", "--host", "127.0.0.1", "--port", "5"]


def test_launch_stop_and_restart_on_a_new_folder_when_the_update_route_is_missing(tiny_model_dir, tmp_path, perturb):
    """sglang-jax answers 404 on /update_weights_from_disk: the endpoint restarts the launched server on the folder."""
    from inftool_jax.serve.sglang_config import SGLangConfig
    from inftool_jax.serve.sglang_endpoint import SGLangEndpoint

    other = perturb(tiny_model_dir, tmp_path / "tiny-b")
    cfg = SGLangConfig(launch=STANDIN + ["--no-update-route"], health_timeout_s=120, stop_grace_s=5, backoff_s=0, update_retries=1)
    endpoint = SGLangEndpoint(cfg, tmp_path / "run")
    try:
        first = endpoint.ensure(tiny_model_dir, "v0")
        assert first["how"] == "start" and endpoint.server.alive()
        pid_record = json.loads((tmp_path / "run" / "sglang" / "server.pid").read_text())
        assert pid_record["pid"] == endpoint.server.process.pid and "--no-update-route" in pid_record["argv"]
        assert endpoint.ensure(tiny_model_dir, "v0") is None  # already served
        old_pid = endpoint.server.process.pid
        second = endpoint.ensure(other, "v1")
        assert second["how"] == "restart" and endpoint.server.process.pid != old_pid
        assert endpoint.client.model_info()["model_path"] == str(other.resolve())
        with pytest.raises(ProcessLookupError):
            os.killpg(old_pid, 0)  # the old group is gone
        assert len(endpoint.server.start_seconds) == 2
    finally:
        endpoint.close()
    assert not endpoint.server.alive() and not (tmp_path / "run" / "sglang" / "server.pid").exists()
    assert "starting:" in (tmp_path / "run" / "sglang" / "server.log").read_text()


def test_a_server_that_dies_at_start_is_a_clear_error_naming_its_log(tmp_path):
    from inftool_jax.serve.sglang_client import SGLangError

    server = LaunchedServer([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"], tmp_path / "s.log", health_timeout_s=30)
    with pytest.raises(SGLangError, match=r"exited before it became healthy \(exit code 3\).*boom"):
        server.start(tmp_path)


def test_sglang_rollout_engine_round_trips_tokens_and_the_trainer_measures_no_logprob_gap(standin, tiny_model_dir, tmp_path):
    """GRPO rollouts through /generate: G completions per prompt, the sampler's log-probs kept per generated token, and
    the trainer's own forward agreeing with them (the stand-in is the same model: gap ~ 0)."""
    from types import SimpleNamespace

    from inftool_jax.grading.reward_config import RewardConfig
    from inftool_jax.model import load_pretrained
    from inftool_jax.model.config import MeshConfig
    from inftool_jax.model.sharding import make_mesh
    from inftool_jax.model.tokenizer import load_tokenizer
    from inftool_jax.rl.grpo_stage_config import GRPOStageConfig
    from inftool_jax.rl.grpo_trainer import GRPOTrainer
    from inftool_jax.rollout.sampling_config import SamplingConfig
    from inftool_jax.serve.rollout_engines import SGLangEngine, make_rollout_engine
    from inftool_jax.serve.sglang_config import SGLangConfig
    from inftool_jax.serve.sglang_endpoint import SGLangEndpoint
    from inftool_jax.train.config import TrainConfig

    url, state = standin
    mesh = make_mesh(MeshConfig(data=1, fsdp=-1, tp=1))
    tokenizer = load_tokenizer(tiny_model_dir)
    model = load_pretrained(tiny_model_dir, mesh=mesh, progress=False)
    endpoint = SGLangEndpoint(SGLangConfig(url=url, backoff_s=0), tmp_path)
    engine = make_rollout_engine("sglang", tokenizer=tokenizer, mesh=mesh, model_dir=tiny_model_dir, out_dir=tmp_path / "grpo",
                                 endpoint=endpoint)
    assert isinstance(engine, SGLangEngine) and endpoint.model_path == str(tiny_model_dir.resolve())
    grpo = GRPOStageConfig(num_generations=2, prompts_per_step=2, max_completion_length=6)
    trainer = GRPOTrainer(model, tokenizer, None, mesh, grpo, TrainConfig(bucket_multiple=4, tensorboard=False),
                          RewardConfig(), 2, 0, tmp_path / "grpo", log_to_files=False, engine=engine)
    sampling = SamplingConfig(max_new_tokens=6, temperature=1.0)
    prompts = [np.asarray([5, 6, 7, 8], np.int32), np.asarray([9, 10, 11], np.int32)]
    outs = engine.generate_fn(trainer.policy(), sampling, 0, step=0)(prompts, 2)
    assert len(outs) == 4 and all(1 <= len(o.tokens) <= 6 for o in outs)
    rollouts = []
    for i, o in enumerate(outs):
        prompt = prompts[i // 2]
        tokens = np.concatenate([prompt, o.tokens])
        mask = np.concatenate([np.zeros(len(prompt), np.int32), np.ones(len(o.tokens), np.int32)])
        assert not np.isnan(engine.sampler_logprobs(tokens, mask)[len(prompt):]).any()
        rollouts.append(SimpleNamespace(tokens=tokens, mask=mask, prompt_len=len(prompt)))
    gap = trainer.logprob_gap(rollouts)
    assert gap["logprob_gap_tokens"] == sum(len(o.tokens) for o in outs)
    assert gap["logprob_gap_mean"] < 1e-4 and gap["logprob_gap_max"] < 1e-3
    # step 1 with sync_every_steps=1: the trainer's weights are exported and handed over before the rollouts
    state.calls.clear()
    engine.generate_fn(trainer.policy(), sampling, 0, step=1)
    assert state.calls == ["pause_generation", "update_weights_from_disk", "flush_cache", "continue_generation"]
    assert state.weight_version == "grpo/step-1" and "weight_sync_seconds" in engine.metrics()
    engine.close()
    assert not (tmp_path / "grpo" / "sglang-weights").exists()
