"""The encoder represents exactly what it claims (dicts, lists of dicts, BFCL variables, typed memo keys),
falls back for the rest, and the kernel's matching is the true maximum matching."""

import itertools
import random

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.grading.bfcl_checker import standardize_string
from inftool_jax.grading.gated_reward import GatedReward
from inftool_jax.rl.advantages import group_advantages
from inftool_jax.grading.reward_config import RewardConfig
from inftool_jax.grading.reward_encode import bucket, encode_batch, standardize
from inftool_jax.grading.reward_kernel import max_matching_from_masks
from inftool_jax.grading.reward_reference import max_matching, score_reference
from inftool_jax.grading.reward_target import Attempt, make_target

TOOLS = [
    {"type": "function", "function": {"name": "plan", "parameters": {"type": "object", "properties": {
        "stops": {"type": "array", "items": {"type": "object"}}, "prefs": {"type": "object"},
        "weights": {"type": "array", "items": {"type": "number"}}, "n": {"type": "integer"},
        "label": {"type": "string"}, "free": {}}, "required": ["stops"]}}},
]


def _attempt(*calls):
    return Attempt(ParseResult(True, [Call("plan", c) for c in calls], ""))


def _score_both(cases, config=RewardConfig(argument_credit="calls")):
    """Kernel and reference on the same batch; returns (kernel rewards, by_reference flags, reference rewards).

    Call-level argument credit by default: the expected rewards below pin what the encoder accepts, one call at a time."""
    attempts, targets = zip(*cases)
    out = GatedReward(config).score(list(attempts), list(targets))
    ref = [score_reference(a, t, config) for a, t in cases]
    assert list(out.rewards) == [np.float32(r.reward) for r in ref]
    assert [tuple(p) for p in out.passed] == [r.passed for r in ref]
    return list(out.rewards), list(out.by_reference), [r.reward for r in ref]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fast_standardize_equals_the_checkers(text):
    assert standardize(text) == standardize_string(text)


def test_fast_standardize_handles_lone_surrogates_like_the_checker():
    assert standardize("a\ud800-B") == standardize_string("a\ud800-B")


@pytest.mark.parametrize("c", [1, 2, 3, 5, 6, 7])
def test_hall_matching_equals_augmenting_path_matching(c):
    rng = np.random.default_rng(c)
    masks = rng.integers(0, 1 << c, size=(c, 400)) & rng.integers(0, 1 << c, size=(c, 400))
    got = np.asarray(jax.jit(max_matching_from_masks)(masks.astype(np.int32)))
    for n in range(masks.shape[1]):
        edges = [[bool(masks[i, n] >> j & 1) for j in range(c)] for i in range(c)]
        assert got[n] == max_matching(edges)


def test_dict_parameters_are_scored_by_the_kernel_with_bfcl_dict_semantics():
    target = make_target("call", [{"name": "plan", "arguments": {
        "stops": [[]], "prefs": [{"city": ["New York", "NYC"], "n": [2, ""], "tags": [["a", "B"], ""]}, ""]}}], TOOLS)
    cases = [
        (_attempt({"stops": [], "prefs": {"city": "new-york"}}), target),  # standardised string, optional key left out
        (_attempt({"stops": [], "prefs": {"city": "NYC", "n": 2.0}}), target),  # 2.0 == 2, as BFCL's `in` compares
        (_attempt({"stops": [], "prefs": {"city": "NYC", "zip": 1}}), target),  # unknown key
        (_attempt({"stops": [], "prefs": {"n": 2}}), target),  # required key missing
        (_attempt({"stops": [], "prefs": {"city": "NYC", "tags": ["a", "B"]}}), target),  # nested list compared raw
        (_attempt({"stops": [], "prefs": {"city": "NYC", "tags": ["a", "b"]}}), target),  # ... case matters inside it
        (_attempt({"stops": []}), target),  # the whole dict may be left out ("")
        (_attempt({"stops": [], "prefs": "NYC"}), target),  # not a dict
    ]
    rewards, by_ref, _ = _score_both(cases)
    assert not any(by_ref)
    assert rewards == [1.0, 1.0, 0.5, 0.5, 1.0, 0.5, 1.0, 0.5]


def test_lists_of_dicts_match_item_by_item_in_order():
    target = make_target("call", [{"name": "plan", "arguments": {
        "stops": [[{"city": ["Paris"]}, {"city": ["Rome"], "days": [2, ""]}], ""]}}], TOOLS)
    cases = [
        (_attempt({"stops": [{"city": "paris"}, {"city": "Rome", "days": 2}]}), target),
        (_attempt({"stops": [{"city": "Rome"}, {"city": "Paris"}]}), target),  # order matters
        (_attempt({"stops": [{"city": "Paris"}]}), target),  # length matters
        (_attempt({"stops": []}), target),  # "" reads as the empty list
        (_attempt({"stops": ["Paris", "Rome"]}), target),  # items are not dicts: nested type passes ("" option), values fail
    ]
    rewards, by_ref, _ = _score_both(cases)
    assert not any(by_ref)
    assert rewards == [1.0, 0.5, 0.5, 1.0, 0.5]


