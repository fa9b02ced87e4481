#!/usr/bin/env bash
# The whole CPU learning recipe with configs/cpu_tiny.yaml, about 10 minutes on 2 cores:
#   init-model -> synth train set -> synth held-out set (another seed, so no held-out episode is trained on)
#   -> eval untrained -> SFT -> eval -> GRPO -> eval, then the three held-out figures side by side.
# Usage: scripts/recipe_cpu_tiny.sh [RUN_DIR] [key.sub=value overrides for every stage ...]
# Environment: TRAIN_EPISODES (default 8000), HELDOUT_EPISODES (default 100), EVAL_MAX_NEW_TOKENS (default 96),
#              SFT_STEPS (default: the config's sft.max_steps), GRPO_STEPS (default: the config's grpo.max_steps),
#              GRPO_LR (default: the config's grpo.learning_rate), CONFIG (default configs/cpu_tiny.yaml),
#              INFTOOL (default inftool).
# Each stage's learning rate, warmup and steps come from its own config section (sft:, grpo:).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="${1:-runs/cpu_tiny}"
shift || true
CONFIG="${CONFIG:-$ROOT/configs/cpu_tiny.yaml}"
TRAIN_EPISODES="${TRAIN_EPISODES:-8000}"  # ~5,000 fit max_length: 600 steps x 8 rows see each SFT example about once
HELDOUT_EPISODES="${HELDOUT_EPISODES:-100}"
EVAL_MAX_NEW_TOKENS="${EVAL_MAX_NEW_TOKENS:-96}"
SFT_STEPS="${SFT_STEPS:-}"
GRPO_STEPS="${GRPO_STEPS:-}"
GRPO_LR="${GRPO_LR:-}"
INFTOOL="${INFTOOL:-inftool}"
mkdir -p "$RUN"
# The three evaluations (and the stages) share architecture and shapes: compile each program once per run.
export JAX_COMPILATION_CACHE_DIR="${JAX_COMPILATION_CACHE_DIR:-$RUN/jax_cache}"
start=$(date +%s)
stamp() { echo "[$(( $(date +%s) - start ))s] $*" >&2; }

stamp "init-model"
$INFTOOL init-model --config "$CONFIG" --out "$RUN/model" --force --quiet "$@" >/dev/null
stamp "synth train set ($TRAIN_EPISODES episodes, seed 1)"
rm -rf "$RUN/train_data" "$RUN/heldout_data"
$INFTOOL synth --config "$CONFIG" --out "$RUN/train_data" --num "$TRAIN_EPISODES" --seed 1 --quiet "$@" >/dev/null
stamp "synth held-out set ($HELDOUT_EPISODES episodes, seed 1000)"
$INFTOOL synth --config "$CONFIG" --out "$RUN/heldout_data" --num "$HELDOUT_EPISODES" --seed 1000 --quiet "$@" >/dev/null

evaluate() {  # evaluate MODEL NAME [overrides...]
  local model="$1" name="$2"
  shift 2
  stamp "eval $name"
  $INFTOOL eval synthetic --config "$CONFIG" --model "$model" --data "$RUN/heldout_data" --out "$RUN/eval_$name.json" \
      --max-new-tokens "$EVAL_MAX_NEW_TOKENS" "$@" >/dev/null
}
evaluate "$RUN/model" untrained "$@"
stamp "sft"
$INFTOOL train --config "$CONFIG" --stage sft --model "$RUN/model" --data "$RUN/train_data" --out "$RUN/sft" --force --quiet \
    ${SFT_STEPS:+sft.max_steps=$SFT_STEPS} "$@"
evaluate "$RUN/sft" sft "$@"
stamp "grpo"
rm -rf "$RUN/grpo"
$INFTOOL train --config "$CONFIG" --stage grpo --model "$RUN/sft" --data "$RUN/train_data" --out "$RUN/grpo" --quiet \
    ${GRPO_STEPS:+grpo.max_steps=$GRPO_STEPS} ${GRPO_LR:+grpo.learning_rate=$GRPO_LR} "$@"
evaluate "$RUN/grpo" grpo "$@"
stamp "done"

python - "$RUN" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
run, seconds = sys.argv[1], int(sys.argv[2])
print(f"held-out figures ({run}/heldout_data), recipe wall time {seconds} s")
print(f"{'model':<10}{'accuracy':>10}{'call_acc':>10}{'reward':>10}")
for name in ("untrained", "sft", "grpo"):
    r = json.load(open(f"{run}/eval_{name}.json"))
    print(f"{name:<10}{r['accuracy']:>10.3f}{r['call_accuracy']:>10.3f}{r['reward_mean']:>10.3f}")
PY
