"""The in-JAX sampler as the rollouts' generation function (one completion per prompt, fresh key per call)."""

from __future__ import annotations

from typing import Any, Sequence

import jax
import numpy as np

from inftool_jax.rollout.episode_rollout import GenerateFn, Generated
from inftool_jax.rollout.sampling_config import SamplingConfig

_FINISHED = ("stop_token", "stop_string")


def group_size(prompts: Sequence[np.ndarray]) -> int:
    """G when ``prompts`` are blocks of G identical consecutive prompts (GRPO's layout), else 1."""
    n = len(prompts)
    g = 1
    while g < n and np.array_equal(prompts[g], prompts[0]):
        g += 1
    if g == 1 or n % g:
        return 1
    for start in range(0, n, g):
        if not all(np.array_equal(prompts[start + j], prompts[start]) for j in range(1, g)):
            return 1
    return g


def sampler_generate_fn(sampler: Any, sampling: SamplingConfig, key: jax.Array | int) -> GenerateFn:
    """A :data:`GenerateFn` over ``sampler.generate``; call ``k`` uses ``fold_in(key, k)``.

    ``sampling.num_samples`` is not used: groups are laid out by repeating tasks, so
    one call gets G identical consecutive prompts per task (a multi-turn rollout's first
    round) or distinct ones (later rounds). Blocks of G are passed as the distinct prompts
    with ``num_samples=G`` (row ``i*G+g`` keeps its place, hence its key and output), so
    each task's prompt is prefilled once.
    """
    base = jax.random.PRNGKey(key) if isinstance(key, int) else key
    calls = [0]

    def generate(prompts: Sequence[np.ndarray]) -> list[Generated]:
        if not prompts:
            return []
        k = jax.random.fold_in(base, calls[0])
        calls[0] += 1
        prompts = [np.asarray(p, np.int32) for p in prompts]
        g = group_size(prompts)
        config = sampling.model_copy(update={"num_samples": g})
        out = sampler.generate(prompts[::g], config, k)
        texts = out.texts if out.texts is not None else [""] * len(prompts)
        return [
            Generated(np.asarray(out.tokens[i, : int(out.lengths[i])], np.int32), texts[i], out.finish_reasons[i] in _FINISHED)
            for i in range(len(prompts))
        ]

    return generate
