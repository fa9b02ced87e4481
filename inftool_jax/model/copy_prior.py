"""A copy prior for a randomly initialised decoder: a planted previous-token head and induction head.

A small model trained from scratch for minutes does not learn to copy from its context: an induction head
needs two circuits that only pay off together (a layer-0 head that moves each token's identity one
position forward, and a layer-1 head that matches the current token against it and copies what follows),
so training sits on a long plateau before either forms (measured here: a 4-layer, 128-wide Qwen2, ours or
transformers' own, showed no induction after 2,000 steps of a pure copy task). Tool calls are mostly
copying (names, ids, numbers split into single digits), so the tiny default model gets both circuits
written into its initial weights; a short warm-up on repeated random strings (:mod:`copy_warmup`) then
sharpens them and the model stays a stock Qwen2 checkpoint.

The planted weights (torch layout ``[out, in]``, query head 0 and its KV head in layers 0 and 1):

* The token embeddings are zeroed in the last ``head_dim`` residual dimensions, which become a scratch
  space for "the previous token".
* Layer 0, previous-token head: query and key come only from their biases, placed on the fastest RoPE
  frequencies so that the score ``sum_f a^2 cos((i - j - 1) theta_f)`` peaks at key ``j = i - 1``. Its
  value is an orthonormal sketch of the (normalised) token embedding; the output writes that sketch into
  the scratch dimensions.
* Layer 1, induction head: the query is the same sketch of the current token, the key reads the scratch
  dimensions (the previous token's sketch), both on the slowest RoPE frequencies so the match barely
  depends on distance; a match means "the token before this key equals the current token". Its value is
  the sketch of the key's own token and the output maps it back onto the embedding dimensions, so with
  tied embeddings the copied token's logit rises.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inftool_jax.errors import InputError

POSITION_FREQUENCIES = 4
"""Fastest RoPE frequency pairs the previous-token head uses (enough for a ~10-nat margin at offset 1)."""
CONTENT_FREQUENCIES = 8
"""Slowest RoPE frequency pairs the induction head matches on (they barely rotate over a few hundred tokens
at theta 1e6)."""
POSITION_BIAS = 9.0
"""Query/key bias on those pairs; the score margin over the neighbouring offsets grows with its square."""
MATCH_GAIN = 2.0
"""Scale of the induction head's query and key (the match score grows with its square)."""
SCRATCH_WRITE_NORM = 0.2
"""Norm of what the previous-token head writes: about a token embedding's norm at init (std 0.02 x sqrt(96))."""


def check_copy_prior(hf_config: dict[str, Any], key: str = "tiny_model.copy_prior") -> None:
    """Raise :class:`InputError` (naming ``key``) when the model cannot carry the planted circuit."""
    hidden = hf_config["hidden_size"]
    heads = hf_config["num_attention_heads"]
    head_dim = hf_config.get("head_dim") or hidden // heads
    problems = []
    if hf_config["num_hidden_layers"] < 2:
        problems.append("needs at least 2 layers (previous-token head in layer 0, induction head in layer 1)")
    if not hf_config.get("tie_word_embeddings", False):
        problems.append("needs tie_word_embeddings (the induction head copies through the shared embedding)")
    if hidden < 2 * head_dim:
        problems.append(f"needs hidden_size >= 2 x head_dim ({hidden} < 2 x {head_dim})")
    if head_dim // 2 < POSITION_FREQUENCIES + CONTENT_FREQUENCIES:
        problems.append(f"needs head_dim >= {2 * (POSITION_FREQUENCIES + CONTENT_FREQUENCIES)} (got {head_dim})")
    if problems:
        raise InputError("<config>", key, "; ".join(problems))


