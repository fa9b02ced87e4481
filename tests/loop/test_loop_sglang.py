"""`inftool loop` with ``rollout.engine: sglang`` against the SGLang stand-in started through ``sglang.launch``: the
server is started once, each trained model is handed over (pause -> update -> flush -> continue), GRPO rollouts come
from its ``/generate`` with the sampler-vs-trainer log-prob gap reported; a hand-over that keeps failing stops the run
with a clear error, and ``--resume`` continues from the last finished stage."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMALL = [
    "tiny_model.hidden_size=64", "tiny_model.intermediate_size=128", "tiny_model.num_layers=2", "tiny_model.copy_prior=false",
    "tiny_model.copy_warmup_steps=0", "tiny_model.corpus_episodes=40", "sft.max_steps=3", "grpo.max_steps=2", "train.checkpoint_every=0",
    "sft.heldout_episodes=8", "loop.initial_episodes=60", "loop.episodes_per_iteration=40", "loop.probe_episodes=10",
    "loop.probe_previous=10", "loop.heldout_episodes=10", "loop.iterations=1", "loop.eval_max_new_tokens=16",
    "loop.eval_base=false",
]
SGLANG = [
    "rollout.engine=sglang", f"sglang.launch=[{sys.executable},-m,inftool_jax.serve.sglang_standin,--tool-call-parser,qwen25]",
    "sglang.health_timeout_s=180", "sglang.update_retries=2", "sglang.backoff_s=0", "sglang.stop_grace_s=5",
]


def run_loop(out: Path, *extra: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "inftool_jax", "loop", "--config", str(ROOT / "configs" / "cpu_tiny.yaml"), "--out", str(out),
               "--quiet", *extra, *SMALL, *SGLANG]
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": "", **(env_extra or {})}
    return subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=1500)


def finished(out: Path) -> list[str]:
    return json.loads((out / "state.json").read_text())["finished"]


@pytest.mark.slow
def test_loop_hands_each_model_to_the_launched_server_and_resumes_after_a_failed_hand_over(tmp_path):
    run = tmp_path / "run"
    # every update answers 400: the first hand-over (after iteration 0's SFT) is retried, then stops the run
    failed = run_loop(run, env_extra={"INFTOOL_STANDIN_FAIL_UPDATES": "1000"})
    assert failed.returncode == 2, failed.stderr
    assert "/update_weights_from_disk" in failed.stderr and "HTTP 400" in failed.stderr and "after 2 attempts" in failed.stderr
    done = finished(run)
    assert done[-1] == "iter-000/sft"
    sft_files = {p: p.stat().st_mtime_ns for p in (run / "iter-000" / "sft").rglob("*") if p.is_file()}
    assert not (run / "sglang" / "server.pid").exists()  # the launched server was stopped

    resumed = run_loop(run, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert {p: p.stat().st_mtime_ns for p in (run / "iter-000" / "sft").rglob("*") if p.is_file()} == sft_files
    rows = [json.loads(line) for line in (run / "loop.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [0, 1]
    handovers = [json.loads(line) for line in (run / "sglang" / "handovers.jsonl").read_text().splitlines()]
    versions = [h["weight_version"] for h in handovers]
    # started on the SFT model, GRPO's own weight syncs (step 1) in between, then the GRPO stage's model
    assert versions[0] == "iter-000/sft" and handovers[0]["how"] == "start"
    assert "grpo/step-1" in versions and versions[-1] == "iter-001/grpo"
    assert all(h["how"] in ("start", "update_weights_from_disk") for h in handovers)
    summary = json.loads((run / "iter-001" / "grpo" / "stage_summary.json").read_text())
    assert summary["logprob_gap_mean"] < 1e-3  # the stand-in serves the trainer's own weights
    assert summary["logprob_gap_tokens"] > 0
    assert not (run / "iter-001" / "grpo" / "sglang-weights").exists()
    assert not (run / "sglang" / "server.pid").exists()
    log = (run / "sglang" / "server.log").read_text()
    assert log.count("starting:") == 2  # once per process of the run (the failed one and the resumed one)
