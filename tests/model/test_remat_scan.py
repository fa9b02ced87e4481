"""``model.remat``, ``model.scan_layers`` and activation sharding constraints: same logits, gradients, cache path and
checkpoints as the plain loop."""

from __future__ import annotations

import copy
import importlib.util
import typing
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from inftool_jax.config import load_config
from inftool_jax.errors import InputError
from inftool_jax.model import create_model, load_pretrained, make_mesh, save_pretrained
from inftool_jax.model.architecture import parse_hf_config
from inftool_jax.model.config import REMAT_POLICIES, MeshConfig, ModelConfig
from inftool_jax.model.decoder import CausalLM
from inftool_jax.train.memory_plan import activation_bytes
from inftool_jax.train.state import flat_params

_spec = importlib.util.spec_from_file_location("_model_conftest", Path(__file__).with_name("conftest.py"))
_families = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_families)
FAMILIES = _families.FAMILIES

B, T = 2, 9


def _ids() -> jax.Array:
    return jax.random.randint(jax.random.key(1), (B, T), 0, 96)


def _model(config: dict, **options) -> CausalLM:
    return create_model(config, seed=3, **options)


def _loss(model: CausalLM, ids: jax.Array) -> jax.Array:
    logits = model(ids)
    return jnp.mean(jax.nn.log_softmax(logits)[..., 0]) + jnp.mean(logits**2)


def _grads(model: CausalLM, ids: jax.Array) -> dict[str, np.ndarray]:
    graphdef, state = nnx.split(model)
    grads = jax.jit(jax.grad(lambda s: _loss(nnx.merge(graphdef, s), ids)))(state)
    return {k: np.asarray(v) for k, v in flat_params(nnx.merge(graphdef, grads)).items()}


def _assert_close_trees(a: dict, b: dict, rtol: float, atol: float) -> None:
    """Equal within ``atol`` times each tensor's largest magnitude (plus ``rtol``): a different fusion order moves
    the last bits of the small entries."""
    assert a.keys() == b.keys()
    for name in a:
        scale = float(np.max(np.abs(b[name]))) if b[name].size else 0.0
        np.testing.assert_allclose(a[name], b[name], rtol=rtol, atol=atol * scale, err_msg=name)


@pytest.mark.parametrize(("family", "remat"), [("qwen3", "full"), ("qwen2_tied", "dots")])
def test_remat_gives_equal_logits_and_gradients(family, remat):
    config = copy.deepcopy(FAMILIES[family])
    ids = _ids()
    plain, checkpointed = _model(config), _model(config, remat=remat)
    assert checkpointed.remat == remat
    np.testing.assert_allclose(np.asarray(checkpointed(ids)), np.asarray(plain(ids)), rtol=0, atol=1e-6)
    _assert_close_trees(_grads(checkpointed, ids), _grads(plain, ids), rtol=1e-5, atol=1e-5)


def test_remat_really_recomputes_under_grad():
    """The checkpointed backward holds fewer residuals: jax.checkpoint is in the jaxpr, the policy changes what is saved."""
    config = copy.deepcopy(FAMILIES["qwen2_untied"])
    ids = _ids()

    def saved(model):
        graphdef, state = nnx.split(model)
        _, vjp = jax.vjp(lambda s: _loss(nnx.merge(graphdef, s), ids), state)
        return sum(x.size for x in jax.tree.leaves(vjp) if hasattr(x, "size"))

    none, full, dots = (saved(_model(config, remat=r)) for r in ("none", "full", "dots"))
    assert full < dots < none, (none, dots, full)


def test_remat_config_key_validates():
    for policy in REMAT_POLICIES:
        assert load_config(None, [f"model.remat={policy}"]).model.remat == policy
    with pytest.raises(InputError) as err:
        load_config(None, ["model.remat=sometimes"])
    assert err.value.pointer == "model.remat"
    with pytest.raises(ValueError, match="model.remat"):
        CausalLM(FAMILIES["qwen3"], rngs=nnx.Rngs(0), remat="sometimes")
    # One list of names: the config's choices, the model's and `inftool plan`'s memory model.
    assert typing.get_args(ModelConfig.model_fields["remat"].annotation) == REMAT_POLICIES
    assert load_config(None, ["model.scan_layers=true"]).model.scan_layers is True


def test_memory_plan_orders_remat_policies():
    cfg = parse_hf_config(FAMILIES["qwen3"], "test")
    by = {r: activation_bytes(cfg, rows=4, length=128, compute_bytes=2, remat=r) for r in REMAT_POLICIES}
    assert by["full"] < by["dots"] < by["none"], by


@pytest.mark.parametrize(("family", "remat"), [(f, "none") for f in sorted(FAMILIES)] + [("qwen3", "full")])
def test_scan_layers_gives_equal_logits_and_gradients(family, remat):
    config = copy.deepcopy(FAMILIES[family])
    ids = _ids()
    plain, scanned = _model(config), _model(config, scan_layers=True, remat=remat)
    # Same parameters, same names: the scan stacks nothing in the module.
    _assert_close_trees(flat_params(scanned), flat_params(plain), rtol=0, atol=0)
    np.testing.assert_allclose(np.asarray(scanned(ids)), np.asarray(plain(ids)), rtol=1e-5, atol=1e-5)
    _assert_close_trees(_grads(scanned, ids), _grads(plain, ids), rtol=1e-4, atol=1e-4)


