"""The policy model: Qwen2/2.5, Qwen3 and Llama 3 decoders in flax.nnx, HF interop, sharding.

Names are exported lazily so that ``import inftool_jax.model.config`` (used by the
config loader and the CLI's ``--help``) never imports jax.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "load_pretrained": "inftool_jax.model.pretrained",
    "save_pretrained": "inftool_jax.model.pretrained",
    "create_model": "inftool_jax.model.pretrained",
    "CausalLM": "inftool_jax.model.decoder",
    "KVCache": "inftool_jax.model.kv_cache",
    "DecoderConfig": "inftool_jax.model.architecture",
    "parse_hf_config": "inftool_jax.model.architecture",
    "make_mesh": "inftool_jax.model.sharding",
    "partition_specs": "inftool_jax.model.sharding",
    "named_shardings": "inftool_jax.model.sharding",
    "shard_model": "inftool_jax.model.sharding",
    "batch_sharding": "inftool_jax.model.sharding",
    "PARTITION_RULES": "inftool_jax.model.sharding",
    "initialize_distributed": "inftool_jax.model.distributed",
    "host_local_batch": "inftool_jax.model.distributed",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'inftool_jax.model' has no attribute {name!r}")
