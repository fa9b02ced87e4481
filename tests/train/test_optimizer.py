"""Warmup + cosine schedule, clipping and the weight-decay mask."""

import jax.numpy as jnp
import numpy as np
import optax
import pytest

from inftool_jax.train.config import TrainConfig
from inftool_jax.train.optimizer import learning_rate, make_optimizer


def test_schedule_warms_up_linearly_then_decays_to_the_floor():
    cfg = TrainConfig(learning_rate=1e-3, warmup_steps=4, min_learning_rate_ratio=0.1)
    lr = learning_rate(cfg, total_steps=20)
    assert float(lr(0)) == 0.0
    assert float(lr(2)) == pytest.approx(5e-4)
    assert float(lr(4)) == pytest.approx(1e-3)
    assert float(lr(12)) == pytest.approx(1e-4 + 0.5 * (1e-3 - 1e-4), rel=1e-5)  # halfway down the cosine
    assert float(lr(20)) == pytest.approx(1e-4)


def test_clipping_bounds_the_update_direction_norm():
    cfg = TrainConfig(learning_rate=1.0, warmup_steps=0, clip_norm=1.0, b1=0.0, b2=0.0, eps=1e-12)
    params = {"w": jnp.zeros((3, 3))}
    opt = make_optimizer(cfg, total_steps=10)
    clip_only = optax.clip_by_global_norm(1.0)
    grads = {"w": jnp.full((3, 3), 100.0)}
    clipped, _ = clip_only.update(grads, clip_only.init(grads))
    assert float(optax.tree.norm(clipped)) == pytest.approx(1.0, rel=1e-5)
    updates, _ = opt.update(grads, opt.init(params), params)
    assert np.all(np.isfinite(np.asarray(updates["w"])))


def test_weight_decay_touches_matrices_not_vectors():
    cfg = TrainConfig(learning_rate=0.1, warmup_steps=0, weight_decay=0.5, clip_norm=0)
    params = {"matrix": jnp.ones((2, 2)), "norm": jnp.ones((2,))}
    opt = make_optimizer(cfg, total_steps=100)
    zero = {"matrix": jnp.zeros((2, 2)), "norm": jnp.zeros((2,))}
    updates, _ = opt.update(zero, opt.init(params), params)
    assert float(updates["norm"][0]) == 0.0
    assert float(updates["matrix"][0, 0]) == pytest.approx(-0.1 * 0.5 * 1.0, rel=1e-3)
