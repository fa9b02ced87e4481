"""Group-relative advantages for GRPO, chosen by name (``grpo.scale_rewards``).

Rewards arrive flat as ``[num_groups * num_generations]`` with the G samples of
one prompt contiguous (prompt-major), which is how rollouts lay them out. The
names follow TRL's ``scale_rewards``: ``group`` divides by the group's std
(GRPO), ``none`` only centres (Dr.GRPO).
"""

from __future__ import annotations

import functools
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from inftool_jax.registry import Registry

AdvantageFn = Callable[..., jnp.ndarray]

ADVANTAGES: Registry[AdvantageFn] = Registry("advantage estimator", "grpo.scale_rewards")
"""Advantage estimators by ``grpo.scale_rewards`` value; each is ``fn(rewards [N], group_size, eps) -> [N]``."""


def _grouped(rewards: jnp.ndarray, group_size: int) -> jnp.ndarray:
    if rewards.ndim != 1 or rewards.shape[0] % group_size:
        raise ValueError(f"rewards of shape {rewards.shape} do not split into groups of {group_size}")
    return rewards.astype(jnp.float32).reshape(-1, group_size)


def _zero_if_constant(r: jnp.ndarray, adv: jnp.ndarray) -> jnp.ndarray:
    # A float32 mean of equal values can miss them by an ulp; divided by a tiny std that
    # would turn "no signal" into a spurious advantage, so equal groups get exactly 0.
    return jnp.where(jnp.all(r == r[:, :1], axis=1, keepdims=True), 0.0, adv)


@ADVANTAGES.register("group")
def group_normalized(rewards: jnp.ndarray, group_size: int, eps: float = 1e-6) -> jnp.ndarray:
    """GRPO: ``(r - mean_g) / (std_g + eps)``, population std (ddof 0) within each group."""
    r = _grouped(rewards, group_size)
    mean = r.mean(axis=1, keepdims=True)
    std = r.std(axis=1, keepdims=True)
    return _zero_if_constant(r, (r - mean) / (std + eps)).reshape(-1)


@ADVANTAGES.register("none")
def group_centered(rewards: jnp.ndarray, group_size: int, eps: float = 1e-6) -> jnp.ndarray:
    """Dr.GRPO: ``r - mean_g``, no division by the std (it biases towards easy/hard prompts)."""
    del eps  # same signature as group_normalized so the registry entries are interchangeable
    r = _grouped(rewards, group_size)
    return _zero_if_constant(r, r - r.mean(axis=1, keepdims=True)).reshape(-1)


def get_advantage_fn(name: str, *, source: str = "<config>", key: str | None = None) -> AdvantageFn:
    """The advantage estimator registered under ``name``; an unknown name is an InputError naming the config key."""
    return ADVANTAGES.get(name, source=source, key=key)


@functools.lru_cache(maxsize=None)
def _compiled(name: str, group_size: int, eps: float) -> Callable[[jnp.ndarray], jnp.ndarray]:
    fn = get_advantage_fn(name)
    return jax.jit(lambda rewards: fn(rewards, group_size, eps))


def group_advantages(rewards: np.ndarray, group_size: int, scale_rewards: str = "group", eps: float = 1e-6) -> np.ndarray:
    """Advantages ``[N]`` float32 of flat prompt-major rewards ``[N]`` (G = ``group_size`` samples per prompt, contiguous)."""
    get_advantage_fn(scale_rewards)  # an unknown name fails here, before any compilation
    rewards = np.asarray(rewards, np.float32)
    if rewards.ndim != 1 or rewards.shape[0] % group_size:
        raise ValueError(f"{rewards.shape[0]} rewards do not split into groups of {group_size}")
    return np.asarray(_compiled(scale_rewards, group_size, float(eps))(jnp.asarray(rewards)))


def nonzero_variance_mask(rewards: jnp.ndarray, group_size: int) -> jnp.ndarray:
    """1.0 for samples whose group has reward variance, 0.0 where every sample scored the same.

    Such groups carry no learning signal under group-relative advantages;
    multiplying the loss mask by this drops them (DAPO's dynamic sampling,
    without the resampling). Exact equality, not a tolerance: rewards come
    from a small table of values, so equal means bit-equal.
    """
    r = _grouped(rewards, group_size)
    varied = jnp.any(r != r[:, :1], axis=1, keepdims=True)
    return jnp.broadcast_to(varied, r.shape).reshape(-1).astype(jnp.float32)
