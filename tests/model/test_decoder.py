"""The decoder's forward pass: KV-cache decoding equals the full forward, masking, dtype policy."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from inftool_jax.model import create_model


# Jitted: eager dispatch compiles every small op separately and is far slower on a shared CPU.
forward = nnx.jit(lambda m, ids, mask=None, pos=None: m(ids, attention_mask=mask, positions=pos))


def _full_logits(model, tokens):
    return np.asarray(forward(model, jnp.asarray(tokens, jnp.int32)[None]))[0]


def test_incremental_decoding_with_cache_equals_full_forward_for_left_padded_prompts(family_config):
    chunks = (1, 3)  # single-token decode steps and multi-token appends
    model = create_model(family_config, seed=0)
    rng = np.random.default_rng(0)
    prompt_lens, decode_steps = (6, 2), 5
    seqs = [rng.integers(3, family_config["vocab_size"], n + decode_steps) for n in prompt_lens]
    width = max(prompt_lens)
    # left-padded prompts; pad id 0
    prompt = np.zeros((2, width), np.int32)
    key_mask = np.zeros((2, width), bool)
    for r, n in enumerate(prompt_lens):
        prompt[r, width - n :] = seqs[r][:n]
        key_mask[r, width - n :] = True
    positions = np.maximum(np.cumsum(key_mask, axis=1) - 1, 0).astype(np.int32)

    step = nnx.jit(lambda m, ids, pos, cache, km: m.forward_with_cache(ids, pos, cache, km))
    cache = model.init_cache(2, width + decode_steps + 2)
    logits, cache = step(model, jnp.asarray(prompt), jnp.asarray(positions), cache, jnp.asarray(key_mask))
    got = [[logits[r, -1]] for r in range(2)]
    next_pos = positions[:, -1] + 1
    t = 0
    while t < decode_steps:
        size = min(chunks[t % len(chunks)], decode_steps - t)
        ids = np.stack([seqs[r][prompt_lens[r] + t : prompt_lens[r] + t + size] for r in range(2)]).astype(np.int32)
        pos = (next_pos[:, None] + np.arange(size)[None]).astype(np.int32)
        logits, cache = step(model, jnp.asarray(ids), jnp.asarray(pos), cache, jnp.ones((2, size), bool))
        for r in range(2):
            got[r].extend(logits[r])
        next_pos = next_pos + size
        t += size
    assert int(cache.index) == width + decode_steps
    # reference: one full forward over the right-padded sequences
    full_ids = np.zeros((2, width + decode_steps), np.int32)
    full_mask = np.zeros_like(full_ids, dtype=bool)
    for r, seq in enumerate(seqs):
        full_ids[r, : len(seq)], full_mask[r, : len(seq)] = seq, True
    full = np.asarray(forward(model, jnp.asarray(full_ids), jnp.asarray(full_mask)))
    for r, n in enumerate(prompt_lens):
        want = full[r, n - 1 : n + decode_steps]  # last prompt token, then every decoded token
        np.testing.assert_allclose(np.stack([np.asarray(x) for x in got[r]]), want, atol=2e-5, rtol=0)


def test_left_padded_forward_with_positions_matches_unpadded_rows(qwen2_config):
    model = create_model(qwen2_config, seed=1)
    rng = np.random.default_rng(1)
    a, b = rng.integers(3, 96, 7), rng.integers(3, 96, 4)
    ids = np.zeros((2, 7), np.int32)
    ids[0], ids[1, 3:] = a, b
    mask = ids != 0
    pos = np.maximum(np.cumsum(mask, axis=1) - 1, 0)
    out = np.asarray(forward(model, jnp.asarray(ids), jnp.asarray(mask), jnp.asarray(pos)))
    np.testing.assert_allclose(out[1, 3:], _full_logits(model, b), atol=2e-5, rtol=0)
    assert np.isfinite(out).all()  # fully masked pad queries stay finite


def test_padding_tokens_do_not_change_logits_of_real_tokens(qwen2_config):
    model = create_model(qwen2_config, seed=2)
    ids = np.array([[5, 6, 7, 8, 0, 0]], np.int32)
    mask = ids != 0
    other = ids.copy()
    other[0, 4:] = [50, 60]
    out1 = np.asarray(forward(model, jnp.asarray(ids), jnp.asarray(mask)))
    out2 = np.asarray(forward(model, jnp.asarray(other), jnp.asarray(mask)))
    np.testing.assert_array_equal(out1[0, :4], out2[0, :4])


def test_bfloat16_compute_stays_close_to_float32_and_logits_are_float32(qwen2_config):
    ids = jnp.asarray(np.random.default_rng(0).integers(3, 96, (2, 8)), jnp.int32)
    f32 = create_model(qwen2_config, seed=3)
    bf16 = create_model(qwen2_config, seed=3, dtype="bfloat16", param_dtype="float32")
    assert bf16.embed_tokens.weight[...].dtype == jnp.float32
    out32, out16 = np.asarray(forward(f32, ids)), forward(bf16, ids)
    assert out16.dtype == jnp.float32
    err = np.abs(np.asarray(out16) - out32).max()
    assert 0 < err < 0.05 * np.abs(out32).max()


def test_model_exposes_hf_and_typed_config(family_config):
    model = create_model(family_config)
    assert model.hf_config["model_type"] == family_config["model_type"]
    assert model.config.num_layers == family_config["num_hidden_layers"]
    assert model.config.head_dim == family_config.get("head_dim", 16)
    logits = forward(model, jnp.zeros((1, 3), jnp.int32))
    assert logits.shape == (1, 3, family_config["vocab_size"])


def test_gradients_flow_to_every_parameter(qwen2_config):
    model = create_model(qwen2_config, seed=4)
    ids = jnp.asarray(np.random.default_rng(0).integers(3, 96, (2, 6)), jnp.int32)

    def loss(m):
        return jnp.mean(jax.nn.logsumexp(m(ids), axis=-1))

    grads = nnx.jit(nnx.grad(loss))(model)
    norms = [float(jnp.abs(g).sum()) for g in jax.tree.leaves(grads)]
    assert len(norms) == len(jax.tree.leaves(nnx.state(model, nnx.Param)))
    assert all(n > 0 for n in norms)


def test_fused_decode_step_equals_forward_with_cache_for_every_family(family_config):
    """The sampler's CPU decode path (decode_weights + decode_step) is the cached forward with T=1."""
    model = create_model(family_config, seed=0)
    rng = np.random.default_rng(1)
    width, steps = 5, 4
    prompt = rng.integers(3, family_config["vocab_size"], (2, width)).astype(np.int32)
    key_mask = np.ones((2, width), bool)
    key_mask[1, :2] = False  # row 1 is left-padded
    positions = np.maximum(np.cumsum(key_mask, axis=1) - 1, 0).astype(np.int32)
    prefill = nnx.jit(lambda m, ids, pos, cache, km: m.forward_with_cache(ids, pos, cache, km))
    fused = nnx.jit(lambda m, ids, pos, cache: m.decode_step(m.decode_weights(), ids, pos, cache))
    _, cache = prefill(model, jnp.asarray(prompt), jnp.asarray(positions), model.init_cache(2, width + steps), jnp.asarray(key_mask))
    cache_ref = cache
    pos = positions[:, -1] + 1
    for t in range(steps):
        ids = rng.integers(3, family_config["vocab_size"], 2).astype(np.int32)
        want, cache_ref = prefill(model, jnp.asarray(ids[:, None]), jnp.asarray(pos[:, None]), cache_ref, jnp.ones((2, 1), bool))
        got, cache = fused(model, jnp.asarray(ids), jnp.asarray(pos.astype(np.int32)), cache)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want[:, 0]), atol=2e-5, rtol=0)
        pos = pos + 1
    assert int(cache.index) == int(cache_ref.index) == width + steps
