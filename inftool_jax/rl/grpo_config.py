"""The GRPO section of the experiment config: what the pure loss functions are called with."""

from __future__ import annotations

from typing import Literal

from inftool_jax.config_base import Section


class GRPOConfig(Section):
    """GRPO objective settings (DESIGN.md §6)."""

    group_size: int = 8
    """G: completions sampled per prompt; advantages are normalised within each group."""
    advantage: Literal["grpo", "dr_grpo"] = "grpo"
    """grpo: (r - mean) / (std + eps); dr_grpo: r - mean (no std, Dr.GRPO)."""
    advantage_eps: float = 1e-6
    """Added to the group std before dividing (grpo only)."""
    eps_low: float = 0.2
    """Lower clip: the ratio is clipped at 1 - eps_low."""
    eps_high: float = 0.28
    """Upper clip: the ratio is clipped at 1 + eps_high (DAPO clip-higher: > eps_low keeps exploration)."""
    beta: float = 0.0
    """KL weight (k3 estimator) towards the reference policy; 0 means no reference model is kept at all."""
    loss_aggregation: Literal["token-mean", "sequence-mean-token-mean", "sequence-mean-token-scale"] = "token-mean"
    """How per-token losses are reduced: DAPO token-mean, GRPO sequence-mean-token-mean, Dr.GRPO sequence-mean-token-scale."""
    max_completion_len: int = 256
    """Fixed divisor of sequence-mean-token-scale, and the rollout length cap."""
    drop_zero_variance_groups: bool = True
    """Mask out groups whose G rewards are all equal (they have zero advantage and only dilute the batch)."""
