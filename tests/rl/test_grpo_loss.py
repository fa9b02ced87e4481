import jax
import jax.numpy as jnp
import numpy as np
import pytest

from inftool_jax.rl.grpo_loss import grpo_loss


def _inputs():
    # ratios exp(logp - old): [[1.5, 0.5, 1.0], [1.1, 0.7, 2.0]]
    old = jnp.zeros((2, 3))
    logp = jnp.log(jnp.array([[1.5, 0.5, 1.0], [1.1, 0.7, 2.0]]))
    adv = jnp.array([1.0, -2.0])
    mask = jnp.array([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    return logp, old, adv, mask


def test_clipped_surrogate_uses_separate_low_and_high_epsilons():
    logp, old, adv, mask = _inputs()
    loss, m = grpo_loss(logp, old, adv, mask, epsilon=0.2, epsilon_high=0.3)
    # seq 0 (A=+1): min(r, clip(r,.8,1.3)) -> 1.3, 0.5, 1.0 ; seq 1 (A=-2): min(-2r, -2clip) -> -2.2, -1.6
    per = [-1.3, -0.5, -1.0, 2.2, 1.6]
    assert float(loss) == pytest.approx(sum(per) / 5, rel=1e-6)
    assert float(m["clip_frac_high"]) == pytest.approx(1 / 5)  # 1.5 > 1.3 with A > 0
    assert float(m["clip_frac_low"]) == pytest.approx(1 / 5)  # 0.7 < 0.8 with A < 0
    assert float(m["ratio_mean"]) == pytest.approx((1.5 + 0.5 + 1.0 + 1.1 + 0.7) / 5, rel=1e-6)
    assert "kl" not in m and "entropy" not in m


def test_beta_zero_needs_no_reference_and_beta_positive_adds_k3():
    logp, old, adv, mask = _inputs()
    base, _ = grpo_loss(logp, old, adv, mask, epsilon=0.2, epsilon_high=0.3)
    ref = jnp.zeros((2, 3))
    with_kl, m = grpo_loss(logp, old, adv, mask, epsilon=0.2, epsilon_high=0.3, beta=0.5, ref_logp=ref)
    r = np.array([1.5, 0.5, 1.0, 1.1, 0.7])
    k3 = 1 / r + np.log(r) - 1  # exp(-log r) - (-log r) - 1
    assert float(m["kl"]) == pytest.approx(k3.mean(), rel=1e-5)
    assert float(with_kl) == pytest.approx(float(base) + 0.5 * k3.mean(), rel=1e-5)
    with pytest.raises(ValueError, match="ref_logp"):
        grpo_loss(logp, old, adv, mask, beta=0.1)


def test_sample_mask_drops_whole_sequences_and_entropy_is_reported():
    logp, old, adv, mask = _inputs()
    ent = jnp.full((2, 3), 0.25)
    loss, m = grpo_loss(logp, old, adv, mask, epsilon=0.2, epsilon_high=0.3, sample_mask=jnp.array([0.0, 1.0]), entropy=ent)
    assert float(loss) == pytest.approx((2.2 + 1.6) / 2, rel=1e-6)
    assert float(m["entropy"]) == pytest.approx(0.25)


def test_sequence_mean_token_scale_aggregation_by_name():
    logp, old, adv, mask = _inputs()
    loss, _ = grpo_loss(logp, old, adv, mask, epsilon=0.2, epsilon_high=0.3, loss_type="dr_grpo", max_len=4)
    assert float(loss) == pytest.approx(((-1.3 - 0.5 - 1.0) / 4 + (2.2 + 1.6) / 4) / 2, rel=1e-6)


def test_gradient_at_ratio_one_is_minus_advantage_and_zero_where_clipped():
    logp, old, adv, mask = _inputs()
    f = jax.jit(lambda lp: grpo_loss(lp, old, adv, mask, epsilon=0.2, epsilon_high=0.3, loss_type="dapo")[0])
    g = np.asarray(jax.grad(f)(logp))
    # d/dlogp of -r*A / 5 = -r*A/5 where unclipped; clipped tokens (1.5 with A>0, 0.7 with A<0) get 0
    expected = np.array([[0.0, -0.5 / 5, -1.0 / 5], [2.2 / 5, 0.0, 0.0]])
    np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-7)
