"""Training metrics: ``metrics.jsonl`` lines, TensorBoard event files, and FLOPs / MFU estimates."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from inftool_jax.model.architecture import DecoderConfig


class MetricsLogger:
    """Append ``{"step", "time", ...}`` lines to ``folder/metrics.jsonl`` and scalars to ``folder/tensorboard``.

    Only process 0 writes (pass ``enabled=False`` elsewhere). Non-numeric values go to
    the JSONL line only.
    """

    def __init__(self, folder: str | Path, tensorboard: bool = True, enabled: bool = True):
        self.folder = Path(folder)
        self.enabled = enabled
        self.path = self.folder / "metrics.jsonl"
        self._writer = None
        if enabled:
            self.folder.mkdir(parents=True, exist_ok=True)
            if tensorboard:
                from tensorboardX import SummaryWriter

                self._writer = SummaryWriter(str(self.folder / "tensorboard"))

    def log(self, step: int, metrics: dict[str, Any]) -> None:
        if not self.enabled:
            return
        record = {"step": int(step), "time": round(time.time(), 3)}
        for key, value in metrics.items():
            record[key] = _plain(value)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, allow_nan=True) + "\n")
        if self._writer is not None:
            for key, value in record.items():
                if key not in ("step", "time") and isinstance(value, (int, float)) and not isinstance(value, bool):
                    self._writer.add_scalar(key, value, int(step))
            self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN/inf; keep the line parseable everywhere
    return value


def matmul_params(config: DecoderConfig) -> int:
    """Parameters that take part in a matmul per token: all but the input embedding lookup.

    With tied embeddings the table is also the output projection, so it counts once.
    """
    d, f, layers = config.hidden_size, config.intermediate_size, config.num_layers
    attn = d * config.q_size + 2 * d * config.kv_size + config.q_size * d
    mlp = 3 * d * f
    return layers * (attn + mlp) + config.vocab_size * d


def train_flops_per_token(config: DecoderConfig, seq_len: int) -> float:
    """Training FLOPs per token: ``6 * N`` for the weights plus ``12 * layers * q_size * seq_len`` for attention.

    The attention term is PaLM's (forward + backward of the score and value matmuls
    over the full, unskipped ``seq_len × seq_len`` square, as this decoder computes it).
    """
    return 6.0 * matmul_params(config) + 12.0 * config.num_layers * config.q_size * seq_len


def measure_peak_flops(size: int = 2048, repeats: int = 5, dtype: str = "float32") -> float:
    """FLOP/s of the best of ``repeats`` ``size × size`` matmuls in ``dtype`` (float32 or bfloat16, accumulated in it)
    on every local device at once."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    devices = jax.local_devices()
    mesh = jax.make_mesh((len(devices),), ("d",), devices=devices)
    sharding = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("d"))
    host = np.random.default_rng(0).standard_normal((len(devices), size, size), np.float32)
    a = jax.device_put(jnp.asarray(host, dtype), sharding)
    f = jax.jit(lambda x: jnp.einsum("bij,bjk->bik", x, x, preferred_element_type=jnp.dtype(dtype)))
    f(a).block_until_ready()
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        f(a).block_until_ready()
        best = min(best, time.perf_counter() - t0)
    return 2.0 * size**3 * len(devices) / best
