import jax.numpy as jnp
import numpy as np

from inftool_jax.rl.kl import k3_kl


def test_k3_matches_formula_and_is_zero_when_policies_agree():
    logp = jnp.array([-1.0, -2.0, -0.5])
    ref = jnp.array([-1.0, -1.0, -1.5])
    d = np.array([0.0, 1.0, -1.0])
    np.testing.assert_allclose(np.asarray(k3_kl(logp, ref)), np.exp(d) - d - 1, rtol=1e-6)
    assert float(k3_kl(logp, ref)[0]) == 0.0


def test_k3_is_never_negative():
    d = jnp.linspace(-5, 5, 101)
    assert bool(jnp.all(k3_kl(jnp.zeros_like(d), d) >= 0))


def test_k3_mean_estimates_true_kl_of_two_categoricals():
    rng = np.random.default_rng(0)
    p = np.array([0.7, 0.2, 0.1])
    q = np.array([0.5, 0.3, 0.2])
    samples = rng.choice(3, size=200_000, p=p)
    est = float(jnp.mean(k3_kl(jnp.log(p[samples]), jnp.log(q[samples]))))
    true = float(np.sum(p * np.log(p / q)))
    assert abs(est - true) < 3e-3
