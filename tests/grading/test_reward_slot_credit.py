"""Slot-level partial credit at the argument gate: a nearly right call earns most of the gate, the kernel agrees."""

import numpy as np
import pytest

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.grading.gated_reward import GatedReward
from inftool_jax.grading.reward_config import RewardConfig
from inftool_jax.grading.reward_reference import score_reference
from inftool_jax.grading.reward_target import Attempt, make_target

TOOLS = [
    {"type": "function", "function": {"name": "transfer", "parameters": {"type": "object", "properties": {
        "account_id": {"type": "string"}, "amount": {"type": "number"}, "currency": {"type": "string"},
        "memo": {"type": "string"}}, "required": ["account_id", "amount", "currency"]}}},
]
TRUTH = {"account_id": ["ACC-10482"], "amount": [250.0], "currency": ["EUR"], "memo": ["rent", ""]}
SLOTS = RewardConfig(w_format=0.0, w_decision=0.3, argument_credit="slots")
CALLS = SLOTS.model_copy(update={"argument_credit": "calls"})


def _attempt(*calls):
    return Attempt(ParseResult(True, [Call(name, args) for name, args in calls], ""))


def _rewards(config, cases):
    """Kernel rewards, after checking the reference gives the very same floats."""
    attempts, targets = zip(*cases)
    out = GatedReward(config).score(list(attempts), list(targets))
    assert not out.by_reference.any()
    assert list(out.rewards) == [np.float32(score_reference(a, t, config).reward) for a, t in cases]
    return [float(r) for r in out.rewards]


def test_one_wrong_digit_in_one_of_three_needed_arguments_earns_two_thirds_of_the_gate():
    target = make_target("call", [{"name": "transfer", "arguments": TRUTH}], TOOLS)
    cases = [
        (_attempt(("transfer", {"account_id": "ACC-10482", "amount": 250, "currency": "EUR"})), target),  # right
        (_attempt(("transfer", {"account_id": "ACC-10483", "amount": 250, "currency": "EUR"})), target),  # one digit off
        (_attempt(("transfer", {"account_id": "ACC-10483", "amount": 205, "currency": "EUR"})), target),  # two off
        (_attempt(("transfer", {"account_id": "ACC-1", "amount": 1, "currency": "USD"})), target),  # all wrong
    ]
    below = 0.3 + 0.2  # decision + selection
    assert _rewards(SLOTS, cases) == pytest.approx([1.0, below + 0.3 * 2 / 3, below + 0.3 / 3, below], abs=1e-6)
    # call-level credit cannot tell the three wrong calls apart
    assert _rewards(CALLS, cases) == pytest.approx([1.0, below, below, below], abs=1e-6)


def test_wrong_extras_and_unknown_parameters_cost_a_slot_each_and_right_optionals_cost_nothing():
    target = make_target("call", [{"name": "transfer", "arguments": TRUTH}], TOOLS)
    right = {"account_id": "ACC-10482", "amount": 250.0, "currency": "EUR"}
    cases = [
        (_attempt(("transfer", {**right, "memo": "rent"})), target),  # right optional: exact
        (_attempt(("transfer", {**right, "memo": "groceries"})), target),  # wrong optional: 3 / (3 + 1)
        (_attempt(("transfer", {**right, "iban": "DE00", "note": "x"})), target),  # unknown ones count once: 3 / 4
        (_attempt(("transfer", {"account_id": "ACC-10482", "amount": 250.0})), target),  # required left out: 2 / (3 + 1)
    ]
    below = 0.5
    assert _rewards(SLOTS, cases) == pytest.approx([1.0, below + 0.3 * 3 / 4, below + 0.3 * 3 / 4, below + 0.3 * 2 / 4], abs=1e-6)


def test_parallel_calls_pool_slots_over_the_expected_calls_each_against_its_best_made_call():
    calls = [{"name": "transfer", "arguments": {**TRUTH, "account_id": [a]}} for a in ("ACC-1", "ACC-2")]
    target = make_target("call", calls, TOOLS)
    base = {"amount": 250.0, "currency": "EUR"}
    cases = [
        # second call off by one digit in one of its 3 slots: (3 + 2) / (3 + 3)
        (_attempt(("transfer", {**base, "account_id": "ACC-1"}), ("transfer", {**base, "account_id": "ACC-3"})), target),
        # made in the other order: the matching is order-free, so the same credit
        (_attempt(("transfer", {**base, "account_id": "ACC-3"}), ("transfer", {**base, "account_id": "ACC-1"})), target),
    ]
    assert _rewards(SLOTS, cases) == pytest.approx([0.5 + 0.3 * 5 / 6] * 2, abs=1e-6)
