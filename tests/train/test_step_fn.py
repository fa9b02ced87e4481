"""The jitted train step: exact gradient accumulation and the non-finite guard."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from train_fixtures import make_batch

from inftool_jax.model import make_mesh
from inftool_jax.model.config import MeshConfig
from inftool_jax.sft.loss_fn import sft_loss
from inftool_jax.train.state import ModelDef, create_train_state, flat_params, state_shardings
from inftool_jax.train.step_fn import compile_train_step, split_micro_batches, train_step


def _sgd_step(model, batch, micro_batches, loss_fn=sft_loss, mesh=None):
    model_def = ModelDef(model)
    optimizer = optax.sgd(1.0)  # new params = params - grad: the update *is* the gradient
    params = flat_params(model)
    state = create_train_state(params, optimizer, seed=0)
    fn = jax.jit(lambda s, b: train_step(s, b, loss_fn, model_def=model_def, optimizer=optimizer, micro_batches=micro_batches))
    new_state, metrics = fn(state, jax.tree.map(jnp.asarray, batch))
    grads = {k: params[k] - new_state.params[k] for k in params}
    return grads, metrics, new_state


def test_micro_batches_take_strided_rows():
    batch = {"x": jnp.arange(8)}
    split = split_micro_batches(batch, 4)["x"]
    assert split.tolist() == [[0, 4], [1, 5], [2, 6], [3, 7]]


def test_accumulated_gradient_equals_big_batch_token_mean_gradient(tiny_model):
    # Rows have very different assistant-token counts, so averaging per-micro-batch means would be wrong.
    batch = make_batch(8, 24, seed=3)
    model_def = ModelDef(tiny_model)
    params = flat_params(tiny_model)

    def big_batch_mean(p):
        loss_sum, count, _ = sft_loss(model_def.merge(p), jax.tree.map(jnp.asarray, batch), None)
        return loss_sum / count

    expected = jax.jit(jax.grad(big_batch_mean))(params)
    one, m1, _ = _sgd_step(tiny_model, batch, 1)
    four, m4, _ = _sgd_step(tiny_model, batch, 4)
    for name in params:
        np.testing.assert_allclose(one[name], expected[name], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(four[name], expected[name], rtol=1e-4, atol=1e-7)
    assert float(m1["weight"]) == float(m4["weight"]) == float(batch["loss_mask"][:, 1:].sum())
    np.testing.assert_allclose(float(m4["loss"]), float(jax.jit(big_batch_mean)(params)), rtol=1e-6)


def test_naive_mean_of_micro_batch_means_differs_so_the_test_above_can_fail(tiny_model):
    batch = make_batch(8, 24, seed=3)
    model_def = ModelDef(tiny_model)
    params = flat_params(tiny_model)
    micro = split_micro_batches(jax.tree.map(jnp.asarray, batch), 4)

    def mean_of_means(p):
        losses = [sft_loss(model_def.merge(p), jax.tree.map(lambda x: x[j], micro), None) for j in range(4)]
        return sum(s / c for s, c, _ in losses) / 4

    naive = jax.jit(jax.grad(mean_of_means))(params)
    exact, _, _ = _sgd_step(tiny_model, batch, 4)
    name = "layers.0.mlp.up_proj.weight"
    assert not np.allclose(naive[name], exact[name], rtol=1e-3, atol=0)


def _poisoned_loss(model, batch, rng):
    loss_sum, count, aux = sft_loss(model, batch, rng)
    poison = jnp.where(jnp.any(batch["input_ids"] == 63), jnp.nan, 0.0)
    return loss_sum + poison, count, aux


def test_nonfinite_step_is_skipped_and_counted_then_streak_resets(tiny_model):
    model_def = ModelDef(tiny_model)
    optimizer = optax.adamw(1e-2)
    state = create_train_state(flat_params(tiny_model), optimizer, seed=0)
    step = jax.jit(lambda s, b: train_step(s, b, _poisoned_loss, model_def=model_def, optimizer=optimizer))
    bad = make_batch(4, 16, seed=1)
    bad["input_ids"][0, 0] = 63
    good = make_batch(4, 16, seed=2)
    good["input_ids"][good["input_ids"] == 63] = 5

    before = jax.tree.map(np.asarray, state.params)
    s1, m1 = step(state, bad)
    assert int(m1["skipped"]) == 1 and int(s1.nonfinite_streak) == 1
    assert int(s1.step) == 1 and int(s1.updates) == 0
    for name in before:
        np.testing.assert_array_equal(np.asarray(s1.params[name]), before[name])
    jax.tree.map(np.testing.assert_array_equal, s1.opt_state, state.opt_state)
    s2, _ = step(s1, bad)
    assert int(s2.nonfinite_streak) == 2
    s3, m3 = step(s2, good)
    assert int(m3["skipped"]) == 0 and int(s3.nonfinite_streak) == 0 and int(s3.updates) == 1
    assert not np.array_equal(np.asarray(s3.params["norm.weight"]), before["norm.weight"])
    assert all(np.isfinite(np.asarray(v)).all() for v in s3.params.values())


def test_compiled_step_keeps_the_declared_shardings(tiny_model):
    mesh = make_mesh(MeshConfig(data=1, fsdp=4, tp=2))
    model_def = ModelDef(tiny_model)
    optimizer = optax.adamw(1e-3)
    params = flat_params(tiny_model)
    shardings = state_shardings(jax.eval_shape(lambda p: create_train_state(p, optimizer, 0), params), mesh)
    state = jax.jit(lambda p: create_train_state(p, optimizer, 0), out_shardings=shardings)(params)
    step = compile_train_step(sft_loss, model_def=model_def, optimizer=optimizer, state_shardings=shardings, mesh=mesh, micro_batches=2)
    from inftool_jax.train.data import global_batch

    new_state, metrics = step(state, global_batch(make_batch(8, 16), mesh))
    assert new_state.params["layers.0.mlp.up_proj.weight"].sharding.spec == jax.sharding.PartitionSpec("tp", "fsdp")
    mu = new_state.opt_state[0].mu["layers.0.mlp.down_proj.weight"]
    assert mu.sharding.spec == jax.sharding.PartitionSpec("fsdp", "tp")
    assert np.isfinite(float(metrics["loss"]))
    with pytest.raises(RuntimeError):  # donated: the old state's buffers are gone
        np.asarray(state.params["norm.weight"])
