"""The copy prior: planted position heads (1 and 2 tokens back) and induction heads, sharpened by a copy warm-up."""

from __future__ import annotations

import copy

import jax.numpy as jnp
import numpy as np
import pytest

from inftool_jax.errors import InputError
from inftool_jax.model import create_model
from inftool_jax.bootstrap.copy_prior import check_copy_prior, plant_copy_circuit
from inftool_jax.bootstrap.copy_warmup import copy_loss, copy_warmup, repeated_strings

HF_CONFIG = {
    "architectures": ["Qwen2ForCausalLM"],
    "model_type": "qwen2",
    "vocab_size": 256,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 2,
    "hidden_act": "silu",
    "max_position_embeddings": 512,
    "rope_theta": 1_000_000.0,
    "rms_norm_eps": 1e-6,
    "tie_word_embeddings": True,
}
TOKENS = np.arange(4, 256)
GROUPED = HF_CONFIG | {"num_attention_heads": 4, "hidden_size": 128}  # cpu_tiny's layout: 2 query heads per KV head
LAYOUTS = pytest.mark.parametrize("config", [HF_CONFIG, GROUPED], ids=["one-query-head-per-kv-head", "two-per-kv-head"])


def layer0_attention(model, ids: np.ndarray, theta: float, head: int) -> np.ndarray:
    """``[T, T]`` attention probabilities of a layer-0 query head, recomputed here with RoPE written out."""
    attn = model.layers[0].self_attn
    x = model.layers[0].input_layernorm(model.embed_tokens(jnp.asarray(ids[None])))
    head_dim = attn.head_dim
    kv = head // (attn.num_heads // attn.num_kv_heads)
    q = np.asarray(attn.q_proj(x))[0, :, head * head_dim : (head + 1) * head_dim]
    k = np.asarray(attn.k_proj(x))[0, :, kv * head_dim : (kv + 1) * head_dim]
    half = head_dim // 2
    positions = np.arange(len(ids))[:, None]
    rotation = np.exp(1j * positions * theta ** (-np.arange(half) * 2.0 / head_dim))
    qc = (q[:, :half] + 1j * q[:, half:]) * rotation
    kc = (k[:, :half] + 1j * k[:, half:]) * rotation
    scores = np.real(qc @ kc.conj().T) / np.sqrt(head_dim)
    scores = np.where(np.tril(np.ones_like(scores, dtype=bool)), scores, -np.inf)
    probs = np.exp(scores - scores.max(axis=1, keepdims=True))
    return probs / probs.sum(axis=1, keepdims=True)


@LAYOUTS
@pytest.mark.parametrize("offset", [1, 2])
def test_planted_layer0_heads_attend_one_and_two_tokens_back_whatever_the_tokens(config, offset):
    model = create_model(config, seed=0)
    plant_copy_circuit(model, config, seed=0)
    ids = np.random.default_rng(1).choice(TOKENS, 200)
    probs = layer0_attention(model, ids, config["rope_theta"], head=offset - 1)
    assert probs[np.arange(offset, 200), np.arange(0, 200 - offset)].min() > 0.95


def test_an_unplanted_model_does_not_attend_to_the_previous_token():
    model = create_model(HF_CONFIG, seed=0)
    ids = np.random.default_rng(1).choice(TOKENS, 200)
    probs = layer0_attention(model, ids, HF_CONFIG["rope_theta"], head=0)
    assert probs[np.arange(1, 200), np.arange(0, 199)].mean() < 0.2


def test_planting_zeroes_the_scratch_dimensions_of_the_embedding_and_keeps_other_layers():
    model = create_model(HF_CONFIG, seed=0)
    before = np.asarray(model.layers[1].mlp.up_proj.weight[...]).copy()
    plant_copy_circuit(model, HF_CONFIG, seed=0)
    embedding = np.asarray(model.embed_tokens.weight[...])
    assert np.all(embedding[:, 64 - 32 :] == 0) and np.any(embedding[:, : 64 - 32] != 0)
    np.testing.assert_array_equal(np.asarray(model.layers[1].mlp.up_proj.weight[...]), before)


def test_repeated_strings_mask_only_what_an_induction_head_can_predict():
    ids, mask = repeated_strings(np.random.default_rng(0), 32, 96, TOKENS)
    assert ids.shape == mask.shape == (32, 96) and ids.dtype == np.int32
    for row, weights in zip(ids, mask):
        period = int(np.argmax(weights)) - 1
        assert 8 <= period <= 48
        np.testing.assert_array_equal(row[period:], row[: 96 - period])
        assert len(set(row[:period].tolist())) > 1 and weights[period + 1 :].all()
        assert np.isin(row, TOKENS).all()


