#!/usr/bin/env bash
# Install, then run the main job on the embedded CPU default (configs/cpu_tiny.yaml): the closed loop.
#   init-model -> held-out set + 8,000 training episodes -> SFT -> evaluation, then 2 rounds of
#   probe -> gap analysis -> plan -> targeted synthesis -> GRPO -> evaluation. Prints the held-out figures
#   per iteration; RUN_DIR (default runs/demo) holds every stage, loop.jsonl and report.md with plots.
#   Run it again to continue an interrupted run (--resume); extra arguments are key.sub=value overrides.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
OUT="${OUT:-runs/demo}"
export JAX_COMPILATION_CACHE_DIR="${JAX_COMPILATION_CACHE_DIR:-$OUT.jax_cache}"  # the evaluations share shapes: compile once
inftool specs inspect configs/specs
inftool loop --config configs/cpu_tiny.yaml --out "$OUT" --resume "$@"
echo "loop outputs in $OUT (report: $OUT/report.md)"
