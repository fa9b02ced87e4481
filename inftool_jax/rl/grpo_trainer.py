"""One GRPO step: B tasks x G samples -> gated rewards -> group advantages -> clipped-surrogate update.

Per step (:meth:`GRPOTrainer.step`):

1. rollouts: the current policy (the train state's params merged into the
   model, so no weight copy) samples G completions for each of B tasks with
   the in-JAX sampler; agentic rollouts run calls through the simulator;
2. rewards: the gated reward scores the whole G x B batch in one jitted
   kernel call; group advantages follow from the rewards by the estimator
   ``grpo.scale_rewards`` names (:mod:`inftool_jax.rl.advantages`);
   zero-variance groups are optionally masked out (dynamic sampling without
   resampling);
3. log-probs: the behaviour policy's log-probs are *recomputed* by the
   trainer's own forward pass, never taken from the sampler (its KV-cache
   numerics differ in the last bits, and the ratio must be exactly 1 at the
   first update). With ``steps_per_generation == 1`` the update is exactly
   on-policy and ``old_logp = stop_gradient(logp)`` inside the loss (same
   values, no extra pass); above 1 one jitted forward before the first
   update computes them. With ``beta > 0`` the frozen reference params give
   ``ref_logp`` the same way; with ``beta == 0`` no reference is kept at all;
4. update: the shared jitted train step (:mod:`inftool_jax.train.step_fn`):
   exact gradient accumulation over ``train.micro_batches``, clipping, AdamW
   with warmup + cosine, NaN/inf guard.

Shared prompts. The G rollouts of a task start with the same prompt, so the
update runs each distinct prompt through the model once (``prefix_*``
leaves, left-padded) and the G continuations against its keys/values
(``suffix_*`` leaves, right-padded) with :meth:`CausalLM.forward_with_cache`;
gradients flow through the shared keys/values into the prompt's forward. The
log-probs equal the full-sequence ones (same positions, same attended keys)
at a fraction of the work when prompts are long (B=1, G=8, prompt 128,
completion 64: 640 instead of 1536 token positions, and logits only where
they are trained). Gradient accumulation splits rows with a stride, which
would separate a row from its prompt, so with ``train.micro_batches > 1`` the
batch keeps the full-sequence layout (``tokens`` ...).
"""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from inftool_jax.grading.gated_reward import GatedReward, RewardBatch
from inftool_jax.grading.reward_config import GATES, RewardConfig
from inftool_jax.rl.advantages import group_advantages, nonzero_variance_mask
from inftool_jax.rl.grpo_loss import grpo_loss
from inftool_jax.rl.grpo_stage_config import GRPOStageConfig
from inftool_jax.rl.loss_aggregation import TOKEN_WEIGHTED
from inftool_jax.rollout.episode_rollout import EpisodeRollouts, Rollout, Task, pad_rollouts
from inftool_jax.rollout.sampling_config import SamplingConfig
from inftool_jax.train.config import TrainConfig
from inftool_jax.train.metrics import matmul_params, train_flops_per_token
from inftool_jax.train.state import TrainState, flat_params


