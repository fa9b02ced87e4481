"""The in-JAX sampler as the rollouts' generation function (one completion per prompt, fresh key per call)."""

from __future__ import annotations

from typing import Any, Sequence

import jax
import numpy as np

from inftool_jax.rollout.episode_rollout import GenerateFn, Generated
from inftool_jax.rollout.sampling_config import SamplingConfig

_FINISHED = ("stop_token", "stop_string")


def sampler_generate_fn(sampler: Any, sampling: SamplingConfig, key: jax.Array | int) -> GenerateFn:
    """A :data:`GenerateFn` over ``sampler.generate``; call ``k`` uses ``fold_in(key, k)``.

    ``sampling.num_samples`` is forced to 1: groups are laid out by repeating
    tasks, so every round of a multi-turn rollout is one flat batch.
    """
    base = jax.random.PRNGKey(key) if isinstance(key, int) else key
    config = sampling.model_copy(update={"num_samples": 1})
    calls = [0]

    def generate(prompts: Sequence[np.ndarray]) -> list[Generated]:
        if not prompts:
            return []
        k = jax.random.fold_in(base, calls[0])
        calls[0] += 1
        out = sampler.generate([np.asarray(p, np.int32) for p in prompts], config, k)
        texts = out.texts if out.texts is not None else [""] * len(prompts)
        return [
            Generated(np.asarray(out.tokens[i, : int(out.lengths[i])], np.int32), texts[i], out.finish_reasons[i] in _FINISHED)
            for i in range(len(prompts))
        ]

    return generate
