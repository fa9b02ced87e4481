"""How per-token losses become one scalar, chosen by name (``grpo.loss_type``, TRL's names).

Every mode takes ``per_token [N, T]``, a float ``mask [N, T]`` (1 on the
assistant tokens that are trained, 0 on prompt, tool results and padding) and
optional global denominators so that gradient accumulation over micro-batches
is exact: pass the token / sequence counts of the *whole* accumulated batch and
the micro-batch losses sum to the full-batch loss.

Names as TRL's ``GRPOConfig.loss_type``: ``dapo`` (token mean over the whole
accumulated batch; TRL's ``bnpo`` is the same over the local batch only, which
exact accumulation makes the same thing here), ``grpo`` (mean over sequences of
each sequence's token mean) and ``dr_grpo`` (token sums over a fixed length).
"""

from __future__ import annotations

from typing import Callable

import jax.numpy as jnp

from inftool_jax.registry import Registry

Aggregator = Callable[..., jnp.ndarray]

AGGREGATIONS: Registry[Aggregator] = Registry("loss type", "grpo.loss_type")
"""Loss aggregations by ``grpo.loss_type``."""


def _count(x: jnp.ndarray) -> jnp.ndarray:
    # An all-masked batch (every group dropped) gives loss 0, not NaN.
    return jnp.maximum(x, 1.0)


@AGGREGATIONS.register("dapo")
def token_mean(per_token, mask, *, max_len=None, num_tokens=None, num_sequences=None):
    """Sum over all trained tokens / number of trained tokens (DAPO): long answers weigh more."""
    del max_len, num_sequences
    total = (per_token * mask).sum()
    denom = mask.sum() if num_tokens is None else num_tokens
    return total / _count(jnp.asarray(denom, jnp.float32))


@AGGREGATIONS.register("grpo")
def sequence_mean_token_mean(per_token, mask, *, max_len=None, num_tokens=None, num_sequences=None):
    """Mean over sequences of each sequence's token mean (the original GRPO)."""
    del max_len, num_tokens
    seq_tokens = mask.sum(axis=1)
    per_seq = (per_token * mask).sum(axis=1) / _count(seq_tokens)
    present = (seq_tokens > 0).astype(per_token.dtype)
    denom = present.sum() if num_sequences is None else num_sequences
    return (per_seq * present).sum() / _count(jnp.asarray(denom, jnp.float32))


@AGGREGATIONS.register("dr_grpo")
def sequence_mean_token_scale(per_token, mask, *, max_len=None, num_tokens=None, num_sequences=None):
    """Dr.GRPO: each sequence's token *sum* / a fixed ``max_len``, then the mean over sequences.

    The fixed divisor removes GRPO's length bias (short wrong answers are not
    pushed down harder than long ones). ``max_len`` defaults to T.
    """
    del num_tokens
    scale = per_token.shape[1] if max_len is None else max_len
    per_seq = (per_token * mask).sum(axis=1) / scale
    present = (mask.sum(axis=1) > 0).astype(per_token.dtype)
    denom = present.sum() if num_sequences is None else num_sequences
    return (per_seq * present).sum() / _count(jnp.asarray(denom, jnp.float32))


TOKEN_WEIGHTED = frozenset({"dapo"})
"""Loss types whose accumulation weight is the trained-token count (the others weigh trained sequences)."""


def get_aggregation(name: str, *, source: str = "<config>", key: str | None = None) -> Aggregator:
    """The aggregation registered under ``name``; an unknown name is an InputError naming the config key."""
    return AGGREGATIONS.get(name, source=source, key=key)
