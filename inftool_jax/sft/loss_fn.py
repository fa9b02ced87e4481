"""SFT objective: next-token cross-entropy on assistant tokens only (pure, jittable)."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def next_token_nll(logits: jax.Array, input_ids: jax.Array) -> jax.Array:
    """``[B, T-1]`` negative log-likelihood of ``input_ids[:, t+1]`` under ``logits[:, t]`` (log-softmax in float32)."""
    logits = logits[:, :-1].astype(jnp.float32)
    target_logit = jnp.take_along_axis(logits, input_ids[:, 1:, None], axis=-1)[..., 0]
    return jax.nn.logsumexp(logits, axis=-1) - target_logit


def next_token_hits(logits: jax.Array, input_ids: jax.Array) -> jax.Array:
    """``[B, T-1]`` bool: the argmax of ``logits[:, t]`` is ``input_ids[:, t+1]``."""
    return jnp.argmax(logits[:, :-1], axis=-1) == input_ids[:, 1:]


def masked_next_token_loss(logits: jax.Array, input_ids: jax.Array, loss_mask: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``(loss_sum, target_count, correct_count)`` of predicting ``input_ids[:, t+1]`` from ``logits[:, t]``.

    A position counts when the *target* token has ``loss_mask == 1`` (an assistant
    token); fractional values weight it. Log-softmax in float32. Divide ``loss_sum``
    by ``target_count`` (the summed weight) for the mean.
    """
    return masked_sums(next_token_nll(logits, input_ids), next_token_hits(logits, input_ids), loss_mask)


def masked_sums(nll: jax.Array, hits: jax.Array, loss_mask: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``(loss_sum, target_count, correct_count)`` from per-token ``[B, T-1]`` NLL and hits, weighted by the targets' ``loss_mask[:, 1:]``."""
    mask = loss_mask[:, 1:].astype(jnp.float32)
    return jnp.sum(nll * mask), jnp.sum(mask), jnp.sum(hits.astype(jnp.float32) * mask)


def token_weights(loss_mask: jax.Array, attention_mask: jax.Array, prompt_loss_weight: float) -> jax.Array:
    """Per-token loss weights: 1 on assistant tokens, ``prompt_loss_weight`` on the other real tokens, 0 on padding."""
    loss_mask = loss_mask.astype(jnp.float32)
    if not prompt_loss_weight:
        return loss_mask
    return loss_mask + prompt_loss_weight * (attention_mask.astype(jnp.float32) - loss_mask)


def sft_loss(model, batch: dict[str, jax.Array], rng: jax.Array, prompt_loss_weight: float = 0.0) -> tuple[jax.Array, jax.Array, dict[str, jax.Array]]:
    """The step-machinery loss (``loss_fn(model, batch, rng)``): summed weighted NLL over the summed weight.

    ``batch`` holds ``input_ids``, ``attention_mask`` and ``loss_mask`` ``[B, T]``; weights come from
    :func:`token_weights` (bind ``prompt_loss_weight`` with functools.partial; 0 = assistant tokens only).
    ``aux["correct_tokens"]`` counts targets the argmax predicts, weighted the same way (so it sums
    across micro-batches; divide by ``weight`` for token accuracy).
    """
    del rng  # SFT is deterministic (no dropout in these models)
    logits = model(batch["input_ids"], batch["attention_mask"])
    weights = token_weights(batch["loss_mask"], batch["attention_mask"], prompt_loss_weight)
    loss_sum, count, correct = masked_next_token_loss(logits, batch["input_ids"], weights)
    return loss_sum, count, {"correct_tokens": correct}
