"""Training state as one pytree: flat ``{parameter name: array}`` params, optimiser state, counters, RNG.

Params are a flat dict keyed by the dotted parameter names of
:func:`inftool_jax.model.sharding.param_name` (``layers.0.mlp.up_proj.weight``):
string keys checkpoint cleanly with orbax, and each name maps straight to its
partition rule. :func:`model_from_params` turns them back into a ``CausalLM``
inside or outside ``jit``.
"""

from __future__ import annotations

from typing import Any

import flax.struct
import jax
import jax.numpy as jnp
import optax
from flax import nnx
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from inftool_jax.model.sharding import param_name, spec_for


@flax.struct.dataclass
class TrainState:
    """Everything that changes from step to step; checkpointing this (plus the data position) is a full resume."""

    params: dict[str, jax.Array]
    """Trainable parameters by dotted name."""
    opt_state: Any
    """The optax state for ``params``."""
    step: jax.Array
    """Steps taken (int32), counting skipped ones: the data position follows it."""
    updates: jax.Array
    """Optimiser updates applied (int32): the learning-rate schedule follows it."""
    nonfinite_streak: jax.Array
    """Non-finite steps skipped in a row (int32)."""
    rng: jax.Array
    """Raw uint32 PRNG key; each step splits off the key its loss function gets."""


class ModelDef:
    """The static half of a model: graph definition plus the parameter tree layout."""

    def __init__(self, model: nnx.Module):
        graphdef, params, rest = nnx.split(model, nnx.Param, ...)
        self.graphdef = graphdef
        self.rest = rest
        self.abstract = jax.tree.map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype), params)

    def flat(self, model: nnx.Module) -> dict[str, jax.Array]:
        """The model's parameters as a flat ``{name: array}`` dict."""
        return flat_params(model)

    def merge(self, params: dict[str, jax.Array]) -> nnx.Module:
        """A model with these parameters (works on tracers inside jit)."""
        state = jax.tree_util.tree_map_with_path(lambda path, _: params[param_name(path)], self.abstract)
        return nnx.merge(self.graphdef, state, self.rest)


def flat_params(model: nnx.Module) -> dict[str, jax.Array]:
    """``{dotted name: array}`` for every ``nnx.Param`` of ``model``."""
    leaves = jax.tree_util.tree_flatten_with_path(nnx.state(model, nnx.Param))[0]
    return {param_name(path): leaf for path, leaf in leaves}


def model_from_params(model_def: ModelDef, params: dict[str, jax.Array]) -> nnx.Module:
    """Shorthand for ``model_def.merge(params)``."""
    return model_def.merge(params)


def create_train_state(params: dict[str, jax.Array], optimizer: optax.GradientTransformation, seed: int) -> TrainState:
    """A fresh state at step 0 (optimiser initialised on ``params``, RNG from ``seed``)."""
    zero = jnp.zeros((), jnp.int32)
    return TrainState(
        params=params,
        opt_state=optimizer.init(params),
        step=zero,
        updates=zero,
        nonfinite_streak=zero,
        rng=jax.random.PRNGKey(seed),
    )


def _name_of(path: tuple) -> str | None:
    for key in reversed(path):
        if isinstance(key, jax.tree_util.DictKey) and isinstance(key.key, str):
            return key.key
    return None


def state_shardings(state: TrainState, mesh: Mesh) -> TrainState:
    """``NamedSharding``\\ s for every leaf of ``state`` (or of its ``jax.eval_shape``).

    A parameter follows its partition rule; an optimiser-state leaf keyed by a
    parameter name with that parameter's shape (Adam's mu and nu) shards like the
    parameter; everything else (counters, RNG) is replicated.
    """
    shapes = {name: tuple(x.shape) for name, x in state.params.items()}

    def place(path, leaf):
        name = _name_of(path)
        if name in shapes and tuple(leaf.shape) == shapes[name]:
            return NamedSharding(mesh, spec_for(name, shapes[name], mesh))
        return NamedSharding(mesh, P())

    return jax.tree_util.tree_map_with_path(place, state)
