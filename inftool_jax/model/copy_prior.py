"""A copy prior for a randomly initialised decoder: planted previous-token heads and induction heads.

A small model trained from scratch for minutes does not learn to copy from its context: an induction head
needs two circuits that only pay off together (a layer-0 head that moves each token's identity forward,
and a layer-1 head that matches the current token against it and copies what follows), so training sits
on a long plateau before either forms (measured here: a 4-layer, 128-wide Qwen2, ours or transformers'
own, showed no induction after 2,000 steps of a pure copy task). Tool calls are mostly copying (names,
ids, numbers split into single digits), so the tiny default model gets both circuits written into its
initial weights; a short warm-up on repeated random strings (:mod:`copy_warmup`) then sharpens them. The
model stays a stock Qwen2 checkpoint; only initial values change.

The planted weights (torch layout ``[out, in]``; ``g`` = query heads per KV head):

* The token embeddings are zeroed in the last ``head_dim`` residual dimensions, a scratch space split in
  two halves: "the previous token" and "the token before that".
* Layer 0, query heads 0 and 1 (position heads): query and key come only from their biases, on the
  fastest RoPE frequencies, so that head 0's score ``sum_f a^2 cos((i - j - 1) theta_f)`` peaks at key
  ``j = i - 1`` and head 1's at ``j = i - 2``. Their value is an orthonormal sketch of the (normalised)
  token embedding; head 0 writes it into the first scratch half, head 1 into the second.
* Layer 1, two induction heads on the slowest RoPE frequencies (so the match barely depends on distance):
  query head 0 matches the current token against each key's previous token; query head ``g`` (the next
  KV head) matches the current *and* previous token against each key's two previous tokens, which tells
  apart the many places a single digit occurs. Both copy the key's own token: their value is its sketch
  and their output maps it back onto the embedding dimensions, so with tied embeddings its logit rises.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inftool_jax.errors import InputError

POSITION_FREQUENCIES = 4
"""Fastest RoPE frequency pairs the position heads use (enough for a ~10-nat margin over the neighbours)."""
CONTENT_FREQUENCIES = 8
"""Slowest RoPE frequency pairs the induction head matches on (they barely rotate over a few hundred tokens
at theta 1e6)."""
POSITION_BIAS = 9.0
"""Query/key bias on those pairs; the score margin over the neighbouring offsets grows with its square."""
MATCH_GAIN = 2.0
"""Scale of the induction head's query and key (the match score grows with its square)."""
SCRATCH_WRITE_NORM = 0.2
"""Norm of what the position heads write together: about a token embedding's norm at init (std 0.02 x sqrt(96))."""


def check_copy_prior(hf_config: dict[str, Any], key: str = "tiny_model.copy_prior") -> None:
    """Raise :class:`InputError` (naming ``key``) when the model cannot carry the planted circuit."""
    hidden = hf_config["hidden_size"]
    heads = hf_config["num_attention_heads"]
    head_dim = hf_config.get("head_dim") or hidden // heads
    problems = []
    if hf_config["num_hidden_layers"] < 2:
        problems.append("needs at least 2 layers (position heads in layer 0, induction heads in layer 1)")
    if heads < 2 or hf_config.get("num_key_value_heads", heads) < 2:
        problems.append("needs at least 2 attention heads and 2 KV heads")
    if not hf_config.get("tie_word_embeddings", False):
        problems.append("needs tie_word_embeddings (the induction head copies through the shared embedding)")
    if hidden < 2 * head_dim:
        problems.append(f"needs hidden_size >= 2 x head_dim ({hidden} < 2 x {head_dim})")
    if head_dim // 2 < POSITION_FREQUENCIES + CONTENT_FREQUENCIES:
        problems.append(f"needs head_dim >= {2 * (POSITION_FREQUENCIES + CONTENT_FREQUENCIES)} (got {head_dim})")
    if problems:
        raise InputError("<config>", key, "; ".join(problems))


