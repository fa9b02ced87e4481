#!/usr/bin/env bash
# Install, then run the main job on the embedded CPU default (configs/cpu_tiny.yaml), about a minute:
#   the spec catalog -> the tiny default model -> 3,000 verified synthesized episodes -> the BFCL checker on
#   demo predictions. The full learning recipe (SFT + GRPO + evaluations, ~10+ minutes) is
#   scripts/recipe_cpu_tiny.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
OUT="${OUT:-runs/demo}"
mkdir -p "$OUT"
inftool specs inspect configs/specs
inftool init-model --config configs/cpu_tiny.yaml --out "$OUT/tiny-model" --force
inftool synth --config configs/cpu_tiny.yaml --out "$OUT/synth" --num 3000 --seed 0 --resume
inftool eval bfcl-demo --out "$OUT/bfcl_results" --limit 60
inftool eval bfcl --results "$OUT/bfcl_results" --out "$OUT/bfcl_verdicts.jsonl"
echo "demo outputs in $OUT (model, synthesized episodes with manifest.json, BFCL verdicts)"
