"""The GRPO loss the train step differentiates: token log-probs, the on-policy gradient, masks and the KL term."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from inftool_jax.model.pretrained import create_model
from inftool_jax.rl.grpo_stage_config import GRPOStageConfig
from inftool_jax.rl.grpo_trainer import make_grpo_loss_fn, token_logprobs
from inftool_jax.train.state import ModelDef, flat_params

HF = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 97, "hidden_size": 32,
    "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": True,
    "initializer_range": 0.2,
}


@pytest.fixture(scope="module")
def model():
    return create_model(HF, seed=3)


def _batch(n=4, t=12, seed=0):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 97, (n, t)).astype(np.int32)
    attn = np.ones((n, t), np.int32)
    attn[1, -3:] = 0  # right padding
    loss_mask = np.zeros((n, t), np.int32)
    loss_mask[:, 5:] = 1
    loss_mask *= attn
    adv = rng.standard_normal(n).astype(np.float32)
    return {"tokens": tokens, "attention_mask": attn, "loss_mask": loss_mask, "advantages": adv,
            "sample_mask": np.ones(n, np.float32)}


def test_token_logprobs_are_the_shifted_log_softmax_of_the_full_forward(model):
    b = _batch()
    logp, entropy = token_logprobs(model, jnp.asarray(b["tokens"]), jnp.asarray(b["attention_mask"]))
    logits = np.asarray(model(jnp.asarray(b["tokens"]), attention_mask=jnp.asarray(b["attention_mask"])), np.float64)
    ls = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) - logits.max(-1, keepdims=True)
    want = np.take_along_axis(ls[:, :-1], b["tokens"][:, 1:, None], -1)[..., 0]
    np.testing.assert_allclose(np.asarray(logp), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(entropy), -(np.exp(ls) * ls).sum(-1)[:, :-1], rtol=1e-4, atol=1e-5)


def test_on_policy_gradient_equals_the_reinforce_gradient_and_weight_is_the_trained_token_count(model):
    b = {k: jnp.asarray(v) for k, v in _batch().items()}
    md = ModelDef(model)
    params = flat_params(model)
    loss_fn = make_grpo_loss_fn(GRPOStageConfig(loss_aggregation="token-mean"))

    def grpo(p):
        loss_sum, weight, aux = loss_fn(md.merge(p), b, jax.random.PRNGKey(0))
        return loss_sum, (weight, aux)

    def reinforce(p):
        logp, _ = token_logprobs(md.merge(p), b["tokens"], b["attention_mask"])
        mask = b["loss_mask"][:, 1:].astype(jnp.float32)
        return -(b["advantages"][:, None] * logp * mask).sum()

    (loss_sum, (weight, aux)), g1 = jax.value_and_grad(grpo, has_aux=True)(params)
    g2 = jax.grad(reinforce)(params)
    mask = np.asarray(b["loss_mask"])[:, 1:]
    # ratio is exactly 1 on-policy: the loss is -sum(adv) over trained tokens
    np.testing.assert_allclose(float(loss_sum), -(np.asarray(b["advantages"])[:, None] * mask).sum(), rtol=1e-5)
    assert float(weight) == mask.sum() == float(aux["trained_tokens"])
    assert float(aux["clip_low_sum"]) == float(aux["clip_high_sum"]) == 0.0
    for name in g1:
        np.testing.assert_allclose(np.asarray(g1[name]), np.asarray(g2[name]), rtol=2e-4, atol=1e-6)


def test_dropped_samples_contribute_nothing(model):
    b = _batch()
    b["sample_mask"] = np.array([1, 0, 1, 0], np.float32)
    loss_fn = make_grpo_loss_fn(GRPOStageConfig())
    full = {k: jnp.asarray(v) for k, v in b.items()}
    kept = {k: jnp.asarray(v[[0, 2]]) for k, v in b.items()}
    a = loss_fn(model, full, None)
    c = loss_fn(model, kept, None)
    np.testing.assert_allclose(float(a[0]), float(c[0]), rtol=1e-5)
    assert float(a[1]) == float(c[1])


def test_sequence_mean_weight_counts_sequences_and_clipping_shows_in_the_aux_sums(model):
    b = {k: jnp.asarray(v) for k, v in _batch().items()}
    logp, _ = token_logprobs(model, b["tokens"], b["attention_mask"])
    # behaviour log-probs far below the current ones: ratio >> 1 + eps_high where advantages are positive
    b["old_logp"] = logp - 2.0
    cfg = GRPOStageConfig(loss_aggregation="sequence-mean-token-mean", eps_high=0.28)
    loss_sum, weight, aux = make_grpo_loss_fn(cfg)(model, b, None)
    assert float(weight) == 4.0
    adv = np.asarray(b["advantages"])
    mask = np.asarray(b["loss_mask"])[:, 1:]
    want_high = (mask * (adv[:, None] > 0)).sum()
    assert float(aux["clip_high_sum"]) == pytest.approx(want_high)
    # clipped at 1 + eps_high for positive advantages, ratio e^2 for negative ones (min of the two)
    per_seq = [(-(adv[i] * (1.28 if adv[i] > 0 else np.e**2))) for i in range(4)]
    assert float(loss_sum) == pytest.approx(sum(per_seq), rel=1e-4)


def test_beta_adds_the_k3_kl_to_the_reference(model):
    b = {k: jnp.asarray(v) for k, v in _batch().items()}
    logp, _ = token_logprobs(model, b["tokens"], b["attention_mask"])
    b["ref_logp"] = logp + 0.5
    no_kl = make_grpo_loss_fn(GRPOStageConfig(beta=0.0))(model, b, None)
    with_kl = make_grpo_loss_fn(GRPOStageConfig(beta=0.1))(model, b, None)
    tokens = float(no_kl[1])
    k3 = np.exp(0.5) - 0.5 - 1.0
    assert float(with_kl[2]["kl_sum"]) == pytest.approx(k3 * tokens, rel=1e-4)
    assert float(with_kl[0]) - float(no_kl[0]) == pytest.approx(0.1 * k3 * tokens, rel=1e-3)
