"""Every chain kind and multi-turn episode, freshly synthesized, replays exactly in the rollout world."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from inftool_jax.grading.reward_target import canonical_result
from inftool_jax.rollout.tool_env import ToolEnvironment, assistant_calls, episode_calls, episode_seed
from inftool_jax.synth.config import CATEGORIES
from inftool_jax.synth.planner import Planner
from inftool_jax.world.tool_backend import pre_existing_ids

CHAINED = {c: 0 for c in CATEGORIES} | {"multi_step": 1, "multi_turn": 1}


def _chain_families(planner, episode) -> set[str]:
    """The chain kinds an episode holds: a call whose id argument is a value an earlier call of the chain returned."""
    messages = episode["messages"]
    results = {m["tool_call_id"]: m["content"] for m in messages if m["role"] == "tool"}
    made: list[tuple[str, str]] = []  # (tool, result text) in order
    families = set()
    for message in messages:
        if message["role"] != "assistant":
            continue
        for tc, call in zip(message.get("tool_calls") or [], assistant_calls(message)):
            for a, b, key in planner.chains:
                if b == call.name and key in call.arguments and any(t == a and json.dumps(call.arguments[key]) in text for t, text in made):
                    families.add(planner.chain_family((a, b, key)))
            made.append((call.name, results[tc["id"]]))
    return families


def test_every_chain_kind_and_multi_turn_episode_replays_exactly(catalog, synthesize, replays, tmp_path):
    config, episodes = synthesize(catalog, tmp_path, 160, 5, CHAINED)
    planner = Planner(catalog, config, 5)
    env = ToolEnvironment(catalog)
    families: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    stated = 0
    for episode in episodes:
        assert replays(env, episode) >= 1
        categories[episode["meta"]["category"]] += 1
        for family in _chain_families(planner, episode):
            families[f"{episode['meta']['category']}/{family}"] += 1
        seed, ep_seed = episode_seed(episode)
        stated += bool(pre_existing_ids(env.simulator(seed), ep_seed, episode_calls(episode)))
    kinds = ("make_then_use", "search_then_create", "search_then_act")
    assert all(families[f"multi_step/{k}"] > 0 for k in kinds), families
    assert all(families[f"multi_turn/{k}"] > 0 for k in kinds), families
    assert categories["multi_turn"] >= 20 and categories["multi_step"] >= 20
    assert stated > 0  # episodes with records the user named (the world's pre-existing part) are among them


def test_a_policy_repeating_the_whole_chain_from_its_first_call_reaches_the_recorded_results(catalog, synthesize, tmp_path):
    _, episodes = synthesize(catalog, tmp_path, 60, 6, CHAINED)
    env = ToolEnvironment(catalog)
    chained = [e for e in episodes if e["meta"]["category"] == "multi_step"]
    assert chained
    episode = chained[0]
    messages = episode["messages"]
    first = next(k for k, m in enumerate(messages) if m["role"] == "assistant" and m.get("tool_calls"))
    world = env.world(episode, first)
    # the whole chain from the first call on, as the episode made it
    calls = [c for m in messages[first:] if m["role"] == "assistant" for c in assistant_calls(m)]
    recorded = [canonical_result(m["content"]) for m in messages[first:] if m["role"] == "tool"]
    assert list(env.execute(world, calls).canonical_results()) == recorded


@pytest.mark.slow
def test_thousands_of_fresh_episodes_of_every_category_replay_exactly(catalog, synthesize, replays, tmp_path):
    _, episodes = synthesize(catalog, tmp_path, 2000, 11)
    env = ToolEnvironment(catalog)
    assert {e["meta"]["category"] for e in episodes} == set(CATEGORIES)
    assert sum(replays(env, e) for e in episodes) > 1500
