"""Model and mesh sections of the experiment config (no jax import here)."""

from __future__ import annotations

from typing import Literal

from inftool_jax.config_base import Section

REMAT_POLICIES = ("none", "full", "dots")
"""The activation rematerialisation policies of ``model.remat`` (and of ``inftool plan``'s memory model)."""


class MeshConfig(Section):
    """Device mesh with named axes; a size of -1 takes the remaining devices."""

    data: int = 1
    """Data-parallel axis size (batch split, parameters replicated)."""
    fsdp: int = -1
    """Fully-sharded data-parallel axis size (batch and parameters split)."""
    tp: int = 1
    """Tensor-parallel axis size (attention heads and MLP width split)."""


class ModelConfig(Section):
    """Which model to load and how to compute with it."""

    path: str = ""
    """Local HF model folder (config.json + safetensors + tokenizer). Empty: the tiny default made by `inftool init-model`."""
    param_dtype: str = "float32"
    """Parameter storage dtype (float32 or bfloat16)."""
    compute_dtype: str = "float32"
    """Activation/matmul dtype: bfloat16 on accelerators, float32 in CPU tests."""
    remat: Literal["none", "full", "dots"] = "none"
    """Activation rematerialisation per decoder layer in the training forward: none (the backward pass reads every
    activation kept from the forward), full (each layer under jax.checkpoint saving only its input, recomputed in the
    backward pass), dots (jax.checkpoint_policies.dots_with_no_batch_dims_saveable: the projections' outputs are kept,
    attention, norms and activations recomputed). The same names `inftool plan` models."""
    scan_layers: bool = False
    """Run the decoder layers under jax.lax.scan (compile time flat in depth). Parameters keep their per-layer names
    and checkpoints; the layers' weights are stacked inside the compiled step (one extra transient copy)."""


class DistributedConfig(Section):
    """Multi-host runs: how this process joins the jax.distributed cluster (see model/distributed.py)."""

    coordinator: str = ""
    """"host:port" of process 0; empty for a single process; "auto" lets jax discover a Cloud TPU pod."""
    num_processes: int = 1
    """How many processes (hosts) take part."""
    process_id: int = 0
    """This process's rank in [0, num_processes)."""
