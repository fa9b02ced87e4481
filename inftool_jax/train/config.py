"""Training settings (no jax import here): the shared ``train:`` section, each stage's schedule, and their union.

SFT and GRPO want different optimiser steps and budgets (GRPO after SFT needs a far
smaller learning rate), so ``learning_rate``, ``warmup_steps`` and ``max_steps`` live
in each stage's own section (``sft:``, ``grpo:``, names as TRL's) and ``train:`` keeps
what both share. The trainer reads one :class:`TrainConfig`: the shared section
updated with the stage's schedule (:meth:`TrainConfig.for_stage`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from inftool_jax.config_base import Section

STAGE_FIELDS = ("learning_rate", "warmup_steps", "max_steps")
"""The settings each stage section holds for itself."""


class StageSchedule(Section):
    """One training stage's optimiser step and budget (defaults: SFT's; a stage section may change them)."""

    learning_rate: float = Field(3e-4, gt=0)
    """Peak learning rate, reached at the end of warmup."""
    warmup_steps: int = Field(10, ge=0)
    """Linear warmup from 0 to learning_rate over this many optimiser updates."""
    max_steps: int = Field(0, ge=0)
    """Stop after this many steps; 0: run `train.epochs` passes over the data."""


class SharedTrainSettings(Section):
    """How a training stage (SFT or GRPO) steps, checkpoints and logs, whichever stage it is."""

    min_learning_rate_ratio: float = Field(0.1, ge=0, le=1)
    """The cosine decay ends at learning_rate times this."""
    b1: float = Field(0.9, ge=0, lt=1)
    """AdamW first-moment decay."""
    b2: float = Field(0.95, ge=0, lt=1)
    """AdamW second-moment decay."""
    eps: float = Field(1e-8, gt=0)
    """AdamW epsilon."""
    weight_decay: float = Field(0.0, ge=0)
    """AdamW decoupled weight decay, applied to matrices only (not norms or biases)."""
    clip_norm: float = Field(1.0, ge=0)
    """Clip the gradient to this global L2 norm before the update; 0 turns clipping off."""
    batch_size: int = Field(8, gt=0)
    """Global batch size in sequences per optimiser step (over all hosts and micro-batches)."""
    micro_batches: int = Field(1, gt=0)
    """Split each batch into this many micro-batches and accumulate gradients (exactly) over them."""
    epochs: int = Field(1, gt=0)
    """Passes over the data when max_steps is 0."""
    max_length: int = Field(1024, gt=1)
    """Longest token sequence fed to the model."""
    overlong: Literal["drop", "truncate"] = "drop"
    """Episodes longer than max_length: drop them, or cut them from the right (later turns lost)."""
    bucket_multiple: int = Field(128, gt=0)
    """Batches are padded up to a multiple of this length: fewer distinct shapes means fewer compilations."""
    bucket_window: int = Field(16, gt=0)
    """Length bucketing: sort each window of this many batches' worth of shuffled examples by length (1: no bucketing)."""
    checkpoint_every: int = Field(100, ge=0)
    """Save an orbax checkpoint every this many steps (and at the end); 0: only at the end."""
    keep_checkpoints: int = Field(2, gt=0)
    """Keep the last this many checkpoints."""
    log_every: int = Field(10, gt=0)
    """Write a metrics.jsonl line and TensorBoard scalars every this many steps."""
    max_nonfinite_steps: int = Field(5, gt=0)
    """A step whose loss or gradient is NaN/inf is skipped; abort after this many in a row."""
    seed: int = -1
    """Seed of data order and step RNG; -1: the experiment's seed."""
    peak_flops: float = Field(0.0, ge=0)
    """Peak FLOP/s of all devices together for MFU; 0: measure a float32 matmul on the devices at start."""
    tensorboard: bool = True
    """Also write TensorBoard event files (OUT_DIR/tensorboard)."""


class TrainSection(SharedTrainSettings):
    """The ``train:`` section: what SFT and GRPO share (each stage's schedule is in its own section)."""

    renamed_keys = {name: f"sft.{name} / grpo.{name}" for name in STAGE_FIELDS}


class TrainConfig(StageSchedule, SharedTrainSettings):
    """Everything one training run reads: the shared settings and its stage's schedule."""

    @classmethod
    def for_stage(cls, shared: SharedTrainSettings, stage: StageSchedule, **update) -> "TrainConfig":
        """The ``train:`` section updated with a stage section's schedule (and ``update``)."""
        values = shared.model_dump(include=set(SharedTrainSettings.model_fields))
        values.update({name: getattr(stage, name) for name in STAGE_FIELDS})
        values.update(update)
        return cls(**values)
