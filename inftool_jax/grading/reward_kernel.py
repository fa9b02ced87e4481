"""The gated reward as one jitted JAX function over packed, encoded batches (see reward_encode.py).

Same meaning as :mod:`inftool_jax.grading.reward_reference`, gate for gate. Inputs
are two int32 matrices and one float32 vector (few buffers: one transfer and
one dispatch each), feature-major (``[feature, row]``) so that every
elementwise step runs along the long, contiguous batch axis. Per made call
``i`` and expected call ``j`` the argument check is a handful of bitmask
operations over parameter slots.

The order-free argument gate needs the size of the largest matching of made
to expected calls. It is computed exactly with the deficiency form of Hall's
theorem (Ore): ``max matching = C - max over row subsets R of (|R| - |N(R)|)``
where ``N(R)`` is the set of expected calls adjacent to some row in ``R``.
Rows are the C made-call slots (padding rows have no edges and count on both
sides, so they cancel). The neighbourhoods of the subsets of each half of the
rows are built separately and every pair is OR-ed and popcounted in one fused
reduction: for C = 6 that is 2 x 8 masks and 64 popcounts per completion
(the old enumeration of C! permutations needed 720 x 36 edge reads); the cost
doubles with each call allowed, hence ``max_calls``.

Rewards are read from a table built with the reference's own formula, so they
are bit-identical.
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from inftool_jax.grading.reward_config import GATES, RewardConfig, reward_table
from inftool_jax.grading.reward_encode import ASKS, FALLBACK, FORMAT_OK, SCORE_EXEC, STATE_SCORED, Layout


def _neighbourhoods(rows: jnp.ndarray) -> jnp.ndarray:
    """``[c, N]`` row bitmasks -> ``[2**c, N]``: for subset k, the OR of the rows whose bit is set in k."""
    c = rows.shape[0]
    member = np.array([[(k >> i) & 1 for k in range(1 << c)] for i in range(c)], np.int32)
    neigh = jnp.zeros((1 << c,) + rows.shape[1:], rows.dtype)
    for i in range(c):
        neigh = neigh | (member[i][:, None] * rows[i][None, :])
    return neigh


def max_matching_from_masks(rows: jnp.ndarray) -> jnp.ndarray:
    """Largest matching size per column of ``rows`` [C, N]: ``rows[i, n]`` is made call i's bitmask of expected calls.

    Meet in the middle: the neighbourhoods of subsets of the first and of the
    last half of the rows are built separately (2 * 2**(C/2) masks), and every
    pair is OR-ed, popcounted and reduced in one fused pass.
    """
    c = rows.shape[0]
    h = c // 2
    low, high = _neighbourhoods(rows[:h]), _neighbourhoods(rows[h:])
    size_low = np.array([bin(k).count("1") for k in range(1 << h)], np.int32)
    size_high = np.array([bin(k).count("1") for k in range(1 << (c - h))], np.int32)
    sizes = size_low[:, None, None] + size_high[None, :, None]
    deficiency = jnp.max(sizes - jax.lax.population_count(low[:, None, :] | high[None, :, :]), axis=(0, 1))
    return (c - deficiency).astype(jnp.int32)


def _edge_masks(ok: jnp.ndarray) -> jnp.ndarray:
    """``[C(i), C(j), N]`` bool edges -> ``[C(i), N]`` int32 bitmask over j per made call i."""
    c = ok.shape[1]
    return jnp.sum(ok.astype(jnp.int32) << jnp.arange(c, dtype=jnp.int32)[None, :, None], axis=1)


def slot_share(given: jnp.ndarray, accept: jnp.ndarray, need: jnp.ndarray, same_name: jnp.ndarray, n_e: jnp.ndarray) -> tuple:
    """The argument gate's pooled slot share (see ``reward_reference.slot_share``): ``(num [N], den [N])``.

    ``given`` [C(i), 1, N], ``accept`` [C(i), C(j), N], ``need`` [1, C(j), N], ``same_name`` [C(i), C(j), N].
    Per pair: right = needed slots given and accepted; den = needed slots + given slots neither needed nor accepted
    (the POISON bit is one of those); (1, 1) when den is 0. Per expected call the best made call of its name (largest
    right/den by cross-multiplication, then the larger den), summed over the expected calls.
    """
    count = jax.lax.population_count
    right = count(given & accept & need)
    den = count(need) + count(given & ~accept & ~need)
    right, den = jnp.where(den == 0, 1, right), jnp.maximum(den, 1)
    best_r = jnp.full(right.shape[1:], -1, jnp.int32)
    best_d = jnp.ones(right.shape[1:], jnp.int32)
    for i in range(right.shape[0]):  # C is small and static: a running best over made calls
        r, d = right[i], den[i]
        better = same_name[i] & ((r * best_d > best_r * d) | ((r * best_d == best_r * d) & (d > best_d)))
        best_r, best_d = jnp.where(better, r, best_r), jnp.where(better, d, best_d)
    real = jnp.arange(right.shape[1])[:, None] < n_e[None, :]
    return jnp.sum(jnp.where(real, best_r, 0), axis=0), jnp.sum(jnp.where(real, best_d, 0), axis=0)


def make_reward_kernel(config: RewardConfig) -> Callable:
    """A jitted ``kernel(attempts [width_a, N] int32, targets [width_t, U] int32, fallback_reward [N] float32) -> dict``.

    Rows flagged FALLBACK take ``fallback_reward`` and their FB_FIRST value
    (scored by the reference). Returns ``reward`` [N], ``passed`` [N, len(GATES)]
    and ``first_failed`` [N]: what a completion earned, nothing about its group
    (GRPO's advantages are rl/'s business). Compiled once per (bucketed) shape.
    """
    L = Layout(config.max_calls)
    C = L.C
    table = np.asarray(reward_table(config))
    needs_question = config.clarify_needs_question
    by_slots = config.argument_credit == "slots"
    n_gates = len(GATES)

    def feats(m: jnp.ndarray, start: int) -> jnp.ndarray:
        return m[start : start + C]  # [C, N]

    def kernel(a: jnp.ndarray, t_all: jnp.ndarray, fallback_reward: jnp.ndarray) -> dict:
        t = jnp.take(t_all, a[L.TARGET], axis=1)  # ground truth per completion, [width_t, N]
        n_m, n_e = a[L.N], t[L.TN]
        flags, decision, exec_flags = a[L.FLAGS], t[L.DECISION], t[L.EXEC]
        made = n_m > 0
        expects_call = decision == 0

        # decision
        asked = ((flags & ASKS) != 0) | (not needs_question) | (decision != 2)
        decided = jnp.where(expects_call, made, ~made & asked)

        # selection: common = sum over expected names of min(made with that name, expected with that name)
        mn, en = feats(a, L.NAME), feats(t, L.TNAME)  # local name ids; padding never equal: PAD_MADE / PAD
        count_m = jnp.sum(mn[None, :, :] == np.arange(C)[:, None, None], axis=1)  # [name id, N]
        common = jnp.sum(jnp.minimum(count_m, feats(t, L.NCOUNT)), axis=0)
        same_names = (n_m == n_e) & (common == n_e)
        sel_den = jnp.maximum(n_m, n_e)

        # arguments: ok[i, j] = made call i passes against expected call j; [C(i), C(j), N]
        # every slot it gives is accepted by j (type and value; POISON never is), every slot j needs is given
        given = feats(a, L.GIVEN)[:, None, :]
        accept = a[L.ACCEPT : L.ACCEPT + C * C].reshape(C, C, -1)
        missing = feats(t, L.NEED)[None, :, :] & ~given
        same_name = mn[:, None, :] == en[None, :, :]
        ok = (((given & ~accept) | missing) == 0) & same_name
        matched = max_matching_from_masks(_edge_masks(ok))
        args_ok = matched == n_e
        if by_slots:
            args_num, args_den = slot_share(given, accept, feats(t, L.NEED)[None, :, :], same_name, n_e)
        else:
            args_num, args_den = matched, n_e

        # execution
        same_out = ok & (feats(a, L.RESULT)[:, None, :] == feats(t, L.TRESULT)[None, :, :])
        executed = max_matching_from_masks(_edge_masks(same_out))
        state_scored = (exec_flags & STATE_SCORED) != 0
        state_ok = a[L.STATE] == t[L.TSTATE]
        state_n = (state_scored & state_ok).astype(jnp.int32)
        exec_ok = ((exec_flags & SCORE_EXEC) == 0) | ((executed == n_e) & (state_ok | ~state_scored))

        gates = jnp.stack(
            [(flags & FORMAT_OK) != 0, decided, same_names | ~expects_call, args_ok | ~expects_call, exec_ok | ~expects_call], axis=0
        )
        first_failed = jnp.sum(jnp.cumprod(gates.astype(jnp.int32), axis=0), axis=0).astype(jnp.int32)
        zero = jnp.zeros_like(first_failed)
        at = [first_failed == 2, first_failed == 3, first_failed == 4]
        num = jnp.select(at, [common, args_num, executed + state_n], zero)
        den = jnp.select(at, [sel_den, args_den, n_e + state_scored.astype(jnp.int32)], zero)
        reward = jnp.asarray(table)[first_failed, num, den]

        use = (flags & FALLBACK) != 0
        reward = jnp.where(use, fallback_reward, reward)
        first_failed = jnp.where(use, a[L.FB_FIRST], first_failed)
        passed = first_failed[:, None] > jnp.arange(n_gates)[None, :]
        return {"reward": reward, "passed": passed, "first_failed": first_failed}

    return jax.jit(kernel)
