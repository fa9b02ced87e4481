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
* Layer 1, two induction heads on the slowest RoPE frequencies (so the match barely depends on distance; this
  wants a large ``rope_theta``, e.g. Qwen2.5's 1e6, under which they barely rotate over a prompt):
  query head 0 matches the current token against each key's previous token; query head ``g`` (the next
  KV head) matches the current *and* previous token against each key's two previous tokens, which tells
  apart the many places a single digit occurs. Both copy the key's own token: their value is its sketch
  and their output maps it back onto the embedding dimensions, so with tied embeddings its logit rises.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inftool_jax.errors import InputError
from inftool_jax.model.architecture import DecoderConfig, parse_hf_config
from inftool_jax.model.rope import inverse_frequencies

POSITION_FREQUENCIES = 4
"""Fastest RoPE frequency pairs the position heads use (enough for a ~10-nat margin over the neighbours)."""
CONTENT_FREQUENCIES = 8
"""Slowest RoPE frequency pairs the induction heads match on; they must leave the fastest pairs out, which rotate too
fast for a match between tokens far apart."""
POSITION_BIAS = 9.0
"""Query/key bias on those pairs; the score margin over the neighbouring offsets grows with its square."""
MATCH_GAIN = 2.0
"""Scale of the induction heads' queries and keys (the match score grows with its square)."""
SCRATCH_WRITE_NORM = 0.2
"""Norm of what the position heads write together: about a token embedding's norm at the usual init (std 0.02 over
~100 dimensions), so neither drowns the other after the next RMSNorm."""
KEY = "tiny_model.copy_prior"


def check_copy_prior(hf_config: dict[str, Any] | DecoderConfig, key: str = KEY) -> DecoderConfig:
    """The parsed architecture; raises :class:`InputError` (naming ``key``) when it cannot carry the circuit."""
    arch = hf_config if isinstance(hf_config, DecoderConfig) else parse_hf_config(hf_config, source="<config>")
    problems = []
    if arch.num_layers < 2:
        problems.append("needs at least 2 layers (position heads in layer 0, induction heads in layer 1)")
    if arch.num_heads < 2 or arch.num_kv_heads < 2:
        problems.append("needs at least 2 attention heads and 2 KV heads")
    if not arch.tie_word_embeddings:
        problems.append("needs tie_word_embeddings (the induction heads copy through the shared embedding)")
    if not arch.attention_bias or arch.qk_norm:
        problems.append("needs q/k/v biases and no q/k norm (the position heads live in the biases; Qwen2 has both)")
    if arch.hidden_size < 2 * arch.head_dim:
        problems.append(f"needs hidden_size >= 2 x head_dim ({arch.hidden_size} < 2 x {arch.head_dim})")
    if arch.head_dim // 2 < POSITION_FREQUENCIES + CONTENT_FREQUENCIES:
        problems.append(f"needs head_dim >= {2 * (POSITION_FREQUENCIES + CONTENT_FREQUENCIES)} (got {arch.head_dim})")
    if problems:
        raise InputError("<config>", key, "; ".join(problems))
    return arch


