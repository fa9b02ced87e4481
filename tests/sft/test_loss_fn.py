"""The SFT loss: next-token NLL counted only where the target is an assistant token."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

from inftool_jax.sft.loss_fn import masked_next_token_loss, next_token_hits, next_token_nll


def test_masked_loss_matches_a_hand_computation():
    # vocab 3; logits at t predict token t+1.
    logits = jnp.asarray([[[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [9.0, 9.0, 9.0]]])
    input_ids = jnp.asarray([[2, 0, 1, 1]])
    loss_mask = jnp.asarray([[0, 1, 0, 1]])  # targets at t=1 (from logits[0]) and t=3 (from logits[2])
    loss_sum, count, correct = masked_next_token_loss(logits, input_ids, loss_mask)
    nll_t1 = math.log(3.0)  # uniform over 3
    nll_t3 = -(1.0 - math.log(math.e + 2.0))  # logits [0, 1, 0], target 1
    assert float(count) == 2.0
    assert float(loss_sum) == pytest.approx(nll_t1 + nll_t3, rel=1e-6)
    # argmax of a uniform row is 0 (target 0: correct), of [0, 1, 0] is 1 (target 1: correct)
    assert float(correct) == 2.0


def test_per_token_nll_and_hits_are_what_the_masked_sums_add_up():
    logits = jnp.asarray([[[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [9.0, 9.0, 9.0]]])
    input_ids = jnp.asarray([[2, 0, 1, 2]])
    nll, hits = np.asarray(next_token_nll(logits, input_ids)), np.asarray(next_token_hits(logits, input_ids))
    assert nll.shape == hits.shape == (1, 3)
    np.testing.assert_allclose(nll[0], [math.log(3.0), math.log(math.e**2 + 2.0), math.log(math.e + 2.0)], rtol=1e-6)
    assert hits[0].tolist() == [True, False, False]  # argmax of [2, 0, 0] is 0, of [0, 1, 0] is 1; targets 1, 2
    loss_sum, count, correct = masked_next_token_loss(logits, input_ids, jnp.asarray([[0, 1, 1, 0]]))
    assert float(loss_sum) == pytest.approx(nll[0, :2].sum(), rel=1e-6) and float(correct) == 1.0 and float(count) == 2.0


def test_unmasked_and_padded_positions_do_not_contribute():
    rng = np.random.default_rng(0)
    logits = jnp.asarray(rng.standard_normal((2, 5, 7)), jnp.float32)
    ids = jnp.asarray(rng.integers(0, 7, (2, 5)))
    mask = jnp.asarray([[0, 0, 1, 1, 0], [0, 1, 0, 0, 0]])
    # Targets at (0, 2), (0, 3), (1, 1) are predicted by logits rows (0, 1), (0, 2), (1, 0); scramble all others.
    used = np.zeros((2, 5, 1), bool)
    used[0, 1] = used[0, 2] = used[1, 0] = True
    scrambled = jnp.where(used, logits, 100.0 * jnp.asarray(rng.standard_normal((2, 5, 7)), jnp.float32))
    base = masked_next_token_loss(logits, ids, mask)
    other = masked_next_token_loss(scrambled, ids, mask)
    assert float(base[1]) == 3.0
    np.testing.assert_allclose(float(other[0]), float(base[0]), rtol=1e-6)


def test_prompt_loss_weight_weights_non_assistant_tokens_and_never_padding():
    from inftool_jax.sft.loss_fn import token_weights

    loss_mask = jnp.asarray([[0, 0, 1, 1, 0, 0]])
    attention = jnp.asarray([[1, 1, 1, 1, 1, 0]])  # the last position is padding
    np.testing.assert_array_equal(np.asarray(token_weights(loss_mask, attention, 0.0)), [[0, 0, 1, 1, 0, 0]])
    np.testing.assert_allclose(np.asarray(token_weights(loss_mask, attention, 0.25)), [[0.25, 0.25, 1, 1, 0.25, 0]])
    np.testing.assert_array_equal(np.asarray(token_weights(loss_mask, attention, 1.0)), [[1, 1, 1, 1, 1, 0]])


def test_a_weighted_loss_is_the_weighted_sum_of_per_token_nll():
    rng = np.random.default_rng(1)
    logits = jnp.asarray(rng.standard_normal((1, 4, 5)), jnp.float32)
    ids = jnp.asarray([[1, 2, 3, 4]])
    weights = jnp.asarray([[0.0, 0.5, 1.0, 0.5]])
    log_p = np.asarray(logits) - np.log(np.exp(np.asarray(logits)).sum(-1, keepdims=True))
    nll = [-log_p[0, t - 1, int(ids[0, t])] for t in (1, 2, 3)]
    loss_sum, count, _ = masked_next_token_loss(logits, ids, weights)
    assert float(count) == 2.0
    assert float(loss_sum) == pytest.approx(0.5 * nll[0] + 1.0 * nll[1] + 0.5 * nll[2], rel=1e-5)
