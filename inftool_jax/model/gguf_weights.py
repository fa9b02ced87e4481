"""GGUF tensor names -> Hugging Face tensor names, and the q/k row order llama.cpp changed.

llama.cpp's converter reorders the rows of ``attn_q`` and ``attn_k`` (weights and biases) of
*llama*-architecture models: within each head, HF keeps the two rotary halves apart (RoPE
rotates row i with row i + head_dim/2), ggml's RoPE rotates neighbouring rows, so the
converter interleaves the halves. :func:`unpermute_rows` undoes that. Other architectures
(qwen2, qwen3) are written in HF order and left alone.
"""

from __future__ import annotations

import re

import numpy as np

from inftool_jax.errors import InputError

# Top-level tensors.
_GLOBAL = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
# Per-block tensors: GGUF suffix -> HF suffix under model.layers.N.
_BLOCK = {
    "attn_norm.weight": "input_layernorm.weight",
    "attn_q.weight": "self_attn.q_proj.weight",
    "attn_q.bias": "self_attn.q_proj.bias",
    "attn_k.weight": "self_attn.k_proj.weight",
    "attn_k.bias": "self_attn.k_proj.bias",
    "attn_v.weight": "self_attn.v_proj.weight",
    "attn_v.bias": "self_attn.v_proj.bias",
    "attn_output.weight": "self_attn.o_proj.weight",
    "attn_output.bias": "self_attn.o_proj.bias",
    "attn_q_norm.weight": "self_attn.q_norm.weight",  # qwen3
    "attn_k_norm.weight": "self_attn.k_norm.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
    "ffn_gate.weight": "mlp.gate_proj.weight",
    "ffn_gate.bias": "mlp.gate_proj.bias",
    "ffn_up.weight": "mlp.up_proj.weight",
    "ffn_up.bias": "mlp.up_proj.bias",
    "ffn_down.weight": "mlp.down_proj.weight",
    "ffn_down.bias": "mlp.down_proj.bias",
}
_BLOCK_NAME = re.compile(r"blk\.(\d+)\.(.+)")
# Architectures whose attn_q/attn_k rows llama.cpp's converter interleaved.
PERMUTED_ARCHITECTURES = ("llama",)


def hf_name(gguf_name: str, source: str) -> str:
    """The HF tensor name of a GGUF tensor; InputError for a tensor this importer does not know."""
    if gguf_name in _GLOBAL:
        return _GLOBAL[gguf_name]
    m = _BLOCK_NAME.fullmatch(gguf_name)
    if m and m.group(2) in _BLOCK:
        return f"model.layers.{int(m.group(1))}.{_BLOCK[m.group(2)]}"
    if gguf_name == "rope_freqs.weight":
        raise InputError(source, gguf_name, "per-frequency RoPE factors (Llama 3.1 rope scaling) are not supported by this importer")
    raise InputError(source, gguf_name, "tensor name not known to the importer (not a llama/qwen2/qwen3 decoder tensor)")


def unpermute_rows(weights: np.ndarray, n_head: int) -> np.ndarray:
    """Undo llama.cpp's per-head interleaving of the two rotary halves (rows = first axis).

    The converter wrote, per head, rows (0, h, 1, h+1, ...) with h = head_dim/2; this puts
    rows 0..h-1 and h..2h-1 back in order. Works for 2-D weights and 1-D biases.
    """
    rows = weights.shape[0]
    if rows % (2 * n_head):
        raise ValueError(f"{rows} rows cannot be split into {n_head} heads of even size")
    half = rows // n_head // 2
    return weights.reshape(n_head, half, 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


def hf_tensor(gguf_name: str, values: np.ndarray, architecture: str, num_heads: int, num_kv_heads: int) -> np.ndarray:
    """A dequantized GGUF tensor in the row order HF expects."""
    if architecture in PERMUTED_ARCHITECTURES:
        part = gguf_name.split(".")[-2] if gguf_name.startswith("blk.") else ""
        if part == "attn_q":
            return unpermute_rows(values, num_heads)
        if part == "attn_k":
            return unpermute_rows(values, num_kv_heads)
    return values
