"""The in-JAX sampler as the rollouts' generation function (G completions per prompt, fresh key per call)."""

from __future__ import annotations

from typing import Any, Sequence

import jax
import numpy as np

from inftool_jax.rollout.episode_rollout import GenerateFn, Generated
from inftool_jax.rollout.sampling_config import SamplingConfig

_FINISHED = ("stop_token", "stop_string")


def sampler_generate_fn(sampler: Any, sampling: SamplingConfig, key: jax.Array | int) -> GenerateFn:
    """A :data:`GenerateFn` over ``sampler.generate``; call ``k`` uses ``fold_in(key, k)``.

    ``generate(prompts, num_generations)`` passes the distinct prompts with
    ``num_samples=num_generations`` (the caller's G, from ``grpo.num_generations``;
    ``sampling.num_samples`` is not used), so each prompt is prefilled once and
    completion ``g`` of prompt ``i`` is row ``i*G+g``, with that row's key.
    """
    base = jax.random.PRNGKey(key) if isinstance(key, int) else key
    calls = [0]

    def generate(prompts: Sequence[np.ndarray], num_generations: int = 1) -> list[Generated]:
        if not prompts:
            return []
        if num_generations < 1:
            raise ValueError(f"num_generations must be >= 1, got {num_generations}")
        k = jax.random.fold_in(base, calls[0])
        calls[0] += 1
        config = sampling.model_copy(update={"num_samples": num_generations})
        out = sampler.generate([np.asarray(p, np.int32) for p in prompts], config, k)
        rows = len(prompts) * num_generations
        texts = out.texts if out.texts is not None else [""] * rows
        return [
            Generated(np.asarray(out.tokens[i, : int(out.lengths[i])], np.int32), texts[i], out.finish_reasons[i] in _FINISHED)
            for i in range(rows)
        ]

    return generate
