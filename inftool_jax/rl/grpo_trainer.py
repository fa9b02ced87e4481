"""One GRPO step: B tasks x G samples -> gated rewards -> group advantages -> clipped-surrogate update.

Per step (:meth:`GRPOTrainer.step`):

1. rollouts: the current policy (the train state's params merged into the
   model, so no weight copy) samples G completions for each of B tasks with
   the in-JAX sampler; agentic rollouts run calls through the simulator;
2. rewards: the gated reward scores the whole G x B group in one jitted
   kernel call, which also returns group-normalised advantages; zero-variance
   groups are optionally masked out (dynamic sampling without resampling);
3. log-probs: the behaviour policy's log-probs are *recomputed* by the
   trainer's own forward pass, never taken from the sampler (its KV-cache
   numerics differ in the last bits, and the ratio must be exactly 1 at the
   first update). With ``updates_per_rollout == 1`` the update is exactly
   on-policy and ``old_logp = stop_gradient(logp)`` inside the loss (same
   values, no extra pass); above 1 one jitted forward before the first
   update computes them. With ``beta > 0`` the frozen reference params give
   ``ref_logp`` the same way; with ``beta == 0`` no reference is kept at all;
4. update: the shared jitted train step (:mod:`inftool_jax.train.step_fn`):
   exact gradient accumulation over ``train.micro_batches``, clipping, AdamW
   with warmup + cosine, NaN/inf guard.
"""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from inftool_jax.rl.advantages import nonzero_variance_mask
from inftool_jax.rl.gated_reward import GatedReward, RewardBatch
from inftool_jax.rl.grpo_loss import grpo_loss
from inftool_jax.rl.grpo_stage_config import GRPOStageConfig
from inftool_jax.rl.reward_config import GATES, RewardConfig
from inftool_jax.rollout.episode_rollout import EpisodeRollouts, Rollout, Task, pad_rollouts
from inftool_jax.rollout.policy_generate import sampler_generate_fn
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


