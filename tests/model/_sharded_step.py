"""A sharded forward/backward step, shared by the sharding tests and the multi-host worker.

Run as a script it is one process of a multi-host run:
``python _sharded_step.py COORDINATOR NUM_PROCESSES PROCESS_ID OUT.npz``.
"""

from __future__ import annotations

import sys

import numpy as np

CONFIG = dict(
    model_type="qwen2",
    vocab_size=96,
    hidden_size=64,
    intermediate_size=96,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    rms_norm_eps=1e-6,
    rope_theta=10000.0,
    tie_word_embeddings=False,
    initializer_range=0.2,
)
MESHES = {"fsdp8": (1, 8, 1), "fsdp4_tp2": (1, 4, 2), "data2_fsdp2_tp2": (2, 2, 2)}
BATCH, LENGTH = 8, 10


def batch() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    ids = rng.integers(0, CONFIG["vocab_size"], (BATCH, LENGTH)).astype(np.int32)
    lengths = rng.integers(3, LENGTH + 1, BATCH)
    mask = (np.arange(LENGTH)[None] < lengths[:, None]).astype(np.int32)
    return ids * mask, mask


def make_step(graphdef, state, mesh=None):
    """``jit(value_and_grad(next-token loss))`` with explicit in/out shardings when ``mesh`` is given."""
    import jax
    import jax.numpy as jnp
    from flax import nnx
    from jax.sharding import NamedSharding, PartitionSpec as P

    from inftool_jax.model.sharding import batch_sharding, named_shardings

    def loss_fn(state, ids, mask):
        model = nnx.merge(graphdef, state)
        logits = model(ids, attention_mask=mask)[:, :-1]
        logp = jax.nn.log_softmax(logits, axis=-1)
        target = jnp.take_along_axis(logp, ids[:, 1:, None], axis=-1)[..., 0]
        weight = mask[:, 1:].astype(jnp.float32)
        return -(target * weight).sum() / weight.sum()

    fn = jax.value_and_grad(loss_fn)
    if mesh is None:
        return jax.jit(fn)
    params = named_shardings(state, mesh)
    rows = batch_sharding(mesh)
    return jax.jit(fn, in_shardings=(params, rows, rows), out_shardings=(NamedSharding(mesh, P()), params))


def _worker(coordinator: str, num_processes: int, process_id: int, out: str) -> None:
    import jax
    from flax import nnx
    from jax.experimental import multihost_utils

    from inftool_jax.model import create_model, host_local_batch, initialize_distributed, make_mesh
    from inftool_jax.model.config import MeshConfig
    from inftool_jax.model.distributed import local_batch_rows
    from inftool_jax.model.sharding import batch_sharding

    assert initialize_distributed(coordinator, num_processes, process_id)
    data, fsdp, tp = MESHES["data2_fsdp2_tp2"]
    mesh = make_mesh(MeshConfig(data=data, fsdp=fsdp, tp=tp))
    model = create_model(CONFIG, seed=0, mesh=mesh)
    graphdef, state = nnx.split(model)
    ids, mask = batch()
    rows = local_batch_rows(batch_sharding(mesh), BATCH)
    g_ids = host_local_batch(ids[rows], mesh, BATCH)
    g_mask = host_local_batch(mask[rows], mesh, BATCH)
    loss, grads = make_step(graphdef, state, mesh)(state, g_ids, g_mask)
    flat = jax.tree_util.tree_flatten_with_path(grads)[0]
    gathered = {jax.tree_util.keystr(p): np.asarray(multihost_utils.process_allgather(g, tiled=True)) for p, g in flat}
    if process_id == 0:
        np.savez(out, loss=np.asarray(loss.addressable_data(0)), rows=np.array([rows.start, rows.stop]), **gathered)
    multihost_utils.sync_global_devices("done")
    jax.distributed.shutdown()


if __name__ == "__main__":
    _worker(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
