"""The gated reward as one jitted JAX function over packed, encoded batches (see reward_encode.py).

Same meaning as :mod:`inftool_jax.rl.reward_reference`, gate for gate. Inputs
are two int32 matrices and one float32 vector (few buffers: one transfer and
one dispatch each). Per made call ``i`` and expected call ``j`` the argument
check is a handful of bitmask operations over parameter slots.

The order-free argument gate needs the size of the largest matching of made
to expected calls. It is computed exactly with the deficiency form of Hall's
theorem (Ore): ``max matching = C - max over row subsets R of (|R| - |N(R)|)``
where ``N(R)`` is the set of expected calls adjacent to some row in ``R``.
Rows are the C made-call slots (padding rows have no edges and count on both
sides, so they cancel); the ``2**C`` neighbourhood masks are built by doubling
(``N(R + {i}) = N(R) | N({i})``) and popcounted. For C = 5 that is 32 ORs per
completion instead of 120 permutations x 25 edges.

Rewards are read from a table built with the reference's own formula, so they
are bit-identical.
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from inftool_jax.rl.advantages import get_advantage_fn
from inftool_jax.rl.reward_config import GATES, RewardConfig, reward_table
from inftool_jax.rl.reward_encode import ASKS, FALLBACK, FORMAT_OK, SCORE_EXEC, STATE_SCORED, Layout


def max_matching_from_masks(rows: jnp.ndarray) -> jnp.ndarray:
    """Largest matching size for each ``[..., C]`` vector of row neighbour bitmasks (bit j: edge to column j)."""
    c = rows.shape[-1]
    neigh = jnp.zeros(rows.shape[:-1] + (1,), rows.dtype)
    for i in range(c):  # column k of the result: neighbourhood of the rows whose bits are set in k
        neigh = jnp.concatenate([neigh, neigh | rows[..., i : i + 1]], axis=-1)
    sizes = np.array([bin(k).count("1") for k in range(1 << c)], np.int32)
    deficiency = jnp.max(sizes - jax.lax.population_count(neigh), axis=-1)
    return (c - deficiency).astype(jnp.int32)


def _edge_masks(ok: jnp.ndarray) -> jnp.ndarray:
    """``[N, C, C]`` bool edges -> ``[N, C]`` int32 bitmask per row."""
    c = ok.shape[-1]
    return jnp.sum(ok.astype(jnp.int32) << jnp.arange(c, dtype=jnp.int32), axis=-1)


def make_reward_kernel(config: RewardConfig, group_size: int, advantage: str = "grpo", eps: float = 1e-6) -> Callable:
    """A jitted ``kernel(attempts [N, width_a] int32, targets [U, width_t] int32, fallback_reward [N] float32) -> dict``.

    Rows flagged FALLBACK take ``fallback_reward`` and their FB_FIRST column
    (scored by the reference); they are merged before the group-normalised
    advantages are computed. Returns ``reward`` [N], ``passed`` [N, len(GATES)],
    ``first_failed`` [N], ``advantages`` [N]. Compiled once per (bucketed) shape.
    """
    L = Layout(config.max_calls)
    C = L.C
    table = np.asarray(reward_table(config))
    adv_fn = get_advantage_fn(advantage)
    needs_question = config.clarify_needs_question
    n_gates = len(GATES)

    def cols(m: jnp.ndarray, start: int) -> jnp.ndarray:
        return m[:, start : start + C]

    def kernel(a: jnp.ndarray, t_all: jnp.ndarray, fallback_reward: jnp.ndarray) -> dict:
        t = t_all[a[:, L.TARGET]]  # ground truth per completion
        slot = jnp.arange(C)
        n_m, n_e = a[:, L.N], t[:, L.TN]
        real_m = slot[None, :] < n_m[:, None]
        real_e = slot[None, :] < n_e[:, None]
        flags, decision, exec_flags = a[:, L.FLAGS], t[:, L.DECISION], t[:, L.EXEC]
        made = n_m > 0
        expects_call = decision == 0

        # decision
        asked = ((flags & ASKS) != 0) | (not needs_question) | (decision != 2)
        decided = jnp.where(expects_call, made, ~made & asked)

        # selection: common = sum over distinct made names of min(count made, count expected)
        mn, en = cols(a, L.NAME), cols(t, L.TNAME)  # padding never equal: PAD_MADE / PAD
        eq_mm = mn[:, :, None] == mn[:, None, :]
        count_m = eq_mm.sum(axis=2)
        count_e = (mn[:, :, None] == en[:, None, :]).sum(axis=2)
        earlier = slot[None, :] < slot[:, None]  # [i, k]: k < i
        first = real_m & ~jnp.any(eq_mm & earlier[None], axis=2)
        common = jnp.sum(jnp.where(first, jnp.minimum(count_m, count_e), 0), axis=1)
        same_names = (n_m == n_e) & (common == n_e)
        sel_den = jnp.maximum(n_m, n_e)

        # arguments: ok[i, j] = made call i passes against expected call j, slots as bits
        given = cols(a, L.GIVEN)[:, :, None]
        typed = cols(a, L.STRICT)[:, :, None] | (cols(a, L.LOOSE)[:, :, None] & cols(t, L.LENIENT)[:, None, :])
        accept = a[:, L.ACCEPT : L.ACCEPT + C * C].reshape(-1, C, C)
        bad = given & ~(cols(t, L.WANTED)[:, None, :] & typed & accept)
        uncovered = cols(t, L.NEED)[:, None, :] & ~given
        ok = (
            ((bad | uncovered) == 0)
            & (mn[:, :, None] == en[:, None, :])
            & (cols(a, L.CALL_OK)[:, :, None] != 0)
            & real_m[:, :, None]
            & real_e[:, None, :]
        )
        matched = max_matching_from_masks(_edge_masks(ok))
        args_ok = matched == n_e

        # execution
        same_out = ok & (cols(a, L.RESULT)[:, :, None] == cols(t, L.TRESULT)[:, None, :])
        executed = max_matching_from_masks(_edge_masks(same_out))
        state_scored = (exec_flags & STATE_SCORED) != 0
        state_ok = a[:, L.STATE] == t[:, L.TSTATE]
        state_n = (state_scored & state_ok).astype(jnp.int32)
        exec_ok = ((exec_flags & SCORE_EXEC) == 0) | ((executed == n_e) & (state_ok | ~state_scored))

        gates = jnp.stack(
            [(flags & FORMAT_OK) != 0, decided, same_names | ~expects_call, args_ok | ~expects_call, exec_ok | ~expects_call], axis=1
        )
        first_failed = jnp.sum(jnp.cumprod(gates.astype(jnp.int32), axis=1), axis=1).astype(jnp.int32)
        zero = jnp.zeros_like(first_failed)
        at = [first_failed == 2, first_failed == 3, first_failed == 4]
        num = jnp.select(at, [common, matched, executed + state_n], zero)
        den = jnp.select(at, [sel_den, n_e, n_e + state_scored.astype(jnp.int32)], zero)
        reward = jnp.asarray(table)[first_failed, num, den]

        use = (flags & FALLBACK) != 0
        reward = jnp.where(use, fallback_reward, reward)
        first_failed = jnp.where(use, a[:, L.FB_FIRST], first_failed)
        passed = jnp.arange(n_gates)[None, :] < first_failed[:, None]
        return {
            "reward": reward,
            "passed": passed,
            "first_failed": first_failed,
            "advantages": adv_fn(reward, group_size, eps),
        }

    return jax.jit(kernel)
