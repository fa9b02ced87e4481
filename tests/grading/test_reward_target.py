import pytest

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.errors import InputError
from inftool_jax.grading.gated_reward import GatedReward
from inftool_jax.grading.reward_config import RewardConfig, gated_reward_value
from inftool_jax.grading.reward_reference import score_reference
from inftool_jax.grading.reward_target import Attempt, canonical_result, make_target, targets_from_episode

TOOLS = [{"type": "function", "function": {"name": "create_order", "parameters": {"type": "object", "properties": {
    "item": {"type": "string"}, "qty": {"type": "integer"}, "meta": {"type": "object"}}, "required": ["item"]}}},
    {"type": "function", "function": {"name": "get_order", "parameters": {"type": "object", "properties": {
        "order_id": {"type": "string"}}, "required": ["order_id"]}}}]

EPISODE = {
    "id": "e1",
    "tools": TOOLS,
    "messages": [
        {"role": "user", "content": "order 2 pens"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "create_order", "arguments": "{\"item\": \"pen\", \"qty\": 2}"}}]},
        {"role": "tool", "tool_call_id": "c1", "name": "create_order", "content": "{\"order_id\": \"o-1\", \"ok\": true}"},
        {"role": "assistant", "content": "Which colour?"},
        {"role": "user", "content": "blue"},
    ],
    "ground_truth": [
        {"message_index": 1, "decision": "call", "calls": [{"name": "create_order", "arguments": {"item": ["pen", "pens"], "qty": [2, ""]}}], "execution": True},
        {"message_index": 3, "decision": "clarify", "calls": []},
    ],
}


def _attempt(calls, content="", results=()):
    return Attempt(ParseResult(True, calls, content), tuple(results))


def test_targets_from_episode_read_decisions_and_tool_results_for_execution():
    call_t, clarify_t = targets_from_episode(EPISODE)
    assert call_t.decision == "call" and call_t.results == (canonical_result('{"ok": true, "order_id": "o-1"}'),)
    assert clarify_t.decision == "clarify" and clarify_t.calls == () and clarify_t.results is None
    good = _attempt([Call("create_order", {"item": "Pens", "qty": 2})], results=['{"order_id":"o-1","ok":true}'])
    assert score_reference(good, call_t, RewardConfig()).first_failed == 5
    wrong_output = _attempt([Call("create_order", {"item": "pen"})], results=['{"order_id": "o-2"}'])
    assert score_reference(wrong_output, call_t, RewardConfig()).first_failed == 4


def test_clarification_needs_no_call_and_a_question():
    _, clarify_t = targets_from_episode(EPISODE)
    cfg = RewardConfig()
    assert score_reference(_attempt([], "Which colour would you like?"), clarify_t, cfg).reward == 1.0
    assert score_reference(_attempt([], "Done."), clarify_t, cfg).first_failed == 1
    assert score_reference(_attempt([], "Done."), clarify_t, RewardConfig(clarify_needs_question=False)).reward == 1.0


def test_bad_ground_truth_is_input_error_naming_the_pointer():
    bad = dict(EPISODE, ground_truth=[{"message_index": 1, "decision": "call", "calls": [{"name": "delete_all", "arguments": {}}]}])
    with pytest.raises(InputError, match="/ground_truth/0/calls/0"):
        targets_from_episode(bad, source="data.jsonl")
    with pytest.raises(InputError, match="decision"):
        make_target("maybe", [], TOOLS)
    with pytest.raises(InputError, match="tool results"):
        targets_from_episode(dict(EPISODE, messages=EPISODE["messages"][:2]))


def test_partial_credit_values_follow_the_documented_weights():
    cfg = RewardConfig()
    assert gated_reward_value(cfg, 3, 1, 2) == pytest.approx(0.1 + 0.2 + 0.2 + 0.3 / 2)
    assert gated_reward_value(RewardConfig(partial_credit=False), 3, 1, 2) == pytest.approx(0.5)
    assert gated_reward_value(cfg, 5, 0, 0) == 1.0


def test_parallel_calls_are_matched_order_free_where_greedy_would_fail():
    # expected A accepts either qty (optional), expected B needs qty 3: greedy BFCL gives B's call to A first
    t = make_target("call", [
        {"name": "create_order", "arguments": {"item": ["pen"], "qty": [3, ""]}},
        {"name": "create_order", "arguments": {"item": ["pen"]}},
    ], TOOLS)
    made = [Call("create_order", {"item": "pen", "qty": 3}), Call("create_order", {"item": "pen"})]
    assert score_reference(_attempt(made), t, RewardConfig()).reward == 1.0
    out = GatedReward(RewardConfig()).score([_attempt(made)], [t])
    assert out.rewards[0] == 1.0 and not out.by_reference[0]


def test_what_the_kernel_cannot_represent_is_scored_by_the_reference_with_the_same_result():
    cfg = RewardConfig(max_calls=2)
    # BFCL "variable" for a dict parameter: acceptable values of another type than the schema's
    dict_t = make_target("call", [{"name": "create_order", "arguments": {"item": ["pen"], "meta": ["$gift"]}}], TOOLS)
    many_t = make_target("call", [{"name": "get_order", "arguments": {"order_id": [str(i)]}} for i in range(3)], TOOLS)
    attempts = [
        _attempt([Call("create_order", {"item": "pen", "meta": "$gift"})]),
        _attempt([Call("get_order", {"order_id": str(i)}) for i in (2, 0, 1)]),
        _attempt([Call("get_order", {"order_id": "1"})]),
    ]
    one_t = make_target("call", [{"name": "get_order", "arguments": {"order_id": ["1"]}}], TOOLS)
    targets = [dict_t, many_t, one_t]
    out = GatedReward(cfg).score(attempts, targets)
    assert list(out.by_reference) == [True, True, False]
    assert list(out.rewards) == [score_reference(a, t, cfg).reward for a, t in zip(attempts, targets)]
    assert list(out.rewards) == [1.0, 1.0, 1.0]
