"""The GRPO objective's settings: what the pure loss functions are called with (names as TRL's GRPOConfig)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from inftool_jax.config_base import Section

_LOSS_TYPES = "token-mean -> dapo, sequence-mean-token-mean -> grpo, sequence-mean-token-scale -> dr_grpo"


class GRPOConfig(Section):
    """GRPO objective settings (DESIGN.md §6)."""

    renamed_keys = {
        "group_size": "num_generations",
        "eps_low": "epsilon",
        "eps_high": "epsilon_high",
        "loss_aggregation": f"loss_type ({_LOSS_TYPES})",
        "max_completion_len": "max_completion_length",
        "advantage": "scale_rewards (grpo -> group, dr_grpo -> none)",
    }

    num_generations: int = Field(8, gt=0)
    """G: completions sampled per prompt; advantages are computed within each group of G."""
    scale_rewards: Literal["group", "none"] = "group"
    """Advantages (rl/advantages.py, TRL's names): group: (r - mean) / (std + advantage_eps) within the group (GRPO);
    none: r - mean, no std division (Dr.GRPO)."""
    advantage_eps: float = Field(1e-6, gt=0)
    """Added to the group std before dividing (scale_rewards: group only)."""
    epsilon: float = Field(0.2, ge=0)
    """Lower clip: the ratio is clipped at 1 - epsilon."""
    epsilon_high: float = Field(0.28, ge=0)
    """Upper clip: the ratio is clipped at 1 + epsilon_high (DAPO clip-higher: > epsilon keeps exploration)."""
    beta: float = Field(0.0, ge=0)
    """KL weight (k3 estimator) towards the reference policy; 0 means no reference model is kept at all."""
    loss_type: Literal["dapo", "grpo", "dr_grpo"] = "dapo"
    """How per-token losses are reduced (rl/loss_aggregation.py, TRL's names): dapo: sum over every trained token of the
    batch / their count (long answers weigh more); grpo: mean over sequences of each sequence's token mean; dr_grpo: each
    sequence's token sum / max_completion_length, mean over sequences."""
    max_completion_length: int = Field(256, gt=0)
    """The rollout length cap (tokens per assistant turn), and the fixed divisor of loss_type dr_grpo."""
    drop_zero_variance_groups: bool = True
    """Mask out groups whose G rewards are all equal (they have zero advantage and only dilute the batch)."""
