"""The optimiser: global-norm clipping, then AdamW on a warmup + cosine learning-rate schedule."""

from __future__ import annotations

import jax
import optax

from inftool_jax.train.config import TrainConfig


def learning_rate(cfg: TrainConfig, total_steps: int) -> optax.Schedule:
    """Linear warmup to ``cfg.learning_rate`` then cosine decay to ``min_learning_rate_ratio`` of it at ``total_steps``."""
    warmup = min(cfg.warmup_steps, max(total_steps - 1, 0))
    decay_steps = max(total_steps, warmup + 1)
    return optax.warmup_cosine_decay_schedule(
        init_value=0.0,
        peak_value=cfg.learning_rate,
        warmup_steps=warmup,
        decay_steps=decay_steps,
        end_value=cfg.learning_rate * cfg.min_learning_rate_ratio,
    )


def _decay_mask(params):
    # Decoupled weight decay on matrices only: decaying norm scales and biases hurts and is unusual.
    return jax.tree.map(lambda p: p.ndim >= 2, params)


def make_optimizer(cfg: TrainConfig, total_steps: int) -> optax.GradientTransformation:
    """``clip_by_global_norm(clip_norm)`` (when > 0) followed by AdamW with :func:`learning_rate`."""
    adamw = optax.adamw(
        learning_rate(cfg, total_steps), b1=cfg.b1, b2=cfg.b2, eps=cfg.eps, weight_decay=cfg.weight_decay, mask=_decay_mask
    )
    if cfg.clip_norm > 0:
        return optax.chain(optax.clip_by_global_norm(cfg.clip_norm), adamw)
    return adamw
