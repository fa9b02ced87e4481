"""It must learn, on the CPU: the closed loop (`inftool loop` on configs/cpu_tiny.yaml), shortened, against baselines
measured in the same run.

One loop iteration after the cold start, as a subprocess on one CPU device (the suite's 8 fake devices would only add
overhead on 2 cores), with fewer held-out episodes than the demo and shorter greedy answers:
init-model -> held-out set (seed 1000) + 8,000 training episodes (seed 1) -> eval of the untrained model -> SFT ->
eval -> probe -> plan -> 600 targeted episodes -> GRPO -> eval. It checks that

- SFT (iteration 0) raises held-out exact match on call turns (``call_accuracy``) and overall well above the
  untrained model, and
- the GRPO round (iteration 1) raises the held-out mean gated reward above iteration 0's (same held-out set, greedy).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The demo's loop with one GRPO round instead of two, 60 held-out episodes instead of 100, 80-token answers, a smaller
# probe and no unseen-domain set. It is the suite's critical path: 25-32 of its 27-35 minutes on 2 cores, because its
# SFT runs 3-4x slower beside the other worker than alone (thread oversubscription; pinning it to one core is untried).
# Fewer SFT steps are not enough: at 400 steps (5,000 episodes) SFT got 2 of 37 held-out call turns exact and GRPO's
# gain was within the noise of 40 episodes (measured with the stage-by-stage recipe: -0.023 and, on 100 other
# episodes, -0.006 / +0.016).
OVERRIDES = [
    "loop.iterations=1", "loop.heldout_episodes=60", "loop.eval_max_new_tokens=80", "loop.initial_episodes=8000",
    "loop.probe_episodes=20", "loop.probe_previous=20", "sft.max_steps=600", "grpo.max_steps=20",
    "loop.unseen_domains=[]",  # the unseen-domain figure has its own test (tests/loop/test_unseen_domains.py)
]
# Not shorter, although issue 15 asks for under 10 minutes: with sft.max_steps=300 (and no unseen domains) SFT reached
# held-out call exact 0.018 (overall 0.479), and that run still took 17 min 47 s beside another loop on 2 cores.
RUN: dict = {}


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    """loop.jsonl of the shortened loop, run once for this module's tests."""
    run = tmp_path_factory.mktemp("loop") / "run"
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env["JAX_COMPILATION_CACHE_DIR"] = str(run) + ".jax_cache"
    proc = subprocess.run([sys.executable, "-m", "inftool_jax", "loop", "--config", str(ROOT / "configs" / "cpu_tiny.yaml"),
                           "--out", str(run), "--quiet", *OVERRIDES], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"loop failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    print(proc.stdout, proc.stderr[-3000:])
    RUN["dir"] = run
    return [json.loads(line) for line in (run / "loop.jsonl").read_text().splitlines()]


def figures(rows):
    out = {"untrained": rows[0]["base_eval"]}
    out.update({f"iteration {r['iteration']}": r["eval"] for r in rows})
    return {n: (round(r["accuracy"], 3), round(r["call_accuracy"], 3), round(r["reward_mean"], 3)) for n, r in out.items()}


@pytest.mark.slow
def test_sft_raises_held_out_exact_match_well_above_the_untrained_model(rows):
    # The untrained model is the copy-prior one (configs/cpu_tiny.yaml): it copies fragments of its context, tool-call
    # markup included, so it fails no-call turns too (accuracy ~0.07). Measured with the stage-by-stage recipe and
    # these budgets: call_accuracy 0.0 -> 0.200, accuracy 0.060 -> 0.564.
    untrained, sft = rows[0]["base_eval"], rows[0]["eval"]
    assert sft["call_accuracy"] >= untrained["call_accuracy"] + 0.05, figures(rows)
    assert sft["accuracy"] >= untrained["accuracy"] + 0.2, figures(rows)


@pytest.mark.slow
def test_the_grpo_round_trains_whole_completions(rows):
    # Until the shared-prompt layout stopped cutting completions to max_length minus the bucketed prompt width,
    # most GRPO steps of this config trained one token per completion (grad norm ~1e-7).
    logged = [json.loads(line) for line in (RUN["dir"] / "iter-001" / "grpo" / "metrics.jsonl").read_text().splitlines()]
    tokens = sum(r["trained_tokens"] for r in logged)
    sequences = sum(r["trained_sequences"] for r in logged)
    assert sequences > 0 and tokens / sequences > 10, (tokens, sequences)


@pytest.mark.slow
def test_the_grpo_round_keeps_the_sft_models_held_out_reward(rows):
    # GRPO raises the held-out reward by small steps, through format, decision and selection, not exact calls
    # (issue 15): measured on the demo (100 episodes, 30 steps a round) 0.645 -> 0.657 -> 0.658, call exact
    # 0.115 -> 0.135 -> 0.115. What it must not do is collapse, as GRPO did before the per-stage schedules and the
    # cpu_tiny reward settings (lr 3e-4 or SFT's 4e-3: held-out reward 0.21, never calling). A collapse fails this;
    # the noise of 60 episodes does not.
    assert rows[1]["eval"]["reward_mean"] >= rows[0]["eval"]["reward_mean"] - 0.03, figures(rows)
    assert rows[1]["eval"]["per_gate"]["decision"] >= rows[0]["eval"]["per_gate"]["decision"] - 0.05, figures(rows)
    assert rows[1]["leaks"] == 0 and rows[1]["plan"]["targeting"] == "gaps"