class _Attention:
    """One layer's attention weights as float32 numpy arrays (torch layout ``[out, in]``), written back by ``store``."""

    def __init__(self, layer: Any, arch: DecoderConfig):
        self.attn = layer.self_attn
        self.head_dim = arch.head_dim
        self.group = arch.num_heads // arch.num_kv_heads
        self.w = {}
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            proj = getattr(self.attn, name)
            self.w[name] = np.array(proj.weight[...], dtype=np.float32)
            if name != "o_proj":
                self.w[name + ".bias"] = np.array(proj.bias[...], dtype=np.float32)

    def rows(self, head: int) -> slice:
        return slice(head * self.head_dim, (head + 1) * self.head_dim)

    def kv_rows(self, query_head: int) -> slice:
        return self.rows(query_head // self.group)

    def clear(self, query_head: int) -> None:
        """Zero a query head, its KV head and its output columns: the planted values replace them."""
        for name in ("q_proj", "q_proj.bias"):
            self.w[name][self.rows(query_head)] = 0.0
        for name in ("k_proj", "k_proj.bias", "v_proj", "v_proj.bias"):
            self.w[name][self.kv_rows(query_head)] = 0.0
        self.w["o_proj"][:, self.rows(query_head)] = 0.0

    def store(self) -> None:
        import jax.numpy as jnp

        for name, value in self.w.items():
            proj = getattr(self.attn, name.split(".")[0])
            param = proj.bias if name.endswith(".bias") else proj.weight
            param[...] = jnp.asarray(value, dtype=param[...].dtype)


def plant_copy_circuit(model: Any, hf_config: dict[str, Any], seed: int = 0) -> None:
    """Write the position heads (layer 0) and induction heads (layer 1) into ``model`` in place.

    ``model`` is a freshly initialised :class:`~inftool_jax.model.decoder.CausalLM`; every weight not named in the
    module docstring keeps its random initial value.
    """
    import jax.numpy as jnp

    arch = check_copy_prior(hf_config)
    scratch = arch.head_dim
    embed_dims = arch.hidden_size - scratch
    embedding = np.array(model.embed_tokens.weight[...], dtype=np.float32)
    embedding[:, embed_dims:] = 0.0
    model.embed_tokens.weight[...] = jnp.asarray(embedding, dtype=model.embed_tokens.weight[...].dtype)
    # Orthonormal rows: a scratch-sized sketch of the embedding dimensions.
    sketch = np.linalg.qr(np.random.default_rng(seed).normal(size=(embed_dims, scratch)))[0].T  # [scratch, embed_dims]
    plant_position_heads(model.layers[0], arch, sketch)
    plant_induction_heads(model.layers[1], arch, sketch)


def plant_position_heads(layer: Any, arch: DecoderConfig, sketch: np.ndarray) -> None:
    """Query heads 0 and 1 attend 1 and 2 tokens back and write the sketch of that token into scratch halves 0 and 1.

    RoPE turns (q_f, k_f) into q_f conj(k_f) e^{i (i-j) theta_f}. With k_f = a e^{i theta_f} and
    q_f = a e^{-i (d-1) theta_f}, the score is sum_f a^2 cos((i - j - d) theta_f), largest at j = i - d.
    """
    attn = _Attention(layer, arch)
    half, block = arch.head_dim // 2, arch.head_dim // 2
    embed_dims = sketch.shape[1]
    inv_freq = inverse_frequencies(arch)
    heads = {1: 0, 2: 1}  # offset -> query head
    for head in heads.values():
        attn.clear(head)
    # The normalised input has norm ~sqrt(hidden); a block of its sketch ~sqrt(hidden * block / embed_dims).
    gain = SCRATCH_WRITE_NORM / np.sqrt(2 * arch.hidden_size * block / embed_dims)
    for offset, head in heads.items():
        q_bias = attn.w["q_proj.bias"][attn.rows(head)]
        k_bias = attn.w["k_proj.bias"][attn.kv_rows(head)]
        for f in range(POSITION_FREQUENCIES):
            q_bias[f] = POSITION_BIAS * np.cos((offset - 1) * inv_freq[f])
            q_bias[f + half] = -POSITION_BIAS * np.sin((offset - 1) * inv_freq[f])
            k_bias[f] = POSITION_BIAS * np.cos(inv_freq[f])
            k_bias[f + half] = POSITION_BIAS * np.sin(inv_freq[f])
        attn.w["v_proj"][attn.kv_rows(head)][:, :embed_dims] = sketch
        target = embed_dims + (offset - 1) * block
        attn.w["o_proj"][target : target + block, attn.rows(head)][:, :block] = gain * np.eye(block)
    attn.store()


def plant_induction_heads(layer: Any, arch: DecoderConfig, sketch: np.ndarray) -> None:
    """Query head 0 matches (current token) against each key's previous token; query head ``group`` (on the next KV
    head) matches (current, previous token) against each key's (previous, second previous). Both copy the key's token.
    """
    attn = _Attention(layer, arch)
    half, block, pairs = arch.head_dim // 2, arch.head_dim // 2, CONTENT_FREQUENCIES
    embed_dims = sketch.shape[1]
    one_token, two_tokens = 0, attn.group
    for head in (one_token, two_tokens):
        attn.clear(head)
    slots = list(range(half - pairs, half)) + list(range(arch.head_dim - pairs, arch.head_dim))
    # Per dimension the scratch copy is shorter than the embedding by sqrt(scratch / embed_dims).
    scratch_gain = MATCH_GAIN * np.sqrt(embed_dims / arch.head_dim)
    q1, k1 = attn.w["q_proj"][attn.rows(one_token)], attn.w["k_proj"][attn.kv_rows(one_token)]
    q2, k2 = attn.w["q_proj"][attn.rows(two_tokens)], attn.w["k_proj"][attn.kv_rows(two_tokens)]
    for j, slot in enumerate(slots):
        q1[slot, :embed_dims] = MATCH_GAIN * sketch[j % block]  # current token ...
        k1[slot, embed_dims + j % block] = scratch_gain  # ... vs the key's previous token (scratch half 0)
        if j < pairs:  # current token vs the key's previous token
            q2[slot, :embed_dims] = MATCH_GAIN * sketch[j]
            k2[slot, embed_dims + j] = scratch_gain
        else:  # the query's previous token vs the key's second previous token (scratch half 1)
            q2[slot, embed_dims + j - pairs] = scratch_gain
            k2[slot, embed_dims + block + j - pairs] = scratch_gain
    for head in (one_token, two_tokens):
        attn.w["v_proj"][attn.kv_rows(head)][: arch.head_dim, :embed_dims] = sketch
        attn.w["o_proj"][:embed_dims, attn.rows(head)] = sketch.T
    attn.store()