def plant_copy_circuit(model: Any, hf_config: dict[str, Any], seed: int = 0) -> None:
    """Write the previous-token head (layer 0) and induction head (layer 1) into ``model`` in place.

    ``model`` is a freshly initialised :class:`~inftool_jax.model.decoder.CausalLM` with tied embeddings;
    every other weight keeps its random initial value.
    """
    import jax.numpy as jnp

    check_copy_prior(hf_config)
    rng = np.random.default_rng(seed)
    hidden = hf_config["hidden_size"]
    head_dim = hf_config.get("head_dim") or hidden // hf_config["num_attention_heads"]
    half = head_dim // 2
    scratch = head_dim
    embed_dims = hidden - scratch
    theta = hf_config.get("rope_theta", 10000.0)
    inv_freq = theta ** (-np.arange(half) * 2.0 / head_dim)

    embedding = np.array(model.embed_tokens.weight[...], dtype=np.float32)
    embedding[:, embed_dims:] = 0.0
    model.embed_tokens.weight[...] = jnp.asarray(embedding, dtype=model.embed_tokens.weight[...].dtype)
    # Orthonormal rows: a scratch-sized sketch of the embedding dimensions.
    sketch = np.linalg.qr(rng.normal(size=(embed_dims, scratch)))[0].T  # [scratch, embed_dims]

    def head_weights(layer: Any) -> dict[str, np.ndarray]:
        attn = layer.self_attn
        weights = {name: np.array(getattr(attn, name).weight[...], dtype=np.float32) for name in ("q_proj", "k_proj", "v_proj", "o_proj")}
        for name in ("q_proj", "k_proj", "v_proj"):
            weights[name][:head_dim] = 0.0  # query head 0 / KV head 0
            weights[name + ".bias"] = np.zeros(head_dim, np.float32)
        weights["o_proj"][:, :head_dim] = 0.0
        return weights

    def store(layer: Any, weights: dict[str, np.ndarray]) -> None:
        attn = layer.self_attn
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            proj = getattr(attn, name)
            proj.weight[...] = jnp.asarray(weights[name], dtype=proj.weight[...].dtype)
            if name + ".bias" in weights:
                if proj.bias is None:
                    raise InputError("<config>", "tiny_model.copy_prior", "needs attention biases (Qwen2 has them)")
                bias = np.array(proj.bias[...], dtype=np.float32)
                bias[:head_dim] = weights[name + ".bias"]
                proj.bias[...] = jnp.asarray(bias, dtype=proj.bias[...].dtype)

    # Layer 0: previous-token head. RoPE turns (q_f, k_f) into q_f conj(k_f) e^{i (i-j) theta_f}; with a real
    # query and k_f = a e^{i theta_f}, the score is sum_f a^2 cos((i - j - 1) theta_f), largest at j = i - 1.
    weights = head_weights(model.layers[0])
    for f in range(POSITION_FREQUENCIES):
        weights["q_proj.bias"][f] = POSITION_BIAS
        weights["k_proj.bias"][f] = POSITION_BIAS * np.cos(inv_freq[f])
        weights["k_proj.bias"][f + half] = POSITION_BIAS * np.sin(inv_freq[f])
    weights["v_proj"][:scratch, :embed_dims] = sketch
    # The normalised input has norm ~sqrt(hidden), its sketch ~sqrt(hidden * scratch / embed_dims).
    gain = SCRATCH_WRITE_NORM / np.sqrt(hidden * scratch / embed_dims)
    weights["o_proj"][embed_dims:, :scratch] = gain * np.eye(scratch)
    store(model.layers[0], weights)

    # Layer 1: induction head on the slowest RoPE frequency pairs (content, nearly position-free).
    weights = head_weights(model.layers[1])
    pairs = CONTENT_FREQUENCIES
    slots = list(range(half - pairs, half)) + list(range(head_dim - pairs, head_dim))
    key_gain = MATCH_GAIN * np.sqrt(embed_dims / scratch)  # the scratch copy is shorter than the embedding
    for j, slot in enumerate(slots):
        weights["q_proj"][slot, :embed_dims] = MATCH_GAIN * sketch[j]
        weights["k_proj"][slot, embed_dims + j] = key_gain
    weights["v_proj"][:scratch, :embed_dims] = sketch
    weights["o_proj"][:embed_dims, :scratch] = sketch.T
    store(model.layers[1], weights)