def test_scan_layers_cache_path_prefill_and_decode_equal():
    config = copy.deepcopy(FAMILIES["qwen3"])
    ids = _ids()
    plain, scanned = _model(config), _model(config, scan_layers=True)
    positions = jnp.broadcast_to(jnp.arange(T, dtype=jnp.int32), (B, T))
    key_mask = jnp.ones((B, T), bool).at[0, :2].set(False)  # a left-padded row
    results = []
    for model in (plain, scanned):
        cache = model.init_cache(B, T + 3)
        prefill, cache = nnx.jit(lambda m, i, p, c, k: m.forward_with_cache(i, p, c, k))(model, ids, positions, cache, key_mask)
        step = nnx.jit(lambda m, i, p, c: m.forward_with_cache(i, p, c))
        decoded = []
        for j in range(3):
            logits, cache = step(model, ids[:, j : j + 1], jnp.full((B, 1), T + j, jnp.int32), cache)
            decoded.append(logits)
        results.append((prefill, jnp.concatenate(decoded, axis=1), cache))
    (p0, d0, c0), (p1, d1, c1) = results
    np.testing.assert_allclose(np.asarray(p1), np.asarray(p0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(d1), np.asarray(d0), rtol=1e-5, atol=1e-5)
    assert len(c1.keys) == len(c0.keys) == config["num_hidden_layers"]
    for a, b in zip(c0.keys + c0.values, c1.keys + c1.values):
        assert a.shape == b.shape
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-5, atol=1e-5)
    # A whole sequence through the scanned cache path equals the scanned full forward (the two padding queries of
    # row 0 attend to nothing: their logits are meaningless and left out).
    full = scanned(ids, attention_mask=key_mask)
    np.testing.assert_allclose(np.asarray(p1[:, 2:]), np.asarray(full[:, 2:]), rtol=1e-5, atol=1e-5)


def test_scan_layers_hf_round_trip(tmp_path):
    config = copy.deepcopy(FAMILIES["qwen2_untied"])
    ids = _ids()
    scanned = _model(config, scan_layers=True, remat="full")
    save_pretrained(scanned, tmp_path / "ckpt", progress=False)
    loaded = load_pretrained(tmp_path / "ckpt", scan_layers=True, remat="full", progress=False)
    assert loaded.scan_layers and loaded.remat == "full"
    _assert_close_trees(flat_params(loaded), flat_params(scanned), rtol=0, atol=0)
    np.testing.assert_allclose(np.asarray(loaded(ids)), np.asarray(scanned(ids)), rtol=0, atol=0)
    plain = load_pretrained(tmp_path / "ckpt", progress=False)  # the same files serve the plain loop
    assert not plain.scan_layers
    np.testing.assert_allclose(np.asarray(plain(ids)), np.asarray(scanned(ids)), rtol=1e-5, atol=1e-5)


_step_spec = importlib.util.spec_from_file_location("_sharded_step", Path(__file__).with_name("_sharded_step.py"))
step_lib = importlib.util.module_from_spec(_step_spec)
_step_spec.loader.exec_module(step_lib)


def _constraints(model: CausalLM, ids, mask) -> int:
    graphdef, state = nnx.split(model)
    jaxpr = jax.make_jaxpr(lambda s: nnx.merge(graphdef, s)(ids, attention_mask=mask))(state)
    return str(jaxpr).count("sharding_constraint")


@pytest.mark.parametrize("options", [{}, {"scan_layers": True, "remat": "full"}], ids=["loop", "scan_remat"])
def test_activation_sharding_constraints_only_with_batch_shards(options):
    """With a mesh of 8 (fake CPU) devices the residual stream is constrained batch-sharded; on one device, or with
    rows that do not divide into the batch shards, nothing is constrained."""
    mesh = make_mesh(MeshConfig(data=2, fsdp=2, tp=2))
    ids, mask = step_lib.batch()
    reference = create_model(step_lib.CONFIG, seed=0, **options)
    sharded = create_model(step_lib.CONFIG, seed=0, mesh=mesh, **options)
    assert reference.activation_mesh is None and sharded.activation_mesh is mesh
    assert _constraints(reference, ids, mask) == 0
    assert _constraints(sharded, ids, mask) >= 2  # after the embedding and in every layer (once in a scan body)
    assert _constraints(sharded, ids[:3], mask[:3]) == 0  # 3 rows over 4 batch shards: left alone
    one = make_mesh(MeshConfig(data=1, fsdp=1, tp=1), devices=jax.devices()[:1])
    assert _constraints(create_model(step_lib.CONFIG, seed=0, mesh=one, **options), ids, mask) == 0


def test_scanned_rematted_constrained_step_equals_one_device():
    """Loss and gradients of the jitted sharded step (scan, remat, constraints) on the fake 8-device mesh are those of
    the plain single-device model (the plain loop with constraints is tests/model/test_sharding.py's)."""
    mesh = make_mesh(MeshConfig(data=2, fsdp=2, tp=2))
    ids, mask = step_lib.batch()
    g0, s0 = nnx.split(create_model(step_lib.CONFIG, seed=0))
    ref_loss, ref_grads = step_lib.make_step(g0, s0)(s0, ids, mask)
    g1, s1 = nnx.split(create_model(step_lib.CONFIG, seed=0, mesh=mesh, scan_layers=True, remat="full"))
    loss, grads = step_lib.make_step(g1, s1, mesh)(s1, ids, mask)
    np.testing.assert_allclose(float(loss), float(ref_loss), rtol=1e-5)
    _assert_close_trees(flat_params(nnx.merge(g1, grads)), flat_params(nnx.merge(g0, ref_grads)), rtol=1e-4, atol=1e-4)
