"""The GRPO objective: clipped surrogate (separate low/high epsilons), optional k3 KL, loss type by name.

Pure and jittable; hyper-parameters are Python values, so close over them (or
mark them static) when jitting. Shapes: ``N`` sequences, ``T`` token positions.
"""

from __future__ import annotations

import jax.numpy as jnp

from inftool_jax.rl.kl import k3_kl
from inftool_jax.rl.loss_aggregation import get_aggregation, token_mean


def grpo_loss(
    logp: jnp.ndarray,
    old_logp: jnp.ndarray,
    advantages: jnp.ndarray,
    mask: jnp.ndarray,
    *,
    epsilon: float = 0.2,
    epsilon_high: float = 0.28,
    beta: float = 0.0,
    ref_logp: jnp.ndarray | None = None,
    loss_type: str = "dapo",
    max_len: int | None = None,
    sample_mask: jnp.ndarray | None = None,
    entropy: jnp.ndarray | None = None,
    num_tokens=None,
    num_sequences=None,
) -> tuple[jnp.ndarray, dict[str, jnp.ndarray]]:
    """Loss to minimise and its metrics.

    ``logp`` [N, T]: current policy's log-prob of each sampled token;
    ``old_logp`` [N, T]: the behaviour policy's (the ratio is 1 on the first
    update of a rollout batch); ``advantages`` [N]; ``mask`` [N, T]: 1 on
    assistant tokens only. ``sample_mask`` [N] drops whole sequences (e.g.
    zero-variance groups). With ``beta == 0`` no reference log-probs are needed
    and none are read; with ``beta > 0`` ``ref_logp`` [N, T] is required and
    ``beta * k3`` is added per token. ``entropy`` [N, T], when given, is only
    reported. ``num_tokens`` / ``num_sequences``: global denominators for exact
    gradient accumulation (see :mod:`inftool_jax.rl.loss_aggregation`).

    Metrics: ``clip_frac_low`` (share of trained tokens where the lower clip
    is active: ratio < 1 - epsilon with a negative advantage),
    ``clip_frac_high`` (ratio > 1 + epsilon_high with a positive advantage),
    ``kl`` (token-mean k3, when a reference is given), ``entropy``,
    ``ratio_mean``, ``policy_loss``.
    """
    if beta < 0:
        raise ValueError(f"beta must be >= 0, got {beta}")
    if beta > 0 and ref_logp is None:
        raise ValueError("beta > 0 needs ref_logp (the reference policy's token log-probs)")
    aggregate = get_aggregation(loss_type)
    mask = mask.astype(jnp.float32)
    if sample_mask is not None:
        mask = mask * sample_mask.astype(jnp.float32)[:, None]
    adv = advantages.astype(jnp.float32)[:, None]

    ratio = jnp.exp(logp - old_logp)
    clipped = jnp.clip(ratio, 1.0 - epsilon, 1.0 + epsilon_high)
    per_token = -jnp.minimum(ratio * adv, clipped * adv)
    agg = dict(max_len=max_len, num_tokens=num_tokens, num_sequences=num_sequences)
    policy_loss = aggregate(per_token, mask, **agg)

    metrics: dict[str, jnp.ndarray] = {"policy_loss": policy_loss}
    loss = policy_loss
    if ref_logp is not None:
        kl = k3_kl(logp, ref_logp)
        if beta > 0:
            loss = loss + beta * aggregate(kl, mask, **agg)
        metrics["kl"] = token_mean(kl, mask)
    low = ((ratio < 1.0 - epsilon) & (adv < 0)).astype(jnp.float32)
    high = ((ratio > 1.0 + epsilon_high) & (adv > 0)).astype(jnp.float32)
    metrics["clip_frac_low"] = token_mean(low, mask)
    metrics["clip_frac_high"] = token_mean(high, mask)
    metrics["ratio_mean"] = token_mean(ratio, mask)
    if entropy is not None:
        metrics["entropy"] = token_mean(entropy, mask)
    metrics["loss"] = loss
    return loss, metrics
