"""Tiny random configs of every supported family, shared by the model tests."""

from __future__ import annotations

import copy

import pytest

_BASE = dict(
    vocab_size=96,
    hidden_size=64,
    intermediate_size=96,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    rms_norm_eps=1e-6,
    max_position_embeddings=256,
    initializer_range=0.02,
    bos_token_id=1,
    eos_token_id=2,
)

FAMILIES = {
    "qwen2_tied": dict(_BASE, model_type="qwen2", architectures=["Qwen2ForCausalLM"], tie_word_embeddings=True, rope_theta=10000.0),
    "qwen2_untied": dict(_BASE, model_type="qwen2", architectures=["Qwen2ForCausalLM"], tie_word_embeddings=False, rope_theta=1000.0),
    # head_dim deliberately not hidden_size / num_attention_heads
    "qwen3": dict(_BASE, model_type="qwen3", architectures=["Qwen3ForCausalLM"], head_dim=24, tie_word_embeddings=False, rope_theta=10000.0),
    "llama3": dict(
        _BASE,
        model_type="llama",
        architectures=["LlamaForCausalLM"],
        tie_word_embeddings=False,
        rope_theta=10000.0,
        # small original context so the llama3 scaling changes several frequencies at test lengths
        rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=64),
    ),
}


@pytest.fixture(params=sorted(FAMILIES))
def family_config(request) -> dict:
    """One tiny HF config dict per family (a fresh copy)."""
    return copy.deepcopy(FAMILIES[request.param])


@pytest.fixture
def qwen2_config() -> dict:
    return copy.deepcopy(FAMILIES["qwen2_untied"])
