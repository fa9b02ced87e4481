"""Concurrent episode production with the `openai` backend against a real loopback endpoint:
same files as one worker, the request limit reached, every episode accounted for under faults,
kill -9 / Ctrl-C and --resume, backends closed on errors."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from inftool_jax.serve.fault_proxy import FaultPlan, ProxyThread
from inftool_jax.serve.loopback import AppThread
from inftool_jax.serve.scripted_chat import scripted_chat_app
from inftool_jax.synth import backends
from inftool_jax.synth.config import SynthConfig
from inftool_jax.synth.dataset import read_episodes
from inftool_jax.synth.llm.openai_client import BlockingChatClient, ChatRequestFailed
from inftool_jax.synth.pipeline import Synthesis
from inftool_jax.synth.llm.role_prompts import TOOL_SYSTEM, USER_SYSTEM
from inftool_jax.synth.user.user_simulator import ProgrammaticUser

ROOT = Path(__file__).resolve().parents[2]
USER_HEAD = USER_SYSTEM.split("\n")[0]
TOOL_HEAD = TOOL_SYSTEM.split("`")[0]


def _role_player(body):
    """A model-free endpoint: the user states the task's values verbatim, the tool responder answers
    JSON, the assistant calls an offered tool with empty arguments (it follows no plan). The reply
    depends on the request alone, so runs are deterministic."""
    messages = body["messages"]
    system = messages[0]["content"] if messages[0]["role"] == "system" else ""
    if system.startswith(USER_HEAD):
        task = messages[-1]["content"].removesuffix("\n\nWrite the user's message now.")
        return {"role": "assistant", "content": task.split("\n\n")[-1]}
    if system.startswith(TOOL_HEAD):
        return {"role": "assistant", "content": '{"status": "ok", "id": "R-1"}'}
    if messages[-1]["role"] == "tool" or not body.get("tools"):
        return {"role": "assistant", "content": "Here is what I found."}
    name = body["tools"][len(messages) % len(body["tools"])]["function"]["name"]
    return {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": name, "arguments": "{}"}}]}


@pytest.fixture(scope="module")
def upstream():
    with AppThread(scripted_chat_app(_role_player)) as url:
        yield url


def _config(base_url: str, roles: dict[str, str], factor: int = 5, **openai) -> SynthConfig:
    return SynthConfig.model_validate({
        "backends": {"user": roles.get("user", "programmatic"), "assistant": roles.get("assistant", "reverse"), "tools": roles.get("tools", "programmatic")},
        "openai": {"base_url": base_url + "/v1", **openai},
        "max_attempts_factor": factor,
        "fsync_every": 0,
        # many no-call requests, some of them the same small talk: near-duplicates, whose verdicts
        # depend on the order of writing
        "categories": {"single": 1, "no_call": 3, "multi_step": 1, "parallel": 0, "multiple": 0, "parallel_multiple": 0, "clarification": 0, "multi_turn": 0},
    })


def _synthesis(tools, out: Path, cfg: SynthConfig, workers) -> Synthesis:
    run = Synthesis(tools, cfg, 4, out, workers=workers)
    run.open(resume=False)
    return run


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.jsonl"))}


def _records(out: Path, prefix: str) -> list[dict]:
    return list(read_episodes(out, prefix))


def test_concurrent_run_writes_byte_for_byte_what_one_worker_writes(catalog_tools, upstream, tmp_path):
    cfg = _config(upstream, {"user": "openai"}, max_concurrency=6)
    one = _synthesis(catalog_tools, tmp_path / "one", cfg, workers=1)
    one.run(40)
    many = _synthesis(catalog_tools, tmp_path / "many", cfg, workers=None)
    manifest = many.run(40)
    assert many.workers == 6 and manifest["workers_this_session"] == 6
    assert _files(tmp_path / "one") == _files(tmp_path / "many") != {}
    assert manifest["kept"] == 40 and manifest["rejected_by_gate"].get("near_duplicate", 0) >= 2
    assert manifest["backends_this_session"]["openai:default"]["in_flight_peak"] > 1


def test_user_and_assistant_on_openai_reach_the_concurrency_limit_at_client_and_server(catalog_tools, upstream, tmp_path):
    limit = 6
    with ProxyThread(upstream, FaultPlan(latency_s=0.05)) as proxy:
        run = _synthesis(catalog_tools, tmp_path / "c", _config(proxy.url, {"user": "openai", "assistant": "openai"}, factor=1, max_concurrency=limit), None)
        manifest = run.run(48)
        peak_concurrent = proxy.stats.in_flight_peak
        proxy.stats.restart()
        sequential = _synthesis(catalog_tools, tmp_path / "s", _config(proxy.url, {"user": "openai", "assistant": "openai"}, factor=1, max_concurrency=limit), 1)
        sequential.run(4)
        peak_sequential = proxy.stats.in_flight_peak
    client = manifest["backends_this_session"]["openai:default"]
    assert client["roles"] == ["user", "assistant"] and client["limit"] == limit
    assert client["in_flight_peak"] == peak_concurrent == limit  # reached, never exceeded
    assert client["in_flight_mean"] > 1.0
    assert client["calls"] == client["successes"] >= 2 * manifest["planned"] == 96
    assert client["latency_p50_s"] >= 0.05 and client["latency_p95_s"] >= client["latency_p50_s"]
    assert peak_sequential == 1  # what every run did before: one request at a time


def test_under_faults_every_planned_episode_is_kept_rejected_or_failed_exactly_once(catalog_tools, upstream, tmp_path):
    plan = FaultPlan(error_rate=0.15, hang_rate=0.05, truncate_rate=0.1, malformed_rate=0.1, latency_s=0.01, seed=3, hang_s=10)
    roles = {"user": "openai", "assistant": "openai", "tools": "openai"}
    with ProxyThread(upstream, plan) as proxy:
        # The timeout is well above any served response's latency on a loaded machine (a client timeout on a response
        # the proxy logged as ok would break the accounting below) and well below the 10 s hangs.
        cfg = _config(proxy.url, roles, factor=1, max_concurrency=5, max_tries=2, timeout_s=2.0, backoff_base_s=0.001, backoff_max_s=0.002)
        run = _synthesis(catalog_tools, tmp_path / "f", cfg, None)
        manifest = run.run(30)  # a budget of 30 blueprints, all of them processed (few can be kept)
        log = list(proxy.log)
    out = tmp_path / "f"
    kept, rejected = _records(out, "episodes"), _records(out, "rejected")
    indices = sorted([e["meta"]["blueprint"]["index"] for e in kept] + [r["blueprint_index"] for r in rejected])
    assert indices == list(range(30)) == list(range(manifest["planned"]))
    assert len({e["id"] for e in kept} | {r["id"] for r in rejected}) == 30
    assert all(r["reasons"] and all(x["gate"] and x["detail"] for x in r["reasons"]) for r in rejected)
    failed = [r for r in rejected if r["reasons"][0]["gate"] == "backend"]
    assert failed and all(r["episode"] is None and "after 2 tries" in r["reasons"][0]["detail"] for r in failed)
    assert manifest["rejected_by_gate"]["backend"] == len(failed)
    client = manifest["backends_this_session"]["openai:default"]
    # every request was for a written episode: the counters add up with the files and the proxy's log
    assert client["failures"] == len(failed)
    assert client["attempts"] == len(log) and client["retries"] == client["attempts"] - client["calls"]
    assert sum(client["errors"].values()) == sum(f != "ok" for f in log)
    assert set(client["errors"]) >= {"status_500", "timeout", "malformed_body"}
    assert client["in_flight_peak"] > 1


def test_closing_the_client_wakes_a_thread_waiting_on_a_hung_request(upstream):
    with ProxyThread(upstream, FaultPlan(hang_rate=1.0, hang_s=30)) as proxy:
        client = BlockingChatClient(proxy.url + "/v1", "m", timeout_s=30, max_tries=1)
        outcome: list[BaseException] = []

        def ask() -> None:
            try:
                client.chat([{"role": "user", "content": "hi"}])
            except BaseException as err:  # noqa: BLE001 - the test inspects it
                outcome.append(err)

        thread = threading.Thread(target=ask)
        thread.start()
        while client.stats.in_flight == 0:
            time.sleep(0.01)
        start = time.monotonic()
        client.close()
        thread.join(timeout=10)
        assert not thread.is_alive() and time.monotonic() - start < 10
    assert isinstance(outcome[0], ChatRequestFailed) and "closed" in outcome[0].reason
    with pytest.raises(ChatRequestFailed, match="closed"):
        client.chat([{"role": "user", "content": "again"}])


class _CrashingUser(ProgrammaticUser):
    """A user backend that allows 4 episodes at once and breaks (a bug, not a failed request) at blueprint 7."""

    name = "crash_at_7"
    concurrency = 4
    made: list["_CrashingUser"] = []

    def __init__(self, ctx):
        super().__init__(ctx.tools)
        self.closed = 0
        _CrashingUser.made.append(self)

    def say(self, blueprint, turn_index, messages):
        if blueprint.index == 7:
            raise RuntimeError("user backend bug at blueprint 7")
        return super().say(blueprint, turn_index, messages)

    def close(self) -> None:
        self.closed += 1


def test_an_error_in_a_worker_stops_the_run_at_its_index_closes_every_backend_and_keeps_what_was_written(catalog_tools, tmp_path):
    backends.USER_BACKENDS.add("crash_at_7", _CrashingUser)
    _CrashingUser.made.clear()
    cfg = SynthConfig.model_validate({"backends": {"user": "crash_at_7"}, "fsync_every": 0})
    run = Synthesis(catalog_tools, cfg, 4, tmp_path / "e", workers=None)
    run.open(resume=False)
    assert run.workers == 4 and len(_CrashingUser.made) == 4
    with pytest.raises(RuntimeError, match="blueprint 7"):
        run.run(50)
    out = tmp_path / "e"
    indices = sorted([e["meta"]["blueprint"]["index"] for e in _records(out, "episodes")] + [r["blueprint_index"] for r in _records(out, "rejected")])
    assert indices == list(range(7))  # what comes before the broken one, as one worker would have written
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["planned"] == 7 and not manifest["complete"]
    assert [u.closed for u in _CrashingUser.made] == [1, 1, 1, 1]
    run.close()
    assert [u.closed for u in _CrashingUser.made] == [1, 1, 1, 1]  # closed once


# ---- the CLI under kill -9 and Ctrl-C ------------------------------------------------------


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _cmd(out: Path, base_url: str, num: int, resume: bool, workers: int | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "inftool_jax.cli", "synth", "--out", str(out), "--num", str(num), "--seed", "5", "--quiet",
           f"specs=[{ROOT / 'configs' / 'specs'}]", "synth.shard_size=40", "synth.fsync_every=1",
           "synth.backends.user=openai", f"synth.openai.base_url={base_url}/v1", "synth.openai.max_concurrency=8"]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    return cmd + (["--resume"] if resume else [])


NUM = 100


@pytest.fixture(scope="module")
def served_runs(upstream, tmp_path_factory):
    """(proxy url with 20 ms latency, the files of an uninterrupted one-worker run of NUM episodes)."""
    ref = tmp_path_factory.mktemp("reference")
    subprocess.run(_cmd(ref, upstream, NUM, False, workers=1), check=True, env=_env(), capture_output=True, timeout=300)
    with ProxyThread(upstream, FaultPlan(latency_s=0.02)) as proxy:
        yield proxy.url, _files(ref)


def _interrupt_then_resume(out: Path, url: str, reference: dict[str, bytes], sig: int, times: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    codes = []
    for k in range(times):
        proc = subprocess.Popen(_cmd(out, url, NUM, k > 0 and (out / "run.json").exists()), env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 2.5))
        proc.send_signal(sig)
        codes.append(proc.wait(timeout=60))
    done = subprocess.run(_cmd(out, url, NUM, True), env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    kept = list(read_episodes(out))
    assert len(kept) == NUM and len({e["id"] for e in kept}) == NUM
    assert all(p.read_bytes().endswith(b"\n") for p in out.glob("*.jsonl"))
    assert _files(out) == reference  # 8 workers, interrupted, wrote what one uninterrupted worker wrote
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kept"] == NUM and manifest["complete"] and manifest["workers_this_session"] == 8
    return codes


def test_sigkill_during_a_concurrent_run_then_resume_gives_exactly_n_with_no_duplicates(served_runs, tmp_path):
    url, reference = served_runs
    codes = _interrupt_then_resume(tmp_path / "killed", url, reference, signal.SIGKILL, times=2, seed=1)
    assert codes.count(-signal.SIGKILL) >= 1


@pytest.mark.slow
def test_ctrl_c_closes_the_run_promptly_with_a_manifest_of_what_is_on_disk(served_runs, tmp_path):
    url, reference = served_runs
    out = tmp_path / "interrupted"
    proc = subprocess.Popen(_cmd(out, url, NUM, False), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any(p.stat().st_size for p in out.glob("*.jsonl")) and proc.poll() is None:  # the run is writing
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    start = time.monotonic()
    code = proc.wait(timeout=60)
    stopped_in = time.monotonic() - start
    assert code == 130 and stopped_in < 15, proc.stderr.read()  # inftool's exit code for Ctrl-C, not a hang
    manifest = json.loads((out / "manifest.json").read_text())
    on_disk = len(_records(out, "episodes")) + len(_records(out, "rejected"))
    assert not manifest["complete"] and 0 < manifest["planned"] == on_disk
    assert manifest["backends_this_session"]["openai:default"]["calls"] > 0
    _interrupt_then_resume(out, url, reference, signal.SIGINT, times=0, seed=2)
