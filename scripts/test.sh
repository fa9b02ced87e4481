#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite (slow end-to-end tests included),
# one test file per worker process on the machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
. .venv/bin/activate
WORKERS="${PYTEST_WORKERS:-$(python -c 'import os; print(min(os.cpu_count() or 1, 4))')}"
exec python -m pytest -q -p no:cacheprovider -n "$WORKERS" --dist loadfile -m "slow or not slow" "$@"
