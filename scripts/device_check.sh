#!/usr/bin/env bash
# One prepared device check, at most ~10 minutes on one H100/H200 (default budget 540 s, checked between parts):
# the in-JAX sampler's decode tokens/s against SGLang serving the same model (Qwen2.5-0.5B dimensions, random bf16
# weights, one HF folder) on the same GPU, one GRPO step's MFU in bf16, and `inftool plan`'s per-device estimate
# against the measured peak memory, all written to one JSON file (rewritten after every part).
# Usage: scripts/device_check.sh [OUT_JSON] [--smoke] [more options of benchmarks/device_check.py, see its --help]
#   OUT_JSON defaults to runs/device_check.json. --smoke: the same code on the CPU with a tiny model (< 1 min).
#   SGLang runs when `python -c 'import sglang'` works with $INFTOOL_SGLANG_PYTHON (default: this venv's python)
#   and jax sees a GPU; otherwise its part says why it was skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -f .venv/bin/activate ]; then
  . .venv/bin/activate
fi
exec python benchmarks/device_check.py "$@"
