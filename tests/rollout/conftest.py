"""The rollout tests' shared world: the example tool catalog and freshly synthesized episodes over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from inftool_jax.grading.reward_target import canonical_result
from inftool_jax.rollout.tool_env import assistant_calls
from inftool_jax.synth.config import SynthConfig
from inftool_jax.synth.dataset import read_episodes
from inftool_jax.synth.pipeline import Synthesis
from inftool_jax.tools.catalog import load_catalog

SPECS = Path(__file__).resolve().parents[2] / "configs" / "specs"


@pytest.fixture(scope="module")
def catalog():
    """The tools of ``configs/specs`` by name."""
    return load_catalog([SPECS]).tools


def _synthesize(catalog, out, n, seed, categories=None):
    config = SynthConfig() if categories is None else SynthConfig.model_validate({"categories": categories})
    run = Synthesis(catalog, config, seed, out)
    run.open(False)
    run.run(n)
    return config, list(read_episodes(out))


def _replays(env, episode) -> int:
    """Assert every call message of ``episode`` gets exactly its recorded tool messages; the number checked."""
    messages = episode["messages"]
    answers = {m["tool_call_id"]: m["content"] for m in messages if m["role"] == "tool"}
    checked = 0
    for k, message in enumerate(messages):
        if message["role"] != "assistant" or not message.get("tool_calls"):
            continue
        got = env.execute(env.world(episode, k), assistant_calls(message)).canonical_results()
        want = tuple(canonical_result(answers[tc["id"]]) for tc in message["tool_calls"])
        assert got == want, (episode["id"], k)
        checked += 1
    return checked


@pytest.fixture(scope="session")
def synthesize():
    """``synthesize(catalog, out, n, seed, categories=None) -> (config, episodes)``: run synthesis into ``out``."""
    return _synthesize


@pytest.fixture(scope="session")
def replays():
    """``replays(env, episode) -> int``: assert each call message replays its recorded tool messages; how many did."""
    return _replays
