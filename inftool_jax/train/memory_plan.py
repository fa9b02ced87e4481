"""Per-device memory of a training run, before it runs: parameters, gradients, optimiser state, activations, KV cache.

Pure functions over a :class:`~inftool_jax.model.architecture.DecoderConfig`, the mesh's axis sizes and the
batch settings; nothing is allocated. Each figure follows what the project's code holds on a device:

- parameters: every tensor of the decoder, split by the one partition-rule table
  (:data:`inftool_jax.model.sharding.PARTITION_RULES`); an axis that does not divide a dimension is dropped there,
  as :func:`~inftool_jax.model.sharding.spec_for` does, so that tensor is replicated along it;
- master weights (optional): an extra float32 copy of the parameters, sharded the same way, when the parameters are
  stored in bfloat16 and the optimiser keeps fp32 masters (the usual mixed-precision convention);
- gradients: one per parameter in the parameter dtype, sharded like it; with ``micro_batches > 1`` the train step also
  carries a float32 accumulator of the same size (:mod:`inftool_jax.train.step_fn`);
- optimiser state: AdamW's two moments per parameter, sharded like it, in ``moment_dtype`` (optax's default: the
  parameter dtype), plus a few replicated int32 counters;
- activations: see :func:`activation_bytes` for the formula;
- KV cache: rows x slots x layers x 2 (keys and values) x kv heads x head_dim x bytes, rows split over ``data x fsdp``
  (padded up to a multiple of it, as the sampler does) and kv heads over ``tp`` when ``tp`` divides them
  (the sampler's cache sharding).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from inftool_jax.model.architecture import DecoderConfig
from inftool_jax.model.config import REMAT_POLICIES
from inftool_jax.model.sharding import spec_for

DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}
GIB = 1024**3

# Per-device memory of the accelerators `inftool plan --accelerator` knows (bytes of HBM per chip / GPU, nominal).
ACCELERATORS: dict[str, tuple[int, str]] = {
    "h100-80gb": (80 * GIB, "NVIDIA H100 80GB (HBM3)"),
    "h200": (141 * 10**9, "NVIDIA H200 (141 GB HBM3e)"),
    "v5e": (16 * GIB, "Cloud TPU v5e chip (16 GiB HBM2)"),
    "v5p": (95 * GIB, "Cloud TPU v5p chip (95 GiB HBM2e)"),
    "cpu": (0, "host memory (this machine's RAM)"),
}
USABLE_FRACTION = 0.9
"""Share of a device's memory counted as usable: the runtime, compiled programs and fragmentation take the rest
(JAX on GPU preallocates only 75% unless XLA_PYTHON_CLIENT_MEM_FRACTION is raised)."""


@dataclasses.dataclass(frozen=True)
class MeshSizes:
    """The sizes of the mesh axes (data, fsdp, tp), all resolved (no -1)."""

    data: int = 1
    fsdp: int = 1
    tp: int = 1

    @property
    def devices(self) -> int:
        return self.data * self.fsdp * self.tp

    @property
    def batch_shards(self) -> int:
        """Batch rows are split over data x fsdp (:data:`inftool_jax.model.sharding.BATCH_AXES`)."""
        return self.data * self.fsdp

    def size(self, axis: str) -> int:
        return {"data": self.data, "fsdp": self.fsdp, "tp": self.tp}[axis]


@dataclasses.dataclass(frozen=True)
class Workload:
    """What one device computes on: the training micro-batch and the rollout batch."""

    train_rows: int
    """Sequences per optimiser step (global, before micro-batching)."""
    train_length: int
    """Tokens per training sequence (padded length)."""
    micro_batches: int = 1
    """Gradient-accumulation micro-batches per step."""
    rollout_rows: int = 0
    """Sequences in one rollout batch (num_generations x prompts_per_step); 0: no rollouts."""
    rollout_slots: int = 0
    """KV-cache slots per rollout row (prompt width + completion length)."""
    remat: str = "none"
    """Activation rematerialisation (``model.remat``): none (everything the backward pass reads is kept), full (per
    layer, only its input kept) or dots (per layer, its input and the projections' outputs kept)."""


@dataclasses.dataclass(frozen=True)
class Precision:
    param_dtype: str = "float32"
    compute_dtype: str = "float32"
    moment_dtype: str | None = None
    """AdamW moments' dtype; None: the parameter dtype (optax's default, what make_optimizer builds)."""
    master_dtype: str | None = None
    """float32: a master copy of the parameters in the optimiser (only when param_dtype is narrower); None: none."""
    kv_dtype: str | None = None
    """KV-cache dtype; None: the compute dtype (CausalLM.init_cache)."""


def dtype_bytes(name: str) -> int:
    if name not in DTYPE_BYTES:
        raise ValueError(f"unknown dtype {name!r} (known: {', '.join(DTYPE_BYTES)})")
    return DTYPE_BYTES[name]


def param_shapes(cfg: DecoderConfig) -> dict[str, tuple[int, ...]]:
    """Every parameter of :class:`~inftool_jax.model.decoder.CausalLM` by dotted name, with its shape."""
    h, q, kv, i = cfg.hidden_size, cfg.q_size, cfg.kv_size, cfg.intermediate_size
    shapes: dict[str, tuple[int, ...]] = {"embed_tokens.weight": (cfg.vocab_size, h)}
    for n in range(cfg.num_layers):
        p = f"layers.{n}."
        shapes[p + "input_layernorm.weight"] = (h,)
        shapes[p + "post_attention_layernorm.weight"] = (h,)
        for name, out, inp, bias in (
            ("self_attn.q_proj", q, h, cfg.attention_bias), ("self_attn.k_proj", kv, h, cfg.attention_bias),
            ("self_attn.v_proj", kv, h, cfg.attention_bias), ("self_attn.o_proj", h, q, cfg.output_bias),
            ("mlp.gate_proj", i, h, cfg.mlp_bias), ("mlp.up_proj", i, h, cfg.mlp_bias), ("mlp.down_proj", h, i, cfg.mlp_bias),
        ):
            shapes[p + name + ".weight"] = (out, inp)
            if bias:
                shapes[p + name + ".bias"] = (out,)
        if cfg.qk_norm:
            shapes[p + "self_attn.q_norm.weight"] = (cfg.head_dim,)
            shapes[p + "self_attn.k_norm.weight"] = (cfg.head_dim,)
    shapes["norm.weight"] = (h,)
    if not cfg.tie_word_embeddings:
        shapes["lm_head.weight"] = (cfg.vocab_size, h)
    return shapes


def shard_elements(name: str, shape: tuple[int, ...], mesh: MeshSizes) -> int:
    """Elements of ``name`` one device holds under the partition rules (an axis that does not divide is dropped)."""
    spec = spec_for(name, shape)
    count = 1
    for dim, axis in zip(shape, tuple(spec) + (None,) * (len(shape) - len(spec))):
        names = () if axis is None else (axis if isinstance(axis, tuple) else (axis,))
        split = math.prod(mesh.size(a) for a in names)
        count *= dim // split if split > 1 and dim % split == 0 else dim
    return count


def parameter_count(cfg: DecoderConfig) -> int:
    return sum(math.prod(s) for s in param_shapes(cfg).values())


def per_device_parameter_elements(cfg: DecoderConfig, mesh: MeshSizes) -> int:
    return sum(shard_elements(n, s, mesh) for n, s in param_shapes(cfg).items())


def _split(size: int, tp: int) -> float:
    """A width the tp axis splits (heads, MLP width, vocab) when it divides it; else kept whole."""
    return size / tp if size % tp == 0 else float(size)


def activation_bytes(cfg: DecoderConfig, rows: int, length: int, compute_bytes: int, remat: str, tp: int = 1) -> int:
    """Bytes one device holds for activations at the peak of one micro-batch's backward pass (``rows`` its own rows).

    Per token and layer, with ``c`` the compute dtype's bytes and ``q, kv, i, H`` the query width, key/value width, MLP
    width and query heads (each divided by ``tp`` where ``tp`` divides it), a layer keeps for its backward::

        layer(T) = c * (4h + 3q + 3kv + 4i)   # residual in/out, two norm outputs; q, k, v, rotated q, k; attention
                                              #   output; gate, up, silu(gate), silu(gate)*up
                 + f * 2h                     # the float32 copies the two RMSNorms make of their inputs
                 + H * T * (4 + f)            # softmax probabilities [H, T] per query: float32 and compute-dtype copy

    The loss head, per token, at its backward: five float32 ``[vocab/tp]`` arrays (logits, log-softmax, its cotangent,
    the softmax, the logits' cotangent) and the final norm's input and output: ``head = 4 * 5 * vocab/tp + (4 + f) * h``.
    ``f`` is the bytes of a separate float32 copy: 4 in a narrower compute dtype, 0 when the compute dtype is float32
    (the cast is then the array itself).
    While a layer runs backward its cotangents (about one more ``layer(T)``) are live too.

    - remat none: ``rows * T * ((L + 1) * layer(T) + head)``;
    - remat full (each layer under ``jax.checkpoint``, nothing saveable): each layer keeps only its input, ``c * h`` per
      token, and the layer being processed is recomputed next to its cotangents:
      ``rows * T * (L * c * h + 2 * layer(T) + head)``.
    - remat dots (each layer under ``jax.checkpoint`` with ``dots_with_no_batch_dims_saveable``): each layer keeps its
      input and the outputs of its seven projections (q, k, v, o, gate, up, down; the attention products have batch
      dimensions and are recomputed), ``c * (3h + q + 2kv + 2i)`` per token:
      ``rows * T * (L * c * (3h + q + 2kv + 2i) + 2 * layer(T) + head)``.

    This counts tensors, not what a compiler fuses away or keeps extra: with the residual stream's sharding constrained
    (model/sharding.py) XLA:CPU measured within about 10% of it (tests/train/test_memory_plan.py prints the ratio);
    without the constraints it kept about twice as much. Under ``full`` remat the formula is low: XLA:CPU kept 1.4-1.6x
    of it on a 3-layer model (11.9 MiB per row and device at 128 tokens against 8.6 planned), nearly what it kept
    without remat; leave headroom when a remat plan is close to the capacity.
    """
    if remat not in REMAT_POLICIES:
        raise ValueError(f"unknown remat policy {remat!r} (known: {', '.join(REMAT_POLICIES)})")
    c = compute_bytes
    h = cfg.hidden_size
    q, kv, i = _split(cfg.q_size, tp), _split(cfg.kv_size, tp), _split(cfg.intermediate_size, tp)
    heads = _split(cfg.num_heads, tp)
    f = 0 if c == 4 else 4
    layer = c * (4 * h + 3 * q + 3 * kv + 4 * i) + f * 2 * h + heads * length * (4 + f)
    head = 4 * 5 * _split(cfg.vocab_size, tp) + (4 + f) * h
    if remat == "none":
        per_token = (cfg.num_layers + 1) * layer + head
    elif remat == "full":
        per_token = cfg.num_layers * c * h + 2 * layer + head
    else:
        per_token = cfg.num_layers * c * (3 * h + q + 2 * kv + 2 * i) + 2 * layer + head
    return int(rows * length * per_token)


def kv_cache_bytes(cfg: DecoderConfig, rows: int, slots: int, kv_bytes: int, mesh: MeshSizes) -> int:
    """One device's share of a rollout KV cache of ``rows x slots`` (see the module docstring for the sharding)."""
    if rows <= 0 or slots <= 0:
        return 0
    shards = mesh.batch_shards
    rows_per_device = -(-rows // shards)
    heads = cfg.num_kv_heads // mesh.tp if cfg.num_kv_heads % mesh.tp == 0 else cfg.num_kv_heads
    return rows_per_device * slots * cfg.num_layers * 2 * heads * cfg.head_dim * kv_bytes


@dataclasses.dataclass(frozen=True)
class MemoryPlan:
    """Per-device bytes of each part, the peak of each phase, and whether it fits ``capacity``."""

    devices: int
    parameter_count: int
    parameters: int
    master_weights: int
    gradients: int
    optimizer_state: int
    reference: int
    activations: int
    activations_by_remat: dict[str, int]
    kv_cache: int
    rows_per_device: int
    train_peak: int
    rollout_peak: int
    peak: int
    capacity: int
    usable: int
    remat: str

    @property
    def fits(self) -> bool | None:
        """None when the capacity is unknown."""
        return None if self.usable <= 0 else self.peak <= self.usable

    def fits_with(self, remat: str) -> bool | None:
        if self.usable <= 0:
            return None
        train = self.train_peak - self.activations + self.activations_by_remat[remat]
        return max(train, self.rollout_peak) <= self.usable

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["fits"] = self.fits
        out["fits_by_remat"] = {r: self.fits_with(r) for r in REMAT_POLICIES}
        return out


def plan_memory(
    cfg: DecoderConfig,
    mesh: MeshSizes,
    precision: Precision,
    workload: Workload,
    *,
    capacity: int = 0,
    reference_model: bool = False,
    usable_fraction: float = USABLE_FRACTION,
) -> MemoryPlan:
    """The per-device plan. Training peak: parameters + masters + gradients (+ accumulator) + optimiser state
    (+ a frozen reference copy) + activations; rollout peak (the in-process sampler on the same devices): parameters
    + masters + optimiser state (+ reference) + KV cache. The run fits when the larger peak is within
    ``usable_fraction`` of ``capacity``."""
    if workload.train_rows % workload.micro_batches:
        raise ValueError(f"{workload.train_rows} rows do not split into {workload.micro_batches} micro-batches")
    pbytes = dtype_bytes(precision.param_dtype)
    cbytes = dtype_bytes(precision.compute_dtype)
    mbytes = dtype_bytes(precision.moment_dtype or precision.param_dtype)
    elements = per_device_parameter_elements(cfg, mesh)
    params = elements * pbytes
    master = elements * dtype_bytes(precision.master_dtype) if precision.master_dtype and precision.master_dtype != precision.param_dtype else 0
    grads = elements * pbytes + (elements * 4 if workload.micro_batches > 1 else 0)
    # Two moments per parameter, plus the replicated int32 step counters (Adam's count, the schedule's count).
    optimizer = 2 * elements * mbytes + 2 * 4
    reference = params if reference_model else 0
    rows = -(-workload.train_rows // workload.micro_batches // mesh.batch_shards)
    by_remat = {r: activation_bytes(cfg, rows, workload.train_length, cbytes, r, mesh.tp) for r in REMAT_POLICIES}
    activations = by_remat[workload.remat]
    kv = kv_cache_bytes(cfg, workload.rollout_rows, workload.rollout_slots, dtype_bytes(precision.kv_dtype or precision.compute_dtype), mesh)
    resident = params + master + optimizer + reference
    train_peak = resident + grads + activations
    rollout_peak = resident + kv
    return MemoryPlan(
        devices=mesh.devices, parameter_count=parameter_count(cfg), parameters=params, master_weights=master,
        gradients=grads, optimizer_state=optimizer, reference=reference, activations=activations,
        activations_by_remat=by_remat, kv_cache=kv, rows_per_device=rows, train_peak=train_peak,
        rollout_peak=rollout_peak, peak=max(train_peak, rollout_peak), capacity=capacity,
        usable=int(capacity * usable_fraction), remat=workload.remat,
    )