def token_logprobs(model: Any, tokens: jax.Array, attention_mask: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(logp [N, T-1], entropy [N, T-1])``: log-prob of token t+1 given tokens <= t, and the entropy there."""
    logits = model(tokens, attention_mask=attention_mask)[:, :-1].astype(jnp.float32)
    logp_all = jax.nn.log_softmax(logits, axis=-1)
    logp = jnp.take_along_axis(logp_all, tokens[:, 1:, None], axis=-1)[..., 0]
    entropy = -jnp.sum(jnp.exp(logp_all) * logp_all, axis=-1)
    return logp, entropy


def shared_prefix_logprobs(model: Any, batch: dict[str, jax.Array]) -> tuple[jax.Array, jax.Array]:
    """``(logp [N, S], entropy [N, S])`` of each suffix token given its row's prompt and the suffix before it.

    ``prefix_tokens``/``prefix_mask`` ``[P_rows, P]`` (left-padded prompts), ``prefix_index [N]`` (the
    prompt row of each suffix row), ``prefix_lens [N]`` (its real length: the suffix's first RoPE
    position), ``suffix_tokens``/``suffix_mask`` ``[N, S]`` (right-padded). Suffix token 0 is predicted
    by the prompt's last position, token t > 0 by suffix position t - 1.
    """
    prefix, prefix_mask = batch["prefix_tokens"], batch["prefix_mask"].astype(bool)
    suffix, suffix_mask = batch["suffix_tokens"], batch["suffix_mask"].astype(bool)
    index = batch["prefix_index"]
    rows, width = prefix.shape
    n, s = suffix.shape
    cache = model.init_cache(rows, width + s)
    positions = jnp.maximum(jnp.cumsum(prefix_mask, axis=1) - 1, 0).astype(jnp.int32)
    prefix_logits, cache = model.forward_with_cache(prefix, positions, cache, prefix_mask)
    take = lambda x: jnp.take(x, index, axis=0)  # noqa: E731
    cache = cache.replace(keys=tuple(map(take, cache.keys)), values=tuple(map(take, cache.values)), valid=take(cache.valid))
    suffix_positions = batch["prefix_lens"][:, None].astype(jnp.int32) + jnp.arange(s, dtype=jnp.int32)[None, :]
    suffix_logits, _ = model.forward_with_cache(suffix, suffix_positions, cache, suffix_mask)
    logits = jnp.concatenate([take(prefix_logits[:, -1:]), suffix_logits[:, :-1]], axis=1).astype(jnp.float32)
    logp_all = jax.nn.log_softmax(logits, axis=-1)
    logp = jnp.take_along_axis(logp_all, suffix[..., None], axis=-1)[..., 0]
    entropy = -jnp.sum(jnp.exp(logp_all) * logp_all, axis=-1)
    return logp, entropy


def batch_logprobs(model: Any, batch: dict[str, jax.Array]) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``(logp, entropy, trainable mask)`` aligned with each other, for either batch layout."""
    if "prefix_tokens" in batch:
        logp, entropy = shared_prefix_logprobs(model, batch)
        return logp, entropy, batch["loss_mask"]
    logp, entropy = token_logprobs(model, batch["tokens"], batch["attention_mask"])
    return logp, entropy, batch["loss_mask"][:, 1:]


def make_grpo_loss_fn(cfg: GRPOStageConfig):
    """The train step's ``loss_fn(model, batch, rng) -> (loss_sum, weight, aux sums)`` for GRPO.

    ``batch``: ``tokens``/``attention_mask``/``loss_mask`` [N, T] (loss_mask 1 on
    policy tokens), ``advantages`` [N], ``sample_mask`` [N], optional ``old_logp``
    and ``ref_logp`` [N, T-1]; or the shared-prompt layout of
    :func:`shared_prefix_logprobs` with ``loss_mask`` and the log-probs [N, S]. Sums with global weight make accumulation exact:
    dapo divides by the batch's trained tokens, the sequence modes by its
    trained sequences.
    """

    def loss_fn(model, batch, rng):
        del rng
        logp, entropy, trained = batch_logprobs(model, batch)
        mask = trained.astype(jnp.float32) * batch["sample_mask"].astype(jnp.float32)[:, None]
        old = batch["old_logp"] if "old_logp" in batch else jax.lax.stop_gradient(logp)
        loss_sum, m = grpo_loss(
            logp, old, batch["advantages"], mask,
            epsilon=cfg.epsilon, epsilon_high=cfg.epsilon_high, beta=cfg.beta, ref_logp=batch.get("ref_logp"),
            loss_type=cfg.loss_type, max_len=cfg.max_completion_length,
            entropy=jax.lax.stop_gradient(entropy), num_tokens=1.0, num_sequences=1.0,
        )
        tokens = mask.sum()
        sequences = (mask.sum(axis=1) > 0).sum().astype(jnp.float32)
        weight = tokens if cfg.loss_type in TOKEN_WEIGHTED else sequences
        aux = {
            "trained_tokens": tokens,
            "trained_sequences": sequences,
            "clip_low_sum": m["clip_frac_low"] * tokens,
            "clip_high_sum": m["clip_frac_high"] * tokens,
            "entropy_sum": m["entropy"] * tokens,
            "ratio_sum": m["ratio_mean"] * tokens,
        }
        if "kl" in m:
            aux["kl_sum"] = m["kl"] * tokens
        return loss_sum, weight, aux

    return loss_fn


@dataclass
class StepBatch:
    """A rollout batch ready for the update, plus what it is reported by."""

    arrays: dict[str, np.ndarray]
    rollouts: list[Rollout]
    rewards: RewardBatch
    advantages: np.ndarray
    """[N] float32: group advantages of the rewards (grpo.scale_rewards)."""
    generated_tokens: int
    padded_tokens: int
    """Token positions the update runs the model over (prompt rows once each in the shared-prompt layout)."""
    seq_len: int
    """Longest attention span of the update (prompt width + suffix width, or the full width)."""


class GRPOTrainer:
    """GRPO steps on the shared :class:`~inftool_jax.train.loop.Trainer` (state, jitted step, guard, checkpoints, metrics)."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        rollouts: EpisodeRollouts,
        mesh: Any,
        grpo: GRPOStageConfig,
        train: TrainConfig,
        reward: RewardConfig,
        total_steps: int,
        seed: int,
        out_dir: str | Path,
        log_to_files: bool = True,
        engine: Any = None,
    ):
        from inftool_jax.serve.rollout_engines import InProcessEngine
        from inftool_jax.train.loop import Trainer

        self.grpo, self.reward_config = grpo, reward
        self.tokenizer, self.rollouts, self.mesh = tokenizer, rollouts, mesh
        self.seed = seed
        self.decoder_config = model.config
        batch_devices = mesh.shape["data"] * mesh.shape["fsdp"]
        self.batch_devices = batch_devices
        self.row_multiple = batch_devices * train.micro_batches * grpo.steps_per_generation
        self.rows = -(-grpo.prompts_per_step * grpo.num_generations // self.row_multiple) * self.row_multiple
        # The shared trainer checks train.batch_size against the mesh: here it is the rows of one update.
        self.train = train.model_copy(update={"batch_size": self.rows // grpo.steps_per_generation})
        # beta == 0: no reference model at all (no memory, no forward pass).
        self.ref_params = jax.tree.map(jnp.copy, flat_params(model)) if grpo.beta > 0 else None
        self.trainer = Trainer(
            self.train, model, make_grpo_loss_fn(grpo), mesh, out_dir,
            total_steps=total_steps * grpo.steps_per_generation, seed=seed, progress=False, log_to_files=log_to_files,
        )
        self.scorer = GatedReward(reward)
        model_def = self.trainer.model_def
        self._forward = jax.jit(
            lambda p, b: batch_logprobs(model_def.merge(p), b)[0], in_shardings=(self.trainer.shardings.params, None),
        )
        self.sampling = SamplingConfig(
            max_new_tokens=grpo.max_completion_length, temperature=grpo.temperature, top_p=grpo.top_p, top_k=grpo.top_k,
        )
        # Where completions come from (rollout.engine): the in-JAX sampler on these params, or a server.
        self.engine = engine if engine is not None else InProcessEngine(tokenizer, mesh)
        self.engine_metrics: dict[str, float] = {}

    @property
    def state(self) -> TrainState:
        return self.trainer.state

    @property
    def grpo_step(self) -> int:
        """Rollout steps done (each is ``steps_per_generation`` optimiser steps)."""
        return self.trainer.step_count // self.grpo.steps_per_generation

    # ---- the pieces of a step -----------------------------------------

    def policy(self) -> Any:
        """The current policy as a model (shares the state's param arrays)."""
        return self.trainer.model()

    def collect(self, tasks: Sequence[Task], key: jax.Array) -> tuple[list[Rollout], RewardBatch]:
        """G rollouts per task (contiguous per task) and their gated rewards, from the rollout engine."""
        generate = self.engine.generate_fn(self.policy(), self.sampling, key, self.grpo_step)
        run = self.rollouts.run_agentic if self.grpo.rollout == "agentic" else self.rollouts.run_single
        rollouts = run(tasks, generate, num_generations=self.grpo.num_generations)
        rewards = self.scorer.score([r.attempt for r in rollouts], [r.task.target for r in rollouts])
        self.engine_metrics = {**self.engine.metrics(), **self.logprob_gap(rollouts)}
        return rollouts, rewards

    def logprob_gap(self, rollouts: list[Rollout]) -> dict[str, float]:
        """Sampler vs trainer log-probs of the generated tokens (the trainer's forward on the params that generated
        them): ``logprob_gap_mean``/``_max`` of |logp_sampler - logp_trainer|; {} when the engine keeps no log-probs."""
        sampled = [self.engine.sampler_logprobs(r.tokens, r.mask) for r in rollouts]
        if not rollouts or any(s is None for s in sampled):
            return {}
        n = len(rollouts)
        rows = -(-n // self.batch_devices) * self.batch_devices

        def pad_rows(x):
            return np.concatenate([x, np.zeros((rows - n, *x.shape[1:]), x.dtype)]) if rows > n else x

        arrays, _, length = self._full_sequence_arrays(rollouts, pad_rows)
        trainer = self._logp(self.state.params, arrays)[:n]  # [n, length - 1]: position t scores token t + 1
        gaps = []
        for i, s in enumerate(sampled):
            s = np.asarray(s[1:length], np.float32)
            t = trainer[i, : len(s)]
            known = ~np.isnan(s)
            gaps.append(np.abs(s[known] - t[known]))
        gap = np.concatenate(gaps) if gaps else np.zeros(0)
        if not gap.size:
            return {}
        return {"logprob_gap_mean": float(gap.mean()), "logprob_gap_max": float(gap.max()), "logprob_gap_tokens": float(gap.size)}

    def build_batch(self, rollouts: list[Rollout], rewards: RewardBatch) -> StepBatch:
        """Pad into the update's arrays: N' rows (a multiple of mesh batch x micro-batches x updates).

        With ``train.micro_batches == 1`` the shared-prompt layout (see the module docstring), else
        full sequences ``[N', T]`` (T a multiple of ``bucket_multiple``, at most ``max_length``).
        """
        n = len(rollouts)
        rows = max(self.rows, -(-n // self.row_multiple) * self.row_multiple)
        g = self.grpo.num_generations
        advantages = group_advantages(rewards.rewards, g, self.grpo.scale_rewards, self.grpo.advantage_eps)
        sample_mask = np.ones(n, np.float32)
        if self.grpo.drop_zero_variance_groups:
            sample_mask = np.asarray(nonzero_variance_mask(jnp.asarray(rewards.rewards), g))

        def pad_rows(x):
            return np.concatenate([x, np.zeros((rows - n, *x.shape[1:]), x.dtype)]) if rows > n else x

        if self.train.micro_batches == 1:
            arrays, padded, seq_len = self._shared_prompt_arrays(rollouts, rows)
        else:
            arrays, padded, seq_len = self._full_sequence_arrays(rollouts, pad_rows)
        arrays["advantages"] = pad_rows(advantages)
        arrays["sample_mask"] = pad_rows(sample_mask.astype(np.float32))
        return StepBatch(arrays, rollouts, rewards, advantages, int(sum(r.generated_tokens for r in rollouts)), padded, seq_len)

    def _full_sequence_arrays(self, rollouts: list[Rollout], pad_rows) -> tuple[dict[str, np.ndarray], int, int]:
        longest = max(len(r.tokens) for r in rollouts)
        mult = self.train.bucket_multiple
        length = min(-(-longest // mult) * mult, self.train.max_length)
        tokens, loss_mask, attn = pad_rollouts(rollouts, length, pad_id=self._pad_id())
        arrays = {"tokens": pad_rows(tokens), "attention_mask": pad_rows(attn), "loss_mask": pad_rows(loss_mask)}
        return arrays, arrays["tokens"].size, length

    def _shared_prompt_arrays(self, rollouts: list[Rollout], rows: int) -> tuple[dict[str, np.ndarray], int, int]:
        pad = self._pad_id()
        mult = self.train.bucket_multiple
        unique: dict[bytes, int] = {}
        prompts: list[np.ndarray] = []
        index = np.zeros(rows, np.int32)
        lens = np.zeros(rows, np.int32)
        for i, r in enumerate(rollouts):
            prompt = np.asarray(r.tokens[: r.prompt_len], np.int32)
            key = prompt.tobytes()
            if key not in unique:
                unique[key] = len(prompts)
                prompts.append(prompt)
            index[i], lens[i] = unique[key], r.prompt_len
        width = -(-max(len(p) for p in prompts) // mult) * mult
        # Prefix rows split over the mesh's batch shards too; spare rows hold one dummy token.
        prefix_rows = -(-len(prompts) // self.batch_devices) * self.batch_devices
        prefix = np.full((prefix_rows, width), pad, np.int32)
        prefix_mask = np.zeros((prefix_rows, width), np.int32)
        prefix_mask[:, -1] = 1
        for j, p in enumerate(prompts):
            prefix[j, width - len(p):] = p
            prefix_mask[j, width - len(p):] = 1
        longest = max(len(r.tokens) - r.prompt_len for r in rollouts)
        s = -(-longest // mult) * mult
        if self.grpo.rollout == "single":  # a single turn never exceeds max_completion_length: no wider bucket
            s = min(s, self.grpo.max_completion_length)
        # The suffix is never cut to fit max_length beside the *bucketed* prompt width: a batch whose longest prompt
        # bucketed to max_length would train one token per completion (the padding is not part of any sequence).
        s = max(1, min(s, self.train.max_length))
        suffix = np.full((rows, s), pad, np.int32)
        suffix_mask = np.zeros((rows, s), np.int32)
        loss_mask = np.zeros((rows, s), np.int32)
        for i, r in enumerate(rollouts):
            part = r.tokens[r.prompt_len:][:s]
            suffix[i, : len(part)] = part
            suffix_mask[i, : len(part)] = 1
            loss_mask[i, : len(part)] = r.mask[r.prompt_len:][:s]
        arrays = {
            "prefix_tokens": prefix, "prefix_mask": prefix_mask, "prefix_index": index, "prefix_lens": lens,
            "suffix_tokens": suffix, "suffix_mask": suffix_mask, "loss_mask": loss_mask,
        }
        return arrays, prefix.size + suffix.size, width + s

    def _pad_id(self) -> int:
        return int(self.tokenizer.pad_token_id or 0)

    def _logp(self, params, arrays) -> np.ndarray:
        inputs = {k: jnp.asarray(v) for k, v in arrays.items() if k not in ("advantages", "sample_mask", "old_logp", "ref_logp")}
        return np.asarray(self._forward(params, inputs))

    def update(self, batch: StepBatch) -> dict[str, float]:
        """``steps_per_generation`` optimiser steps over the batch (old/ref log-probs computed first when needed)."""
        arrays = dict(batch.arrays)
        if self.grpo.steps_per_generation > 1:
            arrays["old_logp"] = self._logp(self.state.params, arrays)
        if self.ref_params is not None:
            arrays["ref_logp"] = self._logp(self.ref_params, arrays)
        k = self.grpo.steps_per_generation
        sums: dict[str, float] = {}
        last: dict[str, Any] = {}
        shared = ("prefix_tokens", "prefix_mask")  # every mini-batch sees all prompts; prefix_index stays global
        for j in range(k):
            metrics = self.trainer.step({name: np.asarray(a if name in shared else a[j::k]) for name, a in arrays.items()})
            for name, value in metrics.items():
                sums[name] = sums.get(name, 0.0) + float(value)
            last = metrics
        tokens = max(sums.get("trained_tokens", 0.0), 1.0)
        out = {
            "loss": sums["loss"] / k,
            "grad_norm": sums["grad_norm"] / k,
            "learning_rate": float(last["learning_rate"]),
            "skipped": sums["skipped"],
            "nonfinite_streak": float(last["nonfinite_streak"]),
            "trained_tokens": sums.get("trained_tokens", 0.0),
            "trained_sequences": sums.get("trained_sequences", 0.0),
            "clip_frac_low": sums.get("clip_low_sum", 0.0) / tokens,
            "clip_frac_high": sums.get("clip_high_sum", 0.0) / tokens,
            "clip_frac": (sums.get("clip_low_sum", 0.0) + sums.get("clip_high_sum", 0.0)) / tokens,
            "entropy": sums.get("entropy_sum", 0.0) / tokens,
            "ratio_mean": sums.get("ratio_sum", 0.0) / tokens,
        }
        if "kl_sum" in sums:
            out["kl"] = sums["kl_sum"] / tokens
        return out

    def step_flops(self, batch: StepBatch) -> float:
        """Model FLOPs of the step: sampling (2 x matmul params per token fed) + update (+ extra forwards).

        The update counts the positions it runs (each distinct prompt once in the shared-prompt layout).
        """
        p = matmul_params(self.decoder_config)
        fed = sum(len(r.tokens) for r in batch.rollouts)
        flops = 2.0 * p * fed + train_flops_per_token(self.decoder_config, batch.seq_len) * batch.padded_tokens
        extra = int(self.grpo.steps_per_generation > 1) + int(self.ref_params is not None)
        return flops + extra * 2.0 * p * batch.padded_tokens

    def step(self, tasks: Sequence[Task], key: jax.Array, peak_flops: float = 0.0) -> dict[str, Any]:
        """One full GRPO step on ``tasks``; returns its metrics (rewards, gates, update stats, speed)."""
        t0 = time.perf_counter()
        rollouts, rewards = self.collect(tasks, key)
        t1 = time.perf_counter()
        batch = self.build_batch(rollouts, rewards)
        metrics = self.update(batch)
        t2 = time.perf_counter()
        elapsed = t2 - t0
        metrics.update({
            "reward_mean": float(rewards.rewards.mean()),
            "reward_std": float(rewards.rewards.std()),
            **{f"gate_{g}": v for g, v in rewards.gate_pass_rates().items()},
            "groups_kept": float(batch.arrays["sample_mask"][: len(rollouts)].reshape(-1, self.grpo.num_generations)[:, 0].sum()),
            "generated_tokens": batch.generated_tokens,
            "rollout_seconds": t1 - t0,
            "update_seconds": t2 - t1,
            "step_seconds": elapsed,
            "tokens_per_second": batch.generated_tokens / elapsed,
            "mean_turns": float(np.mean([r.turns for r in rollouts])),
            **self.engine_metrics,
        })
        if peak_flops > 0:
            metrics["step_mfu"] = self.step_flops(batch) / elapsed / peak_flops
        return metrics


__all__ = ["GRPOTrainer", "batch_logprobs", "make_grpo_loss_fn", "shared_prefix_logprobs", "token_logprobs", "GATES"]
