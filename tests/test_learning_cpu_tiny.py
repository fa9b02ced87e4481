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

# Shortened recipe: same config, fewer episodes and steps (the full recipe uses the config's steps and 2000 episodes).
# Sized to keep CI within its budget while the recipe does not learn yet (about 5 minutes on 2 cores next to
# the rest of the suite); raise these towards the full recipe when removing the xfail marker.
ENV = {
    "TRAIN_EPISODES": "2000",  # fresh examples: 120 steps x 16 rows
    "HELDOUT_EPISODES": "40",
    "EVAL_MAX_NEW_TOKENS": "80",
    "SFT_STEPS": "120",
    "GRPO_STEPS": "8",
}


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "not met yet: the tiny model from scratch has not learned to copy names and values from the prompt within the "
    "recipe's budget. Held-out call-turn token accuracy (teacher-forced) rises 0.73 -> 0.82 -> 0.85 at 200/400/600 SFT "
    "steps (fresh data, sft.prompt_loss_weight=1) but whole call turns stay wrong (exact 0.0), so greedy call_accuracy "
    "is 0.0; see the issue 5 notes"))
def test_sft_beats_the_untrained_model_and_grpo_beats_sft_on_held_out_episodes(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env.update(ENV)
    env["INFTOOL"] = f"{sys.executable} -m inftool_jax"
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "recipe_cpu_tiny.sh"), str(tmp_path / "run")],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = {name: json.loads((tmp_path / "run" / f"eval_{name}.json").read_text()) for name in ("untrained", "sft", "grpo")}
    figures = {n: (round(r["accuracy"], 3), round(r["call_accuracy"], 3), round(r["reward_mean"], 3)) for n, r in result.items()}
    print(proc.stdout, figures)
    untrained, sft, grpo = result["untrained"], result["sft"], result["grpo"]
    assert sft["call_accuracy"] >= untrained["call_accuracy"] + 0.2, figures
    assert sft["accuracy"] >= untrained["accuracy"] + 0.2, figures
    assert grpo["reward_mean"] > sft["reward_mean"], figures
