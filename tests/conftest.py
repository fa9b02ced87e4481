"""Test-wide settings: CPU only, a fake 8-device mesh, fast hypothesis profiles."""

import os
import time
from pathlib import Path

# Must be set before jax is first imported anywhere in the test process.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
if "--xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ci")


def pytest_collection_modifyitems(config, items):
    """Slow tests first (stable): with pytest-xdist's file-per-worker scheduling the long end-to-end files
    start at once instead of trailing alone at the end of the run."""
    items.sort(key=lambda item: (_LONGEST_FILES.get(item.nodeid.split("::")[0], 9), 0 if item.get_closest_marker("slow") else 1))


# The files measured as longest (minutes each on 2 cores): started first of all. The real-SGLang files come right after
# them: by the time a worker is free for them (minutes in), scripts/test.sh's background install of .venv-sglang
# (~3 min) is done, so they do not hold a worker waiting for it, and they are not the run's tail either.
_LONGEST_FILES = {"tests/test_learning_cpu_tiny.py": 0, "tests/loop/test_loop_resume.py": 1, "tests/sft/test_trainer.py": 2,
                  "tests/rl/test_grpo_run.py": 3, "tests/commands/test_train.py": 4, "tests/loop/test_loop_sglang.py": 5,
                  "tests/serve/test_sglang_client.py": 6}

_REAL_SGLANG_HOW = ("run `bash scripts/setup_sglang.sh`, then set INFTOOL_SGLANG_PYTHON=.venv-sglang/bin/python "
                    "(scripts/test.sh does both)")


@pytest.fixture(scope="session")
def real_sglang_python() -> str:
    """The python of a venv holding the real SGLang server (env INFTOOL_SGLANG_PYTHON), for the tests that start one.

    Unset: those tests skip. INFTOOL_SGLANG_SETUP_RC names the file where scripts/test.sh's background run of
    scripts/setup_sglang.sh writes its exit status: wait for it (at most INFTOOL_SGLANG_SETUP_TIMEOUT_S, 900 s).
    A failed or unfinished install skips too, or fails with the install log's tail (INFTOOL_SGLANG_SETUP_LOG) when
    INFTOOL_SGLANG_REQUIRED=1 (scripts/test.sh: CI must not pass without the real server)."""
    python = os.environ.get("INFTOOL_SGLANG_PYTHON", "")
    required = os.environ.get("INFTOOL_SGLANG_REQUIRED") == "1"

    def give_up(reason: str):
        if required:
            pytest.fail(f"INFTOOL_SGLANG_REQUIRED=1: {reason}", pytrace=False)
        pytest.skip(reason)

    if not python:
        give_up(f"needs the real SGLang server: {_REAL_SGLANG_HOW}")
    log = os.environ.get("INFTOOL_SGLANG_SETUP_LOG", "")

    def tail() -> str:
        try:
            return f"the end of {log}:\n" + (Path(log).read_text(errors="replace")[-3000:] or "(empty)")
        except OSError:
            return f"(no install log {log!r})"

    rc_file = os.environ.get("INFTOOL_SGLANG_SETUP_RC", "")
    if rc_file:
        timeout = float(os.environ.get("INFTOOL_SGLANG_SETUP_TIMEOUT_S", "900"))
        began = time.monotonic()
        while not os.path.exists(rc_file):
            if time.monotonic() - began > timeout:
                give_up(f"the SGLang install (scripts/setup_sglang.sh) has not finished after {timeout:.0f} s; {tail()}")
            time.sleep(2)
        rc = Path(rc_file).read_text().strip()
        if rc != "0":
            give_up(f"the SGLang install (scripts/setup_sglang.sh) failed (exit status {rc}); {tail()}")
    if not os.access(python, os.X_OK):
        give_up(f"INFTOOL_SGLANG_PYTHON={python} is not an executable: {_REAL_SGLANG_HOW}")
    return python