def make_grpo_loss_fn(cfg: GRPOStageConfig):
    """The train step's ``loss_fn(model, batch, rng) -> (loss_sum, weight, aux sums)`` for GRPO.

    ``batch``: ``tokens``/``attention_mask``/``loss_mask`` [N, T] (loss_mask 1 on
    policy tokens), ``advantages`` [N], ``sample_mask`` [N], optional ``old_logp``
    and ``ref_logp`` [N, T-1]. Sums with global weight make accumulation exact:
    token-mean divides by the batch's trained tokens, the sequence modes by its
    trained sequences.
    """

    def loss_fn(model, batch, rng):
        del rng
        logp, entropy = token_logprobs(model, batch["tokens"], batch["attention_mask"])
        mask = batch["loss_mask"][:, 1:].astype(jnp.float32) * batch["sample_mask"].astype(jnp.float32)[:, None]
        old = batch["old_logp"] if "old_logp" in batch else jax.lax.stop_gradient(logp)
        loss_sum, m = grpo_loss(
            logp, old, batch["advantages"], mask,
            eps_low=cfg.eps_low, eps_high=cfg.eps_high, beta=cfg.beta, ref_logp=batch.get("ref_logp"),
            aggregation=cfg.loss_aggregation, max_len=cfg.max_completion_len,
            entropy=jax.lax.stop_gradient(entropy), num_tokens=1.0, num_sequences=1.0,
        )
        tokens = mask.sum()
        sequences = (mask.sum(axis=1) > 0).sum().astype(jnp.float32)
        weight = tokens if cfg.loss_aggregation == "token-mean" else sequences
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
    generated_tokens: int
    padded_tokens: int


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
    ):
        from inftool_jax.train.loop import Trainer

        self.grpo, self.reward_config = grpo, reward
        self.tokenizer, self.rollouts, self.mesh = tokenizer, rollouts, mesh
        self.seed = seed
        self.decoder_config = model.config
        batch_devices = mesh.shape["data"] * mesh.shape["fsdp"]
        self.row_multiple = batch_devices * train.micro_batches * grpo.updates_per_rollout
        self.rows = -(-grpo.prompts_per_step * grpo.group_size // self.row_multiple) * self.row_multiple
        # The shared trainer checks train.batch_size against the mesh: here it is the rows of one update.
        self.train = train.model_copy(update={"batch_size": self.rows // grpo.updates_per_rollout})
        # beta == 0: no reference model at all (no memory, no forward pass).
        self.ref_params = jax.tree.map(jnp.copy, flat_params(model)) if grpo.beta > 0 else None
        self.trainer = Trainer(
            self.train, model, make_grpo_loss_fn(grpo), mesh, out_dir,
            total_steps=total_steps * grpo.updates_per_rollout, seed=seed, progress=False, log_to_files=log_to_files,
        )
        self.scorer = GatedReward(reward, grpo.group_size, grpo.advantage, grpo.advantage_eps)
        model_def = self.trainer.model_def
        self._forward = jax.jit(
            lambda p, t, a: token_logprobs(model_def.merge(p), t, a)[0],
            in_shardings=(self.trainer.shardings.params, None, None),
        )
        self.sampling = SamplingConfig(
            max_new_tokens=grpo.max_completion_len, temperature=grpo.temperature, top_p=grpo.top_p, top_k=grpo.top_k,
        )

    @property
    def state(self) -> TrainState:
        return self.trainer.state

    @property
    def grpo_step(self) -> int:
        """Rollout steps done (each is ``updates_per_rollout`` optimiser steps)."""
        return self.trainer.step_count // self.grpo.updates_per_rollout

    # ---- the pieces of a step -----------------------------------------

    def policy(self) -> Any:
        """The current policy as a model (shares the state's param arrays)."""
        return self.trainer.model()

    def collect(self, tasks: Sequence[Task], key: jax.Array) -> tuple[list[Rollout], RewardBatch]:
        """G rollouts per task (contiguous per task) and their gated rewards + group advantages."""
        from inftool_jax.rollout.sampler import Sampler

        group = [t for t in tasks for _ in range(self.grpo.group_size)]
        generate = sampler_generate_fn(Sampler(self.policy(), self.tokenizer, self.mesh), self.sampling, key)
        run = self.rollouts.run_agentic if self.grpo.rollout == "agentic" else self.rollouts.run_single
        rollouts = run(group, generate)
        rewards = self.scorer.score([r.attempt for r in rollouts], [r.task.target for r in rollouts])
        return rollouts, rewards

    def build_batch(self, rollouts: list[Rollout], rewards: RewardBatch) -> StepBatch:
        """Pad to ``[N', T]`` (N' a multiple of mesh batch x micro-batches x updates; T of bucket_multiple, <= max_length)."""
        longest = max(len(r.tokens) for r in rollouts)
        mult = self.train.bucket_multiple
        length = min(-(-longest // mult) * mult, self.train.max_length)
        tokens, loss_mask, attn = pad_rollouts(rollouts, length, pad_id=int(self.tokenizer.pad_token_id or 0))
        n = len(rollouts)
        rows = max(self.rows, -(-n // self.row_multiple) * self.row_multiple)
        sample_mask = np.ones(n, np.float32)
        if self.grpo.drop_zero_variance_groups:
            sample_mask = np.asarray(nonzero_variance_mask(jnp.asarray(rewards.rewards), self.grpo.group_size))

        def pad_rows(x):
            return np.concatenate([x, np.zeros((rows - n, *x.shape[1:]), x.dtype)]) if rows > n else x

        arrays = {
            "tokens": pad_rows(tokens),
            "attention_mask": pad_rows(attn),
            "loss_mask": pad_rows(loss_mask),
            "advantages": pad_rows(np.asarray(rewards.advantages, np.float32)),
            "sample_mask": pad_rows(sample_mask.astype(np.float32)),
        }
        return StepBatch(arrays, rollouts, rewards, int(sum(r.generated_tokens for r in rollouts)), rows * length)

    def _logp(self, params, arrays) -> np.ndarray:
        return np.asarray(self._forward(params, jnp.asarray(arrays["tokens"]), jnp.asarray(arrays["attention_mask"])))

    def update(self, batch: StepBatch) -> dict[str, float]:
        """``updates_per_rollout`` optimiser steps over the batch (old/ref log-probs computed first when needed)."""
        arrays = dict(batch.arrays)
        if self.grpo.updates_per_rollout > 1:
            arrays["old_logp"] = self._logp(self.state.params, arrays)
        if self.ref_params is not None:
            arrays["ref_logp"] = self._logp(self.ref_params, arrays)
        k = self.grpo.updates_per_rollout
        sums: dict[str, float] = {}
        last: dict[str, Any] = {}
        for j in range(k):
            metrics = self.trainer.step({name: np.asarray(a[j::k]) for name, a in arrays.items()})
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
        """Model FLOPs of the step: sampling (2 x matmul params per token fed) + update (+ extra forwards)."""
        p = matmul_params(self.decoder_config)
        fed = sum(len(r.tokens) for r in batch.rollouts)
        length = batch.arrays["tokens"].shape[1]
        flops = 2.0 * p * fed + train_flops_per_token(self.decoder_config, length) * batch.padded_tokens
        extra = int(self.grpo.updates_per_rollout > 1) + int(self.ref_params is not None)
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
            "groups_kept": float(batch.arrays["sample_mask"][: len(rollouts)].reshape(-1, self.grpo.group_size)[:, 0].sum()),
            "generated_tokens": batch.generated_tokens,
            "rollout_seconds": t1 - t0,
            "update_seconds": t2 - t1,
            "step_seconds": elapsed,
            "tokens_per_second": batch.generated_tokens / elapsed,
            "mean_turns": float(np.mean([r.turns for r in rollouts])),
        })
        if peak_flops > 0:
            metrics["step_mfu"] = self.step_flops(batch) / elapsed / peak_flops
        return metrics


__all__ = ["GRPOTrainer", "make_grpo_loss_fn", "token_logprobs", "GATES"]
