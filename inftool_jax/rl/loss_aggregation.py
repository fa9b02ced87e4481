"""How per-token losses become one scalar, chosen by name.

Every mode takes ``per_token [N, T]``, a float ``mask [N, T]`` (1 on the
assistant tokens that are trained, 0 on prompt, tool results and padding) and
optional global denominators so that gradient accumulation over micro-batches
is exact: pass the token / sequence counts of the *whole* accumulated batch and
the micro-batch losses sum to the full-batch loss.
"""

from __future__ import annotations

from typing import Callable

import jax.numpy as jnp

from inftool_jax.errors import InputError

Aggregator = Callable[..., jnp.ndarray]


def _count(x: jnp.ndarray) -> jnp.ndarray:
    # An all-masked batch (every group dropped) gives loss 0, not NaN.
    return jnp.maximum(x, 1.0)


def token_mean(per_token, mask, *, max_len=None, num_tokens=None, num_sequences=None):
    """Sum over all trained tokens / number of trained tokens (DAPO): long answers weigh more."""
    del max_len, num_sequences
    total = (per_token * mask).sum()
    denom = mask.sum() if num_tokens is None else num_tokens
    return total / _count(jnp.asarray(denom, jnp.float32))


def sequence_mean_token_mean(per_token, mask, *, max_len=None, num_tokens=None, num_sequences=None):
    """Mean over sequences of each sequence's token mean (the original GRPO)."""
    del max_len, num_tokens
    seq_tokens = mask.sum(axis=1)
    per_seq = (per_token * mask).sum(axis=1) / _count(seq_tokens)
    present = (seq_tokens > 0).astype(per_token.dtype)
    denom = present.sum() if num_sequences is None else num_sequences
    return (per_seq * present).sum() / _count(jnp.asarray(denom, jnp.float32))


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


AGGREGATIONS: dict[str, Aggregator] = {
    "token-mean": token_mean,
    "sequence-mean-token-mean": sequence_mean_token_mean,
    "sequence-mean-token-scale": sequence_mean_token_scale,
}


def get_aggregation(name: str, key: str = "rl.loss_aggregation") -> Aggregator:
    """The aggregation registered under ``name``; an unknown name is an InputError naming ``key``."""
    try:
        return AGGREGATIONS[name]
    except KeyError:
        raise InputError("<config>", key, f"unknown loss aggregation {name!r} (known: {', '.join(AGGREGATIONS)})") from None
