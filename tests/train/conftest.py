"""Small models for the training-machinery tests; helpers live in train_fixtures.py."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from train_fixtures import TINY_HF_CONFIG  # noqa: E402


@pytest.fixture
def tiny_model():
    from inftool_jax.model import create_model

    return create_model(TINY_HF_CONFIG, seed=0)
