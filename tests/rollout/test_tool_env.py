"""The re-created tool world answers ground-truth calls exactly as synthesis recorded them."""

from __future__ import annotations

import json

import pytest

from inftool_jax.calls.call import Call
from inftool_jax.errors import InputError
from inftool_jax.rollout.tool_env import ToolEnvironment, assistant_calls, tool_messages
from inftool_jax.synth.config import CATEGORIES

@pytest.fixture(scope="module")
def episodes(catalog, synthesize, tmp_path_factory):
    return synthesize(catalog, tmp_path_factory.mktemp("synth"), 120, 3)[1]


def test_replaying_each_ground_truth_call_reproduces_the_recorded_tool_messages(catalog, episodes, replays):
    env = ToolEnvironment(catalog)
    assert {e["meta"]["category"] for e in episodes} == set(CATEGORIES)
    assert sum(replays(env, episode) for episode in episodes) > 100


def test_worlds_are_independent_and_ids_minted_earlier_are_found(catalog, episodes):
    env = ToolEnvironment(catalog)
    chained = [e for e in episodes if e["meta"]["category"] == "multi_step"]
    assert chained
    episode = chained[0]
    later = [k for k, m in enumerate(episode["messages"]) if m["role"] == "assistant" and m.get("tool_calls")][1]
    world = env.world(episode, later)
    first = env.execute(world, assistant_calls(episode["messages"][later]))
    assert all(r.ok for r in first.results)
    # a fresh world at the start knows nothing the first call created
    fresh = env.world(episode, 0)
    again = env.execute(fresh, assistant_calls(episode["messages"][later]))
    assert not all(r.ok for r in again.results)


def test_invalid_arguments_give_a_structured_tool_error_not_an_exception(catalog, episodes):
    env = ToolEnvironment(catalog)
    episode = episodes[0]
    name = episode["tools"][0]["function"]["name"]
    out = env.execute(env.world(episode), [Call(name, {"no_such_parameter": 1}), Call("no_such_tool", {})])
    assert [r.ok for r in out.results] == [False, False]
    msgs = tool_messages(out, 7)
    assert [m["tool_call_id"] for m in msgs] == ["call_7_0", "call_7_1"]
    assert "error" in json.loads(msgs[0]["content"])


def test_an_episode_offering_a_tool_outside_the_catalog_is_an_input_error(catalog, episodes):
    env = ToolEnvironment(catalog)
    episode = dict(episodes[0])
    episode["tools"] = episode["tools"] + [{"type": "function", "function": {"name": "launch_rocket", "parameters": {}}}]
    with pytest.raises(InputError) as err:
        env.check_episode(episode, "held.jsonl")
    assert f"/tools/{len(episode['tools']) - 1}" in str(err.value) and "launch_rocket" in str(err.value)


def test_the_episode_seed_is_the_worlds_one_rule_for_synthesis_and_rollouts(episodes):
    from inftool_jax.rollout.tool_env import episode_seed
    from inftool_jax.synth.blueprint import Blueprint
    from inftool_jax.world.tool_backend import episode_seed as world_episode_seed

    for episode in episodes[:20]:
        bp = episode["meta"]["blueprint"]
        planned = Blueprint(index=bp["index"], seed=bp["seed"], category="", offered=[], turns=[], persona="")
        assert episode_seed(episode) == (bp["seed"], planned.episode_seed) == (bp["seed"], world_episode_seed(bp["seed"], bp["index"]))
    assert len({world_episode_seed(7, i) for i in range(1000)}) == 1000
