#!/usr/bin/env bash
# Install, then run the main job on the embedded CPU default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
OUT="${OUT:-runs/demo}"
mkdir -p "$OUT"
inftool specs inspect configs/specs
inftool eval bfcl-demo --out "$OUT/bfcl_results" --limit 60
inftool eval bfcl --results "$OUT/bfcl_results" --out "$OUT/bfcl_verdicts.jsonl"
