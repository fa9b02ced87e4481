#!/usr/bin/env bash
# Install, then run the main job on the embedded CPU default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
inftool config show --config configs/cpu_tiny.yaml
