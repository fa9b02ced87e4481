"""`inftool loop` with ``rollout.engine: sglang``, the server started by the loop through ``sglang.launch``.

The happy path runs against the real SGLang (``python -m sglang.launch_server`` from the venv of
scripts/setup_sglang.sh, INFTOOL_SGLANG_PYTHON; scripts/test.sh installs it and sets it): one short loop iteration
with the server started once on the SFT model, the trainer's weights handed over during GRPO (step 1) and after it
(pause -> update_weights_from_disk -> flush -> continue), GRPO rollouts from ``/generate``, and the sampler-vs-trainer
log-prob gap reported. Without INFTOOL_SGLANG_PYTHON it skips (see tests/conftest.py ``real_sglang_python``).

The failure path runs against the stand-in (it injects HTTP 400s on the update route): a hand-over that keeps failing
stops the run with exit status 2 and a clear error, and ``--resume`` continues from the last finished stage."""

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
    "sft.heldout_episodes=8", "loop.initial_episodes=40", "loop.episodes_per_iteration=24", "loop.probe_episodes=8",
    "loop.probe_previous=8", "loop.heldout_episodes=8", "loop.eval_max_new_tokens=16", "loop.eval_base=false",
]
COMMON = ["rollout.engine=sglang", "sglang.health_timeout_s=400", "sglang.update_retries=2", "sglang.backoff_s=0",
          "sglang.stop_grace_s=5"]
STANDIN = [f"sglang.launch=[{sys.executable},-m,inftool_jax.serve.sglang_standin,--tool-call-parser,qwen25]"]


def real_launch(python: str) -> list[str]:
    """The real SGLang on this CPU: float32 like the trainer, a small KV pool, no busy idle loop, no warm-up request;
    the CPU engine, log-probs of the raw policy, and /health answering while paused (a hand-over pauses it)."""
    command = [python, "-m", "sglang.launch_server", "--device", "cpu", "--tool-call-parser", "qwen25", "--sleep-on-idle",
               "--dtype", "float32", "--max-total-tokens", "8192", "--skip-server-warmup"]
    env = "{SGLANG_USE_CPU_ENGINE: '1', SGLANG_RETURN_ORIGINAL_LOGPROB: '1', SGLANG_ENABLE_HEALTH_ENDPOINT_GENERATION: '0'}"
    return [f"sglang.launch=[{','.join(command)}]", f"sglang.env={env}"]


def run_loop(out: Path, *extra: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "inftool_jax", "loop", "--config", str(ROOT / "configs" / "cpu_tiny.yaml"), "--out", str(out),
               "--quiet", *SMALL, *COMMON, *extra]
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": "", **(env_extra or {})}
    return subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=1500)


def finished(out: Path) -> list[str]:
    return json.loads((out / "state.json").read_text())["finished"]


def server_log_tail(run: Path) -> str:
    log = run / "sglang" / "server.log"
    return log.read_text(errors="replace")[-3000:] if log.is_file() else "(no server log)"


@pytest.mark.slow
def test_a_hand_over_that_keeps_failing_stops_the_run_and_resume_finishes_it(tmp_path):
    """Iteration 0 only (SFT, then the first hand-over: the start and the update that records its version)."""
    run = tmp_path / "run"
    # every update answers 400: the first hand-over (after iteration 0's SFT) is retried, then stops the run
    failed = run_loop(run, "loop.iterations=0", *STANDIN, env_extra={"INFTOOL_STANDIN_FAIL_UPDATES": "1000"})
    assert failed.returncode == 2, failed.stderr
    assert "/update_weights_from_disk" in failed.stderr and "HTTP 400" in failed.stderr and "after 2 attempts" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert finished(run)[-1] == "iter-000/sft"
    sft_files = {p: p.stat().st_mtime_ns for p in (run / "iter-000" / "sft").rglob("*") if p.is_file()}
    assert not (run / "sglang" / "server.pid").exists()  # the launched server was stopped

    resumed = run_loop(run, "loop.iterations=0", *STANDIN, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert {p: p.stat().st_mtime_ns for p in (run / "iter-000" / "sft").rglob("*") if p.is_file()} == sft_files  # not retrained
    assert [json.loads(line)["iteration"] for line in (run / "loop.jsonl").read_text().splitlines()] == [0]
    handovers = [json.loads(line) for line in (run / "sglang" / "handovers.jsonl").read_text().splitlines()]
    assert [(h["weight_version"], h["how"]) for h in handovers] == [("iter-000/sft", "start")]
    assert not (run / "sglang" / "server.pid").exists()
    log = (run / "sglang" / "server.log").read_text()
    assert log.count("starting:") == 2  # once per process of the run (the failed one and the resumed one)


@pytest.mark.slow
def test_a_loop_iteration_against_the_real_sglang_hands_each_model_over_and_rolls_out_from_it(tmp_path, real_sglang_python):
    run = tmp_path / "run"
    # GRPO: 2 steps of 2 prompts x 4 samples of <= 48 tokens (enough for both hand-over kinds and the gap metric)
    done = run_loop(run, "loop.iterations=1", "grpo.prompts_per_step=2", "grpo.num_generations=4",
                    "grpo.max_completion_length=48", *real_launch(real_sglang_python))
    assert done.returncode == 0, f"{done.stderr[-4000:]}\n--- server log ---\n{server_log_tail(run)}"

    rows = [json.loads(line) for line in (run / "loop.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [0, 1]
    handovers = [json.loads(line) for line in (run / "sglang" / "handovers.jsonl").read_text().splitlines()]
    # started once, on the SFT model (GRPO's step 0 rolls out from it); GRPO's weight sync after step 1; the GRPO
    # stage's model
    assert [(h["weight_version"], h["how"]) for h in handovers] == [
        ("iter-000/sft", "start"), ("grpo/step-1", "update_weights_from_disk"), ("iter-001/grpo", "update_weights_from_disk")]
    assert len({h["url"] for h in handovers}) == 1 and all(h["attempts"] == 1 for h in handovers)

    summary = json.loads((run / "iter-001" / "grpo" / "stage_summary.json").read_text())
    assert summary["steps"] == 2
    assert summary["logprob_gap_tokens"] > 0  # the rollouts came from /generate with the server's log-probs
    assert summary["logprob_gap_mean"] < 1e-3, summary  # the server holds the trainer's weights (float32 on both sides)
    assert not (run / "iter-001" / "grpo" / "sglang-weights").exists()
    assert not (run / "sglang" / "server.pid").exists()  # the launched server was stopped
    log = (run / "sglang" / "server.log").read_text(errors="replace")
    assert log.count("starting:") == 1 and "sglang.launch_server" in log
