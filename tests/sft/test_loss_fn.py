"""The SFT loss: next-token NLL counted only where the target is an assistant token."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

from inftool_jax.sft.loss_fn import masked_next_token_loss


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