def plant_copy_circuit(model: Any, hf_config: dict[str, Any], seed: int = 0) -> None:
    """Write the position heads (layer 0) and induction heads (layer 1) into ``model`` in place.

    ``model`` is a freshly initialised :class:`~inftool_jax.model.decoder.CausalLM` with tied embeddings;
    every other weight keeps its random initial value.
    """
    import jax.numpy as jnp

    check_copy_prior(hf_config)
    rng = np.random.default_rng(seed)
    hidden = hf_config["hidden_size"]
    heads = hf_config["num_attention_heads"]
    group = heads // hf_config.get("num_key_value_heads", heads)
    head_dim = hf_config.get("head_dim") or hidden // heads
    half = head_dim // 2
    scratch = head_dim
    block = scratch // 2
    embed_dims = hidden - scratch
    theta = hf_config.get("rope_theta", 10000.0)
    inv_freq = theta ** (-np.arange(half) * 2.0 / head_dim)

    embedding = np.array(model.embed_tokens.weight[...], dtype=np.float32)
    embedding[:, embed_dims:] = 0.0
    model.embed_tokens.weight[...] = jnp.asarray(embedding, dtype=model.embed_tokens.weight[...].dtype)
    # Orthonormal rows: a scratch-sized sketch of the embedding dimensions.
    sketch = np.linalg.qr(rng.normal(size=(embed_dims, scratch)))[0].T  # [scratch, embed_dims]

    def rows(head: int) -> slice:
        return slice(head * head_dim, (head + 1) * head_dim)

    def load(layer: Any) -> dict[str, np.ndarray]:
        attn = layer.self_attn
        weights = {}
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            proj = getattr(attn, name)
            weights[name] = np.array(proj.weight[...], dtype=np.float32)
            if name != "o_proj":
                if proj.bias is None:
                    raise InputError("<config>", "tiny_model.copy_prior", "needs attention biases (Qwen2 has them)")
                weights[name + ".bias"] = np.array(proj.bias[...], dtype=np.float32)
        return weights

    def clear(weights: dict[str, np.ndarray], query_head: int) -> None:
        """Zero a query head, its KV head and its output columns: the planted values replace them."""
        kv = query_head // group
        weights["q_proj"][rows(query_head)] = 0.0
        weights["q_proj.bias"][rows(query_head)] = 0.0
        for name in ("k_proj", "v_proj"):
            weights[name][rows(kv)] = 0.0
            weights[name + ".bias"][rows(kv)] = 0.0
        weights["o_proj"][:, rows(query_head)] = 0.0

    def store(layer: Any, weights: dict[str, np.ndarray]) -> None:
        attn = layer.self_attn
        for name, value in weights.items():
            proj = getattr(attn, name.split(".")[0])
            param = proj.bias if name.endswith(".bias") else proj.weight
            param[...] = jnp.asarray(value, dtype=param[...].dtype)

    # Layer 0: position heads. RoPE turns (q_f, k_f) into q_f conj(k_f) e^{i (i-j) theta_f}. With
    # k_f = a e^{i theta_f} and q_f = a e^{-i (d-1) theta_f}, the score is sum_f a^2 cos((i - j - d) theta_f),
    # largest at j = i - d.
    weights = load(model.layers[0])
    for offset, head in ((1, 0), (2, 1)):
        clear(weights, head)
    for offset, head in ((1, 0), (2, 1)):
        kv = head // group
        q_bias, k_bias = weights["q_proj.bias"][rows(head)], weights["k_proj.bias"][rows(kv)]
        for f in range(POSITION_FREQUENCIES):
            q_bias[f] = POSITION_BIAS * np.cos((offset - 1) * inv_freq[f])
            q_bias[f + half] = -POSITION_BIAS * np.sin((offset - 1) * inv_freq[f])
            k_bias[f] = POSITION_BIAS * np.cos(inv_freq[f])
            k_bias[f + half] = POSITION_BIAS * np.sin(inv_freq[f])
        weights["v_proj"][kv * head_dim : kv * head_dim + scratch, :embed_dims] = sketch
        # The normalised input has norm ~sqrt(hidden); a block of its sketch ~sqrt(hidden * block / embed_dims).
        gain = SCRATCH_WRITE_NORM / np.sqrt(2 * hidden * block / embed_dims)
        target = embed_dims + (offset - 1) * block
        weights["o_proj"][target : target + block, head * head_dim : head * head_dim + block] = gain * np.eye(block)
    store(model.layers[0], weights)

    # Layer 1: induction heads on the slowest RoPE frequency pairs (content, nearly position-free).
    weights = load(model.layers[1])
    one_token, two_tokens = 0, group  # query heads on KV heads 0 and 1
    for head in (one_token, two_tokens):
        clear(weights, head)
    pairs = CONTENT_FREQUENCIES
    slots = list(range(half - pairs, half)) + list(range(head_dim - pairs, head_dim))
    # Per dimension the scratch copy is shorter than the embedding by sqrt(scratch / embed_dims).
    scratch_gain = MATCH_GAIN * np.sqrt(embed_dims / scratch)
    q1, k1 = weights["q_proj"][rows(one_token)], weights["k_proj"][rows(one_token // group)]
    q2, k2 = weights["q_proj"][rows(two_tokens)], weights["k_proj"][rows(two_tokens // group)]
    for j, slot in enumerate(slots):
        # current token vs the key's previous token, on all content slots
        q1[slot, :embed_dims] = MATCH_GAIN * sketch[j % block]
        k1[slot, embed_dims + j % block] = scratch_gain
        if j < pairs:  # current token vs the key's previous token
            q2[slot, :embed_dims] = MATCH_GAIN * sketch[j]
            k2[slot, embed_dims + j] = scratch_gain
        else:  # the query's previous token vs the key's token two back
            q2[slot, embed_dims + j - pairs] = scratch_gain
            k2[slot, embed_dims + block + j - pairs] = scratch_gain
    for head in (one_token, two_tokens):
        kv = head // group
        weights["v_proj"][kv * head_dim : kv * head_dim + scratch, :embed_dims] = sketch
        weights["o_proj"][:embed_dims, head * head_dim : head * head_dim + scratch] = sketch.T
    store(model.layers[1], weights)
