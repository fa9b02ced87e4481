"""Sharding on the fake 8-device CPU mesh: same loss and gradients as one device, parameter memory split."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jax
import numpy as np
import pytest
from flax import nnx
from jax.sharding import PartitionSpec as P

from inftool_jax.errors import InputError
from inftool_jax.model import create_model, load_pretrained, make_mesh, partition_specs, save_pretrained, shard_model
from inftool_jax.model.config import MeshConfig
from inftool_jax.model.sharding import PARTITION_RULES, param_name

_spec = importlib.util.spec_from_file_location("_sharded_step", Path(__file__).with_name("_sharded_step.py"))
step_lib = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(step_lib)


@pytest.fixture(scope="module")
def reference():
    model = create_model(step_lib.CONFIG, seed=0)
    graphdef, state = nnx.split(model)
    ids, mask = step_lib.batch()
    loss, grads = step_lib.make_step(graphdef, state)(state, ids, mask)
    return graphdef, state, float(loss), grads


@pytest.mark.parametrize("mesh_name", sorted(step_lib.MESHES))
def test_sharded_loss_and_gradients_equal_single_device(reference, mesh_name):
    graphdef, state, ref_loss, ref_grads = reference
    data, fsdp, tp = step_lib.MESHES[mesh_name]
    mesh = make_mesh(MeshConfig(data=data, fsdp=fsdp, tp=tp))
    model = shard_model(nnx.merge(graphdef, state), mesh)
    _, sharded_state = nnx.split(model)
    ids, mask = step_lib.batch()
    loss, grads = step_lib.make_step(graphdef, sharded_state, mesh)(sharded_state, ids, mask)
    assert abs(float(loss) - ref_loss) < 1e-5
    worst = max(float(np.abs(np.asarray(g) - np.asarray(w)).max()) for g, w in zip(jax.tree.leaves(grads), jax.tree.leaves(ref_grads)))
    print(f"\n{mesh_name}: |loss diff| {abs(float(loss) - ref_loss):.1e}, max |grad diff| {worst:.1e}")
    for (path, g), want in zip(jax.tree_util.tree_flatten_with_path(grads)[0], jax.tree.leaves(ref_grads)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(want), atol=1e-5, rtol=0, err_msg=param_name(path))
    # the gradients come back in the parameters' own shardings
    for g, p in zip(jax.tree.leaves(grads), jax.tree.leaves(sharded_state)):
        assert g.sharding.is_equivalent_to(p.sharding, g.ndim)


def test_fsdp8_puts_about_an_eighth_of_the_parameter_bytes_on_each_device():
    mesh = make_mesh(MeshConfig(data=1, fsdp=8, tp=1))
    model = create_model(step_lib.CONFIG, seed=0, mesh=mesh)
    leaves = jax.tree.leaves(nnx.state(model, nnx.Param))
    total = sum(x.nbytes for x in leaves)
    for device in mesh.devices.flat:
        on_device = sum(s.data.nbytes for x in leaves for s in x.addressable_shards if s.device == device)
        assert total / 8 <= on_device <= 1.1 * total / 8, (on_device, total)


def test_every_parameter_has_a_partition_spec_from_the_rule_table(family_config):
    model = create_model(family_config)
    specs = jax.tree_util.tree_flatten_with_path(partition_specs(model), is_leaf=lambda x: isinstance(x, P))[0]
    names = {param_name(p): spec for p, spec in specs}
    assert len(names) == len(jax.tree.leaves(nnx.state(model, nnx.Param)))
    assert names["layers.0.self_attn.q_proj.weight"] == P("tp", "fsdp")
    assert names["layers.1.mlp.down_proj.weight"] == P("fsdp", "tp")
    assert names["norm.weight"] == P(None)
    assert all(isinstance(s, P) for s in names.values()) and PARTITION_RULES


def test_axes_that_do_not_divide_a_dimension_are_left_unsharded():
    config = dict(step_lib.CONFIG, vocab_size=97)
    mesh = make_mesh(MeshConfig(data=1, fsdp=4, tp=2))
    specs = {param_name(p): s for p, s in jax.tree_util.tree_flatten_with_path(partition_specs(create_model(config), mesh), is_leaf=lambda x: isinstance(x, P))[0]}
    assert specs["embed_tokens.weight"] == P(None, "fsdp")
    assert specs["lm_head.weight"] == P(None, "fsdp")


def test_load_pretrained_with_a_mesh_places_each_tensor_in_its_sharding(tmp_path):
    model = create_model(step_lib.CONFIG, seed=5)
    save_pretrained(model, tmp_path / "m", progress=False)
    mesh = make_mesh(MeshConfig(data=2, fsdp=2, tp=2))
    loaded = load_pretrained(tmp_path / "m", mesh=mesh, progress=False)
    want = partition_specs(loaded, mesh)
    for x, spec, ref in zip(jax.tree.leaves(nnx.state(loaded, nnx.Param)), jax.tree.leaves(want, is_leaf=lambda s: isinstance(s, P)), jax.tree.leaves(nnx.state(model, nnx.Param))):
        assert x.sharding.spec == spec
        np.testing.assert_array_equal(np.asarray(x), np.asarray(ref))
    # and a sharded model saves back to the same tensors
    save_pretrained(loaded, tmp_path / "back", progress=False)
    again = load_pretrained(tmp_path / "back", progress=False)
    for x, ref in zip(jax.tree.leaves(nnx.state(again, nnx.Param)), jax.tree.leaves(nnx.state(model, nnx.Param))):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(ref))


def test_create_model_gives_the_same_values_with_and_without_a_mesh():
    mesh = make_mesh(MeshConfig(data=1, fsdp=4, tp=2))
    a = jax.tree.leaves(nnx.state(create_model(step_lib.CONFIG, seed=3), nnx.Param))
    b = jax.tree.leaves(nnx.state(create_model(step_lib.CONFIG, seed=3, mesh=mesh), nnx.Param))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_make_mesh_gives_the_rest_of_the_devices_to_the_minus_one_axis():
    assert dict(make_mesh(MeshConfig(data=2, fsdp=-1, tp=2)).shape) == {"data": 2, "fsdp": 2, "tp": 2}
    assert dict(make_mesh(MeshConfig()).shape) == {"data": 1, "fsdp": 8, "tp": 1}


@pytest.mark.parametrize(
    "mesh, key",
    [(MeshConfig(data=-1, fsdp=-1), "mesh.fsdp"), (MeshConfig(data=3, fsdp=-1), "mesh.fsdp"), (MeshConfig(data=2, fsdp=2, tp=1), "mesh"), (MeshConfig(tp=0), "mesh.tp")],
)
def test_impossible_meshes_are_input_errors_naming_the_key(mesh, key):
    with pytest.raises(InputError) as err:
        make_mesh(mesh)
    assert err.value.pointer == key
