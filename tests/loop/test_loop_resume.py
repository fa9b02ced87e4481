"""`inftool loop` end to end on a very small budget: kill -9 at a stage boundary and mid-stage, then --resume,
ends with the same loop.jsonl as an uninterrupted run, never rewrites a finished stage and leaks nothing."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMALL = [
    "tiny_model.hidden_size=64", "tiny_model.intermediate_size=128", "tiny_model.num_layers=2", "tiny_model.copy_prior=false",
    "tiny_model.copy_warmup_steps=0", "tiny_model.corpus_episodes=40", "sft.max_steps=3", "grpo.max_steps=3", "train.checkpoint_every=0",
    "sft.heldout_episodes=8", "loop.initial_episodes=60", "loop.episodes_per_iteration=40", "loop.probe_episodes=10",
    "loop.probe_previous=10", "loop.heldout_episodes=10", "loop.iterations=1", "loop.eval_max_new_tokens=16",
    "loop.bfcl_categories=[simple_python,multi_turn_base]", "loop.bfcl_limit=2", "loop.bfcl_max_new_tokens=16",
]


def command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "inftool_jax", "loop", "--config", str(ROOT / "configs" / "cpu_tiny.yaml"), "--out", str(out),
            "--quiet", *extra, *SMALL]


def start(out: Path, *extra: str) -> subprocess.Popen:
    # One persistent compilation cache for the reference run and every restart (as scripts/demo.sh keeps one): each
    # restart would otherwise compile the same programs again, most of this test's time. A cache entry cut by the
    # kill is read as a miss (JAX warns and compiles).
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": "", "JAX_COMPILATION_CACHE_DIR": str(out.parent / "jax_cache"),
           "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}
    return subprocess.Popen(command(out, *extra), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finished(out: Path) -> list[str]:
    try:
        return json.loads((out / "state.json").read_text())["finished"]
    except (OSError, ValueError):
        return []


def files_of(out: Path, stages: list[str]) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for s in stages for p in (out / s).rglob("*") if p.is_file()}


@pytest.mark.slow
def test_kill_at_stage_boundaries_and_mid_stage_then_resume_equals_an_uninterrupted_run(tmp_path):
    reference = tmp_path / "reference"
    proc = start(reference)
    assert proc.wait(timeout=900) == 0, proc.stderr.read()

    run = tmp_path / "run"
    rng = random.Random(7)
    kills = 0
    # 1: right after the third stage finishes (a stage boundary)
    proc = start(run)
    while len(finished(run)) < 3 and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kills += 1
    done_before = finished(run)
    stamps = files_of(run, done_before)
    # 2 and 3: at random moments (mid-stage as often as not)
    for _ in range(2):
        proc = start(run, "--resume")
        time.sleep(rng.uniform(8, 30))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    proc = start(run, "--resume")
    assert proc.wait(timeout=900) == 0, proc.stderr.read()

    assert kills >= 2
    assert (run / "loop.jsonl").read_text() == (reference / "loop.jsonl").read_text()
    assert {k: v for k, v in files_of(run, done_before).items() if k in stamps} == stamps  # finished stages untouched
    assert not list(run.rglob("*.partial"))
    rows = [json.loads(line) for line in (run / "loop.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [0, 1] and all(r["leaks"] == 0 for r in rows)
    assert all(set(r["bfcl"]["categories"]) == {"simple_python", "multi_turn_base"} for r in rows)
    assert "base_eval" in rows[0] and "BFCL" in (run / "report.md").read_text()
    for name in ("report.md", "heldout.png", "per_category.png", "data_mix.png", "gates.png"):
        assert (run / name).is_file(), name
    plan = json.loads((run / "iter-001" / "plan" / "plan.json").read_text())
    assert plan["from_failures"] + plan["uncertain_kept"] + plan["fresh"] == 40


@pytest.mark.slow
def test_a_resume_with_other_settings_is_refused_naming_the_key(tmp_path):
    from inftool_jax.config import load_config

    out = tmp_path / "run"
    out.mkdir()
    # the run was started with the same command but loop.iterations=5
    started = load_config(ROOT / "configs" / "cpu_tiny.yaml", [*SMALL, "loop.iterations=5"]).model_dump(mode="json")
    (out / "config.json").write_text(json.dumps(started))
    proc = subprocess.run(command(out, "--resume"), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "loop.iterations" in proc.stderr and "Traceback" not in proc.stderr
