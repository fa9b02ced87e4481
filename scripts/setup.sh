#!/usr/bin/env bash
# Create .venv (if needed) and install inftool_jax into it.
#   scripts/setup.sh          runtime dependencies
#   scripts/setup.sh test     plus the test/benchmark extras (torch CPU, bfcl-eval's checker)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
if [ "${1:-}" = "test" ]; then
  python -m pip install -q -e ".[test]"
  # bfcl-eval's declared deps clash with ours; its checker needs only what the test extra installs.
  python -m pip install -q --no-deps "bfcl-eval==${BFCL_EVAL_VERSION:-2026.3.23}"
else
  python -m pip install -q -e .
fi
