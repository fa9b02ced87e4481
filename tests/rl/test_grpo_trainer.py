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
    loss_fn = make_grpo_loss_fn(GRPOStageConfig(loss_type="dapo"))

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
    # behaviour log-probs far below the current ones: ratio >> 1 + epsilon_high where advantages are positive
    b["old_logp"] = logp - 2.0
    cfg = GRPOStageConfig(loss_type="grpo", epsilon_high=0.28)
    loss_sum, weight, aux = make_grpo_loss_fn(cfg)(model, b, None)
    assert float(weight) == 4.0
    adv = np.asarray(b["advantages"])
    mask = np.asarray(b["loss_mask"])[:, 1:]
    want_high = (mask * (adv[:, None] > 0)).sum()
    assert float(aux["clip_high_sum"]) == pytest.approx(want_high)
    # clipped at 1 + epsilon_high for positive advantages, ratio e^2 for negative ones (min of the two)
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


def _rollouts(seed=0):
    """Two tasks x G=2 rollouts: prompts of lengths 5 and 9, completions of different lengths (policy masks 1)."""
    from inftool_jax.rollout.episode_rollout import Rollout

    rng = np.random.default_rng(seed)
    out = []
    for prompt_len in (5, 9):
        prompt = rng.integers(0, 97, prompt_len).astype(np.int32)
        for completion in (3, 6):
            tokens = np.concatenate([prompt, rng.integers(0, 97, completion).astype(np.int32)])
            mask = np.concatenate([np.zeros(prompt_len, np.int32), np.ones(completion, np.int32)])
            out.append(Rollout(None, tokens, mask, prompt_len, [], None, 1))
    return out



@pytest.fixture(scope="module")
def layouts(model, tmp_path_factory):
    """The same rollouts as the shared-prompt batch (micro_batches=1) and the full-sequence one (2), on 8 batch shards."""
    from types import SimpleNamespace

    from inftool_jax.model.config import MeshConfig
    from inftool_jax.model.sharding import make_mesh
    from inftool_jax.grading.gated_reward import RewardBatch
    from inftool_jax.rl.grpo_trainer import GRPOTrainer
    from inftool_jax.grading.reward_config import RewardConfig
    from inftool_jax.train.config import TrainConfig

    mesh = make_mesh(MeshConfig(data=1, fsdp=-1, tp=1))
    grpo = GRPOStageConfig(num_generations=2, prompts_per_step=2, max_completion_length=8, drop_zero_variance_groups=False)
    rollouts = _rollouts()
    adv = np.array([1.0, -1.0, 0.5, -0.5], np.float32)
    rewards = RewardBatch(adv, np.zeros((4, 5), bool), np.zeros(4, np.int32), np.zeros(4, bool))
    out = {}
    for micro in (1, 2):
        train = TrainConfig(micro_batches=micro, bucket_multiple=4, warmup_steps=0, tensorboard=False)
        # build_batch reads only the tokenizer's pad id
        trainer = GRPOTrainer(model, SimpleNamespace(pad_token_id=0), None, mesh, grpo, train, RewardConfig(), 2, 0,
                              tmp_path_factory.mktemp("grpo"), log_to_files=False)
        out[micro] = trainer.build_batch(rollouts, rewards).arrays
    return rollouts, out[1], out[2]


def test_shared_prompt_layout_gives_the_full_sequence_loss_and_gradient(model, layouts):
    _, shared, full = layouts
    assert "prefix_tokens" in shared and "tokens" in full
    # each distinct prompt once (rows padded to the 8 batch shards), every completion once, in a width-8 bucket
    assert shared["prefix_tokens"].shape == (8, 12) and shared["suffix_tokens"].shape == (8, 8)
    assert list(shared["prefix_index"][:4]) == [0, 0, 1, 1]
    md = ModelDef(model)
    params = flat_params(model)
    loss_fn = make_grpo_loss_fn(GRPOStageConfig())

    @jax.jit
    def run(p, batch):
        def objective(q):
            loss_sum, weight, _ = loss_fn(md.merge(q), batch, None)
            return loss_sum, weight

        return jax.value_and_grad(objective, has_aux=True)(p)

    (a_loss, a_weight), a_grads = run(params, {k: jnp.asarray(v) for k, v in shared.items()})
    (b_loss, b_weight), b_grads = run(params, {k: jnp.asarray(v) for k, v in full.items()})
    assert float(a_weight) == float(b_weight) == 18.0  # 3 + 6 + 3 + 6 policy tokens
    assert float(a_loss) == pytest.approx(float(b_loss), rel=1e-6)
    for name in a_grads:
        np.testing.assert_allclose(np.asarray(a_grads[name]), np.asarray(b_grads[name]), rtol=1e-4, atol=1e-5)


def test_shared_prefix_logprobs_equal_the_full_forward_on_the_policy_tokens(model, layouts):
    from inftool_jax.rl.grpo_trainer import shared_prefix_logprobs

    rollouts, shared, full = layouts
    logp, _ = jax.jit(shared_prefix_logprobs)(model, {k: jnp.asarray(v) for k, v in shared.items()})
    # the right-padded full sequences: row i's completion token t is predicted at position prompt_len - 1 + t
    want, _ = jax.jit(token_logprobs)(model, jnp.asarray(full["tokens"]), jnp.asarray(full["attention_mask"]))
    for i, r in enumerate(rollouts):
        n = len(r.tokens) - r.prompt_len
        np.testing.assert_allclose(np.asarray(logp[i, :n]), np.asarray(want[i, r.prompt_len - 1: r.prompt_len - 1 + n]),
                                   rtol=1e-5, atol=1e-5)


def test_shared_prompt_layout_trains_every_completion_token_when_the_prompt_bucket_reaches_max_length(model, tmp_path):
    """Prompts of 9 tokens bucket to width 12; with max_length 16 the completions (up to 6 tokens) still fit whole."""
    from types import SimpleNamespace

    from inftool_jax.grading.gated_reward import RewardBatch
    from inftool_jax.grading.reward_config import RewardConfig
    from inftool_jax.model.config import MeshConfig
    from inftool_jax.model.sharding import make_mesh
    from inftool_jax.rl.grpo_trainer import GRPOTrainer
    from inftool_jax.train.config import TrainConfig

    mesh = make_mesh(MeshConfig(data=1, fsdp=-1, tp=1))
    grpo = GRPOStageConfig(num_generations=2, prompts_per_step=2, max_completion_length=8, drop_zero_variance_groups=False)
    rollouts = _rollouts()
    rewards = RewardBatch(np.array([1.0, -1.0, 0.5, -0.5], np.float32), np.zeros((4, 5), bool), np.zeros(4, np.int32), np.zeros(4, bool))
    train = TrainConfig(micro_batches=1, bucket_multiple=4, max_length=16, warmup_steps=0, tensorboard=False)
    trainer = GRPOTrainer(model, SimpleNamespace(pad_token_id=0), None, mesh, grpo, train, RewardConfig(), 2, 0, tmp_path, log_to_files=False)
    arrays = trainer.build_batch(rollouts, rewards).arrays
    assert arrays["prefix_tokens"].shape[1] == 12
    assert int(arrays["loss_mask"].sum()) == 18  # 3 + 6 + 3 + 6 policy tokens, none cut
