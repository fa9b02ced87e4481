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
    items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1)
