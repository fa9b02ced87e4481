"""Score a G x B batch of completions: encode, fall back to the reference where needed, one kernel call.

    scorer = GatedReward(RewardConfig(), group_size=8)
    out = scorer.score(attempts, targets)      # parsed already
    out = scorer.score_texts(texts, targets)   # parses with config.call_format first
    out.rewards, out.passed, out.advantages     # numpy arrays [N], [N, 5], [N]
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
    """Per-completion results, completions in input order (G samples of a prompt contiguous)."""

    rewards: np.ndarray  # [N] float32
    passed: np.ndarray  # [N, len(GATES)] bool
    first_failed: np.ndarray  # [N] int32: index of the first failed gate, len(GATES) if none
    advantages: np.ndarray  # [N] float32, group-normalised
    by_reference: np.ndarray  # [N] bool: scored by the reference (outside the kernel's limits)

    def gate_pass_rates(self) -> dict[str, float]:
        from inftool_jax.grading.reward_config import GATES

        return {g: float(self.passed[:, i].mean()) if len(self.passed) else 0.0 for i, g in enumerate(GATES)}


class GatedReward:
    """The gated reward of DESIGN.md §5 for whole batches (kernel + exact reference fallback)."""

    def __init__(self, config: RewardConfig, group_size: int, advantage: str = "grpo", eps: float = 1e-6, cache_targets: bool = True):
        """``cache_targets``: keep each target's encoding (and its memo of canonical values) on the target
        object across batches, as the checker keeps its preparation; off, targets are encoded once per batch."""
        self.config = config
        self.group_size = group_size
        self.cache_targets = cache_targets
        self._kernel = make_reward_kernel(config, group_size, advantage, eps)

    def score(self, attempts: list[Attempt], targets: list[RewardTarget]) -> RewardBatch:
        if len(attempts) != len(targets):
            raise ValueError(f"{len(attempts)} attempts for {len(targets)} targets")
        if len(attempts) % self.group_size:
            raise ValueError(f"{len(attempts)} completions do not split into groups of {self.group_size}")
        batch = encode_batch(attempts, targets, self.config, self.group_size, self.cache_targets)
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
            np.asarray(out["advantages"])[:n],
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
