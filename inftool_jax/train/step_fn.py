"""One optimiser step as a pure function, and its ``jax.jit`` with explicit shardings and donated state.

Gradient accumulation is exact: each micro-batch contributes the gradient of its
*summed* loss, and the sum over micro-batches is divided once by the total weight
(e.g. token count) of the whole batch. That is the gradient of the big batch's
weighted mean, whatever the micro-batches' sizes or token counts.

Non-finite guard: when the loss or any gradient is NaN/inf the step keeps the old
params and optimiser state, advances ``step`` (the data position) but not
``updates`` (the schedule position), and counts ``nonfinite_streak``; the host
loop aborts when the streak reaches its limit (:class:`inftool_jax.train.loop.Trainer`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from inftool_jax.model.sharding import BATCH_AXES
from inftool_jax.train.state import ModelDef, TrainState

# loss_fn(model, batch, rng) -> (loss_sum, weight, aux sums); the objective is sum(loss_sum) / sum(weight).
LossFn = Callable[[Any, dict[str, jax.Array], jax.Array], tuple[jax.Array, jax.Array, dict[str, jax.Array]]]


def split_micro_batches(batch: dict[str, jax.Array], micro_batches: int) -> dict[str, jax.Array]:
    """``[B, ...]`` leaves → ``[micro_batches, B / micro_batches, ...]``; micro-batch ``j`` takes rows ``j, j+m, j+2m, ...``.

    Strided rows keep every micro-batch spread over all batch shards of the mesh
    instead of landing on a few devices.
    """

    def split(x):
        b = x.shape[0]
        return jnp.swapaxes(x.reshape(b // micro_batches, micro_batches, *x.shape[1:]), 0, 1)

    return jax.tree.map(split, batch)


def train_step(
    state: TrainState,
    batch: dict[str, jax.Array],
    loss_fn: LossFn,
    *,
    model_def: ModelDef,
    optimizer: optax.GradientTransformation,
    schedule: optax.Schedule | None = None,
    micro_batches: int = 1,
    mesh: Mesh | None = None,
) -> tuple[TrainState, dict[str, jax.Array]]:
    """Accumulate gradients over ``micro_batches``, guard against non-finite values, apply the update.

    Returns the new state and scalar metrics: ``loss`` (sum(loss_sum) / sum(weight)),
    ``weight``, ``grad_norm`` (before clipping), ``learning_rate`` (of this update),
    ``skipped`` (1 when the update was skipped), ``nonfinite_streak`` and every ``aux``
    sum. Pure: jit it with :func:`compile_train_step`.
    """
    rng, step_rng = jax.random.split(state.rng)

    def micro_grads(params, micro, key):
        def objective(p):
            loss_sum, weight, aux = loss_fn(model_def.merge(p), micro, key)
            return loss_sum.astype(jnp.float32), (weight.astype(jnp.float32), aux)

        (loss_sum, (weight, aux)), grads = jax.value_and_grad(objective, has_aux=True)(params)
        return grads, loss_sum, weight, aux

    if micro_batches == 1:
        grads, loss_sum, weight, aux = micro_grads(state.params, batch, step_rng)
    else:
        stacked = split_micro_batches(batch, micro_batches)
        keys = jax.random.split(step_rng, micro_batches)
        if mesh is not None:
            spec = lambda x: NamedSharding(mesh, P(None, BATCH_AXES, *([None] * (x.ndim - 2))))  # noqa: E731
            stacked = jax.lax.with_sharding_constraint(stacked, jax.tree.map(spec, stacked))
        first = jax.tree.map(lambda x: x[0], stacked)
        shapes = jax.eval_shape(micro_grads, state.params, first, keys[0])
        zeros = jax.tree.map(lambda s: jnp.zeros(s.shape, jnp.float32 if jnp.issubdtype(s.dtype, jnp.floating) else s.dtype), shapes)

        def body(carry, xs):
            micro, key = xs
            out = micro_grads(state.params, micro, key)
            return jax.tree.map(jnp.add, carry, out), None

        (grads, loss_sum, weight, aux), _ = jax.lax.scan(body, zeros, (stacked, keys))
        grads = jax.tree.map(lambda g, p: g.astype(p.dtype), grads, state.params)

    # One division by the whole batch's weight: the exact big-batch gradient.
    safe_weight = jnp.maximum(weight, 1e-9)
    grads = jax.tree.map(lambda g: g / safe_weight.astype(g.dtype), grads)
    loss = loss_sum / safe_weight
    grad_norm = optax.tree.norm(grads)
    finite = jnp.isfinite(loss) & jnp.isfinite(grad_norm)

    updates, new_opt_state = optimizer.update(grads, state.opt_state, state.params)
    new_params = optax.apply_updates(state.params, updates)
    keep = lambda new, old: jax.tree.map(lambda n, o: jnp.where(finite, n, o), new, old)  # noqa: E731
    streak = jnp.where(finite, 0, state.nonfinite_streak + 1).astype(jnp.int32)
    new_state = TrainState(
        params=keep(new_params, state.params),
        opt_state=keep(new_opt_state, state.opt_state),
        step=state.step + 1,
        updates=state.updates + finite.astype(jnp.int32),
        nonfinite_streak=streak,
        rng=rng,
    )
    metrics = {
        "loss": loss,
        "weight": weight,
        "grad_norm": grad_norm,
        "learning_rate": schedule(state.updates) if schedule is not None else jnp.float32(jnp.nan),
        "skipped": (~finite).astype(jnp.int32),
        "nonfinite_streak": streak,
        **aux,
    }
    return new_state, metrics


def compile_train_step(
    loss_fn: LossFn,
    *,
    model_def: ModelDef,
    optimizer: optax.GradientTransformation,
    state_shardings: TrainState,
    mesh: Mesh,
    schedule: optax.Schedule | None = None,
    micro_batches: int = 1,
) -> Callable[[TrainState, dict[str, jax.Array]], tuple[TrainState, dict[str, jax.Array]]]:
    """``step(state, batch) -> (state, metrics)``: :func:`train_step` under ``jax.jit``.

    In: ``state_shardings`` for the state (donated: its buffers are reused for the
    new state), batch leaves split over the ``data``/``fsdp`` axes on their first
    dimension. Out: the same state shardings, replicated scalar metrics.
    """
    fn = functools.partial(
        train_step, loss_fn=loss_fn, model_def=model_def, optimizer=optimizer, schedule=schedule,
        micro_batches=micro_batches, mesh=mesh,
    )
    replicated = NamedSharding(mesh, P())

    def batch_spec(x):
        return NamedSharding(mesh, P(BATCH_AXES, *([None] * (x.ndim - 1))))

    jitted_by_structure: dict[Any, Callable] = {}

    def step(state: TrainState, batch: dict[str, jax.Array]):
        key = jax.tree.structure(batch), tuple(x.ndim for x in jax.tree.leaves(batch))
        if key not in jitted_by_structure:
            jitted_by_structure[key] = jax.jit(
                fn,
                in_shardings=(state_shardings, jax.tree.map(batch_spec, batch)),
                out_shardings=(state_shardings, replicated),
                donate_argnums=0,
            )
        return jitted_by_structure[key](state, batch)

    return step
