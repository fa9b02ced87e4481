"""The per-role backend registries: every listed name resolves, an unknown one is an error naming the key."""

from __future__ import annotations

import pytest

from inftool_jax.errors import InputError
from inftool_jax.synth import backends
from inftool_jax.synth.config import SynthConfig

EXPECTED = {
    "user": ["openai", "policy", "programmatic"],
    "assistant": ["openai", "policy", "reverse"],
    "tools": ["openai", "programmatic"],
    "judge": ["none", "openai"],
}


@pytest.mark.parametrize("role", backends.ROLES)
def test_every_listed_backend_resolves_to_a_factory(role):
    registry = backends.REGISTRIES[role]
    assert set(EXPECTED[role]) <= set(registry.names())
    for name in EXPECTED[role]:
        assert callable(registry.get(name))  # a lazy "module:attribute" path that has moved fails here


def test_the_defaults_of_the_config_are_registered():
    defaults = SynthConfig().backends.model_dump()
    for role in backends.ROLES:
        assert defaults[role] in backends.REGISTRIES[role]


def test_an_unknown_backend_is_an_input_error_naming_the_role_key_and_the_known_names():
    ctx = backends.BackendContext({}, SynthConfig(), 0, source="run.yaml")
    with pytest.raises(InputError, match=r"run\.yaml: synth\.backends\.tools: unknown tools backend 'sqlite' \(known: openai, programmatic"):
        backends.create("tools", "sqlite", ctx)
