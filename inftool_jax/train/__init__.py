"""Shared training machinery for SFT and GRPO: config, optimiser, state, jitted step, checkpoints, metrics, data.

The pieces, each in its own module (import them directly; this package imports nothing heavy):

- :mod:`.config` — ``TrainConfig``, the ``train:`` section of the experiment config.
- :mod:`.optimizer` — ``make_optimizer(cfg)`` (optax: clip → AdamW with warmup + cosine) and ``learning_rate(cfg)``.
- :mod:`.state` — ``TrainState`` (flat ``{param name: array}`` params, optimiser state, step, rng,
  non-finite streak), ``create_train_state``, ``state_shardings``, ``model_from_params``.
- :mod:`.step_fn` — ``train_step(state, batch, loss_fn, ...)`` (pure: exact gradient accumulation,
  non-finite guard) and ``compile_train_step`` (``jax.jit`` with explicit shardings, donated state).
- :mod:`.checkpoint` — ``Checkpointer`` (orbax, keep last N; state + loader position + extra JSON).
- :mod:`.metrics` — ``MetricsLogger`` (metrics.jsonl + TensorBoard), FLOPs/MFU helpers.
- :mod:`.data` — deterministic, bucketed batches of tokenized episodes and their global arrays.
- :mod:`.loop` — ``Trainer``: the orchestration both stages share (step, log, guard, checkpoint, resume).

A loss function for the step has the signature ``loss_fn(model, batch, rng) -> (loss_sum, weight, aux)``:
the objective is ``sum(loss_sum) / sum(weight)`` over all micro-batches of a step (e.g. summed token
losses over the token count), which is what makes gradient accumulation exact; ``aux`` is a dict of
scalars that are summed over micro-batches and reported as they are.
"""
