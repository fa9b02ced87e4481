#!/usr/bin/env bash
# Create .venv (if needed) and install inftool_jax into it.
#   scripts/setup.sh          runtime dependencies (+ bfcl-eval's data files and checker)
#   scripts/setup.sh test     plus the test/benchmark extras (torch CPU as the logits reference, ...)
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
else
  python -m pip install -q -e .
fi
# bfcl-eval ships BFCL's data files and official checker; its declared deps (numpy==1.26.4, many API
# clients) clash with ours, and what its AST checker needs is in our test extra.
python -m pip install -q --no-deps "bfcl-eval==${BFCL_EVAL_VERSION:-2026.3.23}"
