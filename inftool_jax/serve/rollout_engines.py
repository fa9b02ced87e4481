"""Rollout engines, chosen by ``rollout.engine``: where GRPO's completions come from.

An engine turns the trainer's current policy into a :data:`~inftool_jax.rollout.episode_rollout.GenerateFn`
(``engine.generate_fn(policy, sampling, key, step)``) and may keep the sampler's log-probs of what it generated
(``engine.sampler_logprobs(tokens, mask)``, for the sampler-vs-trainer gap metric; None when it keeps none).

- ``inprocess``: the in-JAX sampler over the trainer's own param arrays (no copy, exactly on-policy);
- ``sglang``: an SGLang server's native ``POST /generate`` with ``input_ids`` and ``return_logprob``, so token ids
  round-trip exactly. Every ``sglang.sync_every_steps`` GRPO steps the trainer's weights are exported as an HF
  folder and handed over (:meth:`SGLangEndpoint.ensure`) before the step's rollouts.

This module imports no jax at import time (the config reads :data:`ROLLOUT_ENGINES`' names).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

from inftool_jax.registry import Registry

ROLLOUT_ENGINES: Registry[Callable[..., Any]] = Registry("rollout engine", "rollout.engine")


@ROLLOUT_ENGINES.register("inprocess")
class InProcessEngine:
    """The in-JAX sampler on the policy's params (the default)."""

    def __init__(self, tokenizer: Any, mesh: Any, **_: Any):
        self.tokenizer, self.mesh = tokenizer, mesh

    def generate_fn(self, policy: Any, sampling: Any, key: Any, step: int = 0) -> Any:
        from inftool_jax.rollout.policy_generate import sampler_generate_fn
        from inftool_jax.rollout.sampler import Sampler

        return sampler_generate_fn(Sampler(policy, self.tokenizer, self.mesh), sampling, key)

    def sampler_logprobs(self, tokens: Any, mask: Any) -> None:
        return None

    def metrics(self) -> dict[str, float]:
        return {}

    def close(self) -> None:
        pass


@ROLLOUT_ENGINES.register("sglang")
class SGLangEngine:
    """GRPO completions from an SGLang server (see the module docstring).

    ``endpoint``: an :class:`~inftool_jax.serve.sglang_endpoint.SGLangEndpoint` (the loop's, shared by the run), or
    None to make one from ``sglang`` (an :class:`~inftool_jax.serve.sglang_config.SGLangConfig`) in ``out_dir``,
    owned and stopped by :meth:`close`. ``model_dir``: the stage's start model (served before the first step);
    ``out_dir``: exports of the trainer's weights go to ``out_dir/sglang-weights/step-N`` (removed by close).
    """

    def __init__(self, tokenizer: Any, mesh: Any = None, *, model_dir: str | Path, out_dir: str | Path,
                 sglang: Any = None, endpoint: Any = None, base_dir: str | Path | None = None, **_: Any):
        from inftool_jax.serve.sglang_endpoint import SGLangEndpoint

        self.tokenizer = tokenizer
        self.model_dir = Path(model_dir)
        self.out_dir = Path(out_dir)
        self.owned = endpoint is None
        self.endpoint = endpoint if endpoint is not None else SGLangEndpoint(sglang, self.out_dir, base_dir)
        self.sync_every = int(self.endpoint.cfg.sync_every_steps)
        self.endpoint.ensure(self.model_dir)
        self.synced_step: int | None = None
        self._logprobs: dict[bytes, Any] = {}
        self._metrics: dict[str, float] = {}

    def _sync(self, policy: Any, step: int) -> None:
        """Export the trainer's weights and hand them over (the stage's start model is served at step 0)."""
        from inftool_jax.model.pretrained import save_pretrained

        root = self.out_dir / "sglang-weights"
        folder = root / f"step-{step:06d}"
        shutil.rmtree(folder, ignore_errors=True)
        save_pretrained(policy, folder, tokenizer_dir=self.model_dir, progress=False)
        stage = self.out_dir.name.removesuffix(".partial")  # the loop's stages fill NAME.partial, then rename it
        record = self.endpoint.ensure(folder, f"{stage}/step-{step}")
        for old in root.iterdir():
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
        self.synced_step = step
        if record is not None:
            self._metrics["weight_sync_seconds"] = float(record["seconds"])

    def generate_fn(self, policy: Any, sampling: Any, key: Any, step: int = 0) -> Any:
        """A GenerateFn over ``/generate`` (G copies of each prompt in one batch; the server's own randomness)."""
        import numpy as np

        from inftool_jax.rollout.episode_rollout import Generated
        from inftool_jax.rollout.stop_criteria import resolve_stop_token_ids

        self._metrics = {}
        if self.sync_every and step > 0 and step % self.sync_every == 0 and self.synced_step != step:
            self._sync(policy, step)
        stop_ids = resolve_stop_token_ids(sampling.stop_token_ids, sampling.stop_at_eos, self.tokenizer,
                                          policy.hf_config, int(policy.config.vocab_size))
        params = {"max_new_tokens": sampling.max_new_tokens, "temperature": sampling.temperature, "top_p": sampling.top_p,
                  "top_k": sampling.top_k or -1, "stop_token_ids": [int(i) for i in stop_ids],
                  "skip_special_tokens": sampling.skip_special_tokens}
        self._logprobs = {}
        client = self.endpoint.client

        def generate(prompts, num_generations: int = 1):
            if not prompts:
                return []
            rows = [np.asarray(p, np.int32) for p in prompts for _ in range(num_generations)]
            outs = client.generate([r.tolist() for r in rows], params, return_logprob=True)
            result = []
            for prompt, out in zip(rows, outs):
                ids = np.asarray(out.output_ids, np.int32)
                if out.logprobs is not None:
                    lp = np.full(len(ids), np.nan, np.float32)
                    lp[: len(out.logprobs)] = out.logprobs[: len(ids)]
                    self._logprobs[np.concatenate([prompt, ids]).tobytes()] = lp
                text = self.tokenizer.decode(ids.tolist(), skip_special_tokens=sampling.skip_special_tokens)
                result.append(Generated(ids, text, out.finished))
            return result

        return generate

    def sampler_logprobs(self, tokens: Any, mask: Any) -> Any:
        """``[L]`` float32 of the sampler's log-prob at each generated token of one rollout (NaN elsewhere)."""
        import numpy as np

        tokens = np.asarray(tokens, np.int32)
        mask = np.asarray(mask)
        out = np.full(len(tokens), np.nan, np.float32)
        t = 0
        while t < len(tokens):
            if not mask[t]:
                t += 1
                continue
            end = t
            while end < len(tokens) and mask[end]:
                end += 1
            lp = self._logprobs.get(tokens[:end].tobytes())
            if lp is not None and len(lp) == end - t:
                out[t:end] = lp
            t = end
        return out

    def metrics(self) -> dict[str, float]:
        return dict(self._metrics)

    def close(self) -> None:
        shutil.rmtree(self.out_dir / "sglang-weights", ignore_errors=True)
        if self.owned:
            self.endpoint.close()


def make_rollout_engine(name: str, **kwargs: Any) -> Any:
    """The engine ``rollout.engine`` names, built with ``kwargs`` (tokenizer, mesh, model_dir, out_dir, sglang, endpoint)."""
    return ROLLOUT_ENGINES.get(name, key="rollout.engine")(**kwargs)
