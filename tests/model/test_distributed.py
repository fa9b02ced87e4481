"""Multi-host: two CPU processes joined by jax.distributed run one sharded step that matches one process."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest
from flax import nnx

from inftool_jax.errors import InputError
from inftool_jax.model import create_model, host_local_batch, initialize_distributed, make_mesh
from inftool_jax.model.config import MeshConfig
from inftool_jax.model.distributed import local_batch_rows
from inftool_jax.model.sharding import batch_sharding

WORKER = Path(__file__).with_name("_sharded_step.py")
_spec = importlib.util.spec_from_file_location("_sharded_step", WORKER)
step_lib = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(step_lib)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_single_process_needs_no_cluster():
    assert initialize_distributed() is False
    assert initialize_distributed(None, 1, 0) is False


def test_half_configured_cluster_is_an_input_error():
    with pytest.raises(InputError, match="must all be set"):
        initialize_distributed("127.0.0.1:1234", 2, None)
    with pytest.raises(InputError) as err:
        initialize_distributed("127.0.0.1:1234", 2, 5)
    assert err.value.pointer == "distributed.process_id"


def test_host_local_batch_in_one_process_is_the_whole_batch():
    mesh = make_mesh(MeshConfig(data=2, fsdp=2, tp=2))
    ids, _ = step_lib.batch()
    assert local_batch_rows(batch_sharding(mesh), len(ids)) == slice(0, len(ids))
    arr = host_local_batch(ids, mesh)
    assert arr.shape == ids.shape and arr.sharding.spec == batch_sharding(mesh).spec
    np.testing.assert_array_equal(np.asarray(arr), ids)


@pytest.mark.slow
def test_two_processes_run_one_sharded_step_that_matches_one_process(tmp_path):
    coordinator = f"127.0.0.1:{_free_port()}"
    env = dict(os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS="--xla_force_host_platform_device_count=4")
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = f"{root}{os.pathsep}{env.get('PYTHONPATH', '')}"
    out = tmp_path / "result.npz"
    procs = [
        subprocess.Popen([sys.executable, str(WORKER), coordinator, "2", str(i), str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for i in range(2)
    ]
    logs = []
    try:
        for p in procs:
            logs.append(p.communicate(timeout=300)[0])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs), "\n".join(logs)[-4000:]
    got = np.load(out)
    assert tuple(got["rows"]) == (0, 4)  # process 0 supplied half the batch

    # the same step in this one process on one device
    model = create_model(step_lib.CONFIG, seed=0)
    graphdef, state = nnx.split(model)
    ids, mask = step_lib.batch()
    loss, grads = step_lib.make_step(graphdef, state)(state, ids, mask)
    assert abs(float(got["loss"]) - float(loss)) < 1e-5
    for path, g in jax.tree_util.tree_flatten_with_path(grads)[0]:
        np.testing.assert_allclose(got[jax.tree_util.keystr(path)], np.asarray(g), atol=1e-5, rtol=0)


def test_default_distributed_config_means_a_single_process():
    from inftool_jax.model.config import DistributedConfig
    from inftool_jax.model.distributed import initialize_from_config

    assert initialize_from_config(DistributedConfig()) is False
