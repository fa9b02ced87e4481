"""Fixtures for the tool-world tests: the sample catalog the simulator runs over."""

from pathlib import Path

import pytest

SPECS = Path(__file__).resolve().parents[2] / "configs" / "specs"


@pytest.fixture(scope="session")
def catalog_tools():
    from inftool_jax.tools.catalog import load_catalog

    return load_catalog([SPECS]).tools
