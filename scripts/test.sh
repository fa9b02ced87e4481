#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite (slow end-to-end tests included),
# one test file per worker process on the machine's cores; the exit status is pytest's.
#
# The real SGLang server's venv (.venv-sglang, scripts/setup_sglang.sh: ~3 min and 6.9 GB the first time, nothing
# once installed) is installed in the background while the suite runs, its output in runs/setup_sglang.log; the tests
# that need the real server (tests/loop/test_loop_sglang.py, tests/serve/test_sglang_client.py) wait for it and fail
# with the log's tail if it failed. INFTOOL_TEST_SGLANG=0 skips the install and those tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
. .venv/bin/activate

SETUP_PID=""
if [ "${INFTOOL_TEST_SGLANG:-1}" != "0" ]; then
  mkdir -p runs
  export INFTOOL_SGLANG_PYTHON="$PWD/.venv-sglang/bin/python" INFTOOL_SGLANG_REQUIRED=1 \
    INFTOOL_SGLANG_SETUP_LOG="$PWD/runs/setup_sglang.log" INFTOOL_SGLANG_SETUP_RC="$PWD/runs/setup_sglang.rc"
  rm -f "$INFTOOL_SGLANG_SETUP_RC"
  # A session of its own (setsid: its pid is its process group), so the trap below reaches pip and its children;
  # the exit status lands in the .rc file (written whole: the waiting tests never read half of it).
  setsid nice bash -c 'bash scripts/setup_sglang.sh > "$INFTOOL_SGLANG_SETUP_LOG" 2>&1; echo $? > "$INFTOOL_SGLANG_SETUP_RC.tmp"
                       mv "$INFTOOL_SGLANG_SETUP_RC.tmp" "$INFTOOL_SGLANG_SETUP_RC"' < /dev/null &
  SETUP_PID=$!
fi

stop_setup() {  # an install still running when pytest ends (a narrow selection, an interrupt) is stopped, not awaited
  if [ -n "$SETUP_PID" ] && kill -0 "$SETUP_PID" 2>/dev/null; then
    echo "test.sh: stopping the unfinished SGLang install (rerun scripts/setup_sglang.sh to finish it)" >&2
    kill -TERM -- "-$SETUP_PID" 2>/dev/null || true
    sleep 1
    kill -KILL -- "-$SETUP_PID" 2>/dev/null || true
  fi
  if [ -n "$SETUP_PID" ]; then
    wait "$SETUP_PID" 2>/dev/null || true
  fi
  SETUP_PID=""
}
trap stop_setup EXIT
trap 'stop_setup; exit 130' INT
trap 'stop_setup; exit 143' TERM

WORKERS="${PYTEST_WORKERS:-$(python -c 'import os; print(min(os.cpu_count() or 1, 4))')}"
# --no-loadscope-reorder (pytest-xdist >= 3.8): xdist otherwise hands out the files with the most tests first, which
# undoes the longest-files-first order of tests/conftest.py and leaves the long one-test end-to-end files at the end.
KEEP_ORDER="$(python -c 'import inspect, xdist.plugin as p; print("--no-loadscope-reorder" if "no-loadscope-reorder" in inspect.getsource(p) else "")')"
status=0
python -m pytest -q -p no:cacheprovider -n "$WORKERS" --dist loadfile $KEEP_ORDER -m "slow or not slow" "$@" || status=$?
stop_setup
exit "$status"
