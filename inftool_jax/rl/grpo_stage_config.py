"""The ``grpo:`` section of the experiment config: the GRPO objective, how rollouts are made, the stage's schedule."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from inftool_jax.rl.grpo_config import GRPOConfig
from inftool_jax.train.config import StageSchedule


class GRPOStageConfig(GRPOConfig, StageSchedule):
    """GRPO training stage: objective (GRPOConfig), rollouts, and its own optimiser step and budget."""

    renamed_keys = {**GRPOConfig.renamed_keys, "updates_per_rollout": "steps_per_generation"}

    learning_rate: float = Field(1e-6, gt=0)
    """Peak learning rate of the GRPO stage (TRL's default; a policy fresh from SFT moves far with SFT's rate and collapses).
    A model trained from scratch for minutes (configs/cpu_tiny.yaml) takes 1e-4."""
    warmup_steps: int = Field(0, ge=0)
    """Linear warmup over this many optimiser updates (none: the policy is trained already)."""
    max_steps: int = Field(0, ge=0)
    """GRPO steps (rollout batches); 0: `train.epochs` passes over the tasks."""
    prompts_per_step: int = Field(4, gt=0)
    """B: tasks (prompts) per step; each is sampled num_generations times, so a step trains on B x G sequences. (TRL counts
    its batch sizes in completions and has no twin of this key.)"""
    rollout: Literal["single", "agentic"] = "single"
    """single: one assistant turn per ground-truth turn, with the true prefix; agentic: whole user turns, the policy's calls executed by the simulator and results appended until it answers or max_turns."""
    max_turns: int = Field(4, gt=0)
    """Agentic rollouts: most assistant turns per task."""
    max_prompt_length: int = Field(0, ge=0)
    """Tasks whose prompt (tools section + conversation so far) is longer than this many tokens are left out of the
    stage, not cut (a cut prompt loses the tools or the request the target answers); 0: train.max_length minus
    max_completion_length, so every trained sequence fits max_length as SFT's do. Each prompt width is its own update
    shape, so this also bounds the stage's compilations. The count left out is in the stage's metrics."""
    temperature: float = Field(1.0, gt=0)
    """Sampling temperature of rollouts."""
    top_p: float = Field(1.0, gt=0, le=1)
    """Nucleus sampling of rollouts (1 = off)."""
    top_k: int = Field(0, ge=0)
    """Top-k sampling of rollouts (0 = off)."""
    steps_per_generation: int = Field(1, gt=0)
    """Optimiser updates per rollout batch (the batch is split into this many mini-batches, as TRL's steps_per_generation).
    With 1 the update is exactly on-policy and the old log-probs are the current ones (stop-gradient); above 1 they are
    recomputed once before the first update."""
    categories: list[str] = []
    """Train only on episodes of these categories (empty: all)."""
    decisions: list[str] = []
    """Train only on tasks whose ground-truth decision is one of these (call, no_call, clarify; empty: all). E.g. [call]
    skips the closing prose turns, whose groups any prose answer passes (zero variance, no signal)."""
