"""Model and mesh sections of the experiment config (no jax import here)."""

from __future__ import annotations

from inftool_jax.config_base import Section


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


class DistributedConfig(Section):
    """Multi-host runs: how this process joins the jax.distributed cluster (see model/distributed.py)."""

    coordinator: str = ""
    """"host:port" of process 0; empty for a single process; "auto" lets jax discover a Cloud TPU pod."""
    num_processes: int = 1
    """How many processes (hosts) take part."""
    process_id: int = 0
    """This process's rank in [0, num_processes)."""
