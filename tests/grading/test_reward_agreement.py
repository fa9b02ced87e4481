"""The kernel and the reference agree exactly: rewards bit for bit, per-gate flags, on generated cases."""

import importlib.util
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inftool_jax.grading.gated_reward import GatedReward
from inftool_jax.grading.reward_config import RewardConfig
from inftool_jax.grading.reward_reference import score_reference
from inftool_jax.rl.advantages import group_advantages

_spec = importlib.util.spec_from_file_location("reward_cases", pathlib.Path(__file__).with_name("reward_cases.py"))
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)

GROUP = 8
N_PROMPTS = 128  # 1024 completions per batch: one jit compilation for every example
CONFIGS = {
    "default": RewardConfig(),
    "no_partial": RewardConfig(partial_credit=False, clarify_needs_question=False, w_format=0.05, w_execution=0.35),
    # tight limits: many completions fall back to the reference inside the same batch
    "tight": RewardConfig(max_calls=3, max_params=2),
    "wide": RewardConfig(max_calls=8, max_params=4, partial_credit=False),
    "call_credit": RewardConfig(argument_credit="calls"),
    "tight_slots": RewardConfig(max_calls=3, max_params=2, argument_credit="slots"),
}
_SCORERS = {name: GatedReward(cfg) for name, cfg in CONFIGS.items()}


def _check_batch(seed: int, config_name: str) -> tuple[int, int]:
    config = CONFIGS[config_name]
    attempts, targets = cases.random_batch(seed, N_PROMPTS, GROUP)
    out = _SCORERS[config_name].score(attempts, targets)
    for i, (a, t) in enumerate(zip(attempts, targets)):
        ref = score_reference(a, t, config)
        assert np.float32(ref.reward) == out.rewards[i], (i, ref, out.rewards[i], a, t)
        assert tuple(out.passed[i]) == ref.passed, (i, ref, out.passed[i], a, t)
        assert out.first_failed[i] == ref.first_failed
    rewards = out.rewards.reshape(-1, GROUP)
    std = rewards.std(axis=1, keepdims=True)
    np.testing.assert_allclose(group_advantages(out.rewards, GROUP).reshape(-1, GROUP), (rewards - rewards.mean(1, keepdims=True)) / (std + 1e-6), rtol=1e-4, atol=1e-4)
    return len(attempts), int(out.by_reference.sum())


@pytest.mark.parametrize("config_name", sorted(CONFIGS))
@settings(max_examples=2, derandomize=True, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_kernel_equals_reference_on_generated_batches(config_name, seed):
    n, by_ref = _check_batch(seed, config_name)
    if config_name.startswith("tight"):
        assert 0.1 * n < by_ref < n  # both paths in one batch
    else:
        assert by_ref < 0.05 * n  # the kernel, not the fallback, scored nearly all of them


@pytest.mark.slow
def test_kernel_equals_reference_on_100k_cases():
    total = fallback = 0
    for seed in range(100):
        name = ("default", "no_partial", "wide", "default")[seed % 4]
        n, by_ref = _check_batch(10_000 + seed, name)
        total += n
        fallback += by_ref
    assert total >= 100_000 and fallback < 0.05 * total


def test_generated_cases_reach_every_gate_outcome():
    attempts, targets = cases.random_batch(1, N_PROMPTS, GROUP)
    firsts = {score_reference(a, t, CONFIGS["default"]).first_failed for a, t in zip(attempts, targets)}
    assert firsts == {0, 1, 2, 3, 4, 5}
    kinds = {t.decision for t in targets} | {"parallel" for t in targets if len(t.calls) > 1} | {"exec" for t in targets if t.results}
    assert kinds >= {"call", "no_call", "clarify", "parallel", "exec"}
