"""Device mesh and parameter partitioning: one rule table maps every parameter to a PartitionSpec.

Axes: ``data`` (batch only), ``fsdp`` (batch and parameters), ``tp`` (heads and MLP width).
Weights keep the HF ``[out, in]`` layout: the ``out`` side of q/k/v/gate/up and the vocab
side of embeddings split over ``tp``, the other side over ``fsdp``; o_proj/down_proj the
reverse, so each attention/MLP block needs one reduction over ``tp``.
"""

from __future__ import annotations

import re
from typing import Any

import jax
import numpy as np
from flax import nnx
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from inftool_jax.errors import InputError
from inftool_jax.model.config import MeshConfig

AXES = ("data", "fsdp", "tp")
BATCH_AXES = ("data", "fsdp")

# (regex over the parameter's dotted name, one mesh axis (or None) per array dimension)
PARTITION_RULES: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    (r"(^|\.)embed_tokens\.weight$", ("tp", "fsdp")),
    (r"(^|\.)lm_head\.weight$", ("tp", "fsdp")),
    (r"\.(q_proj|k_proj|v_proj|gate_proj|up_proj)\.weight$", ("tp", "fsdp")),
    (r"\.(q_proj|k_proj|v_proj|gate_proj|up_proj)\.bias$", ("tp",)),
    (r"\.(o_proj|down_proj)\.weight$", ("fsdp", "tp")),
    (r"\.(o_proj|down_proj)\.bias$", (None,)),
    (r"norm\.weight$", (None,)),
)


def make_mesh(config: MeshConfig, devices: list | None = None, source: str = "<config>") -> Mesh:
    """A ``Mesh`` with axes ``(data, fsdp, tp)``; one size of -1 takes the remaining devices."""
    devices = list(jax.devices() if devices is None else devices)
    sizes = {"data": config.data, "fsdp": config.fsdp, "tp": config.tp}
    free = [k for k, v in sizes.items() if v == -1]
    if len(free) > 1:
        raise InputError(source, f"mesh.{free[1]}", "only one mesh axis may be -1")
    for key, value in sizes.items():
        if value == 0 or value < -1:
            raise InputError(source, f"mesh.{key}", f"must be positive or -1, got {value}")
    fixed = int(np.prod([v for v in sizes.values() if v != -1]))
    if free:
        if len(devices) % fixed:
            raise InputError(source, f"mesh.{free[0]}", f"{len(devices)} devices do not split into axes of size {fixed}")
        sizes[free[0]] = len(devices) // fixed
    if int(np.prod(list(sizes.values()))) != len(devices):
        raise InputError(source, "mesh", f"axes {sizes} need {int(np.prod(list(sizes.values())))} devices, have {len(devices)}")
    shape = tuple(sizes[a] for a in AXES)
    # Auto axes: shardings are given at jit boundaries and propagated by the compiler inside.
    return jax.make_mesh(shape, AXES, devices=devices, axis_types=(jax.sharding.AxisType.Auto,) * 3)


def param_name(path: tuple) -> str:
    """The dotted name of a state path, e.g. ``layers.0.self_attn.q_proj.weight``."""
    parts = []
    for key in path:
        if isinstance(key, jax.tree_util.DictKey):
            key = key.key
        elif isinstance(key, jax.tree_util.SequenceKey):
            key = key.idx
        elif isinstance(key, jax.tree_util.GetAttrKey):
            continue  # Variable.value
        parts.append(str(key))
    return ".".join(parts)


def spec_for(name: str, shape: tuple[int, ...], mesh: Mesh | None = None) -> P:
    """The PartitionSpec the rule table gives ``name``; axes that do not divide a dimension are dropped."""
    for pattern, axes in PARTITION_RULES:
        if re.search(pattern, name):
            if len(axes) != len(shape):
                raise ValueError(f"rule {pattern!r} has {len(axes)} axes, parameter {name} has shape {shape}")
            if mesh is not None:
                axes = tuple(a if a is None or shape[i] % mesh.shape[a] == 0 else None for i, a in enumerate(axes))
            return P(*axes)
    raise ValueError(f"no partition rule matches parameter {name!r}")


def partition_specs(model_or_state: Any, mesh: Mesh | None = None) -> Any:
    """A PartitionSpec for every parameter, as a tree shaped like ``nnx.state(model, nnx.Param)``."""
    state = model_or_state if isinstance(model_or_state, nnx.State) else nnx.state(model_or_state, nnx.Param)
    return jax.tree_util.tree_map_with_path(lambda path, x: spec_for(param_name(path), tuple(x.shape), mesh), state)


def named_shardings(model_or_state: Any, mesh: Mesh) -> Any:
    """``NamedSharding``\\ s for every parameter (see :func:`partition_specs`)."""
    return jax.tree.map(lambda spec: NamedSharding(mesh, spec), partition_specs(model_or_state, mesh), is_leaf=lambda x: isinstance(x, P))


def shard_model(model: nnx.Module, mesh: Mesh) -> nnx.Module:
    """Move every parameter of ``model`` to its sharded placement on ``mesh`` (in place; returns the model); a model
    with an ``activation_mesh`` attribute (:class:`~inftool_jax.model.decoder.CausalLM`) keeps its activations
    batch-sharded on it from then on."""
    state = nnx.state(model, nnx.Param)
    nnx.update(model, jax.device_put(state, named_shardings(state, mesh)))
    if hasattr(model, "activation_mesh"):
        model.activation_mesh = mesh
    return model


def constrain_rows(x: jax.Array, mesh: Mesh | None) -> jax.Array:
    """``x`` with its leading (batch) axis split over ``data`` x ``fsdp`` and the rest replicated (a
    ``with_sharding_constraint``: the compiler keeps activations batch-sharded instead of choosing otherwise).

    Unchanged, not even constrained, without a mesh, with one batch shard (the 1-device path), or when the rows do
    not divide into the shards (e.g. a shared-prompt batch of fewer prompts than shards).
    """
    if mesh is None:
        return x
    shards = mesh.shape["data"] * mesh.shape["fsdp"]
    if shards == 1 or x.ndim == 0 or x.shape[0] % shards:
        return x
    return jax.lax.with_sharding_constraint(x, batch_sharding(mesh, x.ndim))


def batch_sharding(mesh: Mesh, ndim: int = 2) -> NamedSharding:
    """Batch-major arrays split over ``data`` and ``fsdp``, the rest replicated."""
    return NamedSharding(mesh, P(BATCH_AXES, *([None] * (ndim - 1))))
