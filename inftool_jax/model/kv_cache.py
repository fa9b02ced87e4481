"""The key/value cache the sampler threads through :meth:`CausalLM.forward_with_cache`."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct


@struct.dataclass
class KVCache:
    """Keys and values of every layer for ``max_length`` slots, plus which slots hold real tokens.

    - ``keys[i]``: layer ``i``, ``[batch, num_kv_heads, head_dim, max_length]`` (RoPE already
      applied); ``values[i]``: ``[batch, num_kv_heads, max_length, head_dim]``. Heads before slots,
      and keys with slots last, so that both attention products read the cache as a plain
      ``[in, out]`` operand: on the CPU a product against a transposed operand was the costliest
      op of a decode step after the weight matmuls.
    - ``valid``: ``[batch, max_length]`` bool; a slot is attended to only once written with
      ``key_mask`` True (so left padding in a prompt never becomes a key).
    - ``index``: int32 scalar, the next slot to write; shared by all rows (the batch advances in step).

    Slots are attended to causally by slot order: the token written at slot ``j`` sees
    valid slots ``0..j``. Positions (for RoPE) are given by the caller and are independent of slots.
    """

    keys: tuple[jax.Array, ...]
    values: tuple[jax.Array, ...]
    valid: jax.Array
    index: jax.Array

    @property
    def max_length(self) -> int:
        return self.valid.shape[1]

    @classmethod
    def zeros(cls, num_layers: int, batch_size: int, max_length: int, num_kv_heads: int, head_dim: int, dtype) -> "KVCache":
        shape = (batch_size, num_kv_heads, max_length, head_dim)
        key_shape = (batch_size, num_kv_heads, head_dim, max_length)
        return cls(
            keys=tuple(jnp.zeros(key_shape, dtype) for _ in range(num_layers)),
            values=tuple(jnp.zeros(shape, dtype) for _ in range(num_layers)),
            valid=jnp.zeros((batch_size, max_length), bool),
            index=jnp.zeros((), jnp.int32),
        )
