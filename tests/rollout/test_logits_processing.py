"""Logits processing by hand: temperature, top-k, top-p, their order, and what sample_tokens draws."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from inftool_jax.rollout.logits_processing import (
    apply_temperature,
    filter_top_k_top_p,
    process_logits,
    sample_tokens,
)

# Jitted once at module level and always called with the same shapes: compiling dominates otherwise.
filter_jit = jax.jit(filter_top_k_top_p)
sample_jit = jax.jit(sample_tokens)


def _kept(logits, top_k, top_p) -> list[list[int]]:
    out = np.asarray(filter_jit(jnp.asarray(logits, jnp.float32), jnp.asarray(top_k, jnp.int32), jnp.asarray(top_p, jnp.float32)))
    return [sorted(np.flatnonzero(np.isfinite(row)).tolist()) for row in out]


def _log(probs) -> list[float]:
    return np.log(np.asarray(probs, np.float64)).astype(np.float32).tolist()


def test_temperature_divides_logits_and_zero_temperature_leaves_the_row_alone():
    logits = jnp.asarray([[2.0, -4.0], [2.0, -4.0]])
    out = np.asarray(apply_temperature(logits, jnp.asarray([0.5, 0.0])))
    np.testing.assert_allclose(out, [[4.0, -8.0], [2.0, -4.0]])


def test_top_k_keeps_the_k_largest_and_zero_means_off():
    logits = [[1.0, 5.0, 3.0, 2.0]] * 3
    assert _kept(logits, [2, 1, 0], [1.0] * 3) == [[1, 2], [1], [0, 1, 2, 3]]


def test_top_k_keeps_tokens_tied_with_the_kth_value():
    assert _kept([[1.0, 3.0, 3.0, 0.0]], [1], [1.0]) == [[1, 2]]


def test_top_p_keeps_the_smallest_prefix_whose_mass_reaches_p():
    logits = [_log([0.05, 0.5, 0.15, 0.3])] * 4
    # mass before each token in sorted order: 0.5 -> 0, 0.3 -> 0.5, 0.15 -> 0.8, 0.05 -> 0.95
    assert _kept(logits, [0] * 4, [0.8, 0.81, 0.1, 1.0]) == [[1, 3], [1, 2, 3], [1], [0, 1, 2, 3]]


def test_top_p_applies_to_the_distribution_top_k_left():
    logits = [_log([0.4, 0.3, 0.2, 0.1])] * 2
    # alone, top-p 0.5 keeps {0, 1} (mass before token 1 is 0.4); after top-k 2 the
    # renormalised mass before token 1 is 4/7 >= 0.5, so only token 0 stays
    assert _kept(logits, [0, 2], [0.5, 0.5]) == [[0, 1], [0]]


def test_every_row_uses_its_own_parameters():
    logits = [[0.0, 1.0, 2.0, 3.0]] * 3
    assert _kept(logits, [1, 3, 0], [1.0, 1.0, 1.0]) == [[3], [1, 2, 3], [0, 1, 2, 3]]


def test_process_logits_without_filters_is_just_temperature():
    logits = jnp.asarray([[0.5, -1.0, 2.0]])
    out = process_logits(logits, jnp.asarray([2.0]), jnp.asarray([0]), jnp.asarray([1.0]))
    np.testing.assert_allclose(np.asarray(out), [[0.25, -0.5, 1.0]])


def _draw(logits_row, temperature, top_k, top_p, seed=0):
    n = N
    logits = jnp.broadcast_to(jnp.asarray(logits_row, jnp.float32), (n, len(logits_row)))
    keys = jax.random.split(jax.random.key(seed), n)
    full = lambda v, dt: jnp.full((n,), v, dt)  # noqa: E731
    return sample_jit(keys, logits, full(temperature, jnp.float32), full(top_k, jnp.int32), full(top_p, jnp.float32))


def _freq(tokens, vocab):
    return np.bincount(np.asarray(tokens), minlength=vocab) / len(tokens)


N = 40_000
# 3 sigma of a frequency estimate from N draws is at most 1.5 / sqrt(N) ~ 0.0075
TOL = 0.01


def test_temperature_sampling_follows_softmax_of_scaled_logits():
    logits = np.asarray([1.0, 0.0, -1.0, 0.5, -0.5], np.float32)
    tokens, _, _ = _draw(logits, 2.0, 0, 1.0)
    want = np.exp(logits / 2.0) / np.exp(logits / 2.0).sum()
    np.testing.assert_allclose(_freq(tokens, 5), want, atol=TOL)


def test_top_k_sampling_draws_only_the_top_k_in_renormalised_proportion():
    probs = np.asarray([0.1, 0.35, 0.05, 0.3, 0.2])
    tokens, _, _ = _draw(_log(probs), 1.0, 2, 1.0)
    np.testing.assert_allclose(_freq(tokens, 5), [0, 0.35 / 0.65, 0, 0.3 / 0.65, 0], atol=TOL)


def test_top_p_sampling_draws_only_the_nucleus_in_renormalised_proportion():
    probs = np.asarray([0.1, 0.35, 0.05, 0.3, 0.2])
    tokens, _, _ = _draw(_log(probs), 1.0, 0, 0.8)  # nucleus: tokens 1, 3, 4 (mass before token 0 is 0.85)
    np.testing.assert_allclose(_freq(tokens, 5), [0, 0.35 / 0.85, 0, 0.3 / 0.85, 0.2 / 0.85], atol=TOL)


def test_log_probs_are_under_the_raw_policy_and_under_the_processed_distribution():
    logits = np.asarray([0.3, 1.2, -0.7, 0.9, 0.0], np.float32)
    tokens, policy, sampled = _draw(logits, 0.7, 3, 0.9)
    raw = jax.nn.log_softmax(jnp.asarray(logits))
    processed = jax.nn.log_softmax(filter_jit(jnp.asarray(logits)[None] / 0.7, jnp.asarray([3]), jnp.asarray([0.9]))[0])
    tokens = np.asarray(tokens)
    np.testing.assert_allclose(np.asarray(policy), np.asarray(raw)[tokens], atol=1e-6)
    np.testing.assert_allclose(np.asarray(sampled), np.asarray(processed)[tokens], atol=1e-6)
    assert np.all(np.isfinite(np.asarray(processed)[tokens]))


def test_greedy_rows_take_the_first_argmax_and_ignore_filters():
    logits = np.asarray([0.1, 2.0, 2.0, -1.0, 1.9], np.float32)
    tokens, policy, sampled = _draw(logits, 0.0, 3, 0.2)
    assert set(np.asarray(tokens).tolist()) == {1}
    np.testing.assert_allclose(np.asarray(policy), float(jax.nn.log_softmax(jnp.asarray(logits))[1]), atol=1e-6)
    assert set(np.asarray(sampled).tolist()) == {0.0}


def test_top_k_one_sampling_equals_greedy():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(N, 5)).astype(np.float32)  # a different distribution per row
    keys = jax.random.split(jax.random.key(3), N)
    ones = jnp.ones((N,), jnp.float32)
    tokens, _, sampled = sample_jit(keys, jnp.asarray(logits), ones, jnp.ones((N,), jnp.int32), ones)
    assert np.asarray(tokens).tolist() == logits.argmax(-1).tolist()
    np.testing.assert_allclose(np.asarray(sampled), 0.0, atol=1e-6)


def test_removed_tokens_are_never_drawn_even_at_the_ends_of_the_vocabulary():
    logits = np.asarray([-np.inf, 0.0, -np.inf, 0.0, -np.inf], np.float32)
    tokens, policy, _ = _draw(logits, 1.0, 0, 1.0)
    np.testing.assert_allclose(_freq(tokens, 5), [0, 0.5, 0, 0.5, 0], atol=TOL)
    assert np.isfinite(np.asarray(policy)).all()
