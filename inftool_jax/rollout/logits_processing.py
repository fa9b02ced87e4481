"""Pure, jittable logits processing and per-row token sampling.

Every parameter is a per-row array (``[B]``), so one compiled program serves any mix of
temperatures, top-k and top-p values (e.g. requests with different settings in one batch).
Removed tokens get ``-inf``; the processed distribution is ``softmax`` of what is left.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

NEG_INF = -jnp.inf


def apply_temperature(logits: jax.Array, temperature: jax.Array) -> jax.Array:
    """``logits [B, V] / temperature [B]``; a temperature of 0 (greedy) leaves the row unscaled."""
    t = jnp.where(temperature > 0, temperature, 1.0).astype(logits.dtype)
    return logits / t[:, None]


def _sorted_desc(logits: jax.Array) -> jax.Array:
    return -jnp.sort(-logits, axis=-1)


def top_k_threshold(sorted_logits: jax.Array, top_k: jax.Array) -> jax.Array:
    """The smallest logit top-k keeps per row (``-inf`` when ``top_k`` is 0 = off)."""
    vocab = sorted_logits.shape[-1]
    k = jnp.clip(top_k, 1, vocab) - 1
    kth = jnp.take_along_axis(sorted_logits, k[:, None], axis=-1)[:, 0]
    return jnp.where(top_k > 0, kth, NEG_INF)


def top_p_threshold(sorted_logits: jax.Array, top_p: jax.Array) -> jax.Array:
    """The smallest logit nucleus sampling keeps per row, over ``sorted_logits`` (descending, may hold -inf).

    A token is kept when the mass of the tokens strictly more likely than it (in sorted
    order) is below ``top_p``, so the kept set is the smallest prefix whose mass reaches
    ``top_p`` and always holds the most likely token.
    """
    probs = jax.nn.softmax(sorted_logits, axis=-1)
    mass_before = jnp.cumsum(probs, axis=-1) - probs
    keep = mass_before < top_p[:, None]
    n_keep = jnp.maximum(jnp.sum(keep, axis=-1), 1)
    last = jnp.take_along_axis(sorted_logits, (n_keep - 1)[:, None], axis=-1)[:, 0]
    return jnp.where(top_p < 1.0, last, NEG_INF)


def filter_top_k_top_p(logits: jax.Array, top_k: jax.Array, top_p: jax.Array) -> jax.Array:
    """Top-k, then top-p over the distribution top-k left (transformers' order); removed tokens -> -inf.

    Thresholds are by value, so tokens tied with the last kept one are kept too.
    """
    sorted_logits = _sorted_desc(logits)
    k_min = top_k_threshold(sorted_logits, top_k)
    sorted_after_k = jnp.where(sorted_logits >= k_min[:, None], sorted_logits, NEG_INF)
    p_min = top_p_threshold(sorted_after_k, top_p)
    threshold = jnp.maximum(k_min, p_min)
    return jnp.where(logits >= threshold[:, None], logits, NEG_INF)


def process_logits(logits: jax.Array, temperature: jax.Array, top_k: jax.Array, top_p: jax.Array) -> jax.Array:
    """Temperature, top-k, top-p. The sort is skipped at run time when no row filters."""
    scaled = apply_temperature(logits, temperature)
    needs_filter = jnp.any(top_k > 0) | jnp.any(top_p < 1.0)
    return jax.lax.cond(needs_filter, lambda x: filter_top_k_top_p(x, top_k, top_p), lambda x: x, scaled)


def inverse_cdf_draw(row_keys: jax.Array, logits: jax.Array) -> jax.Array:
    """One token per row from ``softmax(logits)`` by inverting the CDF at a uniform draw.

    One random number per row instead of Gumbel noise over the whole vocabulary (which
    costs more than a small model's forward step). Tokens with zero probability (``-inf``)
    are never drawn: the CDF is flat over them.
    """
    probs = jax.nn.softmax(logits, axis=-1)
    cdf = jnp.cumsum(probs, axis=-1)
    u = jax.vmap(lambda k: jax.random.uniform(k, (), jnp.float32))(row_keys) * cdf[:, -1]
    index = jnp.sum(cdf <= u[:, None], axis=-1)
    # u can round up to the total: fall back to the last token with mass
    vocab = logits.shape[-1]
    last = vocab - 1 - jnp.argmax(probs[:, ::-1] > 0, axis=-1)
    return jnp.minimum(index, last).astype(jnp.int32)


def sample_tokens(
    row_keys: jax.Array, logits: jax.Array, temperature: jax.Array, top_k: jax.Array, top_p: jax.Array
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Draw one token per row; returns ``(tokens [B] int32, policy_logprob [B], sampling_logprob [B])``.

    - ``row_keys [B]``: one PRNG key per row, so a row's draw never depends on its batch-mates;
    - ``policy_logprob``: log-prob of the token under the raw model distribution
      (``log_softmax(logits)``, temperature 1, no filtering) - what GRPO's ratio needs;
    - ``sampling_logprob``: log-prob under the processed distribution the token was actually
      drawn from (0 for greedy rows, whose distribution is a point mass).

    Rows with ``temperature == 0`` take the argmax (the first one on ties, like ``torch.argmax``).
    """
    logits = logits.astype(jnp.float32)
    processed = process_logits(logits, temperature, top_k, top_p)
    greedy = jnp.argmax(logits, axis=-1)
    drawn = jax.lax.cond(jnp.any(temperature > 0), lambda: inverse_cdf_draw(row_keys, processed), lambda: greedy.astype(jnp.int32))
    tokens = jnp.where(temperature > 0, drawn, greedy.astype(jnp.int32))
    policy = jnp.take_along_axis(jax.nn.log_softmax(logits, axis=-1), tokens[:, None], axis=-1)[:, 0]
    sampled = jnp.take_along_axis(jax.nn.log_softmax(processed, axis=-1), tokens[:, None], axis=-1)[:, 0]
    sampled = jnp.where(temperature > 0, sampled, 0.0)
    return tokens, policy, sampled
