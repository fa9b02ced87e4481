"""Score a batch of completions: encode, fall back to the reference where needed, one kernel call.

    scorer = GatedReward(RewardConfig())
    out = scorer.score(attempts, targets)      # parsed already
    out = scorer.score_texts(texts, targets)   # parses with config.call_format first
    out.rewards, out.passed, out.first_failed  # numpy arrays [N], [N, 5], [N]

Any batch: completions are scored one by one (GRPO's group advantages are
computed from the rewards in :mod:`inftool_jax.rl.advantages`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inftool_jax.grading.reward_config import RewardConfig
from inftool_jax.grading.reward_encode import FALLBACK, encode_batch
from inftool_jax.grading.reward_kernel import make_reward_kernel
from inftool_jax.grading.reward_reference import score_reference
from inftool_jax.grading.reward_target import Attempt, RewardTarget


@dataclass
class RewardBatch:
    """Per-completion results, completions in input order."""

    rewards: np.ndarray  # [N] float32
    passed: np.ndarray  # [N, len(GATES)] bool
    first_failed: np.ndarray  # [N] int32: index of the first failed gate, len(GATES) if none
    by_reference: np.ndarray  # [N] bool: scored by the reference (outside the kernel's limits)

    def gate_pass_rates(self) -> dict[str, float]:
        from inftool_jax.grading.reward_config import GATES

        return {g: float(self.passed[:, i].mean()) if len(self.passed) else 0.0 for i, g in enumerate(GATES)}


class GatedReward:
    """The gated reward of DESIGN.md §5 for whole batches (kernel + exact reference fallback)."""

    def __init__(self, config: RewardConfig, cache_targets: bool = True):
        """``cache_targets``: keep each target's encoding (and its memo of canonical values) on the target
        object across batches, as the checker keeps its preparation; off, targets are encoded once per batch."""
        self.config = config
        self.cache_targets = cache_targets
        self._kernel = make_reward_kernel(config)

    def score(self, attempts: list[Attempt], targets: list[RewardTarget]) -> RewardBatch:
        if len(attempts) != len(targets):
            raise ValueError(f"{len(attempts)} attempts for {len(targets)} targets")
        batch = encode_batch(attempts, targets, self.config, self.cache_targets)
        encoded, a_arr, L = batch.encoded, batch.attempts, batch.layout
        n = len(attempts)
        fb_reward = np.zeros(a_arr.shape[1], np.float32)
        for i in np.flatnonzero(~encoded):
            outcome = score_reference(attempts[i], targets[i], self.config)
            fb_reward[i] = outcome.reward
            a_arr[L.FLAGS, i] |= FALLBACK
            a_arr[L.FB_FIRST, i] = outcome.first_failed
        out = self._kernel(a_arr, batch.targets, fb_reward)
        return RewardBatch(
            np.asarray(out["reward"])[:n],
            np.asarray(out["passed"])[:n],
            np.asarray(out["first_failed"])[:n],
            ~encoded,
        )

    def score_texts(self, texts: list[str], targets: list[RewardTarget], results=None, states=None) -> RewardBatch:
        """Parse each text in ``config.call_format`` and score it (results/states: per-completion execution data)."""
        from inftool_jax.calls import get_format

        parse = get_format(self.config.call_format).parse
        attempts = [
            Attempt(parse(text), tuple(results[i]) if results else (), states[i] if states else None)
            for i, text in enumerate(texts)
        ]
        return self.score(attempts, targets)
