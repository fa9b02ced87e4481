"""Copy warm-up: a short training run on repeated random token strings that sharpens a planted copy circuit.

Each row is a random string of a random period (so no fixed offset can stand in for copying) repeated to the
row's length; the loss covers the tokens an induction head can predict (the second copy on, after its first
token). Measured on a 4x128 model with a 500-token alphabet: the circuit planted by :mod:`copy_prior` copies
0.77 of those tokens at step 0 and 0.995 after 100 steps; the same model without it goes from 0.002 to 0.011 in
600 steps.
"""

from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from inftool_jax.sft.loss_fn import masked_next_token_loss


def repeated_strings(rng: np.random.Generator, batch_size: int, length: int, token_ids: np.ndarray,
                     min_period: int = 8, max_period: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """``(input_ids [B, L] int32, loss_mask [B, L] float32)``: rows repeating a random string of random period.

    ``loss_mask`` is 1 from the second token of the first repeat on (the first repeated token follows the end
    of a string nothing predicts), 0 before.
    """
    max_period = max(min_period, min(max_period, length // 2))
    ids = np.zeros((batch_size, length), np.int32)
    mask = np.zeros((batch_size, length), np.float32)
    for row in range(batch_size):
        period = int(rng.integers(min_period, max_period + 1))
        ids[row] = np.resize(rng.choice(token_ids, period), length)
        mask[row, period + 1 :] = 1.0
    return ids, mask


def copy_loss(model: Any, input_ids: jax.Array, loss_mask: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(mean next-token NLL, copy accuracy)`` over the masked targets (pure, jittable)."""
    loss_sum, count, correct = masked_next_token_loss(model(input_ids), input_ids, loss_mask)
    return loss_sum / count, correct / count


def copy_warmup(model: Any, token_ids: Sequence[int], *, steps: int, learning_rate: float, batch_size: int,
                length: int, seed: int = 0, progress: bool = True) -> dict[str, float]:
    """Train ``model`` in place for ``steps`` AdamW steps on :func:`repeated_strings` of ``token_ids``.

    The trainer's optimiser (:func:`~inftool_jax.train.optimizer.make_optimizer`) with its defaults: linear warm-up
    over the first 10% of steps, cosine decay to a tenth, clipping at norm 1, no weight decay.
    Returns the last step's ``{"loss", "copy_accuracy"}`` (nothing when ``steps`` is 0).
    """
    from tqdm.auto import tqdm

    if steps <= 0:
        return {}
    from inftool_jax.train.config import TrainConfig
    from inftool_jax.train.optimizer import make_optimizer

    token_ids = np.asarray(token_ids, dtype=np.int32)
    # The trainer's optimiser with its defaults (clip 1, betas 0.9 / 0.95, no decay, cosine to a tenth).
    optimizer = make_optimizer(TrainConfig(learning_rate=learning_rate, warmup_steps=max(1, steps // 10)), steps)
    graphdef, params, rest = nnx.split(model, nnx.Param, ...)
    opt_state = optimizer.init(params)

    @jax.jit
    def step(params, opt_state, input_ids, loss_mask):
        def loss_fn(p):
            return copy_loss(nnx.merge(graphdef, p, rest), input_ids, loss_mask)

        (loss, accuracy), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss, accuracy

    rng = np.random.default_rng(seed)
    bar = tqdm(range(steps), desc="copy warm-up", unit="step", disable=not progress)
    loss = accuracy = jnp.zeros(())
    for i in bar:
        input_ids, loss_mask = repeated_strings(rng, batch_size, length, token_ids)
        params, opt_state, loss, accuracy = step(params, opt_state, jnp.asarray(input_ids), jnp.asarray(loss_mask))
        if (i + 1) % 25 == 0 or i + 1 == steps:
            bar.set_postfix(loss=f"{float(loss):.3f}", copy=f"{float(accuracy):.3f}")
    bar.close()
    nnx.update(model, params)
    return {"loss": float(loss), "copy_accuracy": float(accuracy)}