def _copy_accuracy(model, seed: int = 99, tokens: np.ndarray = TOKENS) -> float:
    ids, mask = repeated_strings(np.random.default_rng(seed), 32, 96, tokens)
    return float(copy_loss(model, jnp.asarray(ids), jnp.asarray(mask))[1])


def _planted(config, seed: int = 0):
    model = create_model(config, seed=seed)
    plant_copy_circuit(model, config, seed=seed)
    return model


@LAYOUTS
def test_the_planted_model_copies_repeated_strings_before_any_training(config):
    assert _copy_accuracy(_planted(config)) > 0.5
    assert _copy_accuracy(create_model(config, seed=0)) < 0.05


def test_the_two_token_induction_head_alone_copies_strings_where_single_tokens_repeat():
    # Ten symbols in strings of 8-48: every symbol occurs several times per string, so matching the current token
    # alone is ambiguous; matching the current and previous token mostly is not.
    digits = np.arange(10, 20)
    model = _planted(GROUPED)
    one_token_columns = slice(0, 32)  # layer-1 query head 0: the single-token induction head
    o_proj = model.layers[1].self_attn.o_proj
    o_proj.weight[...] = o_proj.weight[...].at[:, one_token_columns].set(0.0)
    two_token_alone = _copy_accuracy(model, tokens=digits)
    q_proj = model.layers[1].self_attn.q_proj
    two_token_rows = slice(2 * 32, 3 * 32)  # query head 2 (KV head 1): the two-token induction head
    q_proj.weight[...] = q_proj.weight[...].at[two_token_rows].set(0.0)
    neither = _copy_accuracy(model, tokens=digits)
    model = _planted(GROUPED)
    o_proj = model.layers[1].self_attn.o_proj
    o_proj.weight[...] = o_proj.weight[...].at[:, two_token_rows].set(0.0)
    one_token_alone = _copy_accuracy(model, tokens=digits)
    # measured: 0.66, 0.37 and 0.006
    assert two_token_alone > 0.5 and two_token_alone > one_token_alone + 0.15 and neither < 0.1, (
        two_token_alone, one_token_alone, neither)


@LAYOUTS
def test_a_short_warmup_makes_the_planted_model_copy_and_leaves_a_random_model_at_chance(config):
    planted, plain = _planted(config), create_model(config, seed=0)
    settings = dict(steps=40, learning_rate=3e-3, batch_size=16, length=96, seed=0, progress=False)
    copy_warmup(planted, TOKENS, **settings)
    copy_warmup(plain, TOKENS, **settings)
    assert _copy_accuracy(planted) > 0.8
    assert _copy_accuracy(plain) < 0.1


def test_warmup_trains_the_weights_deterministically_for_a_seed():
    a, b, untouched = _planted(HF_CONFIG), _planted(HF_CONFIG), _planted(HF_CONFIG)
    for model in (a, b):
        copy_warmup(model, TOKENS, steps=3, learning_rate=3e-3, batch_size=4, length=64, seed=5, progress=False)
    weight = lambda m: np.asarray(m.layers[1].self_attn.k_proj.weight[...])  # noqa: E731
    np.testing.assert_array_equal(weight(a), weight(b))
    assert not np.array_equal(weight(a), weight(untouched))


@pytest.mark.parametrize("steps", [1, 7])
def test_warmup_runs_for_any_positive_step_count(steps):
    model = _planted(HF_CONFIG)
    metrics = copy_warmup(model, TOKENS, steps=steps, learning_rate=3e-3, batch_size=2, length=32, progress=False)
    assert set(metrics) == {"loss", "copy_accuracy"} and np.isfinite(metrics["loss"])


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"num_hidden_layers": 1}, "at least 2 layers"),
        ({"tie_word_embeddings": False}, "tie_word_embeddings"),
        ({"num_attention_heads": 4}, "head_dim >= 24"),
        ({"num_key_value_heads": 1}, "2 KV heads"),
        ({"head_dim": 48}, "hidden_size >= 2 x head_dim"),
        ({"model_type": "llama", "architectures": ["LlamaForCausalLM"]}, "q/k/v biases"),
    ],
)
def test_models_that_cannot_carry_the_circuit_are_input_errors_naming_the_key(change, needle):
    config = copy.deepcopy(HF_CONFIG) | change
    with pytest.raises(InputError, match=needle) as err:
        check_copy_prior(config)
    assert "tiny_model.copy_prior" in str(err.value)
