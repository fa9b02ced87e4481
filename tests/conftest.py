"""Test-wide settings: CPU only, a fake 8-device mesh, fast hypothesis profiles."""

import os

# Must be set before jax is first imported anywhere in the test process.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
if "--xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

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


# The files measured as longest (minutes each on 2 cores): started first of all.
_LONGEST_FILES = {"tests/test_learning_cpu_tiny.py": 0, "tests/loop/test_loop_resume.py": 1, "tests/sft/test_trainer.py": 2,
                  "tests/rl/test_grpo_run.py": 3, "tests/commands/test_train.py": 4}
