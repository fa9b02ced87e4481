"""The gated reward as one jitted JAX function over encoded batches (see reward_encode.py).

Same meaning as :mod:`inftool_jax.rl.reward_reference`, gate for gate. The
order-free argument gate is exact: the largest matching of made to expected
calls is the best of all ``max_calls!`` permutations (every matching extends
to a permutation, padding slots never match), so the kernel enumerates them
(120 for the default 5). Rewards are read from a table built with the
reference's own formula, so they are bit-identical.
"""

from __future__ import annotations

import itertools
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from inftool_jax.rl.advantages import get_advantage_fn
from inftool_jax.rl.reward_config import GATES, RewardConfig, reward_table

_BIG = np.int32(2**31 - 1)


def permutation_matrix(c: int) -> np.ndarray:
    """``M[k, i * c + j] = 1`` when permutation k sends made call i to expected call j (all c! of them)."""
    perms = list(itertools.permutations(range(c)))
    m = np.zeros((len(perms), c * c), np.float32)
    for k, perm in enumerate(perms):
        for i, j in enumerate(perm):
            m[k, i * c + j] = 1.0
    return m


def _best_matching(ok: jnp.ndarray, perm_matrix: jnp.ndarray) -> jnp.ndarray:
    """Largest matching size of each [C, C] boolean edge matrix in ``ok`` [N, C, C].

    One small matmul counts the edges every permutation uses (exact: small
    integers in float32), and the best permutation is a largest matching.
    """
    n = ok.shape[0]
    counts = ok.reshape(n, -1).astype(jnp.float32) @ perm_matrix.T  # [N, K]
    return counts.max(axis=1).astype(jnp.int32)


def make_reward_kernel(config: RewardConfig, group_size: int, advantage: str = "grpo", eps: float = 1e-6) -> Callable:
    """A jitted ``kernel(attempt_arrays: dict, target_arrays: dict, fallback: dict) -> dict``.

    ``fallback`` holds ``use`` [N] bool, ``reward`` [N] float32 and ``first_failed``
    [N] int32 for completions scored by the reference; they are merged before
    the group-normalised advantages are computed. Returns ``reward`` [N],
    ``passed`` [N, len(GATES)], ``first_failed`` [N], ``advantages`` [N].
    """
    table = jnp.asarray(reward_table(config))
    perms = jnp.asarray(permutation_matrix(config.max_calls))
    adv_fn = get_advantage_fn(advantage)
    needs_question = config.clarify_needs_question
    n_gates = len(GATES)

    def kernel(a: dict, t_all: dict, fallback: dict) -> dict:
        t = {k: v[a["target"]] for k, v in t_all.items()}  # ground truth per completion
        C = a["name"].shape[1]
        slot = jnp.arange(C)
        real_m = slot[None, :] < a["n"][:, None]
        real_e = slot[None, :] < t["n"][:, None]
        made = a["n"] > 0
        expects_call = t["decision"] == 0

        # decision
        asked = a["asks"] | (not needs_question) | (t["decision"] != 2)
        decided = jnp.where(expects_call, made, ~made & asked)

        # selection: multiset of names
        mn = jnp.where(real_m, a["name"], _BIG)
        en = jnp.where(real_e, t["name"], _BIG)
        same_names = (a["n"] == t["n"]) & jnp.all(jnp.sort(mn, axis=1) == jnp.sort(en, axis=1), axis=1)
        eq_mm = (mn[:, :, None] == mn[:, None, :]) & real_m[:, None, :]
        count_m = eq_mm.sum(axis=2)
        count_e = ((mn[:, :, None] == en[:, None, :]) & real_e[:, None, :]).sum(axis=2)
        earlier = slot[None, :] < slot[:, None]  # [i, k]: k < i
        first = real_m & ~jnp.any(eq_mm & earlier[None], axis=2)
        common = jnp.sum(jnp.where(first, jnp.minimum(count_m, count_e), 0), axis=1)
        sel_den = jnp.maximum(a["n"], t["n"])

        # arguments: ok[i, j] = made call i passes against expected call j; S parameter slots
        given = a["present"][:, :, None, :]  # [N, C, 1, S]
        wanted = t["present"][:, None, :, :]  # [N, 1, C, S]
        val_in = ((a["accept"][:, :, None, :] >> slot[None, None, :, None]) & 1).astype(bool)  # [N, C, C, S]
        typed = a["strict"][:, :, None, :] | (a["loose"][:, :, None, :] & t["lenient"][:, None, :, :])
        param_ok = ~given | (wanted & typed & val_in)
        covered = ~wanted | given | t["optional"][:, None, :, :]
        ok = (
            (a["name"][:, :, None] == t["name"][:, None, :])
            & a["call_ok"][:, :, None]
            & jnp.all(param_ok & covered, axis=3)
            & real_m[:, :, None]
            & real_e[:, None, :]
        )
        matched = _best_matching(ok, perms)
        args_ok = matched == t["n"]

        # execution
        same_out = ok & (a["result"][:, :, None] == t["result"][:, None, :])
        executed = _best_matching(same_out, perms)
        state_ok = a["state"] == t["state"]
        state_n = (t["state_scored"] & state_ok).astype(jnp.int32)
        exec_ok = ~t["score_exec"] | ((executed == t["n"]) & (state_ok | ~t["state_scored"]))

        gates = jnp.stack(
            [a["format_ok"], decided, same_names | ~expects_call, args_ok | ~expects_call, exec_ok | ~expects_call], axis=1
        )
        passed = jnp.cumprod(gates.astype(jnp.int32), axis=1).astype(bool)
        first_failed = passed.sum(axis=1).astype(jnp.int32)
        zero = jnp.zeros_like(first_failed)
        num = jnp.select([first_failed == 2, first_failed == 3, first_failed == 4], [common, matched, executed + state_n], zero)
        den = jnp.select(
            [first_failed == 2, first_failed == 3, first_failed == 4],
            [sel_den, t["n"], t["n"] + t["state_scored"].astype(jnp.int32)],
            zero,
        )
        reward = table[first_failed, num, den]

        use = fallback["use"]
        reward = jnp.where(use, fallback["reward"], reward)
        first_failed = jnp.where(use, fallback["first_failed"], first_failed)
        passed = jnp.arange(n_gates)[None, :] < first_failed[:, None]
        return {
            "reward": reward,
            "passed": passed,
            "first_failed": first_failed,
            "advantages": adv_fn(reward, group_size, eps),
        }

    return jax.jit(kernel)