def test_bfcl_variables_and_mixed_item_types_are_encoded_exactly():
    target = make_target("call", [{"name": "plan", "arguments": {
        "stops": [[]], "n": ["$count"], "weights": [[1, 2.5]]}}], TOOLS)
    cases = [
        (_attempt({"stops": [], "n": "$count", "weights": [1, 2.5]}), target),  # variable: the answer's type, equal
        (_attempt({"stops": [], "n": "$COUNT", "weights": [1, 2.5]}), target),  # ... compared without standardising
        (_attempt({"stops": [], "n": 3, "weights": [1, 2.5]}), target),  # the schema's type, not among the options
        (_attempt({"stops": [], "n": "$count", "weights": [1.0, 2.5]}), target),  # 1.0 == 1
        (_attempt({"stops": [], "n": "$count", "weights": ["1", 2.5]}), target),  # item of neither allowed type
    ]
    rewards, by_ref, _ = _score_both(cases)
    assert not any(by_ref)
    assert rewards == [1.0, 0.5, 0.5, 1.0, 0.5]


def test_equal_values_of_different_types_are_not_confused_by_the_memo():
    target = make_target("call", [{"name": "plan", "arguments": {"stops": [[]], "n": [1]}}], TOOLS)
    cases = [(_attempt({"stops": [], "n": v}), target) for v in (1, True, 1.0, 1, True)]
    rewards, by_ref, _ = _score_both(cases)
    assert not any(by_ref)
    assert rewards == [1.0, 0.5, 0.5, 1.0, 0.5]


def test_what_is_not_representable_falls_back_to_the_reference():
    cfg = RewardConfig(max_calls=2, max_params=2)
    untyped = make_target("call", [{"name": "plan", "arguments": {"stops": [[]], "free": ["x"]}}], TOOLS)
    wide = make_target("call", [{"name": "plan", "arguments": {"stops": [[]], "n": [1], "label": ["a"]}}], TOOLS)
    ok = make_target("call", [{"name": "plan", "arguments": {"stops": [[]], "n": [1]}}], TOOLS)
    floats = make_target("call", [{"name": "plan", "arguments": {"stops": [[]], "weights": [[1.5]]}}], TOOLS)
    cases = [
        (_attempt({"stops": [], "free": "x"}), untyped),  # no type in the schema: compared by value only
        (_attempt({"stops": [], "n": 1, "label": "a"}), wide),  # three parameters, limit two
        (_attempt({"stops": [], "n": 1}, {"stops": [], "n": 1}, {"stops": []}), ok),  # three calls made, limit two
        (_attempt({"stops": [], "weights": [float("nan")]}), floats),  # NaN never equals itself
        (_attempt({"stops": [], "n": 1}), ok),
    ]
    rewards, by_ref, ref = _score_both(cases, cfg)
    assert by_ref == [True, True, True, True, False]
    assert rewards == [np.float32(r) for r in ref]


def test_target_encodings_are_reused_across_batches_with_fresh_value_memos():
    target = make_target("call", [{"name": "plan", "arguments": {"stops": [[]], "label": ["Paris"]}}], TOOLS)
    scorer = GatedReward(RewardConfig(argument_credit="calls"))
    first = scorer.score([_attempt({"stops": [], "label": "paris"}), _attempt({"stops": [], "label": "rome"})], [target] * 2)
    second = scorer.score([_attempt({"stops": [], "label": "rome"}), _attempt({"stops": [], "label": "PARIS"})], [target] * 2)
    assert list(first.rewards) == [1.0, 0.5] and list(second.rewards) == [0.5, 1.0]
    assert list(group_advantages(first.rewards, 2)) == pytest.approx([1.0, -1.0], abs=1e-4)


def test_batches_within_one_bucket_share_one_compiled_kernel():
    target = make_target("call", [{"name": "plan", "arguments": {"stops": [[]]}}], TOOLS)
    scorer = GatedReward(RewardConfig(argument_credit="calls"))
    for n in (17, 20, 25, 32):
        out = scorer.score([_attempt({"stops": []})] * n, [target] * n)
        assert out.rewards.shape == (n,) and (out.rewards == 1.0).all()
    assert bucket(4, 4) == bucket(32, 4) == 32
    assert scorer._kernel._cache_size() == 1


def test_encoded_matrices_are_feature_major_with_bucketed_rows():
    target = make_target("call", [{"name": "plan", "arguments": {"stops": [[]]}}], TOOLS)
    batch = encode_batch([_attempt({"stops": []})] * 24, [target] * 24, RewardConfig())
    assert batch.attempts.shape == (batch.layout.width_a, 32) and batch.attempts.dtype == np.int32
    assert batch.targets.shape == (batch.layout.width_t, 8)
    assert batch.encoded.shape == (24,) and batch.encoded.all()


def test_random_dict_and_list_values_agree_with_the_reference():
    rng = random.Random(7)
    words = ["NYC", "new york", "Paris", "a-b", "A B", 1, 2.0, True, ""]
    cases = []
    for _ in range(300):
        opt = {k: rng.sample(words, rng.randint(1, 3)) for k in rng.sample(["city", "n", "x"], rng.randint(1, 3))}
        target = make_target("call", [{"name": "plan", "arguments": {"stops": [[opt], ""], "prefs": [opt, ""]}}], TOOLS)
        for _ in range(3):
            value = {k: rng.choice(words) for k in rng.sample(["city", "n", "x", "y"], rng.randint(0, 3))}
            cases.append((_attempt({"stops": rng.choice([[value], [], [value, value]]), "prefs": value}), target))
    rewards, by_ref, _ = _score_both(cases)
    assert not any(by_ref)
    assert len(set(rewards)) > 1
    assert list(itertools.islice((r for r in rewards if r == 1.0), 1))  # some pass, some fail
