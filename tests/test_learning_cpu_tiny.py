"""It must learn, on the CPU: scripts/recipe_cpu_tiny.sh, shortened, against baselines measured in the same run.

The recipe (init-model -> synth train + held-out sets with different seeds -> eval untrained -> SFT -> eval ->
GRPO -> eval) runs as a subprocess on one CPU device (the suite's 8 fake devices would only add overhead on 2 cores),
with fewer held-out episodes than the full recipe and shorter greedy answers. It checks that

- SFT raises held-out exact match on call turns (``call_accuracy``) and overall well above the untrained model, and
- GRPO then raises the held-out mean gated reward above the SFT model's (same held-out set, greedy decoding).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The recipe with fewer held-out episodes than the full one (100) and shorter greedy answers, about 9.5 minutes on
# 2 cores. Fewer SFT steps are not enough: at 400 steps (5,000 episodes) SFT got 2 of 37 held-out call turns exact
# and GRPO's gain was within the noise of 40 episodes (measured -0.023 and, on 100 other episodes, -0.006 / +0.016).
ENV = {
    "TRAIN_EPISODES": "8000",  # ~5,000 fit max_length 512: 600 steps x 8 rows see each about once
    "HELDOUT_EPISODES": "60",
    "EVAL_MAX_NEW_TOKENS": "80",
    "SFT_STEPS": "600",
    "GRPO_STEPS": "20",
}


@pytest.fixture(scope="module")
def held_out(tmp_path_factory):
    """The shortened recipe's three held-out results (untrained, SFT, GRPO), run once for this module's tests."""
    run = tmp_path_factory.mktemp("recipe") / "run"
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env.update(ENV)
    env["INFTOOL"] = f"{sys.executable} -m inftool_jax"
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "recipe_cpu_tiny.sh"), str(run)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"recipe failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    print(proc.stdout)
    return {name: json.loads((run / f"eval_{name}.json").read_text()) for name in ("untrained", "sft", "grpo")}


def figures(result):
    return {n: (round(r["accuracy"], 3), round(r["call_accuracy"], 3), round(r["reward_mean"], 3)) for n, r in result.items()}


@pytest.mark.slow
def test_sft_raises_held_out_exact_match_well_above_the_untrained_model(held_out):
    # The untrained model is the copy-prior one the recipe starts from (configs/cpu_tiny.yaml): it copies fragments
    # of its context, tool-call markup included, so it fails no-call turns too (accuracy ~0.07; a model without the
    # prior babbles prose and scores ~0.53 on no-call turns alone). Measured with these settings: call_accuracy
    # 0.0 -> 0.200, accuracy 0.060 -> 0.564; in the full recipe (100 episodes, 96 new tokens) 0.0 -> 0.156, 0.069 -> 0.544.
    untrained, sft = held_out["untrained"], held_out["sft"]
    assert sft["call_accuracy"] >= untrained["call_accuracy"] + 0.05, figures(held_out)
    assert sft["accuracy"] >= untrained["accuracy"] + 0.2, figures(held_out)


@pytest.mark.slow
def test_grpo_raises_the_held_out_mean_gated_reward_above_the_sft_model(held_out):
    # Measured (reward_mean SFT -> GRPO): with these settings 0.616 -> 0.643; GRPO alone from the full recipe's SFT
    # model 0.602 -> 0.641 and 0.627 (two seeds). It mostly makes more greedy call turns well-formed (call-turn format
    # gate 0.50 -> 0.72 and 0.66).
    assert held_out["grpo"]["reward_mean"] > held_out["sft"]["reward_mean"], figures(held_out)
