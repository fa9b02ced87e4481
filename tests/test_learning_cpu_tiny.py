"""It must learn, on the CPU: scripts/recipe_cpu_tiny.sh, shortened, against baselines measured in the same run.

The recipe (init-model -> synth train + held-out sets with different seeds -> eval untrained -> SFT -> eval ->
GRPO -> eval) runs as a subprocess on one CPU device (the suite's 8 fake devices would only add overhead on 2 cores),
with fewer episodes and steps than the full recipe so it takes a few minutes. It checks that

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

# Shortened recipe: same config, fewer episodes and steps than the full one (8,000 episodes, 600 SFT steps, 20 GRPO
# steps), about 6.5 minutes on 2 cores. Fewer SFT steps leave greedy calls so often malformed that GRPO's samples
# rarely hold a well-formed call to learn from (measured at 200 steps: no gain with one seed of two).
ENV = {
    "TRAIN_EPISODES": "5000",  # ~3,100 fit max_length 512: 400 steps x 8 rows see each about once
    "HELDOUT_EPISODES": "40",
    "EVAL_MAX_NEW_TOKENS": "80",
    "SFT_STEPS": "400",
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
    if proc.returncode != 0:  # not an AssertionError: the xfail below must not swallow a broken recipe
        pytest.fail(f"recipe failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    print(proc.stdout)
    return {name: json.loads((run / f"eval_{name}.json").read_text()) for name in ("untrained", "sft", "grpo")}


def figures(result):
    return {n: (round(r["accuracy"], 3), round(r["call_accuracy"], 3), round(r["reward_mean"], 3)) for n, r in result.items()}


@pytest.mark.slow
@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "not met yet: the tiny model from scratch has not learned to copy names and values from the prompt within the "
    "recipe's budget. In the full recipe (600 SFT steps) held-out call-turn token accuracy (teacher-forced) reaches "
    "~0.84, but whole call turns stay wrong (greedy call_accuracy 0.0-0.02: tool names right in ~1/4 of call turns, "
    "ids and numbers never copied); see the issue 5 notes"))
def test_sft_raises_held_out_exact_match_well_above_the_untrained_model(held_out):
    untrained, sft = held_out["untrained"], held_out["sft"]
    assert sft["call_accuracy"] >= untrained["call_accuracy"] + 0.2, figures(held_out)
    assert sft["accuracy"] >= untrained["accuracy"] + 0.2, figures(held_out)


@pytest.mark.slow
def test_grpo_raises_the_held_out_mean_gated_reward_above_the_sft_model(held_out):
    # Measured with these settings (reward_mean SFT -> GRPO): seed 0, 10 GRPO steps 0.552 -> 0.589; seed 1, 10 steps
    # 0.536 -> 0.558, 20 steps 0.536 -> 0.619 (GRPO makes greedy call turns well-formed: format gate 0.43 -> 1.0).
    assert held_out["grpo"]["reward_mean"] > held_out["sft"]["reward_mean"], figures(held_out)
