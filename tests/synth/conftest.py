"""Shared fixtures for the synthesis tests: the sample catalog and a ready pipeline."""

from pathlib import Path

import pytest

SPECS = Path(__file__).resolve().parents[2] / "configs" / "specs"


@pytest.fixture(scope="session")
def catalog_tools():
    from inftool_jax.tools.catalog import load_catalog

    return load_catalog([SPECS]).tools


@pytest.fixture(scope="session")
def synth_parts(catalog_tools):
    """(planner, runner, config) over the sample catalog with the default programmatic backends."""
    from inftool_jax.synth import backends
    from inftool_jax.synth.config import SynthConfig
    from inftool_jax.synth.planner import Planner
    from inftool_jax.synth.roleplay import EpisodeRunner

    config = SynthConfig()
    tools = {t.name: t for t in catalog_tools}
    ctx = backends.BackendContext(tools, config, 7)
    runner = EpisodeRunner(
        tools,
        config,
        backends.create("user", "programmatic", ctx),
        backends.create("assistant", "reverse", ctx),
        backends.create("tools", "programmatic", ctx),
    )
    return Planner(catalog_tools, config, 7), runner, config
