#!/usr/bin/env bash
# The main job (`inftool loop` on configs/cpu_tiny.yaml) on a very small budget: one loop iteration, a 2-layer
# model, a few steps per stage. CI runs it in a venv that holds the runtime dependency set alone, so an import
# the package makes but pyproject.toml does not declare fails CI. Usage: scripts/smoke_main_job.sh [RUN_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-runs/smoke}"
rm -rf "$OUT"
inftool loop --config configs/cpu_tiny.yaml --out "$OUT" --quiet \
  tiny_model.hidden_size=64 tiny_model.intermediate_size=128 tiny_model.num_layers=2 tiny_model.num_heads=2 tiny_model.copy_warmup_steps=5 \
  tiny_model.corpus_episodes=40 sft.max_steps=5 grpo.max_steps=2 train.checkpoint_every=0 sft.heldout_episodes=8 \
  loop.initial_episodes=80 loop.episodes_per_iteration=40 loop.probe_episodes=10 loop.probe_previous=10 \
  loop.heldout_episodes=10 loop.iterations=1 loop.eval_max_new_tokens=24
test -s "$OUT/report.md" && test "$(wc -l < "$OUT/loop.jsonl")" -eq 2
