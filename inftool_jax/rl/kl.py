"""KL divergence to a reference policy, estimated per token."""

from __future__ import annotations

import jax.numpy as jnp


def k3_kl(logp: jnp.ndarray, ref_logp: jnp.ndarray) -> jnp.ndarray:
    """Schulman's k3 estimator of KL(pi || ref) from sampled-token log-probs.

    ``exp(ref - logp) - (ref - logp) - 1``: unbiased and never negative, with
    lower variance than ``logp - ref`` (k1). Elementwise, any shape.
    """
    d = ref_logp - logp
    return jnp.exp(d) - d - 1.0
